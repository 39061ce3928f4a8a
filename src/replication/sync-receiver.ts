// The destination's side of mirroring: applies mirrored writes and trims directly to the
// destination volume (not staging: the session is in step, the destination is the source's
// mirror), flushes on request, and takes checkpoints (a new common base on both sides while the
// source holds its writes).
//
// A mirrored write (not FUA) is acknowledged once it is checked, and applied right after the
// answer has left, in the same turn of the event loop (setImmediate runs before the loop reads
// the next message). The engine write (a page-cache copy, ~10-20 µs with the page's first touch
// on these VMs) then overlaps the answer's trip back instead of preceding it; that was 30-80 µs
// of a synchronous QD1 write (BENCHMARKS.md, sync). Nothing durable is given up: without FUA a
// write is durable only once flushed, on the destination as before, and every FLUSH, checkpoint,
// growth and snapshot in step first waits for the applies acknowledged before it. A FUA write is
// applied and made durable before its answer. An apply that fails leaves the destination short of
// a write the source counts as mirrored: the session records it (mirroredWriteLost, so a restart
// knows it too) and is refused mirrored calls until a resync gives it a new base (which ships
// everything since the old one), and the source is told at once.
import type { CoreContext } from '../core/context.ts';
import { DomainError, NotFoundError, StateError } from '../core/errors.ts';
import type { ReplicationSession } from '../core/replication/model.ts';
import type { SessionEvent } from '../core/replication/session-machine.ts';
import { parseSyncCheckpoint, parseSyncFlush, parseSyncTrim, parseSyncWrite } from './peer-protocol.ts';
import type { PeerTransport } from './transport.ts';
import { RPC } from './wire.ts';

/** Which session an acknowledged write belongs to, as it was when acknowledged. */
export interface AcknowledgedFor {
  sessionId: string;
  peerSystemId: string;
  baseCycle: number;
}

export interface SyncReceiverHooks {
  /** Records a checkpoint through the state machine (the caller holds the management lock). */
  checkpointApplied(sessionId: string, event: Extract<SessionEvent, { type: 'checkpoint_applied' }>): Promise<unknown>;
  /** Records that an acknowledged write or trim could not be applied, through the state machine (mirrored_write_lost). */
  recordLost(sessionId: string, event: Extract<SessionEvent, { type: 'mirrored_write_lost' }>): void;
  /** An acknowledged write or trim could not be applied (tell the source; best effort). */
  onDiverged(lost: AcknowledgedFor, reason: string): void;
}

export class SyncReceiver {
  /** Acknowledged writes and trims not yet handed to the engine, in arrival order. */
  private queued: { for: AcknowledgedFor; apply: () => Promise<void> }[] = [];
  private applyScheduled = false;
  /** Applies handed to the engine and not yet settled. */
  private readonly applying = new Set<Promise<void>>();

  constructor(
    private readonly ctx: CoreContext,
    transport: PeerTransport,
    private readonly hooks: SyncReceiverHooks,
  ) {
    this.install(transport);
  }

  /**
   * Resolves once every acknowledged write and trim is applied; throws when the session lost one
   * at its current base (it must resync first). Everything that reads or fixes the destination's
   * contents in step (flush, checkpoint, growth, snapshot) calls this first.
   */
  async settled(session?: Readonly<ReplicationSession>): Promise<void> {
    this.applyQueued();
    while (this.applying.size > 0) await Promise.allSettled([...this.applying]);
    if (session) this.refuseIfDiverged(session);
  }

  private install(transport: PeerTransport): void {
    const ctx = this.ctx;
    transport.handle(RPC.syncWrite, async ({ params: raw, payload, fromSystemId }) => {
      const params = parseSyncWrite(raw);
      const s = this.target(params, fromSystemId);
      if (!payload) throw new DomainError('VALIDATION_FAILED', 'A mirrored write carries its data as payload.');
      if (params.fua === true) {
        await this.settled(s);
        await ctx.store.write(params.remoteVolumeId, params.offsetBytes, payload, { fua: true });
      } else {
        this.acknowledgeThenApply(s, () => ctx.store.write(params.remoteVolumeId, params.offsetBytes, payload));
      }
      return { result: {} };
    });
    transport.handle(RPC.syncTrim, async ({ params: raw, fromSystemId }) => {
      const params = parseSyncTrim(raw);
      const s = this.target(params, fromSystemId);
      if (params.fua === true) {
        await this.settled(s);
        await ctx.store.trim(params.remoteVolumeId, params.offsetBytes, params.lengthBytes, { fua: true });
      } else {
        this.acknowledgeThenApply(s, () => ctx.store.trim(params.remoteVolumeId, params.offsetBytes, params.lengthBytes));
      }
      return { result: {} };
    });
    transport.handle(RPC.syncFlush, async ({ params }) => {
      await this.settled();
      const { sessionId } = parseSyncFlush(params);
      const s = sessionId !== null ? ctx.meta.getShared('replication_session', sessionId) : undefined;
      if (s) this.refuseIfDiverged(s);
      await ctx.store.flush();
      return { result: {} };
    });
    transport.handle(RPC.syncCheckpoint, async ({ params, fromSystemId }) => {
      const p = parseSyncCheckpoint(params);
      const s = ctx.meta.get('replication_session', p.sessionId);
      if (!s || s.peerSystemId !== fromSystemId || s.role !== 'Destination') throw new NotFoundError('replication_session', p.sessionId);
      if (s.baseCycle !== p.baseCycle) throw new StateError(`Replication session ${s.id} is at cycle ${s.baseCycle}, the source at ${p.baseCycle}.`, 'replication_session', s.id);
      await this.settled(s);
      await ctx.store.flush();
      await ctx.lock.run(async () => {
        const current = ctx.meta.get('replication_session', s.id)!;
        const pairs = [];
        for (const e of current.elementPairs) {
          const baseId = ctx.ids.uuid();
          await ctx.store.snapshotVolume(e.localVolumeId, baseId);
          pairs.push({ ...e, localBaseSnapshotId: baseId });
        }
        await this.hooks.checkpointApplied(s.id, { type: 'checkpoint_applied', cycle: p.cycle, elementPairs: pairs, syncedAtMs: p.syncedAtMs });
        for (const e of current.elementPairs) if (e.localBaseSnapshotId) await ctx.store.deleteVolume(e.localBaseSnapshotId).catch(() => undefined);
      });
      return { result: {} };
    });
  }

  /** Every mirrored write passes here: the shared record, not a copy (it is only read). */
  private target(params: { sessionId: string; remoteVolumeId: string; baseCycle: number }, fromSystemId: string): Readonly<ReplicationSession> {
    const s = this.ctx.meta.getShared('replication_session', params.sessionId);
    if (!s) throw new NotFoundError('replication_session', params.sessionId);
    if (s.peerSystemId !== fromSystemId) throw new DomainError('FORBIDDEN', 'The session belongs to another peer.');
    // A destination that became usable (suspended, failed over, under test) takes no mirrored writes.
    if (s.role !== 'Destination' || s.transferMode !== 'Synchronous' || s.state === 'Suspended' || s.state === 'Failed_Over' || s.failoverTest) {
      throw new StateError(`Replication session ${s.id} does not take mirrored writes here (role ${s.role}, state ${s.state}).`, 'replication_session', s.id);
    }
    if (!s.elementPairs.some((p) => p.localVolumeId === params.remoteVolumeId)) throw new NotFoundError('volume', params.remoteVolumeId);
    if (params.baseCycle !== s.baseCycle) {
      throw new StateError(`Replication session ${s.id} is at base cycle ${s.baseCycle}; a mirrored write of base ${params.baseCycle} comes from an earlier mirroring and is refused.`, 'replication_session', s.id);
    }
    this.refuseIfDiverged(s);
    return s;
  }

  private refuseIfDiverged(s: Readonly<ReplicationSession>): void {
    const lost = s.mirroredWriteLost;
    // A resync commits a new base, which holds everything the lost write would have changed.
    if (!lost || lost.baseCycle !== s.baseCycle) return;
    throw new StateError(`Replication session ${s.id} could not apply a mirrored write here (${lost.reason}); it takes no more until a resynchronisation.`, 'replication_session', s.id);
  }

  private acknowledgeThenApply(s: Readonly<ReplicationSession>, apply: () => Promise<void>): void {
    this.queued.push({ for: { sessionId: s.id, peerSystemId: s.peerSystemId, baseCycle: s.baseCycle }, apply });
    if (this.applyScheduled) return;
    this.applyScheduled = true;
    this.ctx.clock.immediate(() => this.applyQueued());
  }

  /** Hands the queued applies to the engine, in order (its log keeps that order). */
  private applyQueued(): void {
    this.applyScheduled = false;
    const queued = this.queued;
    if (queued.length === 0) return;
    this.queued = [];
    for (const item of queued) {
      const running = item.apply().catch((error: unknown) => this.lost(item.for, error));
      this.applying.add(running);
      void running.finally(() => this.applying.delete(running));
    }
  }

  private lost(lost: AcknowledgedFor, error: unknown): void {
    const reason = error instanceof Error ? error.message : String(error);
    const s = this.ctx.meta.getShared('replication_session', lost.sessionId);
    if (!s || s.peerSystemId !== lost.peerSystemId || s.mirroredWriteLost?.baseCycle === lost.baseCycle) return;
    this.hooks.recordLost(lost.sessionId, { type: 'mirrored_write_lost', baseCycle: lost.baseCycle, reason });
    this.hooks.onDiverged(lost, reason);
  }
}
