// The cycle machinery of a source session: a cycle cuts consistent snapshots of every member,
// opens the cycle on the destination, ships diff(base, cut) into its staging, commits, and makes
// the cut the new common base. Asynchronous, Consistency and Stack sessions cycle on a schedule;
// a Synchronous one cycles to resync before it mirrors. When a cycle runs is service.ts's call.
import { crashPoint } from '../core/crash-points.ts';
import type { CoreContext } from '../core/context.ts';
import { DomainError } from '../core/errors.ts';
import type { Volume } from '../core/model.ts';
import type { ReplicationSession, SessionState } from '../core/replication/model.ts';
import { isRec } from '../core/replication/rules.ts';
import { isBufferOverloadHalt } from '../core/replication/rec-buffer.ts';
import { PROGRESS_RECORD_INTERVAL_MS } from './limits.ts';
import { learnFromDestination, memberSpecs, numberedMembers, sameCopies } from './member-copies.ts';
import type { SessionRuntime } from './session-runtime.ts';
import { shipExtents } from './shipper.ts';
import { RPC, type CycleBeginResult } from './wire.ts';

/** What a cycle needs of the ReplicationService. */
export interface SourceCyclesDeps {
  /** The volumes a cycle cuts: the volume, or every member of the group now. */
  membersOf(kind: 'volume' | 'volume_group', resourceId: string): Volume[];
  /**
   * ReplicationService.recordCommitted (recordCommittedBase below): cycles and checkpoints
   * record a new common base through that one method of the service, which a test replaces to
   * simulate a crash between the destination's commit and the source's record.
   */
  recordCommitted(sessionId: string, cycle: number, pairs: CommittedPair[], startMs: number, startState: SessionState, snapshotWatermark?: number): Promise<void>;
}

/** The states a source cycles in; in any other (paused, suspended, deleting, failed over) a cycle ships nothing. */
export const CYCLE_STATES: readonly SessionState[] = ['OK', 'System_Paused', 'Initializing', 'Synchronizing', 'Failing_Over', 'Reprotecting'];

export class SourceCycles {
  /** Data bytes shipped per session since start (the `cycle committed` log has each cycle's). */
  private readonly shipped = new Map<string, number>();
  /** Bytes of the cycle running now per session, for the ETERNUS uncopied_data_size. */
  private readonly cycleBytes = new Map<string, { total: number; done: number }>();
  private readonly ctx: CoreContext;

  constructor(
    private readonly runtime: SessionRuntime,
    private readonly deps: SourceCyclesDeps,
  ) {
    this.ctx = runtime.ctx;
  }

  /** Data bytes shipped by this system's cycles of a session since the process started. */
  shippedBytes(id: string): number {
    return this.shipped.get(id) ?? 0;
  }

  /** Whether the source holds changes the destination does not have yet. */
  hasBacklog(s: ReplicationSession): boolean {
    if (s.role !== 'Source') return false;
    // A running cycle has not committed what it ships. Answered without a diff: the dialects ask
    // on every GET of a session (the Stack bench twenty times a second), and a diff costs ~1-7 ms
    // per GiB of change on the event loop that also ships.
    if (this.cycleBytes.has(s.id)) return true;
    return s.elementPairs.some((p) => this.ctx.store.hasVolume(p.localVolumeId) && this.ctx.store.diff(p.localBaseSnapshotId, p.localVolumeId).length > 0);
  }

  /** Bytes of the running cycle not shipped yet, or null when none runs. */
  uncopiedBytes(id: string): number | null {
    const c = this.cycleBytes.get(id);
    return c ? Math.max(0, c.total - c.done) : null;
  }

  /** Snapshots of a replicated volume (not groups) that the destination has not received yet. */
  snapshotsToReplicate(sessionId: string): Volume[] {
    const s = this.ctx.meta.get('replication_session', sessionId);
    if (!s || s.role !== 'Source' || s.resourceType !== 'volume') return [];
    const watermark = s.snapshotWatermark ?? -1;
    return this.ctx.meta
      .findShared('volumeBySource', s.localResourceId)
      .filter((v) => v.type === 'Snapshot' && v.number > watermark && (v.creatorType === 'User' || v.creatorType === 'Scheduler'))
      .sort((a, b) => a.number - b.number);
  }

  /** One cycle: consistent snapshots, ship diff(base, cut) into staging, commit, new base (in CYCLE_STATES only). */
  async cycleTo(sessionId: string, userSnapshot: Volume | null): Promise<number> {
    let s = this.ctx.meta.get('replication_session', sessionId);
    if (!s || s.role !== 'Source' || this.runtime.stopped) return 0;
    if (!CYCLE_STATES.includes(s.state)) return 0;
    // Halted (or about to halt) for REC buffer overload: nothing ships until a forced suspend and a resume.
    if (s.haltPending || isBufferOverloadHalt(s)) return 0;
    // Through: changes are tracked against the base and nothing is shipped.
    if (s.transferMode === 'Through' && s.state !== 'Failing_Over' && s.state !== 'Reprotecting') return 0;
    // Consistency and Stack: a cycle with nothing to ship is skipped, and the source looks again
    // REC_IDLE_POLL_MS later, so that shipping starts soon after host writes do.
    if (isRec(s) && !userSnapshot && s.state === 'OK' && s.baseCycle > 0 && !this.hasBacklog(s)) {
      this.runtime.schedule.armIdlePoll(sessionId);
      return 0;
    }
    const startMs = this.ctx.clock.nowMs();
    const startState = s.state;
    let snapshotIds: Record<string, string> = {};
    let commitSent = false;
    let stopWait: { stopped: Promise<void>; dispose: () => void } | null = null;
    // Where a cycle's time goes (logged with the commit): ms from the start to the end of each phase.
    const phaseMs = { snapshot: 0, begin: 0, ship: 0, commit: 0 };
    try {
      const members = this.deps.membersOf(s.resourceType, s.localResourceId);
      snapshotIds = Object.fromEntries(members.map((m) => [m.id, this.ctx.ids.uuid()]));
      for (const id of Object.values(snapshotIds)) this.runtime.cycleSnapshots.add(id);
      const opened = await this.cutAndBegin(s, members, snapshotIds, userSnapshot, () => (phaseMs.snapshot = this.ctx.clock.nowMs() - startMs));
      s = opened.session;
      crashPoint(this.ctx, 'cycle.after-cut');
      const begin = opened.begin;
      phaseMs.begin = this.ctx.clock.nowMs() - startMs;
      const thisCycle = s.baseCycle + 1;
      const pairs = members.map((m) => {
        const remoteVolumeId = begin.members.find((x) => x.sourceVolumeId === m.id)!.remoteVolumeId;
        // A base is common only with the destination volume it was shipped to. One the destination
        // made anew for a member it did not hold (a member removed on one side while the other took
        // over, then brought back by a reprotect) is empty: it gets the member whole. Shipped a diff
        // from our base, it missed everything before it (simulation seed 375, v4 120 steps).
        const recorded = s!.elementPairs.find((p) => p.localVolumeId === m.id);
        const base = recorded && recorded.remoteVolumeId === remoteVolumeId ? recorded.localBaseSnapshotId : null;
        return { member: m, remoteVolumeId, base, extents: this.ctx.store.diff(base, snapshotIds[m.id]!) };
      });
      const totalBytes = pairs.reduce((sum, p) => sum + p.extents.filter((e) => e.kind === 'data').reduce((a, e) => a + e.lengthBytes, 0), 0);
      let doneBytes = 0;
      let progressRecordedAtMs = this.ctx.clock.nowMs();
      const running = { total: totalBytes, done: 0 };
      this.cycleBytes.set(sessionId, running);
      stopWait = this.runtime.whenStopRequested(sessionId);
      for (const pair of pairs) {
        await shipExtents(
          this.ctx.store,
          snapshotIds[pair.member.id]!,
          pair.extents,
          { transport: this.runtime.transport, peerSystemId: s.peerSystemId, sessionId, cycle: thisCycle, remoteVolumeId: pair.remoteVolumeId },
          (bytes) => {
            doneBytes += bytes;
            running.done = doneBytes;
            // Recorded at most every PROGRESS_RECORD_INTERVAL_MS: a record is a synchronous
            // metadata transaction (an fsync) on the event loop.
            const nowMs = this.ctx.clock.nowMs();
            if (nowMs - progressRecordedAtMs < PROGRESS_RECORD_INTERVAL_MS) return;
            const percent = totalBytes === 0 ? 99 : Math.min(99, Math.floor((doneBytes / totalBytes) * 100));
            if (this.ctx.meta.getShared('replication_session', sessionId)?.progressPercentage !== percent) {
              this.runtime.record(sessionId, { progressPercentage: percent });
              progressRecordedAtMs = nowMs;
            }
          },
          () => this.runtime.isStopRequested(sessionId),
          stopWait.stopped,
        );
      }
      phaseMs.ship = this.ctx.clock.nowMs() - startMs;
      crashPoint(this.ctx, 'cycle.after-ship');
      commitSent = true;
      const snapshot = userSnapshot
        ? { name: userSnapshot.name, description: userSnapshot.description, creatorType: userSnapshot.creatorType, createdByRuleName: userSnapshot.createdByRuleName, expirationTimestampMs: userSnapshot.expirationTimestampMs, sourceTimestampMs: userSnapshot.createdAtMs }
        : null;
      await this.runtime.call(s, RPC.cycleCommit, { sessionId, cycle: thisCycle, syncedAtMs: userSnapshot ? userSnapshot.createdAtMs : startMs, snapshot, durationMs: this.ctx.clock.nowMs() - startMs });
      phaseMs.commit = this.ctx.clock.nowMs() - startMs;
      crashPoint(this.ctx, 'cycle.after-commit');
      // A user snapshot's cycle: the destination has it now, recorded with the commit (snapshotWatermark).
      await this.deps.recordCommitted(sessionId, thisCycle, pairs.map((p) => ({ localVolumeId: p.member.id, remoteVolumeId: p.remoteVolumeId, snapshotId: snapshotIds[p.member.id]! })), startMs, startState, userSnapshot?.number);
      this.shipped.set(sessionId, (this.shipped.get(sessionId) ?? 0) + totalBytes);
      this.runtime.log('cycle committed', { session: sessionId, cycle: thisCycle, bytes: totalBytes, startedAtMs: startMs, ms: this.ctx.clock.nowMs() - startMs, phaseMs });
      // Consistency and Stack: a cycle is followed at once by the next one, which ships what the
      // host wrote meanwhile or, when there is nothing, starts the idle polls (armIdlePoll).
      // (Synchronous: cycle() goes on to the final cut and mirroring instead.)
      if (isRec(s) && s.transferMode !== 'Synchronous' && !userSnapshot) this.runtime.ctx.clock.immediate(() => void this.runtime.schedule.runSoon(sessionId));
      return totalBytes;
    } catch (error) {
      await this.cycleFailed(sessionId, error, snapshotIds, commitSent, startState);
      throw error;
    } finally {
      stopWait?.dispose();
      this.cycleBytes.delete(sessionId);
      for (const id of Object.values(snapshotIds)) this.runtime.cycleSnapshots.delete(id);
      this.runtime.schedule.arm(sessionId);
    }
  }

  /**
   * Takes the cycle's cut and opens the cycle on the destination at the same time: the cut's
   * fdatasync (every host write since the last one) and the destination's staging snapshots
   * overlap. pendingCycle is recorded once the cut exists, before any data is shipped.
   */
  private async cutAndBegin(s: ReplicationSession, members: Volume[], snapshotIds: Record<string, string>, userSnapshot: Volume | null, onCut: () => void): Promise<{ session: ReplicationSession; begin: CycleBeginResult }> {
    const sessionId = s.id;
    const cycle = s.baseCycle + 1;
    const previousPending = s.pendingCycle;
    // Members that joined the group since the last cycle get their copy session numbers now.
    const copies = s.resourceType === 'volume_group' ? numberedMembers(s.memberCopies, members.map((m) => m.id), () => this.runtime.allocateNumber()) : undefined;
    const specs = memberSpecs(s, members, copies);
    // One consistent cut: every member's snapshot is issued in this turn, before any await. The
    // cut is now, or the user snapshot being replicated (copied, so the user may delete it).
    const cut = Promise.all(members.map((m) => this.ctx.store.snapshotVolume(userSnapshot && userSnapshot.sourceId === m.id ? userSnapshot.id : m.id, snapshotIds[m.id]!))).then(onCut);
    const opening = this.runtime.call<CycleBeginResult>(s, RPC.cycleBegin, { sessionId, cycle, baseCycle: s.baseCycle, members: specs, sourceResourceId: s.localResourceId });
    // Both settle before either failure is thrown, so that cycleFailed finds the cut in place.
    const [cutDone, openDone] = await Promise.allSettled([cut, opening]);
    if (cutDone.status === 'rejected') throw cutDone.reason;
    if (openDone.status === 'rejected') throw openDone.reason;
    let begin = openDone.value;
    // What the destination answered of the members (their copy session numbers and volumes).
    const learnt = (b: CycleBeginResult) => (copies ? { memberCopies: learnFromDestination(copies, b.members) } : {});
    // Initializing or Synchronizing while it ships (a failover or reprotect keeps its state): session-machine's cycle_opened rows.
    let session = await this.runtime.apply(sessionId, { type: 'cycle_opened', cycle, snapshotIds }, { record: begin.ok ? learnt(begin) : {} });
    if (!begin.ok) {
      session = await this.resolveBaseMismatch(session, begin.destinationBaseCycle, previousPending, snapshotIds);
      begin = await this.runtime.call<CycleBeginResult>(session, RPC.cycleBegin, { sessionId, cycle: session.baseCycle + 1, baseCycle: session.baseCycle, members: specs, sourceResourceId: session.localResourceId });
      if (!begin.ok) throw new DomainError('STATE_INVALID', `The destination of session ${sessionId} is at cycle ${begin.destinationBaseCycle}, this side at ${session.baseCycle}.`);
      const copiesNow = learnt(begin).memberCopies;
      if (copiesNow && !sameCopies(copiesNow, session.memberCopies)) session = this.runtime.record(sessionId, { memberCopies: copiesNow }) ?? session;
    }
    return { session, begin };
  }

  /** The destination is at another base than this side thinks: adopt a pending cut, or resync all (session-machine's base_mismatch rows). */
  private async resolveBaseMismatch(s: ReplicationSession, destinationBaseCycle: number, previousPending: ReplicationSession['pendingCycle'], current: Record<string, string>): Promise<ReplicationSession> {
    if (!previousPending || previousPending.cycle !== destinationBaseCycle) this.runtime.log('base mismatch: full resynchronisation', { session: s.id, local: s.baseCycle, destination: destinationBaseCycle });
    return this.runtime.apply(s.id, { type: 'base_mismatch', destinationBaseCycle, previousPending, snapshotIds: current });
  }

  private async cycleFailed(sessionId: string, error: unknown, snapshotIds: Record<string, string>, commitSent: boolean, startState: SessionState): Promise<void> {
    const s = this.ctx.meta.get('replication_session', sessionId);
    this.runtime.log('cycle failed', { session: sessionId, error: String(error) });
    if (!commitSent) {
      for (const id of Object.values(snapshotIds)) await this.ctx.store.deleteVolume(id).catch(() => undefined);
      if (s?.pendingCycle) await this.runtime.apply(sessionId, { type: 'cut_discarded', snapshotIds: Object.values(snapshotIds) });
    }
    // Halt, or nothing when the session was paused, suspended, deleted or told to stop: session-machine's cycle_failed rows.
    if (this.ctx.meta.get('replication_session', sessionId)) await this.runtime.apply(sessionId, { type: 'cycle_failed', code: error instanceof DomainError ? error.code : 'INTERNAL', nowMs: this.ctx.clock.nowMs() });
  }
}

/** A member's committed cut: it becomes the member's common base. */
export interface CommittedPair {
  localVolumeId: string;
  remoteVolumeId: string;
  snapshotId: string;
}

/**
 * Records a committed cut (a cycle's or a checkpoint's) as the new common base and drops the old
 * base snapshots. Called through ReplicationService.recordCommitted (see SourceCyclesDeps).
 */
export async function recordCommittedBase(runtime: SessionRuntime, sessionId: string, cycle: number, pairs: CommittedPair[], startMs: number, startState: SessionState, snapshotWatermark?: number): Promise<void> {
  const s = runtime.get(sessionId);
  const oldBases = s.elementPairs.map((p) => p.localBaseSnapshotId).filter((id): id is string => Boolean(id));
  const elementPairs = pairs.map((p) => ({ localVolumeId: p.localVolumeId, remoteVolumeId: p.remoteVolumeId, localBaseSnapshotId: p.snapshotId }));
  // The next cycle's time goes with this commit (arm, after the cycle, then finds it recorded).
  const nextSyncMs = runtime.schedule.nextDueMs({ ...s, state: 'OK', lastSyncMs: startMs });
  await runtime.apply(sessionId, { type: 'cycle_committed', cycle, elementPairs, startMs, nowMs: runtime.ctx.clock.nowMs(), startState, nextSyncMs, ...(snapshotWatermark !== undefined ? { snapshotWatermark } : {}) });
  crashPoint(runtime.ctx, 'cycle.after-record');
  const keep = new Set(pairs.map((p) => p.snapshotId));
  for (const id of oldBases) if (!keep.has(id)) await runtime.ctx.store.deleteVolume(id).catch(() => undefined);
}
