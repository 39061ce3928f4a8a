// Replication sessions: created and deleted by protection-policy assignment, driven by the RPO
// schedule and by user actions (sync, pause, resume, failover, reprotect, failover test), and
// kept right across link loss. The rules of what is allowed when live in core/replication/rules.
// This facade keeps construction, start and stop, the queries, sync, pause and resume, and the
// schedule; the cycle machinery is in cycles.ts, synchronous mirroring in synchronous.ts, the
// ETERNUS REC actions in rec-actions.ts, the sessions protection policies create and delete in
// protection-sessions.ts, the role actions (failover, reprotect, failover test) in failover.ts
// and the peer's state notices, link loss and reconcile in link-state.ts, and they share what
// session-runtime.ts holds.
import type { CoreContext } from '../core/context.ts';
import { StateError } from '../core/errors.ts';
import { crashPoint } from '../core/crash-points.ts';
import type { Volume } from '../core/model.ts';
import { migrateSession, needsMigration, replicaVolumeId, type ReplicationSession, type SessionState } from '../core/replication/model.ts';
import { checkAction, type RecModes } from '../core/replication/rules.ts';
import { RecBufferSettings } from '../core/replication/rec-buffer.ts';
import type { ProtectionService } from '../core/protection.ts';
import type { VolumeGroupService } from '../core/volume-groups.ts';
import type { VolumeService } from '../core/volumes.ts';
import type { JobRunner } from '../jobs/job-runner.ts';
import { CYCLE_STATES, recordCommittedBase, SourceCycles, type CommittedPair } from './cycles.ts';
import { DestinationSide } from './destination.ts';
import type { MirroredIo } from './mirrored-io.ts';
import { CycleSlots, spreadFraction } from './cycle-slots.ts';
import { CYCLE_FRACTION_OF_RPO, CYCLE_RETRY_MS, CYCLE_SPREAD_FRACTION, CYCLE_TIMER_LATE_MS, CYCLES_RUNNING_MAX, REC_CYCLE_INTERVAL_MS, REC_IDLE_POLL_MS, SYNC_CATCH_UP_CYCLES, SYNC_FINAL_CUT_BYTES } from './limits.ts';
import { FailoverActions, type FailoverOptions } from './failover.ts';
import { LinkState } from './link-state.ts';
import { ProtectionSessions } from './protection-sessions.ts';
import { RecActions, type RecCreateSpec } from './rec-actions.ts';
import { RecBufferMonitor } from './rec-buffer-monitor.ts';
import { ReplicationRuntime, type EffectHandlers, type Log, type SessionSchedule } from './session-runtime.ts';
import { destinationView, waitsForOperator } from '../core/replication/session-machine.ts';
import { isSyncSource, SynchronousReplication } from './synchronous.ts';
import type { PeerTransport } from './transport.ts';
import { RPC } from './wire.ts';
import { HEARTBEAT_PING_TIMEOUT_MS } from '../peer/limits.ts';
import { createRecOnSource, type RecCreateOnSourceParams } from './rec-create-forward.ts';

export type { FailoverOptions } from './failover.ts';
export type { RecCreateSpec } from './rec-actions.ts';

export class ReplicationService {
  readonly destination: DestinationSide;
  /** What the parts share: session records, per-session exclusion, timers, flags, peer calls. */
  private readonly runtime: ReplicationRuntime;
  private readonly cycles: SourceCycles;
  private readonly synchronous: SynchronousReplication;
  private readonly rec: RecActions;
  private readonly sessions: ProtectionSessions;
  private readonly failovers: FailoverActions;
  private readonly links: LinkState;
  /** This system's REC Buffer setting (Tandem control API /rec_buffer). */
  readonly recBuffer: RecBufferSettings;
  private readonly bufferMonitor: RecBufferMonitor;
  /** Scheduled cycles running at once are bounded (CYCLES_RUNNING_MAX); the rest wait in order. */
  readonly cycleSlots = new CycleSlots(CYCLES_RUNNING_MAX);
  /** Sessions waiting for a cycle slot, with the run they wait for: one wait per session. */
  private readonly waitingRuns = new Map<string, Promise<void>>();

  constructor(
    private readonly ctx: CoreContext,
    volumes: VolumeService,
    groups: VolumeGroupService,
    protection: ProtectionService,
    transport: PeerTransport,
    jobs: JobRunner,
    private readonly log: Log = () => undefined,
    /** Host I/O as NBD uses it; null where no NBD serves (synchronous mode then never mirrors). */
    private readonly io: MirroredIo | null = null,
  ) {
    const schedule: SessionSchedule = {
      arm: (id, options) => this.arm(id, options),
      armIdlePoll: (id) => this.armIdlePoll(id),
      runSoon: (id) => this.runSoon(id),
      cycle: (id) => this.cycle(id),
      nextDueMs: (s) => {
        const intervalMs = s.role === 'Source' && s.state === 'OK' ? this.cycleIntervalMs(s) : null;
        return intervalMs === null ? null : this.dueMs(s, intervalMs, this.ctx.clock.nowMs());
      },
    };
    this.runtime = new ReplicationRuntime(ctx, transport, log, schedule, (s) => {
      this.bufferMonitor.observe(s);
      this.synchronous.refreshRoutes();
    });
    this.destination = new DestinationSide(ctx, volumes, transport, {
      replicaTarget: (session, volumeId) => replicaVolumeId(session, volumeId),
      onCommitted: () => undefined,
      allocateNumber: () => this.runtime.allocateNumber(),
      create: (s) => this.runtime.create(s),
      remove: (id, alongside) => this.runtime.remove(id, alongside),
      dropped: () => this.synchronous.refreshRoutes(),
      apply: (id, event, options) => this.runtime.apply(id, event, options),
    });
    this.cycles = new SourceCycles(this.runtime, {
      membersOf: (kind, resourceId) => this.sessions.membersOf(kind, resourceId),
      recordCommitted: (...args) => this.recordCommitted(...args),
    });
    this.synchronous = new SynchronousReplication(this.runtime, io, {
      cycles: this.cycles,
      recordCommitted: (...args) => this.recordCommitted(...args),
      destination: this.destination,
    });
    this.rec = new RecActions(this.runtime, {
      volumes,
      destination: this.destination,
      hasBacklog: (s) => this.cycles.hasBacklog(s),
      replicatedByPolicy: (volume) => Boolean(volume.protectionPolicyId && this.sessions.ruleOf(this.ctx.meta.get('policy', volume.protectionPolicyId))),
      resume: (id) => this.resume(id),
      dropSessionLocally: (id) => this.sessions.dropSessionLocally(id),
      refreshRoutes: () => this.synchronous.refreshRoutes(),
    });
    this.recBuffer = new RecBufferSettings(ctx.meta);
    this.bufferMonitor = new RecBufferMonitor({
      clock: ctx.clock,
      setting: () => this.recBuffer.get(),
      sessions: () => this.list(),
      backlogBytes: (s) => this.trackedBytes(s),
      isSuspending: (id) => this.rec.isSuspending(id),
      halt: (id, sinceMs) => this.rec.haltForBufferOverload(id, sinceMs),
      log: this.log,
    });
    this.recBuffer.onChange(() => this.bufferMonitor.reconfigure());
    this.sessions = new ProtectionSessions(this.runtime, { volumes, groups, protection, jobs, synchronous: this.synchronous, isPairing: (volumeId) => this.rec.isPairing(volumeId) });
    this.sessions.installHooks();
    this.failovers = new FailoverActions(this.runtime, { volumes, destination: this.destination, holdMirroredWrites: (id, fn) => this.synchronous.holdMirroredWrites(id, fn) });
    this.links = new LinkState(this.runtime, {
      finishDeletion: (id, peerKnowsIt) => this.sessions.finishDeletion(id, peerKnowsIt),
      cancelDestination: (id, fromSystemId) => this.destination.cancelDestination(id, fromSystemId),
      synchronous: this.synchronous,
      dropSessionLocally: (id) => this.sessions.dropSessionLocally(id),
    });
    this.installEffects();
    this.installRpc();
    this.synchronous.install();
    this.links.install();
  }

  // ---------------------------------------------------------------- lifecycle

  /**
   * Finishes commits and cycles cut by a crash, then arms every schedule. The records it changes
   * are written in one metadata transaction (with 5,000 sessions, one commit per session was most
   * of a restart), and sessions overdue now are spread (arm's spreadOverdue) instead of all
   * starting at once.
   */
  async start(): Promise<void> {
    this.migrate();
    for (const s of this.runtime.listShared()) {
      if (s.pendingCommit) await this.destination.finishCommit(s.id, null);
      // A cycle open at the crash will not commit (the source's shipping broke): its staging goes.
      if (s.openCycle) await this.destination.abort(s.id);
      // A crash between a promotion's host access and its role record could leave a destination's
      // volumes writable (simulation seed 126): host access and role are written together now, and
      // the volumes' flags are put right from the record at every start.
      await this.runtime.repairHostAccess(s.id);
    }
    // Nothing runs after a restart: session-machine's `restarted` rows say what each state
    // becomes. One metadata commit for every record, and the schedules armed in it (apply writes
    // and starts its first effect in this turn).
    this.runtime.batch(() => {
      for (const s of this.runtime.listShared()) this.runtime.applySoon(s.id, { type: 'restarted' });
    });
    this.synchronous.refreshRoutes();
    this.bufferMonitor.start();
  }

  /** Records written before copy-session numbers, modes or the machine's facts existed get them, in one metadata commit. */
  private migrate(): void {
    this.runtime.batch(() => {
      for (const s of this.runtime.listShared()) {
        // Destinations created before createDestination carried the source's resource id show it
        // as their remote_resource_id from now on: a volume's is its pair's remote volume (a group's
        // is learnt at its next cycle begin, destination.ts).
        const remoteResourceId = s.remoteResourceId === '' && s.resourceType === 'volume' && s.elementPairs[0] ? s.elementPairs[0].remoteVolumeId : s.remoteResourceId;
        if (typeof s.number === 'number' && s.splitMode && s.recoveryMode && s.remoteNumber !== undefined && s.remoteVolume !== undefined && remoteResourceId === s.remoteResourceId && !needsMigration(s)) continue;
        this.runtime.migrate({
          ...migrateSession(s),
          remoteResourceId,
          number: typeof s.number === 'number' ? s.number : this.runtime.allocateNumber(),
          splitMode: s.splitMode ?? 'Manual',
          recoveryMode: s.recoveryMode ?? 'Automatic',
          remoteNumber: s.remoteNumber ?? null,
          remoteVolume: s.remoteVolume ?? null,
        });
      }
    });
  }

  /** Data bytes shipped by this system's cycles of a session since the process started. */
  shippedBytes(id: string): number {
    return this.cycles.shippedBytes(id);
  }

  /** Bytes changed on this side since the common base (what a resume or the next cycle ships), of every member or of `onlyVolumeId`. */
  trackedBytes(s: ReplicationSession, onlyVolumeId?: string): number {
    let total = 0;
    for (const p of s.elementPairs) {
      if (onlyVolumeId !== undefined && p.localVolumeId !== onlyVolumeId) continue;
      if (!this.ctx.store.hasVolume(p.localVolumeId)) continue;
      for (const e of this.ctx.store.diff(p.localBaseSnapshotId, p.localVolumeId)) if (e.kind === 'data') total += e.lengthBytes;
    }
    return total;
  }

  /** Whether the source holds changes the destination does not have yet. */
  hasBacklog(s: ReplicationSession): boolean {
    return this.cycles.hasBacklog(s);
  }

  /** Bytes of the running cycle not shipped yet, or null when none runs. */
  uncopiedBytes(id: string): number | null {
    return this.cycles.uncopiedBytes(id);
  }

  isSuspending(id: string): boolean {
    return this.rec.isSuspending(id);
  }

  async stop(): Promise<void> {
    this.runtime.markStopped();
    this.bufferMonitor.stop();
    for (const t of this.runtime.timers.values()) t.cancel();
    this.runtime.timers.clear();
    await this.runtime.settle();
    await this.cycleSlots.idle();
    await this.synchronous.appliesSettled();
  }

  /** Resolves when no operation or cycle is queued on any session and every acknowledged mirrored write is applied (tests, shutdown). */
  async idle(): Promise<void> {
    do {
      await this.runtime.idle();
      await this.cycleSlots.idle();
    } while (this.runtime.busy || this.cycleSlots.running > 0);
    await this.synchronous.appliesSettled();
  }

  /** Engine volumes replication owns (bases, pending and staging snapshots, test shadows). */
  internalVolumeIds(): Set<string> {
    const ids = new Set<string>(this.runtime.cycleSnapshots);
    for (const s of this.runtime.listShared()) {
      for (const p of s.elementPairs) if (p.localBaseSnapshotId) ids.add(p.localBaseSnapshotId);
      for (const id of Object.values(s.pendingCycle?.snapshotIds ?? {})) ids.add(id);
      for (const id of Object.values(s.pendingCommit?.stagingIds ?? {})) ids.add(id);
      for (const id of Object.values(s.openCycle?.stagingIds ?? {})) ids.add(id);
      for (const id of Object.values(s.failoverTest?.shadowVolumeIds ?? {})) ids.add(id);
    }
    return ids;
  }

  /** Volumes hosts may write although they are replication destinations (a failover test). */
  isHostWritable(volume: Volume): boolean {
    if (!volume.isReplicationDestination) return volume.type !== 'Snapshot';
    return this.ctx.meta.findShared('sessionByLocalId', volume.id).some((s) => (s.failoverTest || s.state === 'Suspended') && s.elementPairs.some((p) => p.localVolumeId === volume.id));
  }

  // ---------------------------------------------------------------- queries

  list(): ReplicationSession[] {
    return this.runtime.list();
  }

  /** Every session without copying (callers must not mutate): listings and metrics. */
  listShared(): readonly ReplicationSession[] {
    return this.runtime.listShared();
  }

  get(id: string): ReplicationSession {
    return this.runtime.get(id);
  }

  /** The REC session of a local volume, if any (a volume is in at most one session). */
  sessionOfVolume(volumeId: string): ReplicationSession | undefined {
    return this.runtime.sessionOfVolume(volumeId);
  }

  /** Whether a synchronous session mirrors host writes now. */
  isMirroring(id: string): boolean {
    return this.synchronous.isMirroring(id);
  }

  // ---------------------------------------------------------------- RPC from the peer

  /** The parts' handlers of peer calls (link-state.ts installs its own with the link watch). */
  private installRpc(): void {
    this.sessions.installRpc();
    this.failovers.installRpc();
    this.rec.installRpc();
  }

  // ---------------------------------------------------------------- scheduling (source side)

  /**
   * Queues a cycle: it waits for a cycle slot (CYCLES_RUNNING_MAX, in the order asked), then for
   * the session's earlier operations. A session already waiting for a slot is not queued twice.
   */
  private runSoon(sessionId: string, options: { scheduled?: boolean } = {}): Promise<void> {
    const waiting = this.waitingRuns.get(sessionId);
    if (waiting) return waiting;
    let admitted = false;
    const run = this.cycleSlots
      .run(() => {
        admitted = true;
        this.waitingRuns.delete(sessionId);
        // A run its RPO timer queued may have waited long in the slots: if the session was armed
        // for a later time meanwhile (halted, then OK again with its place in the spread window
        // when the link came back), the timer armed then runs it. Run now, every run queued
        // during a peer's absence started at once on its return (issue 14's restart burst).
        if (options.scheduled && this.rearmedForLater(sessionId)) return Promise.resolve();
        return this.runtime.exclusive(sessionId, () => this.cycle(sessionId));
      })
      .catch(() => undefined);
    if (!admitted) this.waitingRuns.set(sessionId, run);
    return run;
  }

  /**
   * Whether a session was armed again since its timer fired (the callback removes its own timer)
   * for a later time: a timer armed now will run it, so a run queued before is stale.
   */
  private rearmedForLater(sessionId: string): boolean {
    const nextSyncMs = this.ctx.meta.getShared('replication_session', sessionId)?.nextSyncMs ?? null;
    return this.runtime.timers.has(sessionId) && nextSyncMs !== null && nextSyncMs > this.ctx.clock.nowMs();
  }

  /**
   * Arms the RPO timer of a source session: the next cycle at 80% of the RPO after the last one
   * (dueMs), or after CYCLE_RETRY_MS when the last attempt failed. A timer that finds the session
   * not runnable does nothing: resume and reprotect arm it again. When the system starts
   * (`spreadOverdue`), a session already due starts at its own place in the spread window
   * (CYCLE_SPREAD_FRACTION of its interval) rather than with every other overdue one.
   */
  private arm(sessionId: string, options: { spreadOverdue?: boolean; lateSpreadDone?: boolean } = {}): void {
    this.runtime.timers.get(sessionId)?.cancel();
    this.runtime.timers.delete(sessionId);
    const s = this.ctx.meta.get('replication_session', sessionId);
    if (!s || s.role !== 'Source' || this.runtime.stopped) return;
    // Synchronous has no schedule; a halted one with recovery Automatic retries (the link may be
    // fine), and so does an initial copy a restart cut short (it stays Initializing: without a
    // retry it never ran again, simulation v5 seed 31).
    const resyncs = s.transferMode === 'Synchronous' && (s.state === 'System_Paused' || (s.state === 'Initializing' && !s.mirroring));
    const intervalMs = this.cycleIntervalMs(s) ?? (resyncs ? CYCLE_RETRY_MS : null);
    if (intervalMs === null) return;
    // Manual recovery, or a REC buffer overload: a halted session waits for an operator (forced suspend, then resume).
    if (waitsForOperator(s)) return;
    const nowMs = this.ctx.clock.nowMs();
    let dueMs = this.dueMs(s, intervalMs, nowMs);
    if (options.spreadOverdue && dueMs <= nowMs) dueMs = nowMs + this.spreadMs(s, intervalMs);
    if (s.state === 'System_Paused') dueMs = Math.max(dueMs, nowMs + CYCLE_RETRY_MS);
    if (s.nextSyncMs !== dueMs) this.runtime.record(sessionId, { nextSyncMs: dueMs });
    this.runtime.timers.set(
      sessionId,
      this.ctx.clock.setTimer(Math.max(0, dueMs - nowMs), () => {
        this.runtime.timers.delete(sessionId);
        const current = this.ctx.meta.get('replication_session', sessionId);
        if (!current || !['OK', 'System_Paused', 'Initializing'].includes(current.state)) return;
        // Late after a stall of the event loop: to its place in the spread window, once (CYCLE_TIMER_LATE_MS).
        if (!options.lateSpreadDone && current.state === 'OK' && this.spreadMs(current, intervalMs) > 0 && this.ctx.clock.nowMs() - dueMs > CYCLE_TIMER_LATE_MS) {
          return this.arm(sessionId, { spreadOverdue: true, lateSpreadDone: true });
        }
        void this.runSoon(sessionId, { scheduled: true });
      }),
    );
  }

  /**
   * An idle Consistency or Stack source checks for host writes every REC_IDLE_POLL_MS. (Armed as
   * a cycle, the due time would be REC_CYCLE_INTERVAL_MS after the last cycle, long past for an
   * idle session: it checked again at once, over and over.) nextSyncMs is left as it is: recording
   * each poll would be a metadata transaction ten times a second.
   */
  private armIdlePoll(sessionId: string): void {
    this.runtime.timers.get(sessionId)?.cancel();
    this.runtime.timers.set(
      sessionId,
      this.ctx.clock.setTimer(REC_IDLE_POLL_MS, () => {
        this.runtime.timers.delete(sessionId);
        const current = this.ctx.meta.get('replication_session', sessionId);
        if (current && current.state === 'OK' && !this.runtime.stopped) void this.runSoon(sessionId);
        // Halted meanwhile (the link was lost): the poll hands over to the retry schedule. It
        // armed nothing before, so a halt whose reconcile call was lost was never retried
        // (found by the simulation: idle-poll-drops-the-retry in test/sim/known-bugs.ts).
        else if (current) this.arm(sessionId);
      }),
    );
  }

  /**
   * When the next cycle of a session falls due: its interval after the last one, less its place in
   * the spread window for an Asynchronous one (early, so the RPO holds); now when it never synced.
   */
  private dueMs(s: ReplicationSession, intervalMs: number, nowMs: number): number {
    if (s.lastSyncMs === null) return nowMs;
    return s.lastSyncMs + intervalMs - this.spreadMs(s, intervalMs);
  }

  /** A session's fixed place in its spread window, in ms: none for the short REC intervals. */
  private spreadMs(s: ReplicationSession, intervalMs: number): number {
    return s.transferMode === 'Asynchronous' ? Math.floor(spreadFraction(s.id) * intervalMs * CYCLE_SPREAD_FRACTION) : 0;
  }

  /** Time between cycles: 80% of the RPO, REC_CYCLE_INTERVAL_MS for Consistency and Stack, none for Through. */
  private cycleIntervalMs(s: ReplicationSession): number | null {
    switch (s.transferMode) {
      case 'Asynchronous':
        return s.rpoSeconds > 0 ? s.rpoSeconds * 1000 * CYCLE_FRACTION_OF_RPO : null;
      case 'Consistency':
      case 'Stack':
        return REC_CYCLE_INTERVAL_MS;
      default:
        return null;
    }
  }

  /**
   * Brings the destination up to now. User and scheduled snapshots taken on a replicated volume
   * since the last cycle are cut points of their own: a cycle ships up to each of them and the
   * destination takes a snapshot of the same name, then a last cycle ships up to now.
   */
  private async cycle(sessionId: string): Promise<void> {
    // In step, the destination already has every write: a cycle is a checkpoint (new base), unless
    // mirroring stopped while the checkpoint waited for the running writes (then a cycle it is).
    if (this.ctx.meta.getShared('replication_session', sessionId)?.mirroring && (await this.synchronous.checkpoint(sessionId))) return;
    // Each cycle's commit records its snapshot as replicated (snapshotWatermark).
    for (const snapshot of this.cycles.snapshotsToReplicate(sessionId)) await this.cycles.cycleTo(sessionId, snapshot);
    let shipped = await this.cycles.cycleTo(sessionId, null);
    const s = this.ctx.meta.get('replication_session', sessionId);
    if (!s || !isSyncSource(s) || !this.io) return;
    // Synchronous: catch up with a few more cycles while they ship much (host writes keep
    // coming during a long initial copy), so that the final cut, taken with writes held, is small.
    for (let i = 0; i < SYNC_CATCH_UP_CYCLES && shipped > SYNC_FINAL_CUT_BYTES && this.get(sessionId).state === 'Synchronizing'; i++) shipped = await this.cycles.cycleTo(sessionId, null);
    await this.synchronous.enterMirroring(sessionId);
  }

  /** The one way cycles and checkpoints record a new common base (see SourceCyclesDeps). */
  private recordCommitted(sessionId: string, cycle: number, pairs: CommittedPair[], startMs: number, startState: SessionState, snapshotWatermark?: number): Promise<void> {
    return recordCommittedBase(this.runtime, sessionId, cycle, pairs, startMs, startState, snapshotWatermark);
  }

  // ---------------------------------------------------------------- actions

  async sync(id: string): Promise<void> {
    await this.runtime.apply(id, { type: 'sync' }, { exclusive: true });
  }

  async pause(id: string): Promise<void> {
    await this.runtime.apply(id, { type: 'pause', nowMs: this.ctx.clock.nowMs() });
  }

  /** Resume in either dialect: a Suspended (ETERNUS) session is rolled back first (rec-actions.ts). */
  async resume(id: string): Promise<void> {
    if (this.get(id).state === 'Suspended') return this.rec.recResume(id);
    await this.runtime.apply(id, { type: 'resume', nowMs: this.ctx.clock.nowMs() });
  }

  /** The effects every family shares (the role family's own are failover.ts's). */
  private installEffects(): void {
    const { runtime, ctx } = this;
    Object.assign(runtime.effects, {
      notify_peer: (s, e) => runtime.notifyPeer(s, e.state, e.error),
      // Awaited (what follows a resume runs after it, as after notify_peer).
      tell_peer_state: (s, e) => runtime.tellPeer(s, { kind: 'tell_peer_state', told: e.told ?? s.state }, RPC.setState, runtime.stateNotice(s, s.state)),
      tell_peer_view: (s) => runtime.tellPeerSoon(s, { kind: 'tell_peer_view' }, RPC.setState, runtime.stateNotice(s, destinationView(s))),
      tell_peer_in_step: (s) => runtime.tellPeer(s, { kind: 'tell_peer_in_step' }, RPC.setState, runtime.stateNotice(s, 'OK')),
      finish_deletion: (s) => this.sessions.retryDeletion(s.id),
      in_turn: (s, e) => void runtime.exclusive(s.id, async () => {
        if (runtime.ctx.meta.get('replication_session', s.id)) await runtime.apply(s.id, e.event);
      }).catch((error: unknown) => runtime.log('session event failed', { session: s.id, event: e.event.type, error: String(error) })),
      cancel_timer: (s) => runtime.timers.get(s.id)?.cancel(),
      arm: (s, e) => this.arm(s.id, { spreadOverdue: e.spreadOverdue ?? false }),
      cycle_soon: (s) => void this.runSoon(s.id),
      final_cycle: async (s) => {
        // What the operation needs shipped must ship: a session paused, suspended or deleted while
        // the operation waited for its turn runs no cycle, and the operation must not go on as if
        // the destination were up to date (a hand-over did, simulation v4 seed 6044).
        if (!CYCLE_STATES.includes(s.state)) throw new StateError(`Replication session ${s.id} is ${s.state}; the cycle that was to bring its destination up to date did not run.`, 'replication_session', s.id);
        await this.cycle(s.id);
        if (s.role === 'Source' && s.state === 'Reprotecting') crashPoint(ctx, 'reprotect.after-cycle');
      },
      abort_open_cycle: (s) => (s.openCycle ? { type: 'cycle_aborted' } : undefined),
      // A halted source that does not know whether the peer took over (a hand-over without an
      // answer, a cycle the peer refused as not its destination) waits for the peer's view.
      reconcile_peer: (s, e) => this.links.reconcileFor(s, e),
      empty_peer: async (s) => {
        await runtime.call(s, RPC.becomeDestination, { sessionId: s.id, generation: s.generation, prepareForBaseCycle: -1 });
      },
      abort_peer_cycle: (s) => runtime.call(s, RPC.cycleAbort, { sessionId: s.id }).then(() => undefined, () => undefined),
      disconnect_hosts: (s) => {
        for (const pair of s.elementPairs) {
          const v = ctx.meta.get('volume', pair.localVolumeId);
          if (v) ctx.listeners.volumeExportChanged(v, v.name);
        }
      },
      delete_snapshots: async (_, e) => {
        for (const id of e.ids) await ctx.store.deleteVolume(id).catch(() => undefined);
      },
    } satisfies EffectHandlers);
  }

  // ---------------------------------------------------------------- roles (failover.ts)

  failover(id: string, options: FailoverOptions): Promise<void> {
    return this.failovers.failover(id, options);
  }

  reprotect(id: string): Promise<void> {
    return this.failovers.reprotect(id);
  }

  startFailoverTest(id: string, snapshotId: string | null): Promise<void> {
    return this.failovers.startFailoverTest(id, snapshotId);
  }

  stopFailoverTest(id: string, createEndOfTestSnapshot: boolean): Promise<string | null> {
    return this.failovers.stopFailoverTest(id, createEndOfTestSnapshot);
  }

  // ---------------------------------------------------------------- ETERNUS REC (rec-actions.ts)

  createRec(spec: RecCreateSpec): Promise<ReplicationSession> {
    return this.rec.createRec(spec);
  }

  /** A REC create issued on the destination box: the source box creates it on both (rec-create-forward.ts). */
  createRecOnSourceBox(peerSystemId: string, params: RecCreateOnSourceParams): Promise<ReplicationSession> {
    return createRecOnSource((method, p, options) => this.runtime.transport.call(peerSystemId, method, p, options), this, params);
  }

  /**
   * One heartbeat ping to the peer: an action that needs the remote box (an ETERNUS normal
   * suspend) learns of a lost link before it is accepted. Throws when the peer does not answer.
   */
  async pingPeer(peerSystemId: string): Promise<void> {
    await this.runtime.transport.call(peerSystemId, 'peer.ping', {}, { timeoutMs: HEARTBEAT_PING_TIMEOUT_MS });
  }

  recSuspend(id: string, force: boolean): Promise<{ completion: Promise<void> }> {
    return this.rec.recSuspend(id, force);
  }

  recResume(id: string): Promise<void> {
    return this.rec.recResume(id);
  }

  recReverse(id: string): Promise<void> {
    return this.rec.recReverse(id);
  }

  recModify(id: string, change: Partial<RecModes>): Promise<RecModes> {
    return this.rec.recModify(id, change);
  }

  recDelete(id: string, force: boolean): Promise<void> {
    return this.rec.recDelete(id, force);
  }

  // ---------------------------------------------------------------- link state (link-state.ts)

  /** When the link comes back: agree on roles, drop sessions the peer deleted, catch up. */
  reconcileWith(peerSystemId: string): Promise<void> {
    return this.links.reconcileWith(peerSystemId);
  }
}
