// POST /volume/{id}/compute_differences: the changed-block query of gopowerstore's
// ComputeDifferences and of backup software. This file only translates: body fields to the core
// input (core/volume-differences.ts holds the rules), the bitmap to base64, and "no next offset"
// to -1 as the SDK documents. It reads and changes nothing, so it is not a mutation (no job for
// is_async, any role may call it) and answers 200 like the other actions that return a body.
import type { FastifyInstance } from 'fastify';
import type { PowerStoreApi } from '../api-context.ts';
import { READ_ONLY_ROUTE } from '../auth.ts';
import { readBody } from '../body.ts';
import { resolveRef } from './volumes.ts';

type Id = { Params: { id: string } };

export function registerVolumeDifferenceRoutes(app: FastifyInstance, api: PowerStoreApi): void {
  app.post<Id>('/volume/:id/compute_differences', READ_ONLY_ROUTE, async (request, reply) => {
    const id = api.resolveId('volume', request.params.id);
    // gopowerstore sends every field, null when unset (no omitempty), and its own unit test sends
    // base_snapshot_id "" for "no base": null and "" both mean "allocated chunks".
    const body = readBody(
      request.body,
      { base_snapshot_id: 'string?', offset: 'integer?', length: 'integer?', chunk_size: 'integer?' },
      ['length', 'chunk_size'],
    );
    const base = resolveRef(api, 'volume', body.base_snapshot_id);
    const result = api.services.computeDifferences(id, {
      baseSnapshotId: base ? base : null,
      offsetBytes: body.offset ?? null,
      lengthBytes: body.length,
      chunkBytes: body.chunk_size,
    });
    reply.code(200);
    return { chunk_bitmap: Buffer.from(result.bitmap).toString('base64'), next_offset: result.nextOffsetBytes ?? -1 };
  });
}
