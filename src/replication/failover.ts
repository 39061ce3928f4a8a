// The PowerStore role actions: planned failover (and failback), unplanned failover for DR,
// reprotect, the failover test's start and stop, and the peer's side of them (RPC becomeSource,
// becomeDestination). Which action is allowed when is core/replication/rules' call.
import { crashPoint } from '../core/crash-points.ts';
import type { CoreContext } from '../core/context.ts';
import { DomainError, NotFoundError, ValidationError } from '../core/errors.ts';
import type { ReplicationSession, SessionState } from '../core/replication/model.ts';
import { checkAction } from '../core/replication/rules.ts';
import type { VolumeService } from '../core/volumes.ts';
import type { DestinationSide } from './destination.ts';
import type { SessionRuntime } from './session-runtime.ts';
import { RPC } from './wire.ts';

import type { FailoverOptions } from '../core/replication/commands.ts';
export type { FailoverOptions };

/** What the role actions need besides the runtime. */
export interface FailoverActionsDeps {
  volumes: VolumeService;
  /** The destination side of this system: a role change ends its open cycle. */
  destination: Pick<DestinationSide, 'abort'>;
}

/** Makes the local volumes of a session writable (source) or read-only (destination). */
export async function setHostAccess(ctx: CoreContext, s: ReplicationSession, writable: boolean): Promise<void> {
  await ctx.lock.run(async () => {
    ctx.meta.transaction(() => {
      for (const pair of s.elementPairs) {
        const v = ctx.meta.get('volume', pair.localVolumeId);
        if (v) ctx.meta.put('volume', { ...v, isReplicationDestination: !writable });
      }
      const g = s.resourceType === 'volume_group' ? ctx.meta.get('volume_group', s.localResourceId) : undefined;
      if (g) ctx.meta.put('volume_group', { ...g, isReplicationDestination: !writable });
    });
  });
  if (!writable) {
    for (const pair of s.elementPairs) {
      const v = ctx.meta.get('volume', pair.localVolumeId);
      if (v) ctx.listeners.volumeExportChanged(v, v.name);
    }
  }
}

export class FailoverActions {
  private readonly ctx: CoreContext;

  constructor(
    private readonly runtime: SessionRuntime,
    private readonly deps: FailoverActionsDeps,
  ) {
    this.ctx = runtime.ctx;
  }

  /** The peer's side of a role change. */
  installRpc(): void {
    this.runtime.transport.handle(RPC.becomeSource, async ({ params }) => {
      // With reverse, this side reprotects at once: it starts Failed_Over and reprotect moves it on.
      await this.becomeSource(params.sessionId as string, params.generation as number, params.reprotect ? 'Failed_Over' : (params.state as SessionState));
      if (params.reprotect) this.ctx.clock.immediate(() => void this.reprotect(params.sessionId as string).catch((e) => this.runtime.log('reverse reprotect failed', { error: String(e) })));
      return { result: {} };
    });
    this.runtime.transport.handle(RPC.becomeDestination, async ({ params }) => ({ result: await this.becomeDestination(params.sessionId as string, params.generation as number, params.prepareForBaseCycle as number | null) }));
  }

  async failover(id: string, options: FailoverOptions): Promise<void> {
    const s = this.runtime.get(id);
    if (options.isPlanned) {
      if (options.force || options.useTestCopy || options.failoverSnapshotId) {
        throw new ValidationError('force, use_test_copy and failover_snapshot_id apply to unplanned failover only.', 'is_planned');
      }
      checkAction(s, 'failover_planned');
      const failback = s.state === 'Failed_Over';
      this.runtime.patch(id, { state: 'Failing_Over' });
      return this.runtime.exclusive(id, async () => {
        if (failback) await this.prepareDestination(id).catch((error) => {
          this.runtime.patch(id, { state: 'Failed_Over', errorCode: error instanceof DomainError ? error.code : 'INTERNAL' });
          throw error;
        });
        await this.plannedFailover(id, options.reverse);
      });
    }
    if (options.reverse) throw new ValidationError('reverse applies to planned failover only.', 'reverse');
    checkAction(s, 'failover_unplanned', { force: options.force, useTestCopy: options.useTestCopy });
    if (options.failoverSnapshotId) {
      if (s.failoverTest) throw new ValidationError('failover_snapshot_id is not allowed while a failover test runs.', 'failover_snapshot_id');
      const snap = this.ctx.meta.get('volume', options.failoverSnapshotId);
      if (!snap || snap.type !== 'Snapshot' || !s.elementPairs.some((p) => p.localVolumeId === snap.sourceId)) throw new NotFoundError('volume', options.failoverSnapshotId);
    }
    this.runtime.cancelled.add(id);
    this.runtime.patch(id, { state: 'Failing_Over_For_DR' });
    return this.runtime.exclusive(id, () => this.unplannedFailover(id, options));
  }

  private async plannedFailover(id: string, reverse: boolean): Promise<void> {
    const s = this.runtime.get(id);
    await setHostAccess(this.ctx, s, false);
    try {
      await this.runtime.notifyPeer(s, 'Failing_Over');
      await this.runtime.schedule.cycle(id);
      const generation = s.generation + 1;
      await this.runtime.call(s, RPC.becomeSource, { sessionId: id, generation, state: reverse ? 'Reprotecting' : 'Failed_Over', reprotect: reverse });
      crashPoint(this.ctx, 'failover.after-peer-promoted');
      this.runtime.patch(id, { role: 'Destination', state: reverse ? 'Reprotecting' : 'Failed_Over', generation, progressPercentage: null, nextSyncMs: null });
      this.runtime.timers.get(id)?.cancel();
    } catch (error) {
      // The peer may have become Source and demoted this side although its answer was lost (a
      // reverse failover reprotects at once): then this side stays a read-only destination
      // (found by the simulation: failed-planned-failover-reopens-demoted-source in test/sim/known-bugs.ts).
      if (this.runtime.get(id).role === 'Source') {
        await setHostAccess(this.ctx, this.runtime.get(id), true);
        this.runtime.patch(id, { state: 'System_Paused', errorCode: error instanceof DomainError ? error.code : 'INTERNAL' });
      }
      throw error;
    }
  }

  private async unplannedFailover(id: string, options: FailoverOptions): Promise<void> {
    await this.deps.destination.abort(id);
    let s = this.runtime.get(id);
    if (s.failoverTest) {
      // use_test_copy: the test data becomes production; the shadow replica is dropped.
      for (const shadow of Object.values(s.failoverTest.shadowVolumeIds)) await this.ctx.store.deleteVolume(shadow).catch(() => undefined);
      s = this.runtime.patch(id, { failoverTest: null });
    } else if (options.failoverSnapshotId) {
      const snap = this.deps.volumes.get(options.failoverSnapshotId);
      await this.ctx.store.restoreVolume(snap.sourceId!, snap.id);
    }
    // The destination volume holds exactly the last committed base: cycles apply to staging only.
    const generation = s.generation + 1;
    await setHostAccess(this.ctx, s, true);
    s = this.runtime.patch(id, { role: 'Source', state: 'Failed_Over', generation, pendingCommit: null, progressPercentage: null });
    crashPoint(this.ctx, 'failover.after-local-role');
    this.runtime.cancelled.delete(id);
    await this.runtime.transport
      .call(s.peerSystemId, RPC.becomeDestination, { sessionId: id, generation, prepareForBaseCycle: null }, { timeoutMs: 5_000 })
      .catch(() => this.runtime.log('old source unreachable during unplanned failover; it is demoted when it returns', { session: id }));
  }

  async reprotect(id: string): Promise<void> {
    const s = this.runtime.get(id);
    checkAction(s, 'reprotect');
    this.runtime.patch(id, { state: 'Reprotecting' });
    return this.runtime.exclusive(id, async () => {
      try {
        await this.prepareDestination(id);
        await this.runtime.schedule.cycle(id);
        crashPoint(this.ctx, 'reprotect.after-cycle');
        const sync = this.runtime.get(id).transferMode === 'Synchronous';
        this.runtime.patch(id, { state: sync ? 'Synchronizing' : 'OK' });
        await this.runtime.notifyPeer(this.runtime.get(id), 'OK');
        if (sync) this.ctx.clock.immediate(() => void this.runtime.schedule.runSoon(id));
      } catch (error) {
        this.runtime.patch(id, { state: 'Failed_Over', errorCode: error instanceof DomainError ? error.code : 'INTERNAL' });
        throw error;
      }
    });
  }

  /**
   * Makes the peer a destination rolled back to the common base (its writes after it are
   * discarded), or empties it for a full copy when no common base survives.
   */
  private async prepareDestination(id: string): Promise<void> {
    const current = this.runtime.get(id);
    const prepared = await this.runtime.call<{ baseCycle: number }>(current, RPC.becomeDestination, { sessionId: id, generation: current.generation, prepareForBaseCycle: current.baseCycle });
    if (prepared.baseCycle !== current.baseCycle) {
      for (const p of current.elementPairs) if (p.localBaseSnapshotId) await this.ctx.store.deleteVolume(p.localBaseSnapshotId).catch(() => undefined);
      this.runtime.patch(id, { baseCycle: 0, elementPairs: current.elementPairs.map((p) => ({ ...p, localBaseSnapshotId: null })) });
    }
  }

  async startFailoverTest(id: string, snapshotId: string | null): Promise<void> {
    const s = this.runtime.get(id);
    checkAction(s, 'start_failover_test');
    return this.runtime.exclusive(id, async () => {
      await this.deps.destination.abort(id);
      const shadows: Record<string, string> = {};
      for (const pair of s.elementPairs) {
        const shadowId = this.ctx.ids.uuid();
        await this.ctx.store.snapshotVolume(pair.localVolumeId, shadowId);
        shadows[pair.localVolumeId] = shadowId;
      }
      if (snapshotId) {
        const snap = this.ctx.meta.get('volume', snapshotId);
        if (!snap || snap.type !== 'Snapshot' || !s.elementPairs.some((p) => p.localVolumeId === snap.sourceId)) throw new NotFoundError('volume', snapshotId);
        await this.ctx.store.restoreVolume(snap.sourceId!, snap.id);
      }
      this.runtime.patch(id, { failoverTest: { shadowVolumeIds: shadows, startedAtMs: this.ctx.clock.nowMs() } });
    });
  }

  async stopFailoverTest(id: string, createEndOfTestSnapshot: boolean): Promise<string | null> {
    const s = this.runtime.get(id);
    checkAction(s, 'stop_failover_test');
    return this.runtime.exclusive(id, async () => {
      await this.deps.destination.abort(id);
      const current = this.runtime.get(id);
      let snapshotId: string | null = null;
      if (createEndOfTestSnapshot && current.elementPairs[0]) {
        const stamp = new Date(this.ctx.clock.nowMs()).toISOString().replace(/[-:.]/g, '');
        const snap = await this.ctx.lock.run(() =>
          this.deps.volumes.snapshotLocked(current.elementPairs[0]!.localVolumeId, { name: `failover_test_STOPPED_${stamp}`, creatorType: 'System' }, { allowDestination: true }),
        );
        snapshotId = snap.id;
      }
      for (const [volumeId, shadowId] of Object.entries(current.failoverTest!.shadowVolumeIds)) {
        await this.ctx.store.restoreVolume(volumeId, shadowId);
        await this.ctx.store.deleteVolume(shadowId).catch(() => undefined);
        const v = this.ctx.meta.get('volume', volumeId);
        if (v) this.ctx.listeners.volumeExportChanged(v, v.name);
      }
      this.runtime.patch(id, { failoverTest: null });
      return snapshotId;
    });
  }

  private async becomeSource(id: string, generation: number, state: SessionState): Promise<void> {
    const s = this.runtime.get(id);
    await this.deps.destination.abort(id);
    await setHostAccess(this.ctx, s, true);
    crashPoint(this.ctx, 'failover.after-host-access');
    this.runtime.patch(id, { role: 'Source', state, generation: Math.max(generation, s.generation), failoverTest: null });
  }

  /**
   * Demotes this side to destination. With prepareForBaseCycle (reprotect), rolls the volumes back
   * to the common base so the new source can ship from it; -1 or no matching base empties them
   * for a full copy. Answers the base cycle it now holds.
   */
  private async becomeDestination(id: string, generation: number, prepareForBaseCycle: number | null): Promise<{ baseCycle: number }> {
    this.runtime.cancelled.add(id);
    this.runtime.timers.get(id)?.cancel();
    let s = this.runtime.get(id);
    if (s.role === 'Source') {
      await setHostAccess(this.ctx, s, false);
      s = this.runtime.patch(id, { role: 'Destination', state: 'Failed_Over', generation: Math.max(generation, s.generation), nextSyncMs: null, progressPercentage: null });
    }
    if (prepareForBaseCycle === null) return { baseCycle: s.baseCycle };
    return this.exclusiveInline(id, async () => {
      s = this.runtime.get(id);
      const pending = s.pendingCycle;
      let pairs = s.elementPairs;
      let baseCycle = s.baseCycle;
      if (pending && pending.cycle === prepareForBaseCycle) {
        pairs = pairs.map((p) => ({ ...p, localBaseSnapshotId: pending.snapshotIds[p.localVolumeId] ?? p.localBaseSnapshotId }));
        baseCycle = pending.cycle;
      }
      const usable = prepareForBaseCycle >= 0 && baseCycle === prepareForBaseCycle && pairs.every((p) => p.localBaseSnapshotId);
      for (const pair of pairs) {
        // Writes made here after the common base were never replicated: they are discarded.
        if (usable) await this.ctx.store.restoreVolume(pair.localVolumeId, pair.localBaseSnapshotId!);
        else await this.ctx.store.trim(pair.localVolumeId, 0, this.ctx.store.sizeBytes(pair.localVolumeId));
      }
      this.runtime.patch(id, { elementPairs: usable ? pairs : pairs.map((p) => ({ ...p, localBaseSnapshotId: null })), baseCycle: usable ? baseCycle : 0, pendingCycle: null, state: 'Reprotecting', errorCode: null });
      this.runtime.cancelled.delete(id);
      return { baseCycle: usable ? baseCycle : 0 };
    });
  }

  private exclusiveInline<T>(_id: string, fn: () => Promise<T>): Promise<T> {
    return fn();
  }
}
