// Synchronous replication on the source: host writes to a session's volumes are mirrored to the
// peer while the session is in step (mirrored-io.ts does the I/O; this file decides the routes).
// A session gets in step with a final cut taken with host writes held, takes new common bases as
// checkpoints (nothing shipped), grows and snapshots its destination in step, and halts when a
// mirrored write fails. Resync before that is ordinary cycles (cycles.ts).
import type { CoreContext } from '../core/context.ts';
import { DomainError, StateError } from '../core/errors.ts';
import type { Volume } from '../core/model.ts';
import type { ReplicationSession } from '../core/replication/model.ts';
import type { SourceCycles, SourceCyclesDeps } from './cycles.ts';
import type { DestinationSide, ReplicatedSnapshot } from './destination.ts';
import { CONTROL_RPC_TIMEOUT_MS } from './limits.ts';
import { SYNC_WRITE_TIMEOUT_MS, type MirroredIo, type RouteMode, type RouteSpec } from './mirrored-io.ts';
import type { SessionRuntime } from './session-runtime.ts';
import { parseSyncDiverged, parseSyncGrow, parseSyncSnapshot } from './peer-protocol.ts';
import { SyncReceiver } from './sync-receiver.ts';
import { RPC } from './wire.ts';

export function isSyncSource(s: ReplicationSession): boolean {
  return s.role === 'Source' && s.transferMode === 'Synchronous' && s.state !== 'Deleting';
}

/** What synchronous replication needs besides the runtime. */
export interface SynchronousDeps {
  /** Resync before mirroring, and the snapshots still to replicate. */
  cycles: Pick<SourceCycles, 'cycleTo' | 'hasBacklog' | 'snapshotsToReplicate'>;
  /** A checkpoint records its new base the way a cycle does (SourceCyclesDeps). */
  recordCommitted: SourceCyclesDeps['recordCommitted'];
  /** The destination side of this system: grows and snapshots in step. */
  destination: DestinationSide;
}

export class SynchronousReplication {
  private readonly ctx: CoreContext;
  /** The destination's side: applies mirrored writes (set by install). */
  private receiver!: SyncReceiver;

  constructor(
    private readonly runtime: SessionRuntime,
    /** Host I/O as NBD uses it; null where no NBD serves (synchronous mode then never mirrors). */
    private readonly io: MirroredIo | null,
    private readonly deps: SynchronousDeps,
  ) {
    this.ctx = runtime.ctx;
  }

  /** The destination's handlers (mirrored writes, growth and snapshots in step) and the source's hook for failed mirrored writes. */
  install(): void {
    this.runtime.transport.handle(RPC.syncGrow, async ({ params, fromSystemId }) => {
      const p = parseSyncGrow(params);
      const s = this.runtime.peerSession(p, fromSystemId);
      const pair = s.elementPairs.find((e) => e.localVolumeId === p.remoteVolumeId);
      if (s.role !== 'Destination' || s.transferMode !== 'Synchronous' || !pair) throw new StateError(`Replication session ${s.id} does not mirror volume ${p.remoteVolumeId} here.`, 'replication_session', s.id);
      await this.receiver.settled(s);
      await this.deps.destination.grow(s, pair.localVolumeId, p.sizeBytes);
      return { result: {} };
    });
    this.runtime.transport.handle(RPC.syncSnapshot, async ({ params, fromSystemId }) => {
      const p = parseSyncSnapshot(params);
      const s = this.runtime.peerSession(p, fromSystemId);
      if (s.role !== 'Destination' || s.transferMode !== 'Synchronous' || s.baseCycle !== p.baseCycle) {
        throw new StateError(`Replication session ${s.id} is not in step here (role ${s.role}, base cycle ${s.baseCycle}).`, 'replication_session', s.id);
      }
      // The replica holds every write the source had when it took its snapshot, applied here.
      await this.receiver.settled(s);
      await this.deps.destination.snapshotInStep(s.id, p.snapshot);
      return { result: {} };
    });
    this.receiver = new SyncReceiver(this.ctx, this.runtime.transport, {
      checkpointApplied: (id, event) => this.runtime.apply(id, event, { lockHeld: true }),
      recordLost: (id, event) => this.runtime.applySoon(id, event),
      onDiverged: (lost, reason) => {
        this.runtime.log('mirrored write acknowledged but not applied; the session must resync', { session: lost.sessionId, error: reason });
        void this.runtime.transport.call(lost.peerSystemId, RPC.syncDiverged, { ...lost, reason }, { timeoutMs: CONTROL_RPC_TIMEOUT_MS }).catch(() => undefined);
      },
    });
    // Source: the destination lost a write it acknowledged. The session leaves mirroring as for a
    // failed mirrored write; its resync ships everything since the base, the lost write included.
    this.runtime.transport.handle(RPC.syncDiverged, async ({ params, fromSystemId }) => {
      const p = parseSyncDiverged(params);
      const s = this.runtime.peerSession(p, fromSystemId);
      if (s.role === 'Source' && s.mirroring && s.baseCycle === p.baseCycle) {
        this.onMirrorFailure(s.id, new StateError(`The destination could not apply a mirrored write: ${p.reason}.`, 'replication_session', s.id));
      }
      return { result: {} };
    });
    this.io?.setHooks({ onMirrorFailure: (sessionId, error) => this.onMirrorFailure(sessionId, error) });
  }

  /**
   * Destination: runs fn while mirrored writes to the session wait, once those acknowledged before
   * are applied (a failover test moves where they land: sync-receiver.ts holdWrites).
   */
  holdMirroredWrites<T>(sessionId: string, fn: () => Promise<T>): Promise<T> {
    return this.receiver.holdWrites(sessionId, fn);
  }

  /** Destination: resolves once every mirrored write this system acknowledged is applied. */
  appliesSettled(): Promise<void> {
    return this.receiver.settled();
  }

  /** The path is back: split mode Manual stops refusing host writes (they are tracked now). */
  pathReturned(peerSystemId: string): void {
    for (const s of this.runtime.list().filter((x) => x.peerSystemId === peerSystemId && x.hostWritesRefused)) this.runtime.applySoon(s.id, { type: 'path_returned' });
    this.refreshRoutes();
  }

  /**
   * Derives the host-I/O routes from the session records: every volume of a synchronous source
   * session is routed (writes counted, so a final cut can wait for them); mirrored while the
   * session is in step, refused while split mode Manual has the path down, local otherwise.
   */
  refreshRoutes(): void {
    if (!this.io) return;
    const wanted = new Map<string, RouteSpec>();
    // Only Synchronous sessions have routes: they are looked up by mode (an index read), so a
    // record put costs the synchronous sessions, not every session (called after every put).
    for (const s of this.ctx.meta.findShared('sessionByMode', 'Synchronous')) {
      if (!isSyncSource(s)) continue;
      const mode: RouteMode = s.mirroring ? 'mirror' : s.hostWritesRefused ? 'fail' : 'local';
      for (const p of s.elementPairs) wanted.set(p.localVolumeId, { sessionId: s.id, peerSystemId: s.peerSystemId, remoteVolumeId: p.remoteVolumeId, mode, baseCycle: s.baseCycle });
    }
    this.io.setRoutes(wanted);
  }

  /** Whether a synchronous session mirrors host writes now. */
  isMirroring(id: string): boolean {
    return Boolean(this.ctx.meta.getShared('replication_session', id)?.mirroring);
  }

  /**
   * A mirrored write failed on the peer (link down, peer refused): the session halts. Split mode
   * Automatic: host writes go on locally and are tracked by the base diff. Manual: they fail
   * until the path returns or an operator suspends the session (session-machine's mirror_failed).
   */
  onMirrorFailure(sessionId: string, error: unknown): void {
    const s = this.ctx.meta.get('replication_session', sessionId);
    if (!s?.mirroring) return;
    this.runtime.log('mirrored write failed: session halted', { session: sessionId, splitMode: s.splitMode, error: String(error) });
    this.runtime.applySoon(sessionId, { type: 'mirror_failed', code: error instanceof DomainError ? error.code : 'INTERNAL', nowMs: this.ctx.clock.nowMs() });
  }

  /**
   * Enters mirroring after a resync: holds new host writes to the session's volumes, waits for
   * the running ones, takes the final cut and commits it, then turns mirroring on and releases
   * the queued writes, which are mirrored. Writes made after the cut are all in the destination
   * volume; the common base stays that last cut.
   */
  async enterMirroring(id: string): Promise<void> {
    const s = this.ctx.meta.get('replication_session', id);
    if (!s || !this.io || !isSyncSource(s) || s.mirroring || this.runtime.isStopRequested(id)) return;
    if (s.state !== 'Synchronizing' && s.state !== 'Initializing') return;
    const releases = await Promise.all(s.elementPairs.map((p) => this.io!.hold(p.localVolumeId)));
    try {
      if (this.deps.cycles.hasBacklog(this.runtime.get(id))) await this.deps.cycles.cycleTo(id, null);
      const after = this.runtime.get(id);
      if (after.state !== 'Synchronizing' || after.baseCycle === 0 || this.deps.cycles.hasBacklog(after) || this.runtime.isStopRequested(id)) return;
      await this.runtime.apply(id, { type: 'mirroring_entered' });
      await this.growAfterFinalCut(id);
    } finally {
      for (const release of releases) release();
    }
    // Told after the release: host writes do not wait on a control call.
    await this.notifyInStep(id);
  }

  /**
   * A volume grown after the final cut (a resize is not a host write: the hold does not stop it)
   * grew before mirroring was on, so growMirror did not carry it, and the destination has the
   * cut's size: grown here, host writes still held, it mirrors writes past the old end. A grow
   * that began before mirroring_entered holds the management lock until it is recorded, so the
   * sizes are read once it is free (v5 seeds 1259 and 1325: the destination kept the old size).
   * If the peer cannot grow it, the session halts and its resync carries the size.
   */
  private async growAfterFinalCut(id: string): Promise<void> {
    await this.ctx.lock.run(async () => undefined);
    const s = this.runtime.get(id);
    for (const pair of s.elementPairs) {
      const volume = this.ctx.meta.get('volume', pair.localVolumeId);
      const baseId = pair.localBaseSnapshotId;
      if (!volume || !baseId || !this.ctx.store.hasVolume(baseId) || volume.sizeBytes <= this.ctx.store.sizeBytes(baseId)) continue;
      try {
        await this.runtime.call(s, RPC.syncGrow, { sessionId: s.id, remoteVolumeId: pair.remoteVolumeId, sizeBytes: volume.sizeBytes });
      } catch (error) {
        this.onMirrorFailure(id, error);
        return;
      }
    }
  }

  /**
   * Tells the destination that a Synchronous session is in step again (session-machine
   * tell_peer_in_step: until it hears, it shows Synchronizing, so it is told again while in step).
   */
  private async notifyInStep(id: string): Promise<void> {
    if (this.ctx.meta.get('replication_session', id)) await this.runtime.apply(id, { type: 'notice_due', notice: { kind: 'tell_peer_in_step' } });
  }

  /**
   * A new common base while mirroring (sync, normal suspend, planned failover): with host writes
   * held and the running ones done, both sides hold the same bytes, so each snapshots its volumes
   * and the pair is the new base. Nothing is shipped. False, and nothing taken, when the session
   * stopped mirroring while the running writes finished: one of them failed on the peer, so the
   * two sides no longer hold the same bytes, and only a cycle (diff from the base) makes a common
   * base. Taken anyway, the destination's checkpoint lacked that write, the source's held it, and
   * every later diff from that base left it out (simulation v6 seed 1142: a 400 KiB mirrored write
   * timed out on a thin link while a sync waited for it).
   */
  async checkpoint(id: string): Promise<boolean> {
    const s = this.runtime.get(id);
    if (!this.io) return false;
    const releases = await Promise.all(s.elementPairs.map((p) => this.io!.hold(p.localVolumeId)));
    const startMs = this.ctx.clock.nowMs();
    const snapshotIds: Record<string, string> = {};
    let sent = false;
    try {
      const current = this.runtime.get(id);
      if (!current.mirroring) return false;
      const cycle = current.baseCycle + 1;
      for (const p of current.elementPairs) {
        const snapshotId = this.ctx.ids.uuid();
        this.runtime.cycleSnapshots.add(snapshotId);
        await this.ctx.store.snapshotVolume(p.localVolumeId, snapshotId);
        snapshotIds[p.localVolumeId] = snapshotId;
      }
      await this.runtime.apply(id, { type: 'checkpoint_cut', cycle, snapshotIds });
      sent = true;
      await this.runtime.call(current, RPC.syncCheckpoint, { sessionId: id, cycle, baseCycle: current.baseCycle, syncedAtMs: startMs });
      await this.deps.recordCommitted(id, cycle, current.elementPairs.map((p) => ({ localVolumeId: p.localVolumeId, remoteVolumeId: p.remoteVolumeId, snapshotId: snapshotIds[p.localVolumeId]! })), startMs, current.state);
      return true;
    } catch (error) {
      if (!sent) for (const snapshotId of Object.values(snapshotIds)) await this.ctx.store.deleteVolume(snapshotId).catch(() => undefined);
      this.onMirrorFailure(id, error);
      throw error;
    } finally {
      for (const snapshotId of Object.values(snapshotIds)) this.runtime.cycleSnapshots.delete(snapshotId);
      for (const release of releases) release();
    }
  }

  /**
   * A volume that mirrors synchronously grows on the destination before it grows here: a host
   * write past the old end is then mirrored like any other. If the destination cannot grow (the
   * peer is unreachable and the session has not noticed yet), the resize is refused. Without an
   * answer the destination may have grown all the same: the session leaves mirroring, and its
   * resync gives the destination the source's size again (a cycle's staging takes the cut's size).
   * It stayed in step with a destination larger than its source, for good (simulation v5 seed
   * 5773). A session that is not mirroring grows its destination with its next cycle, as
   * asynchronous ones do.
   */
  async growMirror(volume: Volume, sizeBytes: number): Promise<void> {
    const s = this.runtime.sessionOfVolume(volume.id);
    if (!s || s.role !== 'Source' || !s.mirroring) return;
    const pair = s.elementPairs.find((p) => p.localVolumeId === volume.id);
    if (!pair) return;
    try {
      await this.runtime.call(s, RPC.syncGrow, { sessionId: s.id, remoteVolumeId: pair.remoteVolumeId, sizeBytes });
    } catch (error) {
      if (error instanceof DomainError && error.code === 'PEER_UNREACHABLE') this.onMirrorFailure(s.id, error);
      throw error;
    }
  }

  /**
   * A restore or refresh of volumes (ProtectionHooks.replaceContents): refused for the source of a
   * Synchronous session in step, as PowerStore refuses it for a metro volume unless its session is
   * paused or fractured (the destination would keep the old contents under a session in step).
   * Otherwise it runs counted with host writes (MirroredIo.replacingContents), so a resync's final
   * cut, taken under a hold, waits for it and includes it; while that hold is on, it is refused.
   */
  async replaceContents(volumes: Volume[], replace: () => Promise<void>): Promise<void> {
    // Only synchronous sources have routes, mirrored exactly while in step: MirroredIo refuses.
    return this.io ? this.io.replacingContents(volumes, replace) : replace();
  }

  /**
   * A user or scheduled snapshot of a volume that mirrors synchronously: host writes are held
   * (the running ones finish on both sides), the snapshot is taken here and the destination takes
   * its replica of the same instant, then writes go on. Cycles replicate such snapshots as cut
   * points, but a session in step has no cycles. If the destination cannot take it, the snapshot
   * still stands here and is shipped as a cut point by the next resync, as for asynchronous
   * sessions (the watermark only moves past snapshots the destination has).
   */
  async snapshotMirror(source: Volume, snapshot: Volume, take: () => Promise<void>): Promise<void> {
    const s = this.runtime.sessionOfVolume(source.id);
    const replicated = s && s.role === 'Source' && s.resourceType === 'volume' && s.mirroring && (snapshot.creatorType === 'User' || snapshot.creatorType === 'Scheduler');
    if (!s || !replicated || !this.io) return take();
    const release = await this.io.hold(source.id);
    try {
      await take();
      if (!this.isMirroring(s.id)) return;
      const replica: ReplicatedSnapshot = { name: snapshot.name, description: snapshot.description, creatorType: snapshot.creatorType, createdByRuleName: snapshot.createdByRuleName, expirationTimestampMs: snapshot.expirationTimestampMs, sourceTimestampMs: snapshot.createdAtMs };
      try {
        // Host writes wait on this call: it gets a mirrored write's timeout, not a control call's.
        await this.runtime.transport.call(s.peerSystemId, RPC.syncSnapshot, { sessionId: s.id, baseCycle: this.runtime.get(s.id).baseCycle, snapshot: replica }, { timeoutMs: SYNC_WRITE_TIMEOUT_MS });
      } catch (error) {
        this.runtime.log('snapshot not replicated in step; the next resync ships it', { session: s.id, snapshot: snapshot.id, error: String(error) });
        return;
      }
      // Only this one was waiting: the destination has every snapshot up to it.
      const waiting = this.deps.cycles.snapshotsToReplicate(s.id);
      if (waiting.length === 1 && waiting[0]!.id === snapshot.id) this.runtime.record(s.id, { snapshotWatermark: snapshot.number });
    } finally {
      release();
    }
  }
}
