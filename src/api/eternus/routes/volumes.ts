// /volume: list, get, create (one or `count` volumes in the thin pool) and delete, as views over
// the core VolumeService. The copy-session views of volumes live in routes/copysessions.ts.
//
// Order of a mutation: policy (403), body and path (400/404), the core's own checks that can be
// asked without changing anything (name in use: 409), room in the job table (503); only then is a
// job registered. DELETE runs the core deletion before answering 202, because the core's refusals
// (attached, protected, replication destination, group member) are only known by attempting it;
// a refused deletion changes nothing and registers no job.
import type { FastifyInstance } from 'fastify';
import { DomainError, ValidationError } from '../../../core/errors.ts';
import type { EternusApi } from '../api-context.ts';
import type { EternusRouteConfig } from '../auth.ts';
import { readBody } from '../body.ts';
import { edgeError } from '../errors.ts';
import { formatVolume, TPP_ID, volumeHref } from '../format.ts';
import {
  ETERNUS_CAPACITY_MB_MAX,
  ETERNUS_CAPACITY_MB_MIN,
  ETERNUS_MB_BYTES,
  ETERNUS_NUMBER_OF_DIGITS_MAX,
  ETERNUS_VOLUME_COUNT_MAX,
  ETERNUS_VOLUME_NAME_CHARS_MAX,
} from '../limits.ts';
import { listEnvelope, parseListQuery, project } from '../query.ts';

type Id = { Params: { id: string } };

/** Single-byte printable characters without blank, `,` and `?` (volume_create_post). */
const NAME_PATTERN = /^[\x21-\x7e]+$/;

export function registerVolumeRoutes(app: FastifyInstance, api: EternusApi): void {
  const { volumes } = api.services;

  app.get('/volume', async (request) => {
    const query = parseListQuery(request.url);
    return listEnvelope(request.url, 'volume', 'volume_id', api.visibleVolumes(api.user(request)).map(formatVolume), query);
  });

  app.get<Id>('/volume/:id', async (request) => {
    const query = parseListQuery(request.url, ['fields']);
    return project(formatVolume(api.volume(api.user(request), request.params.id)), 'volume_id', query.fields);
  });

  app.post('/volume', { config: { policy: 'Volume_Create_Modify' } satisfies EternusRouteConfig }, async (request, reply) => {
    const user = api.user(request);
    const plan = readCreate(request.body);
    for (const name of plan.names) volumes.checkNewName(name);
    const tenant = user.tenant;
    const answer = api.submit(request, {
      resourceType: 'volume',
      action: 'create',
      resourceName: plan.names.length === 1 ? plan.names[0] : null,
      continueOnError: plan.names.length > 1,
      steps: plan.names.map((name) => ({
        operation: `create volume -name ${name} -type tpv -pool-number ${TPP_ID} -size ${plan.capacityMb}mb`,
        resourceHref: null,
        run: async () => {
          const volume = await volumes.create({ name, sizeBytes: plan.capacityMb * ETERNUS_MB_BYTES });
          // A tenant user's volume belongs to the tenant (a second commit right after the create).
          if (tenant !== null) await volumes.setTenant(volume.id, tenant);
          return [volumeHref(volume)];
        },
      })),
    });
    return reply.code(202).send(answer);
  });

  app.delete<Id>('/volume/:id', { config: { policy: 'Volume_Delete_Format' } satisfies EternusRouteConfig }, async (request, reply) => {
    const user = api.user(request);
    readBody(request.body, {});
    const volume = api.volume(user, request.params.id);
    api.jobs.checkRoom();
    await volumes.delete(volume.id);
    const answer = api.submit(request, {
      resourceType: 'volume',
      action: 'delete',
      resourceName: volume.name,
      steps: [{ operation: `delete volume -volume-number ${volume.number}`, resourceHref: volumeHref(volume), run: async () => [volumeHref(volume)] }],
    });
    return reply.code(202).send(answer);
  });
}

interface CreatePlan {
  names: string[];
  capacityMb: number;
}

function readCreate(raw: unknown): CreatePlan {
  const body = readBody(
    raw,
    {
      name: 'string',
      capacity: 'integer',
      tpp_id: 'integer',
      raidgroup_id: 'integer',
      count: 'integer',
      start_number: 'integer',
      number_of_digits: 'integer',
      is_copy_protection_enabled: 'boolean',
    },
    ['name', 'capacity'],
  );
  if (body.tpp_id !== undefined && body.raidgroup_id !== undefined) throw edgeError('PARAMETER_COMBINATION', 'tpp_id and raidgroup_id');
  if (body.raidgroup_id !== undefined) throw new DomainError('NOT_FOUND', `raidgroup_id ${body.raidgroup_id} does not exist`, { field: 'raidgroup_id' });
  if (body.tpp_id === undefined) throw new ValidationError('tpp_id is required (Tandem has no RAID groups)', 'tpp_id');
  if (body.tpp_id !== TPP_ID) throw new DomainError('NOT_FOUND', `tpp_id ${body.tpp_id} does not exist`, { field: 'tpp_id' });
  if (body.is_copy_protection_enabled === true) throw new ValidationError('is_copy_protection_enabled true is not supported', 'is_copy_protection_enabled');
  const capacityMb = body.capacity!;
  if (capacityMb < ETERNUS_CAPACITY_MB_MIN || capacityMb > ETERNUS_CAPACITY_MB_MAX) {
    throw new ValidationError(`capacity must be ${ETERNUS_CAPACITY_MB_MIN}..${ETERNUS_CAPACITY_MB_MAX} MB, got ${capacityMb}`, 'capacity');
  }
  const names = bulkNames(body.name!, body.count, body.start_number, body.number_of_digits);
  for (const name of names) checkVolumeName(name);
  return { names, capacityMb };
}

/**
 * `count` volumes named name + serial: serials start at start_number (default 0) and are padded
 * to number_of_digits (default: the digits of the largest serial). Without count: one volume, the
 * name as given, and start_number/number_of_digits are refused.
 */
export function bulkNames(name: string, count?: number, startNumber?: number, digits?: number): string[] {
  if (count === undefined) {
    if (startNumber !== undefined || digits !== undefined) throw edgeError('PARAMETER_COMBINATION', 'start_number or number_of_digits without count');
    return [name];
  }
  if (count < 1 || count > ETERNUS_VOLUME_COUNT_MAX) throw new ValidationError(`count must be 1..${ETERNUS_VOLUME_COUNT_MAX}, got ${count}`, 'count');
  const start = startNumber ?? 0;
  if (start < 0) throw new ValidationError(`start_number must not be negative, got ${start}`, 'start_number');
  const last = start + count - 1;
  const width = digits ?? String(last).length;
  if (width < 1 || width > ETERNUS_NUMBER_OF_DIGITS_MAX) {
    throw new ValidationError(`number_of_digits must be 1..${ETERNUS_NUMBER_OF_DIGITS_MAX}, got ${width}`, 'number_of_digits');
  }
  if (String(last).length > width) throw new ValidationError(`number_of_digits ${width} cannot hold the serial ${last}`, 'number_of_digits');
  return Array.from({ length: count }, (_, i) => `${name}${String(start + i).padStart(width, '0')}`);
}

export function checkVolumeName(name: string): void {
  if (name.length < 1 || name.length > ETERNUS_VOLUME_NAME_CHARS_MAX) {
    throw new ValidationError(`name "${name}" must be 1..${ETERNUS_VOLUME_NAME_CHARS_MAX} characters`, 'name');
  }
  if (!NAME_PATTERN.test(name) || name.includes(',') || name.includes('?')) {
    throw new ValidationError(`name "${name}" may hold single-byte characters other than blank, "," and "?"`, 'name');
  }
}
