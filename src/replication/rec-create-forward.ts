// ETERNUS lets a REC session be created on either of its two boxes (research/eternus-api.md §2.4:
// "one of the two box IDs is this box, the other the remote box"). The source box runs the
// creation (ReplicationService.createRec: it checks its volume, has the destination pair its
// volume, then starts the initial copy), so a create issued on the destination box is forwarded
// to the source box, which creates the session on both boxes before it answers. The destination
// box then finds the session in its own records, under its own copy session number.
import type { CoreContext } from '../core/context.ts';
import { DomainError } from '../core/errors.ts';
import type { ReplicationSession } from '../core/replication/model.ts';
import { CONTROL_RPC_TIMEOUT_MS } from './limits.ts';
import { remoteSystemOfCaller } from './remote-systems.ts';
import type { RecCreateSpec } from './rec-actions.ts';
import type { PeerTransport } from './transport.ts';
import { RPC } from './wire.ts';

import type { RecCreateOnSourceParams } from '../core/replication/commands.ts';
export type { RecCreateOnSourceParams };

/** What the forwarding needs of the replication service. */
export interface RecCreator {
  createRec(spec: RecCreateSpec): Promise<ReplicationSession>;
  get(id: string): ReplicationSession;
}

/**
 * The forwarded call waits for the whole creation on the source box, which includes its own
 * control call back to this box (CONTROL_RPC_TIMEOUT_MS), so it may take up to twice as long.
 */
const FORWARDED_CREATE_TIMEOUT_MS = 2 * CONTROL_RPC_TIMEOUT_MS;

/** Source box: creates a REC session asked for by its destination box. */
export function installRecCreateOnSource(ctx: CoreContext, transport: PeerTransport, creator: RecCreator): void {
  transport.handle(RPC.recCreateOnSource, async ({ params, fromSystemId }) => {
    const p = params as RecCreateOnSourceParams;
    const rs = remoteSystemOfCaller(ctx, fromSystemId);
    const volume = ctx.meta.findShared('volumeByNumber', String(p.sourceVolumeNumber))[0];
    if (!volume) throw new DomainError('NOT_FOUND', `source_volume_id ${p.sourceVolumeNumber} does not exist on the source box ${ctx.identity.boxId}.`, { kind: 'volume', id: String(p.sourceVolumeNumber) });
    const session = await creator.createRec({
      localVolumeId: volume.id,
      remoteSystemId: rs.id,
      destinationVolumeNumber: p.destinationVolumeNumber,
      transferMode: p.transferMode,
      splitMode: p.splitMode,
      recoveryMode: p.recoveryMode,
    });
    return { result: { sessionId: session.id } };
  });
}

/** A call to the source box on the peer link (PeerClient.call). */
export type SourceBoxCall = (method: string, params: unknown, options: { timeoutMs: number }) => Promise<{ result: unknown }>;

/** Destination box: has the source box create the session; returns this box's record of it. */
export async function createRecOnSource(call: SourceBoxCall, creator: RecCreator, params: RecCreateOnSourceParams): Promise<ReplicationSession> {
  const answer = await call(RPC.recCreateOnSource, params, { timeoutMs: FORWARDED_CREATE_TIMEOUT_MS });
  return creator.get((answer.result as { sessionId: string }).sessionId);
}
