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
//
// A failover test on the destination does not disturb mirroring (as on a PowerStore, the test
// works on a copy): hosts test on the volume while mirrored writes and checkpoints go to its
// shadow (replicaVolumeId). Where they land changes only while mirrored writes to the session
// are held (holdWrites: the test's start and end), so none falls between the two.
import type { CoreContext } from '../core/context.ts';
import { DomainError, NotFoundError, StateError } from '../core/errors.ts';
import { replicaVolumeId, type ReplicationSession } from '../core/replication/model.ts';
import type { SessionEvent } from '../core/replication/session-machine.ts';
import { parseSyncCheckpoint, parseSyncFlush, parseSyncTrim, parseSyncWrite } from './peer-protocol.ts';
import { syncTrimCodec, syncWriteCodec } from './sync-codec.ts';
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

/** The answer to a mirrored write or trim (its result is not read). */
const ACKNOWLEDGED = { result: {} };

export class SyncReceiver {
  /** Acknowledged writes and trims not yet handed to the engine, in arrival order. */
  private queued: { for: AcknowledgedFor; apply: () => Promise<void> }[] = [];
  private applyScheduled = false;
  /** Applies handed to the engine and not yet settled. */
  private readonly applying = new Set<Promise<void>>();
  /** Sessions whose mirrored writes wait (holdWrites), with what they wait for. */
  private readonly holds = new Map<string, Promise<unknown>>();

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

  /**
   * Runs fn while mirrored writes and trims to the session wait, after every one acknowledged
   * before has been applied: fn may change where they land (a failover test's start and end).
   */
  async holdWrites<T>(sessionId: string, fn: () => Promise<T>): Promise<T> {
    await this.holdsEnded(sessionId);
    const held = (async () => {
      await this.settled();
      return fn();
    })();
    this.holds.set(sessionId, held);
    try {
      return await held;
    } finally {
      this.holds.delete(sessionId);
    }
  }

  /**
   * The session a mirrored call names, once no hold on it stands (see holdWrites). Without a hold
   * it answers in this turn: a mirrored write gets no extra trip through the event loop.
   */
  private admit(params: { sessionId: string; remoteVolumeId: string; baseCycle: number }, fromSystemId: string): Readonly<ReplicationSession> | Promise<Readonly<ReplicationSession>> {
    if (!this.holds.has(params.sessionId)) return this.target(params, fromSystemId);
    return this.holdsEnded(params.sessionId).then(() => this.target(params, fromSystemId));
  }

  /** Resolves once no hold on the session stands (one may follow another). */
  private async holdsEnded(sessionId: string): Promise<void> {
    while (this.holds.has(sessionId)) await this.holds.get(sessionId)!.catch(() => undefined);
  }

  private install(transport: PeerTransport): void {
    const ctx = this.ctx;
    // Mirrored writes and trims carry their params in binary form on the lane (sync-codec.ts).
    transport.paramsCodec?.(RPC.syncWrite, syncWriteCodec);
    transport.paramsCodec?.(RPC.syncTrim, syncTrimCodec);
    // Not async: a write that is not FUA is answered at once, in the turn its frame was read.
    transport.handle(RPC.syncWrite, ({ params: raw, payload, fromSystemId }) => {
      const params = parseSyncWrite(raw);
      if (!payload) throw new DomainError('VALIDATION_FAILED', 'A mirrored write carries its data as payload.');
      const write = (volumeId: string, fua: boolean) => ctx.store.write(volumeId, params.offsetBytes, payload, { fua });
      const admitted = this.admit(params, fromSystemId);
      return admitted instanceof Promise ? admitted.then((s) => this.apply(s, params, fromSystemId, write)) : this.apply(admitted, params, fromSystemId, write);
    });
    transport.handle(RPC.syncTrim, ({ params: raw, fromSystemId }) => {
      const params = parseSyncTrim(raw);
      const trim = (volumeId: string, fua: boolean) => ctx.store.trim(volumeId, params.offsetBytes, params.lengthBytes, { fua });
      const admitted = this.admit(params, fromSystemId);
      return admitted instanceof Promise ? admitted.then((s) => this.apply(s, params, fromSystemId, trim)) : this.apply(admitted, params, fromSystemId, trim);
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
      // Held like a failover test's start and end: the base is cut from where mirrored writes land
      // (the shadow during a test: a base cut from the test volume lacked writes, simulation seed 8021).
      await this.holdWrites(s.id, async () => {
        await this.settled(s);
        await ctx.store.flush();
        await ctx.lock.run(async () => {
          const current = ctx.meta.get('replication_session', s.id)!;
          const pairs = [];
          for (const e of current.elementPairs) {
            const baseId = ctx.ids.uuid();
            await ctx.store.snapshotVolume(replicaVolumeId(current, e.localVolumeId), baseId);
            pairs.push({ ...e, localBaseSnapshotId: baseId });
          }
          await this.hooks.checkpointApplied(s.id, { type: 'checkpoint_applied', cycle: p.cycle, elementPairs: pairs, syncedAtMs: p.syncedAtMs });
          for (const e of current.elementPairs) if (e.localBaseSnapshotId) await ctx.store.deleteVolume(e.localBaseSnapshotId).catch(() => undefined);
        });
      });
      return { result: {} };
    });
  }

  /** Every mirrored write passes here: the shared record, not a copy (it is only read). */
  private target(params: { sessionId: string; remoteVolumeId: string; baseCycle: number }, fromSystemId: string): Readonly<ReplicationSession> {
    const s = this.ctx.meta.getShared('replication_session', params.sessionId);
    if (!s) throw new NotFoundError('replication_session', params.sessionId);
    if (s.peerSystemId !== fromSystemId) throw new DomainError('FORBIDDEN', 'The session belongs to another peer.');
    // A destination that became usable (suspended, failed over or failing over) takes no mirrored
    // writes. Under a failover test it does, into the shadow: the test does not disturb replication.
    if (s.role !== 'Destination' || s.transferMode !== 'Synchronous' || s.state === 'Suspended' || s.state === 'Failed_Over' || s.state === 'Failing_Over_For_DR') {
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

  /** A write applied before its answer (FUA): counted among the applies settled() waits for. */
  /**
   * A mirrored write or trim, admitted to session s. Not FUA: acknowledged at once, in the turn
   * its frame was read, and applied right after. FUA: written and synced before the answer, to
   * where it lands once the writes before it are applied (a hold may have moved it meanwhile).
   */
  private apply(
    s: Readonly<ReplicationSession>,
    params: { sessionId: string; remoteVolumeId: string; baseCycle: number; fua?: boolean },
    fromSystemId: string,
    change: (volumeId: string, fua: boolean) => Promise<void>,
  ): typeof ACKNOWLEDGED | Promise<typeof ACKNOWLEDGED> {
    if (params.fua === true) {
      return (async () => {
        await this.settled(s);
        const now = await this.admit(params, fromSystemId);
        await this.track(change(replicaVolumeId(now, params.remoteVolumeId), true));
        return ACKNOWLEDGED;
      })();
    }
    const volumeId = replicaVolumeId(s, params.remoteVolumeId);
    this.acknowledgeThenApply(s, () => change(volumeId, false));
    return ACKNOWLEDGED;
  }

  private track(write: Promise<void>): Promise<void> {
    const done = write.catch(() => undefined);
    this.applying.add(done);
    void done.finally(() => this.applying.delete(done));
    return write;
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
