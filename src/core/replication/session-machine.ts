// The replication session state machine: what happens to a session, as data. `step(session,
// event)` answers the next record and the effects replication must carry out (snapshot, ship,
// notify the peer, hand a role over, ...). It is pure: no I/O, no clock (times come in events),
// so a reader learns what failover does here, and tests drive it without a system.
//
// How to read it: TABLE below has one row per (event, state, role) with the next facts and the
// effects, in the order replication executes them. `step` takes the first row whose event, states,
// role and guard match. Operator actions are first checked by rules.ts (a refused action throws
// the dialect's typed error and changes nothing). An event no row takes leaves the session as it
// is (a late notice, a result for an operation that has ended). Every transition is checked by
// `assertTransition` (generations never go down, a role changes only with a higher generation, a
// destination is never host-writable, a transient state has a way out).
//
// How replication runs it (SessionRuntime.apply in replication/session-runtime.ts, the one write
// path of session records): the new record is written in one metadata transaction with the host
// access it implies, then the effects run in order. An effect
// that yields a result feeds it back as an event (hand_over → handed_over); one that fails feeds
// `failed` with the effect's kind, and the effects after it are dropped. `then` steps its event
// once every effect before it succeeded.
import { StateError } from '../errors.ts';
import type { ElementPair, MemberCopy, RecoveryMode, ReplicationSession, SessionRole, SessionState, SplitMode, TransferMode } from './model.ts';
import { checkAction, checkRecAction, type SessionAction } from './rules.ts';
import { isBufferOverloadHalt, REC_BUFFER_OVERLOAD } from './rec-buffer.ts';

// ---------------------------------------------------------------- events

/** What can happen to a session: operator actions, effect results, peer notices, link, crash, timers. */
export type SessionEvent =
  // Operator actions (PowerStore and ETERNUS; rules.ts checks them first)
  | { type: 'sync' }
  /** `nowMs`: a mirroring session's copy is as of the pause (lastSyncMs). */
  | { type: 'pause'; nowMs: number }
  /** PowerStore resume, or ETERNUS resume of a Paused session. `nowMs` decides whether a cycle is due. */
  | { type: 'resume'; nowMs: number }
  | { type: 'failover'; planned: boolean; reverse: boolean; force: boolean; useTestCopy: boolean; snapshotId: string | null }
  | { type: 'reprotect' }
  /** PowerStore failover test on the destination: hosts use the destination while cycles go on into a shadow. */
  | { type: 'start_failover_test'; snapshotId: string | null }
  | { type: 'stop_failover_test' }
  /** ETERNUS suspend, issued on the source box (the destination box forwards it). */
  | { type: 'rec_suspend'; force: boolean; backlog: boolean }
  /** ETERNUS resume of a Suspended session on the source box: the destination is rolled back first. */
  | { type: 'rec_resume' }
  /**
   * ETERNUS reverse on either box (`generation` is the issuing box's next one; `role`: the one this
   * side takes, else the other one; `peerBaseCycle`: the other box's base cycle, when it said it in
   * recReverse's params or answer).
   */
  | { type: 'rec_reverse'; generation: number; snapshotWatermark: number; role?: SessionRole; peerBaseCycle?: number }
  | { type: 'rec_modify'; modes: RecModes }
  /** ETERNUS delete, on the box it is issued on. */
  | { type: 'rec_delete'; force: boolean; backlog: boolean }
  /** PowerStore: the protection policy that made the session no longer replicates. */
  | { type: 'delete' }
  /** PowerStore: the session's replication rule got another RPO; the schedule follows. */
  | { type: 'rpo_changed'; rpoSeconds: number }
  /**
   * A group's members changed: on the source the group's, on the destination what the source
   * named (RPC members). `remoteResourceId`: a destination learns the source's group id.
   */
  | ({ type: 'members_changed' } & Membership)
  // Results of effects
  | { type: 'peer_prepared'; baseCycle: number }
  | { type: 'hand_over_begins'; reverse: boolean }
  | { type: 'handed_over'; generation: number; reverse: boolean }
  | { type: 'promoted' }
  | { type: 'test_started'; shadowVolumeIds: Record<string, string>; startedAtMs: number }
  | { type: 'test_stopped' }
  | { type: 'reprotected' }
  /** The final cycle of a normal suspend is done. */
  | { type: 'suspend_cut' }
  | { type: 'suspended' }
  | { type: 'modes_set'; modes: RecModes }
  /** `recResume`: the rollback of a REC resume (the destination box), not of a reprotect or failback. */
  | { type: 'rolled_back'; baseCycle: number; elementPairs: ElementPair[]; recResume?: boolean }
  | { type: 'peer_rolled_back'; baseCycle: number }
  /** An effect failed: `during` is its kind. */
  | { type: 'failed'; during: Effect['kind']; code: string; nowMs: number }
  // Peer notices (RPCs from the partner system)
  /** `generation`: the sender's (peers that predate it send none). */
  /** `nowMs`: when the notice arrived (a mirroring source the peer pauses records it as its last sync). */
  /** `pauseResumes`: the pauses and resumes the sender knew of when it sent it (model.ts; peers that predate it send none). */
  | { type: 'peer_state'; state: SessionState; pausedByUser?: boolean; errorCode?: string; errorAtMs?: number | null; generation?: number; nowMs?: number; pauseResumes?: number }
  | { type: 'peer_suspended' }
  /** Destination box of a REC resume: back to the common base the source names (RPC recRollback). */
  | { type: 'rec_roll_back'; baseCycle: number; recResumes?: number }
  | { type: 'peer_deleted' }
  | { type: 'become_source'; generation: number; state: SessionState; reprotect: boolean }
  /** `sourceBaseCycle`: the new source's base, sent with a demotion (peers that predate it send none). */
  | { type: 'become_destination'; generation: number; prepareForBaseCycle: number | null; sourceBaseCycle?: number }
  /**
   * The link is back and the peer told its view of the session (RPC sessionStates). `resuming`: the
   * peer is a Suspended source whose REC resume waits for our rollback's answer (its
   * resumePending); `recResumes`: the peer's (model.ts). Peers that predate them send none.
   */
  | { type: 'peer_summary'; role: SessionRole; generation: number; state: SessionState; baseCycle?: number; resuming?: boolean; recResumes?: number; pauseResumes?: number; errorCode?: string; errorAtMs?: number | null }
  // Link
  | { type: 'link_lost'; nowMs: number }
  | { type: 'path_returned' }
  // Cycles and mirroring (source); commits (destination)
  /** The cycle's cut is taken and the destination opened it: shipping starts. */
  | { type: 'cycle_opened'; cycle: number; snapshotIds: Record<string, string> }
  /**
   * `nextSyncMs`: when the schedule puts the next cycle of the session OK after this commit (null:
   * none). `snapshotWatermark`: the cycle shipped up to a user or scheduled snapshot, which the
   * destination has now (recorded with the commit, so a restart does not ship it twice).
   */
  | { type: 'cycle_committed'; cycle: number; elementPairs: ElementPair[]; startMs: number; nowMs: number; startState: SessionState; nextSyncMs?: number | null; snapshotWatermark?: number }
  /** A synchronous source in step cut a checkpoint (host writes held): pending until recorded as the base. */
  | { type: 'checkpoint_cut'; cycle: number; snapshotIds: Record<string, string> }
  /** A cycle failed before its commit was sent, and its cut's snapshots are deleted. */
  | { type: 'cut_discarded'; snapshotIds: string[] }
  /**
   * Destination: the source opened a cycle. Its members as the source named them, and a staging
   * copy per volume, recorded before the staging is made (a restart drops what is recorded).
   */
  | ({ type: 'cycle_begun'; cycle: number; stagingIds: Record<string, string> } & Membership)
  /** Destination: the source sent the open cycle's commit; its staging becomes the commit to redo. */
  | { type: 'commit_begins'; cycle: number }
  /** Destination: the open cycle ends without a commit (the source aborted it, a role change, a restart). */
  | { type: 'cycle_aborted' }
  /** Destination: a mirrored write or trim acknowledged at `baseCycle` could not be applied. */
  | { type: 'mirrored_write_lost'; baseCycle: number; reason: string }
  /** Destination: a cycle's staging became the volumes and the new base (also redone at start). */
  | { type: 'destination_committed'; cycle: number; elementPairs: ElementPair[]; syncedAtMs: number | null; durationMs: number | null }
  /** Destination of a synchronous session: the source took a checkpoint, both sides' volumes are the new base. */
  | { type: 'checkpoint_applied'; cycle: number; elementPairs: ElementPair[]; syncedAtMs: number }
  | { type: 'cycle_failed'; code: string; nowMs: number }
  /**
   * The destination opened the cycle at another base than this side holds: `previousPending` is
   * the cut this side had pending before this cycle, `snapshotIds` this cycle's cut.
   */
  | { type: 'base_mismatch'; destinationBaseCycle: number; previousPending: { cycle: number; snapshotIds: Record<string, string> } | null; snapshotIds: Record<string, string> }
  /** The destination was emptied for a full copy: this side's bases are of no use any more. */
  | { type: 'base_reset' }
  | { type: 'mirror_failed'; code: string; nowMs: number }
  | { type: 'mirroring_entered' }
  // Crash recovery and timers
  | { type: 'restarted' }
  | { type: 'timer_fired' }
  /** The peer did not answer a notice (a lost call, the link down): it is told again later while still due. */
  | { type: 'notice_unheard'; notice: Notice }
  /** A notice's retry time came, or replication tells it now outside a transition (tell_peer_in_step). */
  | { type: 'notice_due'; notice: Notice }
  | { type: 'buffer_overload'; atMs: number }
  | { type: 'overload_halt' };

export type EventType = SessionEvent['type'];
/** A resource's members as replication pairs them (members_changed, cycle_begun). */
export interface Membership {
  elementPairs: ElementPair[];
  memberCopies?: Record<string, MemberCopy>;
  remoteResourceId?: string;
}
export interface RecModes {
  transferMode: TransferMode;
  splitMode: SplitMode;
  recoveryMode: RecoveryMode;
}
type EventOf<T extends EventType> = Extract<SessionEvent, { type: T }>;

// ---------------------------------------------------------------- effects

/** What replication carries out after a transition, in order. */
export type Effect =
  /** Tells the peer the session's state (best effort; a lost notice is repaired at reconcile). */
  | { kind: 'notify_peer'; state: SessionState; error?: { code: string; atMs: number } }
  /**
   * Tells the peer this side's state (a pause, a resume), again until it hears or the state moves
   * on: a lost notice left one side Paused and the other resumed, with the link up (seed 334).
   */
  | { kind: 'tell_peer_state'; told?: SessionState }
  /**
   * Tells the destination the state it shows now (destinationView), again and again until it hears
   * or the source starts another role operation: ends an operation the destination was told of.
   */
  | { kind: 'tell_peer_view' }
  /**
   * Tells the destination that a synchronous source is in step again (OK); until it hears, it shows
   * Synchronizing. Replication tells it once host writes are released (notice_due), not in a row.
   */
  | { kind: 'tell_peer_in_step' }
  | { kind: 'cancel_timer' }
  /**
   * Arms the session's schedule again (RPO timer, REC interval, retry of a halt). `spreadOverdue`:
   * one already due starts at its place in the spread window (after a restart or a link's return,
   * when many are due together).
   */
  | { kind: 'arm'; spreadOverdue?: boolean }
  /** Queues a cycle behind the session's operations. */
  | { kind: 'cycle_soon' }
  /** Brings the destination up to now, in this operation's turn; must succeed. */
  | { kind: 'final_cycle' }
  /** Destination: ends the cycle that is open, if any (→ cycle_aborted: its staging goes). */
  | { kind: 'abort_open_cycle' }
  /** Asks the peer to become the destination rolled back to our base (RPC becomeDestination) → peer_prepared. */
  | { kind: 'prepare_peer' }
  /** Hands the source role to the peer (RPC becomeSource) → handed_over. */
  | { kind: 'hand_over'; generation: number; peerState: SessionState; reverse: boolean }
  /**
   * Tells the old source it lost the role (RPC becomeDestination), again until it answers (an
   * answer, even a refusal, ends it). `retry`: a retry's wait for the answer is the usual one.
   */
  | { kind: 'demote_peer'; generation: number; retry?: boolean }
  /** Unplanned failover under test: the test data becomes production, the shadow replica goes. */
  | { kind: 'discard_test_copy' }
  /** Unplanned failover to a snapshot: the destination volume is restored from it first. */
  | { kind: 'restore_snapshot'; snapshotId: string }
  /** Restores each volume from its snapshot, or empties it (null) for a full copy → rolled_back. */
  | { kind: 'roll_back'; restoreFrom: Record<string, string | null>; baseCycle: number; elementPairs: ElementPair[]; recResume?: boolean }
  /**
   * Asks the peer (the destination box) to roll back to our base (RPC recRollback) → peer_rolled_back.
   * `queued`: in the session's turn, behind its operations (a cycle), and only if the session is
   * still a halted source of this generation by then (a reconcile asks it, outside any operation).
   */
  | { kind: 'roll_back_peer'; queued?: boolean }
  | { kind: 'delete_snapshots'; ids: string[] }
  /** Tells the peer that this side suspended (RPC recSuspended); with `retry`, again until it hears. */
  | { kind: 'tell_peer_suspended'; retry: boolean }
  /** Starts a reprotect of this side soon (a planned failover with reverse, on the new source). */
  | { kind: 'reprotect_soon' }
  /** Gives the peer the session's new modes (RPC recSetModes). */
  | { kind: 'set_peer_modes'; modes: RecModes }
  /** Failover test: a shadow of each destination volume keeps receiving cycles; the volume is restored from `snapshotId` if given → test_started. */
  | { kind: 'make_test_copy'; snapshotId: string | null }
  /** Failover test over: each volume gets its shadow's content back (hosts' test writes go) → test_stopped. */
  | { kind: 'end_test_copy' }
  /** Disconnects the hosts of this side's volumes, so they reconnect to what they may do now (read-only). */
  | { kind: 'disconnect_hosts' }
  /** Deletes the session on the peer (RPC deleteSession); `force`: go on without it. */
  | { kind: 'delete_on_peer'; force: boolean }
  /** Removes the record and the session's internal snapshots; destination volumes become ordinary. */
  | { kind: 'drop_locally' }
  /** Asks the peer to empty its volumes for a full copy (RPC becomeDestination with prepareForBaseCycle -1). */
  | { kind: 'empty_peer' }
  /** Tells the destination to drop the open cycle (RPC cycleAbort, best effort). */
  | { kind: 'abort_peer_cycle' }
  /**
   * Asks the peer for its view of the sessions (RPC sessionStates, as at the link's return), again
   * until it answers or the session no longer waits for it: the peer_summary rows then decide.
   */
  | { kind: 'reconcile_peer'; until?: 'suspended' }
  /**
   * A PowerStore deletion left Deleting because the peer did not confirm it: asks the peer again to
   * delete its side (RPC deleteSession), then drops this side, in the session's turn.
   */
  | { kind: 'finish_deletion' }
  /** Steps `notice_due` for the notice after the retry interval (replication's SUSPEND_NOTICE_RETRY_MS). */
  | { kind: 'retry_notice'; notice: Notice }
  /** Steps this event once every effect before it succeeded. */
  | { kind: 'then'; event: SessionEvent }
  /** Steps this event in the session's turn: after the operations queued before it (a cycle in flight) end. */
  | { kind: 'in_turn'; event: SessionEvent };

/**
 * The notices replication tells the peer again until it hears, each while its condition holds
 * (noticeStillDue). Unheard, a notice comes back as `notice_unheard`; its retry as `notice_due`.
 */
export type Notice = Extract<Effect, { kind: 'tell_peer_state' | 'tell_peer_view' | 'tell_peer_in_step' | 'tell_peer_suspended' | 'reconcile_peer' | 'finish_deletion' | 'demote_peer' }>;

export interface Transition {
  session: ReplicationSession;
  effects: Effect[];
}

// ---------------------------------------------------------------- the table

interface Row<T extends EventType = EventType> {
  on: T;
  /** The states the row applies in; '*' for any. */
  from: readonly SessionState[] | '*';
  role?: SessionRole;
  /** A further condition, named in `when` for the reader. */
  guard?: (s: ReplicationSession, e: EventOf<T>) => boolean;
  when?: string;
  /** The facts that change, and the effects in the order they run. */
  go: (s: ReplicationSession, e: EventOf<T>) => { set?: Partial<ReplicationSession>; effects?: Effect[] };
}

function row<T extends EventType>(r: Row<T>): Row {
  return r as unknown as Row;
}

const ACTIVE: readonly SessionState[] = ['OK', 'Synchronizing', 'Initializing'];
const HALTED_OR_COPYING: readonly SessionState[] = ['Initializing', 'Synchronizing', 'System_Paused'];
/** States a destination shows because the source told it of an operation the source runs. */
const SOURCE_DRIVEN: readonly SessionState[] = ['Failing_Over', 'Reprotecting'];
const RUNNABLE: readonly SessionState[] = ['OK', 'System_Paused', 'Initializing'];
/**
 * What the restarted rows end: a REC suspend or buffer-overload halt queued behind a cycle, and a
 * REC resume waiting for its rollback's answer, which has nowhere to go now (a suspend cut short is
 * ended as Suspended by its own row first, which reads the old record).
 */
const RESTART_ENDS = { suspendPending: false, haltPending: null, resumePending: false } as const;

/**
 * Every transition of a session. Rows are tried top to bottom; the first that matches decides.
 * Grouped by family: roles (failover, failback, reprotect), pause/resume/sync, REC actions,
 * link, cycles and mirroring, crash recovery and timers.
 */
export const TABLE: readonly Row[] = [
  // ------------------------------------------------------------ planned failover (source side)
  row({ on: 'failover', from: ['OK', 'Synchronizing'], role: 'Source', guard: (_, e) => e.planned, when: 'planned',
    // Hosts stop writing here first, so the final cycle holds every write; then the peer takes over.
    go: (s, e) => ({ set: { state: 'Failing_Over', hostWritable: false }, effects: [{ kind: 'disconnect_hosts' }, ...handOver(s, e.reverse)] }) }),
  row({ on: 'failover', from: ['Failed_Over'], role: 'Source', guard: (_, e) => e.planned, when: 'planned: failback',
    // Failback (research §4.6): the other side is rolled back to the common base first.
    go: (_, e) => ({ set: { state: 'Failing_Over' }, effects: [{ kind: 'prepare_peer' }, { kind: 'then', event: { type: 'hand_over_begins', reverse: e.reverse } }] }) }),
  row({ on: 'hand_over_begins', from: ['Failing_Over'], role: 'Source',
    go: (s, e) => ({ set: { hostWritable: false }, effects: [{ kind: 'disconnect_hosts' }, ...handOver(s, e.reverse)] }) }),
  row({ on: 'handed_over', from: ['Failing_Over'], role: 'Source',
    go: (_, e) => ({ set: { role: 'Destination', state: e.reverse ? 'Reprotecting' : 'Failed_Over', generation: e.generation, progressPercentage: null, nextSyncMs: null, mirroring: false, hostWritesRefused: false }, effects: [{ kind: 'cancel_timer' }] }) }),
  row({ on: 'failed', from: ['Failing_Over'], role: 'Source', guard: (_, e) => e.during === 'prepare_peer', when: 'failback could not prepare the peer',
    // The peer may have been rolled back already (it shows Reprotecting): it is told (simulation seed 1001).
    go: (_, e) => ({ set: { state: 'Failed_Over', errorCode: e.code }, effects: [{ kind: 'tell_peer_view' }] }) }),
  row({ on: 'failed', from: ['Failing_Over'], role: 'Source', guard: (s, e) => e.during === 'hand_over' && e.code === 'PEER_UNREACHABLE' && !s.hostWritable, when: 'the hand-over got no answer: the peer may have taken over',
    // Its answer may be what was lost: writable again, this side made a second source while the
    // peer was one at a newer generation, and with the link up nothing reconciled them (simulation
    // seed 162). Halted and read-only, as after a hand-over a crash cut short, until the peer says
    // (peer_summary: demoted, or writable again and retried).
    go: (_, e) => ({ set: { state: 'System_Paused', errorCode: e.code, errorAtMs: e.nowMs }, effects: [{ kind: 'reconcile_peer' }] }) }),
  row({ on: 'failed', from: ['Failing_Over'], role: 'Source', when: 'final cycle or hand-over failed',
    // The peer did not take over: this side stays the source, writable again, halted; the peer,
    // told Failing_Over, is told it is over (simulation seed 1005; if the notice is lost, the link's
    // return corrects it: peer_summary). The halt is retried like any other: with the link up no
    // reconcile comes to end it (a synchronous source stayed halted, simulation seed 8004).
    go: (_, e) => ({ set: { state: 'System_Paused', errorCode: e.code, hostWritable: true }, effects: [{ kind: 'tell_peer_view' }, { kind: 'arm' }] }) }),

  // ------------------------------------------------------------ unplanned failover (destination side)
  row({ on: 'failover', from: '*', role: 'Destination', guard: (_, e) => !e.planned, when: 'unplanned',
    go: (s, e) => ({
      set: { state: 'Failing_Over_For_DR', stopRequested: true },
      effects: [{ kind: 'abort_open_cycle' }, ...(s.failoverTest ? [{ kind: 'discard_test_copy' } as const] : e.snapshotId ? [{ kind: 'restore_snapshot', snapshotId: e.snapshotId } as const] : []), { kind: 'then', event: { type: 'promoted' } }],
    }) }),
  row({ on: 'promoted', from: ['Failing_Over_For_DR'], role: 'Destination',
    // The destination volume holds exactly the last committed base: cycles apply to staging only.
    go: (s) => ({ set: { role: 'Source', state: 'Failed_Over', generation: s.generation + 1, pendingCommit: null, progressPercentage: null, failoverTest: null, hostWritable: true, stopRequested: false }, effects: [{ kind: 'demote_peer', generation: s.generation + 1 }] }) }),
  row({ on: 'failed', from: ['Failing_Over_For_DR'], role: 'Destination', when: 'the local steps of the failover failed',
    // Fixed: the session used to stay Failing_Over_For_DR, refusing every action for good.
    go: (_, e) => ({ set: { state: 'System_Paused', errorCode: e.code, errorAtMs: e.nowMs, stopRequested: false } }) }),

  // ------------------------------------------------------------ reprotect
  row({ on: 'reprotect', from: ['Failed_Over'], role: 'Source',
    go: () => ({ set: { state: 'Reprotecting' }, effects: [{ kind: 'prepare_peer' }, { kind: 'final_cycle' }, { kind: 'then', event: { type: 'reprotected' } }] }) }),
  row({ on: 'reprotected', from: ['Reprotecting'], role: 'Source',
    // Synchronous resyncs first and is in step only once it mirrors.
    go: (s) => (s.transferMode === 'Synchronous' ? { set: { state: 'Synchronizing' }, effects: [{ kind: 'tell_peer_view' }, { kind: 'cycle_soon' }] } : { set: { state: 'OK' }, effects: [{ kind: 'tell_peer_view' }] }) }),
  row({ on: 'failed', from: ['Reprotecting'], role: 'Source',
    // The peer, prepared (Reprotecting), is told the reprotect is over (simulation seed 1001).
    go: (_, e) => ({ set: { state: 'Failed_Over', errorCode: e.code }, effects: [{ kind: 'tell_peer_view' }] }) }),
  row({ on: 'peer_prepared', from: '*', role: 'Source', guard: (s, e) => e.baseCycle !== s.baseCycle, when: 'the peer kept no common base',
    // Full copy: our bases are of no use any more.
    go: (s) => ({ set: { baseCycle: 0, elementPairs: s.elementPairs.map((p) => ({ ...p, localBaseSnapshotId: null })) }, effects: [{ kind: 'delete_snapshots', ids: baseIds(s) }] }) }),

  // ------------------------------------------------------------ failover test (destination side)
  row({ on: 'start_failover_test', from: '*', role: 'Destination',
    go: (_, e) => ({ effects: [{ kind: 'abort_open_cycle' }, { kind: 'make_test_copy', snapshotId: e.snapshotId }] }) }),
  row({ on: 'test_started', from: '*', role: 'Destination',
    go: (_, e) => ({ set: { failoverTest: { shadowVolumeIds: e.shadowVolumeIds, startedAtMs: e.startedAtMs } } }) }),
  row({ on: 'stop_failover_test', from: '*',
    go: () => ({ effects: [{ kind: 'abort_open_cycle' }, { kind: 'end_test_copy' }] }) }),
  row({ on: 'test_stopped', from: '*', go: () => ({ set: { failoverTest: null } }) }),

  // ------------------------------------------------------------ the peer's side of a role change
  row({ on: 'become_source', from: '*',
    // With reverse, this side reprotects at once: it starts Failed_Over and reprotect moves it on.
    go: (s, e) => ({ set: { role: 'Source', state: e.reprotect ? 'Failed_Over' : e.state, generation: Math.max(e.generation, s.generation), failoverTest: null, hostWritable: true, stopRequested: false }, effects: [{ kind: 'abort_open_cycle' }, ...(e.reprotect ? [{ kind: 'reprotect_soon' } as const] : [])] }) }),
  row({ on: 'become_destination', from: '*',
    go: (s, e) => {
      // A destination already takes the newer generation too (an unplanned failover of the other side).
      const demoted: Partial<ReplicationSession> = s.role === 'Source' ? { role: 'Destination', state: 'Failed_Over', generation: Math.max(e.generation, s.generation), nextSyncMs: null, progressPercentage: null, hostWritable: false, mirroring: false, hostWritesRefused: false } : { generation: Math.max(e.generation, s.generation) };
      const first: Effect[] = s.role === 'Source' ? [{ kind: 'cancel_timer' }, { kind: 'disconnect_hosts' }] : [{ kind: 'cancel_timer' }];
      if (e.prepareForBaseCycle === null) {
        const adopted = s.role === 'Source' ? adoptCommittedCut(s, e.sourceBaseCycle) : { set: {}, effects: [] };
        return { set: { ...demoted, ...adopted.set, stopRequested: true }, effects: [...first, ...adopted.effects] };
      }
      const plan = rollbackPlan({ ...s, ...demoted } as ReplicationSession, e.prepareForBaseCycle);
      return { set: { ...demoted, stopRequested: true }, effects: [...first, { kind: 'roll_back', ...plan }] };
    } }),
  // Whatever this side's state: a REC destination demoted at the link's return used to show
  // Failed_Over and took its resume's rollback for a reprotect's, Reprotecting for good
  // (simulation seeds 477, 525, 550, 552).
  row({ on: 'rolled_back', from: '*', role: 'Destination', guard: (s, e) => e.recResume === true || s.state === 'Suspended', when: 'a REC resume',
    // Hosts that wrote to the suspended destination are disconnected: it is read-only again.
    go: (s, e) => ({ set: { elementPairs: e.elementPairs, baseCycle: e.baseCycle, state: resumedState({ ...s, baseCycle: e.baseCycle }), errorCode: null, errorAtMs: null, stopRequested: false }, effects: [...(e.baseCycle === 0 ? [{ kind: 'delete_snapshots', ids: baseIds(s) } as const] : []), { kind: 'disconnect_hosts' }] }) }),
  row({ on: 'rolled_back', from: '*', role: 'Destination', when: 'reprotect or failback',
    // Writes made here after the common base were never replicated: they are discarded.
    go: (_, e) => ({ set: { elementPairs: e.elementPairs, baseCycle: e.baseCycle, pendingCycle: null, state: 'Reprotecting', errorCode: null, stopRequested: false } }) }),
  row({ on: 'peer_summary', from: '*', role: 'Source', guard: (s, e) => e.role === 'Source' && e.generation > s.generation, when: 'the peer failed over while the link was down',
    // A Suspended REC stays Suspended when the peer is Suspended too: it recorded a reverse this
    // side did not. A peer that failed over (unplanned, from its Suspended destination) is
    // Failed_Over, and so is this side, as when its demote call arrives (become_destination): the
    // old source used to stay Suspended under a Failed_Over source for good (simulation seed 142, v4).
    go: (s, e) => {
      const adopted = adoptCommittedCut(s, e.baseCycle);
      return { set: { role: 'Destination', state: s.state === 'Suspended' && e.state === 'Suspended' ? 'Suspended' : 'Failed_Over', generation: e.generation, nextSyncMs: null, hostWritable: false, mirroring: false, hostWritesRefused: false, ...adopted.set }, effects: [{ kind: 'disconnect_hosts' }, { kind: 'cancel_timer' }, ...adopted.effects] };
    } }),
  row({ on: 'peer_summary', from: ['Paused'], role: 'Source', guard: (s, e) => e.role === 'Destination' && e.generation === s.generation && e.state !== 'Paused' && e.state !== 'Suspended' && e.pauseResumes !== undefined && e.pauseResumes > s.pauseResumes, when: 'the destination resumed after our pause (a higher count) and we never heard',
    // The later of the two stands: a resume on the destination box whose notice was retried until
    // a crash there ended the retries (simulation v5 seed 839). The count is taken in step().
    go: (s) => ({ set: { state: resumedState(s), pausedByUser: false, errorCode: null, errorAtMs: null, stopRequested: false }, effects: [{ kind: 'cycle_soon' }] }) }),
  row({ on: 'peer_summary', from: [...ACTIVE, 'System_Paused'], role: 'Source', guard: (s, e) => e.role === 'Destination' && e.generation === s.generation && e.state === 'Paused' && !isStalePauseNotice(s, e), when: 'the destination is paused and we are not (a pause there whose notice never reached us)',
    // A pause issued on the destination while the link was down (its notice lost, nothing retries
    // it) stands, as a pause issued here whose resume never reached the destination does (below):
    // the source used to go on cycling into a destination that showed Paused, for good.
    go: () => ({ set: { state: 'Paused', pausedByUser: true, progressPercentage: null, stopRequested: true, errorCode: null, errorAtMs: null }, effects: [{ kind: 'cancel_timer' }] }) }),
  row({ on: 'peer_summary', from: ['System_Paused'], role: 'Source', guard: (s, e) => !s.hostWritable && (e.role === 'Destination' ? e.generation <= s.generation : e.generation < s.generation), when: 'a planned failover a crash cut short, and the peer did not take over',
    go: () => ({ set: { hostWritable: true }, effects: [{ kind: 'cycle_soon' }] }) }),
  row({ on: 'peer_summary', from: ['System_Paused'], role: 'Source', guard: (s, e) => e.role === 'Destination' && e.generation === s.generation && e.state === 'Suspended' && !s.suspendPending && !s.pausedByUser && !waitsForOperator(s), when: 'halted, the destination Suspended and this side not (a resume here the destination no longer shows)',
    // Only the source suspends a REC, and it is not suspended: the destination's Suspended is
    // stale. A summary taken on the source while its resume waited for the rollback's answer
    // (Suspended still) reached the destination after the rollback and suspended it again (the
    // row above it, for a rollback whose answer was lost); the source, resumed, cycled into a
    // destination that refused every cycle (STATE_INVALID), halted, asked its view, retried, for
    // good (simulation seed 946, v3). The resume stands: the destination is rolled back again
    // (what hosts wrote to it meanwhile goes, as at any resume), in the session's turn.
    go: () => ({ effects: [{ kind: 'roll_back_peer', queued: true }] }) }),
  row({ on: 'peer_summary', from: ['System_Paused'], role: 'Source', guard: (s) => !s.pausedByUser && !waitsForOperator(s) && s.transferMode === 'Asynchronous' && s.baseCycle > 0 && !s.pendingCycle, when: 'halted, recovery Automatic, asynchronous with a common base',
    // It needs no cycle now: OK again, it cycles when its RPO schedule says (at its place in the
    // spread window if already due), so a link's return does not start every session's cycle at once.
    go: () => ({ set: { state: 'OK', errorCode: null, errorAtMs: null }, effects: [{ kind: 'arm', spreadOverdue: true }] }) }),
  row({ on: 'peer_summary', from: ['System_Paused'], role: 'Source', guard: (s) => !s.pausedByUser && !waitsForOperator(s) && s.transferMode === 'Through', when: 'halted, recovery Automatic, in Through mode',
    // Through ships nothing, so no cycle would end the halt (a cycle is what ends the others'):
    // the halt simply ends, as recovery Automatic says (simulation: through-halt-never-recovers).
    go: (s) => ({ set: { state: resumedState(s), errorCode: null, errorAtMs: null } }) }),
  row({ on: 'peer_summary', from: ['System_Paused'], role: 'Source', guard: (s) => !s.pausedByUser && !waitsForOperator(s), when: 'halted, recovery Automatic: an initial copy, REC modes, a synchronous resync catch up at once',
    go: () => ({ effects: [{ kind: 'cycle_soon' }] }) }),
  row({ on: 'peer_summary', from: SOURCE_DRIVEN, role: 'Destination', guard: (s, e) => e.role === 'Source' && e.state !== s.state && !SOURCE_DRIVEN.includes(e.state), when: 'the source ended the operation it told us of, and the notice was lost',
    // A failed planned failover or reprotect, or a reprotect's lost OK (simulation seeds 1001, 1005).
    go: (s, e) => ({ set: { state: e.state === 'Failed_Over' ? 'Failed_Over' : destinationStateAfterHalt(s, e.state), errorCode: null, errorAtMs: null, ...sourceGeneration(s, e) } }) }),
  row({ on: 'peer_summary', from: ['Suspended'], role: 'Destination', guard: (s, e) => e.role === 'Destination' && e.generation > s.generation, when: 'both sides are destinations and the peer is newer: a REC reverse it recorded and we did not',
    // The reverse is recorded on the peer first (rec-actions.ts recReverse); a crash or a lost
    // answer before this side recorded it left two destinations (simulation seed 30). The newer
    // generation is right about roles: this side is the source.
    go: (_, e) => ({ set: { role: 'Source', hostWritable: true, generation: e.generation, pendingCycle: null, nextSyncMs: null }, effects: [{ kind: 'cancel_timer' }] }) }),
  row({ on: 'peer_summary', from: ['Paused'], role: 'Destination', guard: (s, e) => e.role === 'Source' && e.generation === s.generation && (ACTIVE.includes(e.state) || e.state === 'System_Paused') && e.pauseResumes !== undefined && e.pauseResumes > s.pauseResumes, when: 'the source resumed after our pause (a higher count) and we missed its notice',
    // The later of the two stands. Without the count the source's pause won instead (seed 58's
    // fix, below for the converse), which a summary older than our own resume then also did
    // (v5 seed 221). A source halted since (the link went before the resume's notice got
    // through, and a halt ends that notice's retries) resumed all the same: its halt shows here
    // as OK, as always; the destination stayed Paused under it, taking its cycles (v4 seed 3891).
    // The count is taken in step(), as from every summary.
    go: (s, e) => ({ set: { state: e.state === 'System_Paused' ? destinationStateAfterHalt(s, e.state) : e.state, pausedByUser: false, errorCode: null, errorAtMs: null, stopRequested: false } }) }),
  row({ on: 'peer_summary', from: '*', role: 'Destination', guard: (s, e) => e.role === 'Source' && e.state === 'Paused' && s.state !== 'Paused' && s.state !== 'Suspended' && !isStalePauseNotice(s, e), when: 'the source is paused and we are not (a resume here whose notice never reached the source)',
    // The source's pause stands: it never heard the resume (simulation seeds 8017, 8022, 8076).
    // Not when the summary predates our resume (a lower pause count): the resume's notice is
    // retried until the source hears it, and a summary taken before re-paused a destination
    // whose source then resumed (v5 seed 221).
    go: (s, e) => ({ set: { state: 'Paused', pausedByUser: true, stopRequested: true, errorCode: null, errorAtMs: null, ...sourceGeneration(s, e) } }) }),
  row({ on: 'peer_summary', from: ['Initializing', 'OK', 'Synchronizing'], role: 'Destination', guard: (s, e) => e.role === 'Source' && e.state === 'Suspended' && e.generation === s.generation && !e.resuming && !predatesRollback(s, e), when: 'the source is suspended and we are not (a REC resume whose rollback answer was lost)',
    // The destination rolled back and went active; the source, without the answer, stays
    // Suspended and its resume failed: the destination is Suspended again, as the source says,
    // and the operator's next resume rolls it back again (simulation seed 307, v4).
    // Not on a summary the source took while that resume still waited for the rollback's answer
    // (`resuming`, its persisted resumePending), nor on one older than the resume (recResumes
    // below the rollback's, a summary overtaken on the wire): the source went OK right after, and
    // the destination, Suspended again (so open to hosts) under an OK source, stayed so for good:
    // Through and a Stack with no writes ship nothing, so no refused cycle reconciled them
    // (simulation seeds 34, v4 100 steps, and 324, v5 120 steps). If that resume fails after
    // all, the source tells its view (recResume's reconcileSuspended).
    go: () => ({ set: { state: 'Suspended', pausedByUser: false, progressPercentage: null, errorCode: null, errorAtMs: null, stopRequested: true }, effects: [{ kind: 'abort_open_cycle' }] }) }),
  row({ on: 'peer_summary', from: ['OK', 'Synchronizing', 'System_Paused'], role: 'Destination', guard: (s, e) => e.role === 'Source' && e.generation === s.generation && e.state === 'System_Paused' && e.errorCode === REC_BUFFER_OVERLOAD && !isBufferOverloadHalt(s), when: 'the source halted for REC buffer overload and its notice was lost',
    // Both boxes show the halt, which waits for the operator. A destination halted by the link's
    // loss took the source's System_Paused for a halt that ends with the link, and went OK
    // under a source that stayed halted, for good (simulation v6 seed 77).
    go: (_, e) => ({ set: { state: 'System_Paused', errorCode: REC_BUFFER_OVERLOAD, errorAtMs: e.errorAtMs ?? null, progressPercentage: null } }) }),
  row({ on: 'peer_summary', from: ['System_Paused'], role: 'Destination', guard: (s, e) => !(waitsForOperator(s) && e.state === 'System_Paused'), when: 'the halt is over',
    // A source still waiting for its resume's rollback answer says Suspended, but a halted
    // destination was active (a link loss halts only those): rolled back by that resume, it
    // stays active; should the resume fail, the source's view says Suspended again (the row of a
    // lost rollback answer above). It used to go Suspended, open to hosts, under a source that
    // went OK (simulation seed 70, v4 120 steps). Nor does a summary older than the resume this
    // side rolled back for (a lower resume count) suspend it: one taken before the resume, applied
    // by a reconcile that waited behind a deletion's retries, left the destination Suspended under
    // an OK Stack source that shipped nothing to correct it (simulation v5 seed 7214).
    go: (s, e) => ({ set: { state: e.state === 'Suspended' && (e.resuming || predatesRollback(s, e)) ? resumedState(s) : destinationStateAfterHalt(s, e.state), errorCode: null, errorAtMs: null, ...sourceGeneration(s, e) } }) }),
  row({ on: 'peer_summary', from: ['Synchronizing'], role: 'Destination', guard: (s, e) => s.transferMode === 'Synchronous' && e.role === 'Source' && e.generation === s.generation && e.state === 'OK' && (e.baseCycle === undefined || e.baseCycle >= s.baseCycle), when: 'a synchronous source in step, and we still show it resyncing',
    // A summary taken while the source resynced reached us late, after its in-step notice, and
    // ended our halt as Synchronizing (the row above); the source, in step, tells no one again,
    // so a later summary saying OK on our base must end it. It stayed Synchronizing under a source
    // in step for good (simulation v5 seed 7066).
    go: () => ({ set: { state: 'OK' } }) }),
  row({ on: 'peer_summary', from: ['Suspended'], role: 'Destination', guard: (s, e) => e.role === 'Source' && e.state === 'Failed_Over' && e.generation >= s.generation, when: 'a REC destination still Suspended under a source that failed over',
    // As for a source demoted by a peer that failed over (the row of seed 142 above): Suspended
    // stays only under a Suspended source. Here this box had recorded a reverse the other never
    // heard of, and the other then failed over unplanned from its Suspended destination: both took
    // the same generation, so neither its demotion nor a summary was newer, and this side stayed
    // Suspended under a Failed_Over source for good (simulation v5 seed 8471).
    go: (s, e) => ({ set: { state: 'Failed_Over', generation: Math.max(e.generation, s.generation), stopRequested: true, pausedByUser: false }, effects: [{ kind: 'cancel_timer' }, { kind: 'disconnect_hosts' }] }) }),
  row({ on: 'peer_summary', from: '*', role: 'Destination', guard: (s, e) => e.role === 'Source' && e.generation > s.generation, when: 'the source failed over at a newer generation and could not tell us',
    // An unplanned failover elsewhere whose demote call was lost, while this side already was the
    // destination: the generations agree again (simulation seed 30 left them 2 and 0 for good).
    go: (s, e) => ({ set: sourceGeneration(s, e) }) }),

  // ------------------------------------------------------------ pause, resume, sync, peer notices
  row({ on: 'sync', from: '*', role: 'Source', go: () => ({ effects: [{ kind: 'final_cycle' }] }) }),
  row({ on: 'pause', from: '*',
    // A synchronous source in step stops mirroring here: the destination held every acknowledged
    // write until now, as at a mirror failure or a link loss.
    go: (s, e) => ({ set: { state: 'Paused', pausedByUser: true, progressPercentage: null, stopRequested: true, pauseResumes: s.pauseResumes + 1, ...(s.mirroring ? { mirroring: false, lastSyncMs: e.nowMs } : {}) }, effects: [{ kind: 'tell_peer_state' }] }) }),
  row({ on: 'resume', from: ['Paused'],
    go: (s, e) => {
      const resumed = resumedState(s);
      const due = s.role === 'Source' && ((s.transferMode === 'Synchronous') || s.baseCycle === 0 || (s.nextSyncMs !== null && s.nextSyncMs <= e.nowMs));
      return { set: { state: resumed, pausedByUser: false, stopRequested: false, pauseResumes: s.pauseResumes + 1 }, effects: [{ kind: 'tell_peer_state' }, ...(s.role === 'Source' ? [{ kind: due ? 'cycle_soon' : 'arm' } as const] : [])] };
    } }),
  // A side that lost its role while the link was down (an unplanned failover elsewhere) is not our
  // partner any more: its pause or resume must not move us (a resume used to restart the new
  // source's cycles without the reprotect's rollback: silent divergence, simulation seed 3096).
  row({ on: 'peer_state', from: '*', guard: (s, e) => e.generation !== undefined && e.generation < s.generation, when: 'from an older generation', go: () => ({}) }),
  // Notices are not ordered on the wire, and their send times are on the peer's clock: a notice
  // the peer sent before it heard of our latest pause or resume (a lower count, model.ts
  // pauseResumes) says a state that pause or resume has overtaken. A synchronous source's in-step
  // OK, dropped and sent again, reached a destination paused by its user after the source had
  // taken that pause: the destination resumed under a Paused source, for good (simulation
  // stale-ok-notice-resumes-paused-destination, v4 seed 5). The same count is not stale: a side
  // Paused by a reconcile (seed 334) took no count, and its resume must reach the peer.
  row({ on: 'peer_state', from: '*', guard: (s, e) => isStalePauseNotice(s, e), when: 'sent before the peer heard of our latest pause or resume', go: () => ({}) }),
  // A session being deleted here stays so: the deletion's own end decides. A pause notice the
  // peer retried took a source out of Deleting back to Paused while the peer deleted its side, and
  // the session stayed on this side alone, its policy gone (simulation v7 seed 2988).
  row({ on: 'peer_state', from: ['Deleting'], when: 'being deleted here', go: () => ({}) }),
  // A source handing over or reprotecting finishes that first, as a pause issued on it would be
  // refused (OPERATION_IN_PROGRESS): a destination box that never heard of the failover (its notice
  // lost with the link) paused, the pause stopped the failover's final cycle, which then shipped
  // nothing and the hand-over went on: both sides Source, the old one Paused at the old generation,
  // and the writes since the last cycle never shipped (simulation v4 seed 6044). The role change
  // that follows overrides the destination's pause.
  row({ on: 'peer_state', from: SOURCE_DRIVEN, role: 'Source', guard: (_, e) => e.state === 'Paused', when: 'a role operation is under way here', go: () => ({}) }),
  row({ on: 'peer_state', from: '*', guard: (_, e) => e.state === 'Paused', when: 'the peer paused',
    // A pause issued on the destination stops a mirroring source as its own pause does.
    go: (s, e) => ({ set: { state: 'Paused', pausedByUser: true, stopRequested: true, ...pauseCount(s, e), ...(s.mirroring && e.nowMs !== undefined ? { mirroring: false, lastSyncMs: e.nowMs } : {}) } }) }),
  row({ on: 'peer_state', from: ['Paused'], role: 'Destination', guard: (_, e) => ACTIVE.includes(e.state), when: 'the source resumed (or, its pause notice lost, says where it is)',
    // The destination shows what the source says, not a guess: a synchronous source that mirrors
    // again says OK (simulation seed 4049: resumedState left it Synchronizing for good).
    go: (s, e) => ({ set: { state: e.state, pausedByUser: false, errorCode: null, errorAtMs: null, stopRequested: false, ...pauseCount(s, e) } }) }),
  row({ on: 'peer_state', from: ['Paused'], when: 'the peer resumed',
    // A resume ends a halt the pause came from (the peer records a halt's cause): no error shows.
    go: (s, e) => ({ set: { state: resumedState(s), pausedByUser: false, errorCode: null, errorAtMs: null, stopRequested: false, ...pauseCount(s, e) }, effects: s.role === 'Source' ? [{ kind: 'cycle_soon' }] : [] }) }),
  // Only a destination follows the other side's state: a late notice to a side that became the
  // source (its hand-over answer was lost) changes nothing.
  row({ on: 'peer_state', from: '*', role: 'Destination', when: 'the destination shows what the source says',
    go: (s, e) => ({ set: { state: e.state, pausedByUser: e.pausedByUser ?? s.pausedByUser, ...pauseCount(s, e), ...(e.errorCode !== undefined ? { errorCode: e.errorCode, errorAtMs: e.errorAtMs ?? null } : {}) } }) }),
  row({ on: 'peer_state', from: '*', guard: (s, e) => e.pauseResumes !== undefined && e.pauseResumes > s.pauseResumes, when: 'a notice that moves nothing here still says how many pauses and resumes the peer knows of',
    // A source that never heard of the destination's pause hears its resume: what the source told
    // the destination meanwhile (its in-step OK, sent once) the paused destination ignored as
    // older than its pause. The source tells its view again, with the new count.
    go: (s, e) => ({ set: pauseCount(s, e), effects: s.role === 'Source' ? [{ kind: 'tell_peer_view' }] : [] }) }),

  // ------------------------------------------------------------ ETERNUS REC actions
  row({ on: 'rec_suspend', from: '*', role: 'Source', guard: (_, e) => e.force, when: 'forced',
    // Forced suspend is how an operator frees a halted session: it goes through without the peer,
    // which is told again until it hears.
    go: () => ({ set: { suspendPending: true, stopRequested: true }, effects: [{ kind: 'cancel_timer' }, { kind: 'tell_peer_suspended', retry: true }, { kind: 'then', event: { type: 'suspended' } }] }) }),
  row({ on: 'rec_suspend', from: '*', role: 'Source', when: 'normal',
    // The final cycle: everything written before now reaches the destination, then both stop.
    go: () => ({ set: { suspendPending: true }, effects: [{ kind: 'final_cycle' }, { kind: 'then', event: { type: 'suspend_cut' } }] }) }),
  row({ on: 'suspend_cut', from: '*', guard: (s) => isBufferOverloadHalt(s), when: 'a buffer-overload halt came first and skipped the cycle: the session stays halted',
    go: () => ({ set: { suspendPending: false } }) }),
  row({ on: 'suspend_cut', from: '*',
    // The last cycle is in: the suspend stands even if its notice gets no answer. The peer may have
    // applied it (only the answer lost) and be Suspended, open to hosts; a suspend that failed here
    // left the source cycling into it (simulation: suspend-notice-answer-lost). Told until it hears.
    go: () => ({ effects: [{ kind: 'tell_peer_suspended', retry: true }, { kind: 'then', event: { type: 'suspended' } }] }) }),
  row({ on: 'suspended', from: '*', guard: (s) => s.suspendPending && s.role !== 'Source', when: 'this side was demoted while its suspend was told: the suspend is over',
    // A forced suspend of a halted source whose notice waited while the peer failed over and
    // demoted this side: Suspended here, a destination under a Failed_Over source, which ignores
    // suspend notices, for good (simulation v4 seed 1484). The demotion stands.
    go: () => ({ set: { suspendPending: false } }) }),
  row({ on: 'suspended', from: '*', guard: (s) => s.suspendPending, when: 'a suspend is under way',
    go: () => ({ set: { state: 'Suspended', pausedByUser: false, progressPercentage: null, errorCode: null, errorAtMs: null, stopRequested: true, suspendPending: false }, effects: [{ kind: 'cancel_timer' }] }) }),
  row({ on: 'failed', from: '*', guard: (s, e) => s.suspendPending && (e.during === 'final_cycle' || e.during === 'tell_peer_suspended' || e.during === 'cancel_timer'), when: 'a suspend failed',
    go: (s) => ({ set: { suspendPending: false, stopRequested: false }, effects: s.stopRequested ? [{ kind: 'arm' }] : [] }) }),
  row({ on: 'peer_suspended', from: '*', role: 'Source', when: 'this side failed over since: the notice is its old source\'s',
    // Only the source suspends a REC. A notice retried by an old source (a suspend a crash cut
    // short) that reaches the side that failed over meanwhile is stale: it made the new source
    // Suspended while the old one became its Failed_Over destination (simulation v4 seed 304).
    go: () => ({}) }),
  row({ on: 'peer_suspended', from: '*',
    // The halt (if any) ends here as on the source box: Suspend shows no error.
    go: () => ({ set: { state: 'Suspended', pausedByUser: false, progressPercentage: null, errorCode: null, errorAtMs: null, stopRequested: true }, effects: [{ kind: 'abort_open_cycle' }] }) }),
  row({ on: 'rec_resume', from: ['Suspended'], role: 'Source',
    // Numbered and marked pending in the record, so the source's summaries say the resume is under
    // way (peer_summary rows of the destination) and a restart knows it ended.
    go: (s) => ({ set: { recResumes: s.recResumes + 1, resumePending: true }, effects: [{ kind: 'roll_back_peer' }] }) }),
  // System_Paused: the destination rolled back again under a resumed source (peer_summary above).
  row({ on: 'peer_rolled_back', from: ['Suspended', 'System_Paused'], role: 'Source',
    // Synchronous: resync the differences first; mirroring (OK) starts after the final cut.
    go: (s, e) => {
      const kept = e.baseCycle === s.baseCycle;
      const after = kept ? s : { ...s, baseCycle: 0 };
      return { set: { ...(kept ? {} : { baseCycle: 0, elementPairs: s.elementPairs.map((p) => ({ ...p, localBaseSnapshotId: null })) }), state: resumedState(after), pausedByUser: false, errorCode: null, errorAtMs: null, stopRequested: false, resumePending: false }, effects: [...(kept ? [] : [{ kind: 'delete_snapshots', ids: baseIds(s) } as const]), { kind: 'cycle_soon' }] };
    } }),
  row({ on: 'peer_rolled_back', from: '*', guard: (s) => s.resumePending, when: 'the session moved on meanwhile (a peer notice): the resume is over',
    go: () => ({ set: { resumePending: false } }) }),
  row({ on: 'failed', from: '*', guard: (s, e) => s.resumePending && e.during === 'roll_back_peer', when: 'a REC resume got no rollback: the source stays Suspended',
    // No answer: the peer may have rolled back and gone active (its answer lost) while this box
    // stays Suspended, with the link up and nothing to reconcile them (simulation seed 307). The
    // peer hears our view (its peer_summary row: Suspended again), asked until it answers.
    go: (_, e) => ({ set: { resumePending: false }, effects: e.code === 'PEER_UNREACHABLE' ? [{ kind: 'reconcile_peer', until: 'suspended' }] : [] }) }),
  row({ on: 'rec_roll_back', from: '*', role: 'Destination',
    go: (s, e) => ({ set: { recResumes: e.recResumes ?? s.recResumes }, effects: [{ kind: 'roll_back', ...rollbackPlan(s, e.baseCycle > 0 ? e.baseCycle : -1), recResume: true }] }) }),
  row({ on: 'rec_reverse', from: ['Suspended'],
    // Both volumes stay usable while suspended; the flag says which one resume overwrites. Snapshots
    // taken before the reverse stay where they are: the new source replicates those taken after.
    go: (s, e) => {
      const role = e.role ?? (s.role === 'Source' ? 'Destination' : 'Source');
      // A side that has the role already (the link's return demoted the issuing box while its
      // reverse call was in flight: the peer_summary row of a peer that failed over) takes the
      // reverse's generation and no newer one: it went one past the peer, destination at 2 under
      // a source at 1 for good, and a planned failover's hand-over (generation 2) would be refused as stale there
      // (simulation seed 984, v3).
      const generation = role === s.role ? Math.max(e.generation, s.generation) : Math.max(e.generation, s.generation + 1);
      // A source whose last cycle's commit reached the destination but not its record (the answer
      // lost, a halt) holds that cut pending: the new source's base names it, and it is the common
      // base here too. Dropped, the two boxes named different bases (source 0, destination 1) from
      // then on, and a failover from here rested Failed_Over on both sides with them (simulation
      // v5 seed 7565); a resume would have copied everything instead of the difference.
      const adopted = role === 'Destination' ? adoptCommittedCut(s, e.peerBaseCycle) : { set: {}, effects: [] };
      return { set: { role, hostWritable: role === 'Source', generation, pendingCycle: null, nextSyncMs: null, snapshotWatermark: e.snapshotWatermark, ...adopted.set }, effects: [{ kind: 'cancel_timer' }, ...adopted.effects] };
    } }),
  row({ on: 'rec_modify', from: ['Suspended', 'Paused'],
    go: (_, e) => ({ effects: [{ kind: 'set_peer_modes', modes: e.modes }, { kind: 'then', event: { type: 'modes_set', modes: e.modes } }] }) }),
  row({ on: 'modes_set', from: '*', go: (_, e) => ({ set: { ...e.modes } }) }),
  row({ on: 'rec_delete', from: '*',
    go: (_, e) => ({ set: { stopRequested: true }, effects: [{ kind: 'cancel_timer' }, { kind: 'delete_on_peer', force: e.force }, { kind: 'drop_locally' }] }) }),
  row({ on: 'failed', from: '*', guard: (_, e) => e.during === 'delete_on_peer', when: 'the peer refused or missed a normal delete',
    go: () => ({ set: { stopRequested: false }, effects: [{ kind: 'arm' }] }) }),
  row({ on: 'delete', from: '*',
    go: () => ({ set: { state: 'Deleting', stopRequested: true }, effects: [{ kind: 'cancel_timer' }] }) }),

  // ------------------------------------------------------------ schedule and membership
  row({ on: 'rpo_changed', from: '*', role: 'Source', go: (_, e) => ({ set: { rpoSeconds: e.rpoSeconds }, effects: [{ kind: 'arm' }] }) }),
  row({ on: 'members_changed', from: '*',
    // Members that left take their base along; members that joined have none, so a source ships them whole at once.
    // A member that leaves a destination during a failover test keeps what hosts see (the test's
    // content) and its shadow goes: the test's end would restore a volume replication no longer
    // holds, which its user may have deleted meanwhile (simulation v4 seed 1225).
    go: (s, e) => {
      const test = s.failoverTest ? withoutGoneShadows(s.failoverTest, e.elementPairs) : null;
      return {
        set: { ...membership(e), ...(test ? { failoverTest: test.kept } : {}) },
        effects: [...deleteSnapshots([...goneBases(s, e.elementPairs), ...(test?.gone ?? [])]), ...(s.role === 'Source' && e.elementPairs.some((p) => !p.localBaseSnapshotId) ? [{ kind: 'cycle_soon' } as const] : [])],
      };
    } }),
  row({ on: 'peer_deleted', from: '*',
    go: () => ({ set: { stopRequested: true }, effects: [{ kind: 'drop_locally' }] }) }),

  // ------------------------------------------------------------ link
  row({ on: 'link_lost', from: ACTIVE,
    go: (s, e) => ({ set: { state: 'System_Paused', errorCode: 'PEER_UNREACHABLE', errorAtMs: e.nowMs, ...mirroringStops(s, e.nowMs) } }) }),
  row({ on: 'link_lost', from: '*', go: (s, e) => ({ set: mirroringStops(s, e.nowMs) }) }),
  row({ on: 'path_returned', from: '*', go: () => ({ set: { hostWritesRefused: false } }) }),

  // ------------------------------------------------------------ cycles and mirroring
  row({ on: 'cycle_committed', from: '*', role: 'Source',
    go: (s, e) => {
      const state = committedState(s, e.startState);
      // The next cycle's time goes with this commit (one metadata commit per cycle, not two).
      const nextSyncMs = state === 'OK' && e.nextSyncMs != null ? e.nextSyncMs : s.nextSyncMs;
      const halted = state === 'System_Paused';
      const watermark = e.snapshotWatermark !== undefined ? { snapshotWatermark: e.snapshotWatermark } : {};
      return { set: { elementPairs: e.elementPairs, baseCycle: e.cycle, pendingCycle: null, lastSyncMs: e.startMs, lastSyncDurationMs: e.nowMs - e.startMs, progressPercentage: null, state, errorCode: halted ? s.errorCode : null, errorAtMs: halted ? s.errorAtMs : null, nextSyncMs, ...watermark } };
    } }),
  row({ on: 'checkpoint_cut', from: '*', role: 'Source', go: (_, e) => ({ set: { pendingCycle: { cycle: e.cycle, snapshotIds: e.snapshotIds } } }) }),
  row({ on: 'cut_discarded', from: '*', role: 'Source', guard: (s, e) => s.pendingCycle !== null && Object.values(s.pendingCycle.snapshotIds).every((id) => e.snapshotIds.includes(id)), when: 'the pending cut is the one discarded',
    go: () => ({ set: { pendingCycle: null } }) }),
  row({ on: 'cycle_opened', from: ['OK', 'System_Paused', 'Initializing', 'Synchronizing'], role: 'Source',
    go: (s, e) => ({ set: { state: s.baseCycle === 0 ? 'Initializing' : 'Synchronizing', pendingCycle: { cycle: e.cycle, snapshotIds: e.snapshotIds }, progressPercentage: 0, errorCode: null } }) }),
  row({ on: 'cycle_opened', from: ['Failing_Over', 'Reprotecting'], role: 'Source',
    // The operation's state stands through its cycle, a full copy too: shown Initializing, a
    // failback whose final cycle then failed was no longer Failing_Over, so its failure found no
    // row, the hand-over never came and the peer stayed Failing_Over for good (simulation v3 seed 3181).
    go: (s, e) => ({ set: { pendingCycle: { cycle: e.cycle, snapshotIds: e.snapshotIds }, progressPercentage: 0, errorCode: null } }) }),
  // Fixed: a pause (or suspend) while the cut was taken used to be overwritten by Synchronizing.
  row({ on: 'cycle_opened', from: '*', role: 'Source', when: 'paused, suspended or deleted while the cut was taken',
    go: (_, e) => ({ set: { pendingCycle: { cycle: e.cycle, snapshotIds: e.snapshotIds } } }) }),
  row({ on: 'cycle_failed', from: ['Deleting'], go: () => ({}) }),
  // The final cycle of a failover or reprotect: the operation's own failure decides (failed).
  row({ on: 'cycle_failed', from: SOURCE_DRIVEN, role: 'Source', go: () => ({}) }),
  row({ on: 'cycle_failed', from: ['Paused', 'Suspended'], go: () => ({ effects: [{ kind: 'abort_peer_cycle' }] }) }),
  row({ on: 'cycle_failed', from: '*', guard: (s) => s.stopRequested, when: 'the cycle was told to stop', go: () => ({ effects: [{ kind: 'abort_peer_cycle' }] }) }),
  row({ on: 'cycle_failed', from: '*', role: 'Source',
    // The peer answered that it is not our destination (STATE_INVALID, NOT_FOUND): roles moved
    // without our knowing (an unplanned failover whose demote call was lost while the link stayed
    // up: no link return reconciles, and the retries failed so for good, simulation seed 185).
    // Its view is asked for; the peer_summary rows demote this side if the peer is a newer source.
    // Asked again after a failure since the last commit (errorAtMs stands until one), it is asked
    // after the notice retry interval: a summary that changes nothing starts the catch-up cycle at
    // once, and a cause the peer's view does not explain (a local volume gone) failed it at once
    // again, in a loop of cycles and reconciles with no pause (simulation v5 seed 6027).
    go: (s, e) => ({ set: { state: 'System_Paused', errorCode: e.code, errorAtMs: s.errorAtMs ?? e.nowMs, progressPercentage: null }, effects: e.code === 'STATE_INVALID' || e.code === 'NOT_FOUND' ? [(s.errorAtMs ?? null) === null ? { kind: 'reconcile_peer' } : { kind: 'retry_notice', notice: { kind: 'reconcile_peer' } }] : [] }) }),
  row({ on: 'base_mismatch', from: '*', role: 'Source', guard: (_, e) => e.previousPending !== null && e.previousPending.cycle === e.destinationBaseCycle, when: 'the last commit reached the destination but not our record',
    // Its cut is the common base; this cycle's cut is pending on top of it.
    go: (s, e) => ({ set: { elementPairs: s.elementPairs.map((p) => ({ ...p, localBaseSnapshotId: e.previousPending!.snapshotIds[p.localVolumeId] ?? null })), baseCycle: e.destinationBaseCycle, pendingCycle: { cycle: e.destinationBaseCycle + 1, snapshotIds: e.snapshotIds } }, effects: [{ kind: 'delete_snapshots', ids: baseIds(s) }] }) }),
  row({ on: 'base_mismatch', from: '*', role: 'Source', when: 'no common base: a full copy',
    go: () => ({ effects: [{ kind: 'empty_peer' }, { kind: 'then', event: { type: 'base_reset' } }] }) }),
  row({ on: 'base_reset', from: '*', role: 'Source',
    go: (s) => ({ set: { elementPairs: s.elementPairs.map((p) => ({ ...p, localBaseSnapshotId: null })), baseCycle: 0 }, effects: [{ kind: 'delete_snapshots', ids: baseIds(s) }] }) }),
  row({ on: 'cycle_begun', from: '*', role: 'Destination',
    // A cycle still open is over (the source opens one only once the last has ended): its staging goes.
    go: (s, e) => ({ set: { ...membership(e), openCycle: { cycle: e.cycle, stagingIds: e.stagingIds } }, effects: deleteSnapshots([...stagingOf(s), ...goneBases(s, e.elementPairs)]) }) }),
  row({ on: 'commit_begins', from: '*', role: 'Destination', guard: (s, e) => s.openCycle?.cycle === e.cycle, when: 'that cycle is open',
    go: (s) => ({ set: { pendingCommit: { cycle: s.openCycle!.cycle, stagingIds: s.openCycle!.stagingIds }, openCycle: null } }) }),
  row({ on: 'cycle_aborted', from: '*', guard: (s) => s.openCycle !== null, when: 'a cycle is open',
    go: (s) => ({ set: { openCycle: null }, effects: deleteSnapshots(stagingOf(s)) }) }),
  row({ on: 'mirrored_write_lost', from: '*', role: 'Destination', guard: (s, e) => e.baseCycle === s.baseCycle && !s.mirroredWriteLost, when: 'at the current base, the first loss',
    go: (_, e) => ({ set: { mirroredWriteLost: { baseCycle: e.baseCycle, reason: e.reason } } }) }),
  row({ on: 'destination_committed', from: '*', role: 'Destination',
    // A demoted side (Failed_Over) that takes a commit has a source replicating to it again: a
    // reprotect whose end it never heard (a summary the source took before the reprotect undid
    // its Reprotecting, the reprotect then failed and the source recovered by retrying its
    // cycles, with the link up: simulation v5 seed 2016). Only a replicating source cycles.
    // A pending cut left from this side's time as the source, at or below the committed cycle, is
    // moot: the committed cycle is the base (v3 seed 3838).
    go: (s, e) => {
      const stale = s.pendingCycle !== null && s.pendingCycle.cycle <= e.cycle ? s.pendingCycle : null;
      const kept = stale ? new Set([...baseIds(s), ...e.elementPairs.map((p) => p.localBaseSnapshotId)]) : null;
      return {
        set: { elementPairs: e.elementPairs, baseCycle: e.cycle, pendingCommit: null, ...(stale ? { pendingCycle: null } : {}), lastSyncMs: e.syncedAtMs ?? s.lastSyncMs, lastSyncDurationMs: e.durationMs ?? s.lastSyncDurationMs, state: HALTED_OR_COPYING.includes(s.state) || s.state === 'Failed_Over' ? destinationCommittedState(s) : s.state },
        effects: stale && kept ? deleteSnapshots(Object.values(stale.snapshotIds).filter((id) => !kept.has(id))) : [],
      };
    } }),
  row({ on: 'checkpoint_applied', from: '*', role: 'Destination',
    go: (s, e) => ({ set: { elementPairs: e.elementPairs, baseCycle: e.cycle, lastSyncMs: e.syncedAtMs, state: HALTED_OR_COPYING.includes(s.state) ? 'OK' : s.state } }) }),
  row({ on: 'mirroring_entered', from: ['Synchronizing'], role: 'Source',
    go: () => ({ set: { state: 'OK', mirroring: true, progressPercentage: null, errorCode: null, errorAtMs: null } }) }),
  row({ on: 'mirror_failed', from: '*', role: 'Source', guard: (s) => s.mirroring, when: 'mirroring',
    // Manual split keeps RPO 0: whatever the peer's reason, the source refuses writes it cannot mirror.
    go: (s, e) => ({ set: { mirroring: false, hostWritesRefused: s.splitMode === 'Manual', state: 'System_Paused', errorCode: e.code, errorAtMs: e.nowMs, lastSyncMs: e.nowMs }, effects: [{ kind: 'notify_peer', state: 'System_Paused' }, { kind: 'arm' }] }) }),

  // ------------------------------------------------------------ crash recovery, timers, REC buffer
  row({ on: 'restarted', from: ['Deleting'], go: () => ({ set: { stopRequested: true, ...RESTART_ENDS } }) }),
  // An operation a crash cut short ends as its failure would: nothing is left in a transient state
  // that refuses every action (a reprotect left Reprotecting did, simulation seed 5).
  row({ on: 'restarted', from: ['Reprotecting'], role: 'Source', go: () => ({ set: { state: 'Failed_Over', errorCode: 'INTERNAL', stopRequested: false, ...RESTART_ENDS }, effects: [{ kind: 'arm' }] }) }),
  // A planned failover cut short: halted, still read-only, because the peer may have taken over
  // (crash point failover.after-peer-promoted); the link's return says which (peer_summary).
  row({ on: 'restarted', from: ['Failing_Over'], role: 'Source', guard: (s) => s.hostWritable, when: 'a failback cut short before the hand-over: Failed_Over, as its failure leaves it',
    go: () => ({ set: { state: 'Failed_Over', errorCode: 'INTERNAL', stopRequested: false, ...RESTART_ENDS }, effects: [{ kind: 'tell_peer_view' }] }) }),
  row({ on: 'restarted', from: ['Failing_Over'], role: 'Source', when: 'a hand-over cut short',
    go: () => ({ set: { state: 'System_Paused', errorCode: 'INTERNAL', mirroring: false, stopRequested: false, ...RESTART_ENDS } }) }),
  row({ on: 'restarted', from: ['Failing_Over_For_DR'], role: 'Destination', go: () => ({ set: { state: 'System_Paused', errorCode: 'INTERNAL', stopRequested: false, resumePending: false } }) }),
  row({ on: 'restarted', from: '*', role: 'Source', guard: (s) => s.suspendPending, when: 'a REC suspend a crash cut short: it ends suspended, as a forced one',
    // The peer may have heard it already (crash point rec.after-peer-suspended) and be Suspended,
    // its volume open to hosts: cycling on into it mixed them with the source's changes while both
    // showed OK and Suspended (simulation: suspend-cut-by-crash-cycles-into-suspended-destination).
    // The operator asked to stop; the destination keeps its last committed cycle, and is told
    // until it hears.
    go: () => ({ set: { state: 'Suspended', pausedByUser: false, progressPercentage: null, errorCode: null, errorAtMs: null, mirroring: false, stopRequested: true, ...RESTART_ENDS }, effects: [{ kind: 'tell_peer_suspended', retry: true }] }) }),
  row({ on: 'restarted', from: '*',
    // Nothing runs after a restart: a cycle in flight is gone, and a synchronous source in step is
    // not mirroring any more (it resyncs first).
    go: (s) => {
      const wasMirroring = s.role === 'Source' && s.transferMode === 'Synchronous' && (s.mirroring || s.state === 'OK');
      const cut = s.state === 'Synchronizing' || s.state === 'Initializing' || wasMirroring;
      const stopRequested = s.state === 'Paused' || s.state === 'Suspended' ? s.stopRequested : false;
      return { set: { mirroring: false, stopRequested, ...RESTART_ENDS, ...(cut ? { state: s.baseCycle === 0 ? 'Initializing' : 'System_Paused', errorCode: wasMirroring ? 'PEER_UNREACHABLE' : s.errorCode } : {}) }, effects: [{ kind: 'arm', spreadOverdue: true }] };
    } }),
  row({ on: 'timer_fired', from: RUNNABLE, role: 'Source', go: () => ({ effects: [{ kind: 'cycle_soon' }] }) }),
  // A notice the peer did not hear is told again every retry interval while it still holds
  // (noticeStillDue says, per notice, until when): with the link up all along no link return
  // reconciles what a lost call left apart. One that no longer holds ends here.
  row({ on: 'notice_unheard', from: '*', guard: (s, e) => noticeStillDue(s, e.notice), when: 'still due',
    go: (_, e) => ({ effects: [{ kind: 'retry_notice', notice: e.notice }] }) }),
  row({ on: 'notice_due', from: '*', guard: (s, e) => noticeStillDue(s, e.notice), when: 'still due', go: (_, e) => ({ effects: [e.notice] }) }),
  row({ on: 'buffer_overload', from: ['OK', 'Synchronizing'], guard: (s) => s.haltPending === null, when: 'not halting already',
    // A running cycle is cancelled (its cut is not committed, and it stops waiting for its batches
    // in flight); the halt is recorded after it, so its commit cannot land on the halted record.
    go: (_, e) => ({ set: { haltPending: { atMs: e.atMs }, stopRequested: true }, effects: [{ kind: 'cancel_timer' }, { kind: 'in_turn', event: { type: 'overload_halt' } }] }) }),
  row({ on: 'overload_halt', from: ['OK', 'Synchronizing'], guard: (s) => s.haltPending !== null, when: 'still active',
    go: (s) => {
      const atMs = s.haltPending!.atMs;
      return { set: { state: 'System_Paused', errorCode: 'REC_BUFFER_OVERLOAD', errorAtMs: atMs, progressPercentage: null, haltPending: null, stopRequested: false }, effects: [{ kind: 'cancel_timer' }, { kind: 'notify_peer', state: 'System_Paused', error: { code: 'REC_BUFFER_OVERLOAD', atMs } }] };
    } }),
  // Suspended, deleted or halted otherwise meanwhile: that state stands.
  row({ on: 'overload_halt', from: '*', go: (s) => ({ set: { haltPending: null, stopRequested: ['Paused', 'Suspended', 'Deleting'].includes(s.state) ? s.stopRequested : false } }) }),
];

// ---------------------------------------------------------------- step

/** Which rules.ts check an operator event passes before the table is consulted. */
function refuseIfNotAllowed(s: ReplicationSession, e: SessionEvent): void {
  const ps = (action: SessionAction, options?: { force?: boolean; useTestCopy?: boolean }) => checkAction(s, action, options);
  switch (e.type) {
    case 'sync':
    case 'pause':
    case 'reprotect':
    case 'start_failover_test':
    case 'stop_failover_test':
      return ps(e.type);
    case 'resume':
      ps('resume');
      // A Suspended session resumes through rec_resume (the destination is rolled back first).
      if (s.state !== 'Paused') throw new StateError(`Replication session ${s.id} is ${s.state}; only a paused session resumes this way.`, 'replication_session', s.id);
      return;
    case 'failover':
      return e.planned ? ps('failover_planned') : ps('failover_unplanned', { force: e.force, useTestCopy: e.useTestCopy });
    case 'rec_suspend':
      return checkRecAction(s, 'suspend', { force: e.force, backlog: e.backlog });
    case 'rec_resume':
      return checkRecAction(s, 'resume');
    case 'rec_modify':
      return checkRecAction(s, 'modify');
    case 'rec_delete':
      return checkRecAction(s, 'delete', { force: e.force, backlog: e.backlog });
    case 'become_source':
    case 'become_destination': {
      // A role changes only with a newer generation: an old call arriving late is refused (a
      // stale becomeSource could make a second source; simulation seed 3089).
      const changes = (e.type === 'become_source') === (s.role === 'Destination');
      if (changes && e.generation <= s.generation) throw new StateError(`Replication session ${s.id} is at generation ${s.generation}; a role change of generation ${e.generation} is stale.`, 'replication_session', s.id);
      return;
    }
    case 'rec_reverse':
      if (s.state !== 'Suspended') throw new StateError(`Copy session ${s.number} is not suspended here.`, 'replication_session', s.id);
      return;
    case 'rec_roll_back':
      // Only a destination is rolled back. A source here means a reverse that reached the peer
      // and not this box (a crash cut it short): answered as done, the peer's resume went on
      // over a volume still holding this side's writes past the base, and the link's return
      // then demoted it as it was (simulation v3 seed 2028). Refused, the resume fails, the
      // reconcile makes this side the destination, and the next resume rolls it back.
      if (s.role !== 'Destination') throw new StateError(`Copy session ${s.number} is the source here; only its destination is rolled back (a reverse that has not reached this system).`, 'replication_session', s.id);
      return;
    default:
      return;
  }
}

/**
 * The next record and the effects of `event`. Throws the dialects' typed errors (rules.ts) for an
 * operator action that is not allowed now, and an AssertionError-like Error when a transition
 * would break an invariant (a bug in the table, never the caller's fault).
 */
export function step(session: ReplicationSession, event: SessionEvent): Transition {
  refuseIfNotAllowed(session, event);
  const r = TABLE.find((candidate) => matches(candidate, session, event));
  const { set = {}, effects = [] } = r ? r.go(session, event as never) : {};
  // A summary's pause count is taken whatever the row (a Lamport clock's rule): a side that never
  // heard of the peer's pause and resume otherwise kept its lower count, and its next pause was
  // ignored by the peer as a notice older than that resume (simulation v3 seed 3659).
  const counted = event.type === 'peer_summary' ? pauseCount({ ...session, ...set }, event) : {};
  if (!r && counted.pauseResumes === undefined) return { session, effects: [] };
  const next = settle({ ...session, ...set, ...counted });
  assertTransition(session, next, event);
  return { session: next, effects };
}

function matches(r: Row, s: ReplicationSession, e: SessionEvent): boolean {
  if (r.on !== e.type) return false;
  if (r.from !== '*' && !r.from.includes(s.state)) return false;
  if (r.role && r.role !== s.role) return false;
  return r.guard ? r.guard(s, e as never) : true;
}

/** The rows an event can take, for documentation and tests. */
export function rowsFor(type: EventType): readonly Row[] {
  return TABLE.filter((r) => r.on === type);
}

// ---------------------------------------------------------------- invariants

export class InvariantViolation extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvariantViolation';
  }
}

/** Invariants of one record, true after every transition. */
export function assertSession(s: ReplicationSession): void {
  if (s.role === 'Destination' && s.hostWritable) throw new InvariantViolation(`session ${s.id}: a destination is never host-writable`);
  if (s.mirroring && (s.role !== 'Source' || s.transferMode !== 'Synchronous')) throw new InvariantViolation(`session ${s.id}: only a synchronous source mirrors`);
  if (s.hostWritesRefused && s.mirroring) throw new InvariantViolation(`session ${s.id}: a mirroring session does not refuse host writes`);
  if (s.baseCycle < 0 || s.generation < 0) throw new InvariantViolation(`session ${s.id}: negative cycle or generation`);
}

/** Invariants of a transition: they hold whatever the event. */
export function assertTransition(prev: ReplicationSession, next: ReplicationSession, event: SessionEvent): void {
  const where = `session ${prev.id} on ${event.type} in ${prev.state}`;
  if (next.generation < prev.generation) throw new InvariantViolation(`${where}: generation went down (${prev.generation} → ${next.generation})`);
  if (next.role !== prev.role && next.generation <= prev.generation) throw new InvariantViolation(`${where}: role changed without a higher generation`);
  if (next.id !== prev.id || next.peerSystemId !== prev.peerSystemId) throw new InvariantViolation(`${where}: identity changed`);
  assertSession(next);
}

/**
 * Invariants of the two records of one session (one per system), as a simulation or a property
 * test sees them: at most one Source per generation, and a Source the other side does not know
 * of is ahead of it (the higher generation is right about roles).
 */
export function assertPair(a: ReplicationSession, b: ReplicationSession): void {
  if (a.role === 'Source' && b.role === 'Source' && a.generation === b.generation) throw new InvariantViolation(`session ${a.id}: two sources at generation ${a.generation}`);
}

// ---------------------------------------------------------------- decisions shared by rows

/** A planned failover once hosts stopped writing here: tell the peer, ship the rest, hand over. */
function handOver(s: ReplicationSession, reverse: boolean): Effect[] {
  return [{ kind: 'notify_peer', state: 'Failing_Over' }, { kind: 'final_cycle' }, { kind: 'hand_over', generation: s.generation + 1, peerState: reverse ? 'Reprotecting' : 'Failed_Over', reverse }];
}

/**
 * Whether a peer's state notice was sent before the peer heard of this side's latest pause or
 * resume (model.ts pauseResumes: it carries a lower count) and would undo it: an active state to
 * a side Paused, or Paused to a side not Paused. Another older notice still says where the peer
 * is: a synchronous source's in-step OK, sent before it heard of a resume on the destination,
 * is heard once, and the destination has to take it (simulation v3 seed 12, 80 steps). Peers
 * that predate the count send none.
 */
function isStalePauseNotice(s: ReplicationSession, e: { state: SessionState; pauseResumes?: number; generation?: number }): boolean {
  // A notice of a newer generation follows a role change the count does not describe.
  if (e.generation !== undefined && e.generation !== s.generation) return false;
  if (e.pauseResumes === undefined || e.pauseResumes >= s.pauseResumes) return false;
  return (s.state === 'Paused') !== (e.state === 'Paused');
}

/** The pause and resume count a peer's notice carries, when it is higher than ours. */
function pauseCount(s: ReplicationSession, e: { pauseResumes?: number }): Partial<ReplicationSession> {
  return e.pauseResumes !== undefined && e.pauseResumes > s.pauseResumes ? { pauseResumes: e.pauseResumes } : {};
}

/** A destination follows its source's generation (the higher generation is right about roles). */
function sourceGeneration(s: ReplicationSession, e: { role: SessionRole; generation: number }): Partial<ReplicationSession> {
  return e.role === 'Source' && e.generation > s.generation ? { generation: e.generation } : {};
}

/** The base snapshots of a session's members. */
/**
 * An old source demoted by a newer one (its destination failed over unplanned): the new source's
 * base is the last cut it committed as our destination. When that is our pending cut, its commit
 * reached the peer but not our record (the answer lost, a crash before it was recorded), so it is
 * the common base, as at a base_mismatch: both records name it, and our older base goes. Without
 * this both sides rested Failed_Over naming different bases (source 2, destination 1) until a
 * reprotect (simulation seed 316, v4: a Stack REC). Nothing else changes: a pending cut the peer
 * never committed stays for the reprotect's rollback plan to judge.
 */
function adoptCommittedCut(s: ReplicationSession, peerBaseCycle: number | undefined): { set: Partial<ReplicationSession>; effects: Effect[] } {
  const pending = s.pendingCycle;
  if (!pending || peerBaseCycle === undefined || pending.cycle !== peerBaseCycle || peerBaseCycle <= s.baseCycle) return { set: {}, effects: [] };
  if (!s.elementPairs.every((p) => pending.snapshotIds[p.localVolumeId])) return { set: {}, effects: [] };
  const elementPairs = s.elementPairs.map((p) => ({ ...p, localBaseSnapshotId: pending.snapshotIds[p.localVolumeId]! }));
  return { set: { elementPairs, baseCycle: pending.cycle, pendingCycle: null }, effects: deleteSnapshots(baseIds(s)) };
}

function baseIds(s: ReplicationSession): string[] {
  return s.elementPairs.map((p) => p.localBaseSnapshotId).filter((id): id is string => Boolean(id));
}

/** The bases of members that are not in `kept` any more. */
function goneBases(s: ReplicationSession, kept: ElementPair[]): string[] {
  return baseIds({ ...s, elementPairs: s.elementPairs.filter((p) => !kept.some((k) => k.localVolumeId === p.localVolumeId)) });
}

/** A failover test without the shadows of members not in `kept` any more, and those shadows. */
function withoutGoneShadows(test: NonNullable<ReplicationSession['failoverTest']>, kept: ElementPair[]): { kept: NonNullable<ReplicationSession['failoverTest']>; gone: string[] } {
  const shadows = Object.entries(test.shadowVolumeIds);
  const stays = (volumeId: string): boolean => kept.some((k) => k.localVolumeId === volumeId);
  return {
    kept: { ...test, shadowVolumeIds: Object.fromEntries(shadows.filter(([volumeId]) => stays(volumeId))) },
    gone: shadows.filter(([volumeId]) => !stays(volumeId)).map(([, shadowId]) => shadowId),
  };
}

/** The staging copies of a destination's open cycle. */
function stagingOf(s: ReplicationSession): string[] {
  return Object.values(s.openCycle?.stagingIds ?? {});
}

/** A delete_snapshots effect, when there is something to delete. */
function deleteSnapshots(ids: string[]): Effect[] {
  return ids.length > 0 ? [{ kind: 'delete_snapshots', ids }] : [];
}

/** The facts a membership change sets. */
function membership(e: Membership): Partial<ReplicationSession> {
  return { elementPairs: e.elementPairs, ...(e.memberCopies ? { memberCopies: e.memberCopies } : {}), ...(e.remoteResourceId !== undefined ? { remoteResourceId: e.remoteResourceId } : {}) };
}

/**
 * Link loss ends mirroring; split mode Manual then refuses host writes. The destination held every
 * acknowledged write until now, so its copy is as of now: the lag counts from here, not from the
 * last cycle (the initial copy, often long ago).
 */
function mirroringStops(s: ReplicationSession, nowMs: number): Partial<ReplicationSession> {
  if (!s.mirroring) return {};
  return { mirroring: false, hostWritesRefused: s.splitMode === 'Manual', lastSyncMs: nowMs };
}

/**
 * Which base a destination rolls back to when it is prepared for `baseCycle` (reprotect,
 * failback): its base, or the cut of a cycle whose commit the peer saw and this side did not
 * record; with no such base (or -1) every volume is emptied for a full copy.
 */
export function rollbackPlan(s: ReplicationSession, baseCycle: number): { restoreFrom: Record<string, string | null>; baseCycle: number; elementPairs: ElementPair[] } {
  const pending = s.pendingCycle;
  let pairs = s.elementPairs;
  let held = s.baseCycle;
  // A pending cut is the base only when it is ahead of the recorded one (adoptCommittedCut's rule):
  // one left from this side's time as the source, at a cycle this side has since committed as the
  // destination, holds this side's old writes, not the cycle's (simulation v3 seed 3838: a REC
  // resume rolled a destination back to its stale cut 3 and not to the cycle 3 it had committed).
  if (pending && pending.cycle === baseCycle && pending.cycle > s.baseCycle) {
    pairs = pairs.map((p) => ({ ...p, localBaseSnapshotId: pending.snapshotIds[p.localVolumeId] ?? p.localBaseSnapshotId }));
    held = pending.cycle;
  }
  const usable = baseCycle >= 0 && held === baseCycle && pairs.every((p) => p.localBaseSnapshotId);
  return {
    restoreFrom: Object.fromEntries(pairs.map((p) => [p.localVolumeId, usable ? p.localBaseSnapshotId : null])),
    baseCycle: usable ? held : 0,
    elementPairs: usable ? pairs : pairs.map((p) => ({ ...p, localBaseSnapshotId: null })),
  };
}

/**
 * The state a committed cycle leaves a destination in. A cycle brings an asynchronous session up
 * to its cut: OK. A Synchronous session's cycles are its resync, and it is in step only once the
 * source mirrors, which the source tells with its state (RPC setState): until then Synchronizing.
 */
function destinationCommittedState(s: ReplicationSession): SessionState {
  return s.transferMode === 'Synchronous' ? 'Synchronizing' : 'OK';
}

/**
 * Facts that follow from others, settled after every transition: a synchronous source mirrors
 * only in step (OK, or handing over), and refuses host writes only while halted in split mode
 * Manual; neither applies to anything but a synchronous source. A session is paused by its user
 * only while Paused. A destination's lost mirrored write counts only at the base it was lost at.
 */
function settle(s: ReplicationSession): ReplicationSession {
  const syncSource = s.role === 'Source' && s.transferMode === 'Synchronous' && s.state !== 'Deleting';
  const mirroring = s.mirroring && syncSource && (s.state === 'OK' || s.state === 'Failing_Over');
  const hostWritesRefused = s.hostWritesRefused && syncSource && s.state === 'System_Paused' && s.splitMode === 'Manual';
  // Paused by its user only while Paused: a paused destination failed over for DR kept the flag as
  // a source, and the link's return never retried its later halts (simulation seed 110).
  const pausedByUser = s.pausedByUser && s.state === 'Paused';
  // A lost mirrored write stops counting once a new base holds everything it would have changed.
  const mirroredWriteLost = s.mirroredWriteLost && s.role === 'Destination' && s.mirroredWriteLost.baseCycle === s.baseCycle ? s.mirroredWriteLost : null;
  const same = mirroring === s.mirroring && hostWritesRefused === s.hostWritesRefused && pausedByUser === s.pausedByUser && mirroredWriteLost === s.mirroredWriteLost;
  return same ? s : { ...s, mirroring, hostWritesRefused, pausedByUser, mirroredWriteLost };
}

/** The state a committed cycle leaves a source in. */
function committedState(s: ReplicationSession, startState: SessionState): SessionState {
  // A policy unassigned while the cycle shipped: the session stays Deleting. Made OK, a crash before
  // the peer's answer to the deletion left a source that no longer knew it was being deleted, whose
  // destination the deletion had dropped: it cycled into NOT_FOUND for good (simulation seed 340, v4).
  // Also during a reprotect or a failover (PowerStore allows deletion by policy removal then): the
  // reprotect's commit made it Reprotecting again, then OK, with the deletion's stop still set, so
  // its deletion retry gave up and every later cycle was cancelled at once (simulation v4 seed 3275).
  if (s.state === 'Deleting') return s.state;
  if (startState === 'Failing_Over' || startState === 'Reprotecting') return startState;
  // A planned failover (or reprotect) issued while a cycle of the session ran: the operation's
  // state stands, its own final cycle comes next. Made Synchronizing (the cycle's start state), a
  // synchronous source went in step and OK, the hand-over then found no Failing_Over row and the
  // failover reported done with both sides Source (simulation v5 seed 7766).
  if (s.state === 'Failing_Over' || s.state === 'Reprotecting') return s.state;
  if (s.state === 'Paused' || s.state === 'Suspended') return s.state;
  // A synchronous source halted while its cut was committed (the link went during a checkpoint or
  // a resync) is not in step: it stays halted, and its retry (or the link's return) resyncs. Made
  // Synchronizing, nothing ran it on and no row of the link's return took it (simulation seed 8084).
  if (s.transferMode === 'Synchronous' && !s.mirroring && s.state === 'System_Paused') return 'System_Paused';
  // A synchronous session is OK (in step) only while it mirrors; a resync cycle leaves it Synchronizing.
  if (s.transferMode === 'Synchronous' && !s.mirroring) return 'Synchronizing';
  return 'OK';
}

/**
 * Whether a notice the peer did not hear is still to be told: each is told again until the peer
 * hears or what it says no longer holds here.
 */
export function noticeStillDue(s: ReplicationSession, notice: Notice): boolean {
  switch (notice.kind) {
    // A pause or resume, while that state stands: a lost notice left one side Paused and the other
    // resumed, with the link up (simulation seed 334).
    case 'tell_peer_state':
      return s.state === (notice.told ?? s.state);
    // The end of a role operation the destination was told of, until another one starts.
    case 'tell_peer_view':
      return viewStillDue(s);
    // A synchronous source in step, while it stays so.
    case 'tell_peer_in_step':
      return s.state === 'OK' && s.mirroring;
    // A forced suspend (or one the last cycle got in), while this side is suspended or suspending:
    // an outage too short for heartbeats left the peer in step for good.
    case 'tell_peer_suspended':
      return notice.retry && (s.state === 'Suspended' || s.suspendPending);
    // The peer's view, while this side waits for it: a halted source that does not know whether the
    // peer took over, or a Suspended box whose resume or reverse got no answer.
    case 'reconcile_peer':
      return notice.until === 'suspended' ? s.state === 'Suspended' : s.role === 'Source' && s.state === 'System_Paused';
    // A deletion the peer did not confirm, while this side is still the source being deleted: the
    // source stayed Deleting for good (simulation seed 149, v4).
    case 'finish_deletion':
      return s.role === 'Source' && s.state === 'Deleting';
    // An unplanned failover's demotion, while this side is the source of that generation: an old
    // source that does not cycle never asks, and both stayed Source (simulation seed 534).
    case 'demote_peer':
      return s.role === 'Source' && s.generation === notice.generation;
  }
}

/** Whether a source still owes its destination the end of a role operation (tell_peer_view). */
export function viewStillDue(s: ReplicationSession): boolean {
  return s.role === 'Source' && !SOURCE_DRIVEN.includes(s.state) && s.state !== 'Deleting';
}

/**
 * The state a destination shows for its source's state: a halt or a resync of the source is not
 * the destination's (it shows OK, or Synchronizing for a synchronous session not in step).
 */
export function destinationView(source: ReplicationSession): SessionState {
  if (source.state === 'Failed_Over' || source.state === 'Paused' || source.state === 'Suspended') return source.state;
  if (source.transferMode === 'Synchronous') return source.state === 'OK' && source.mirroring ? 'OK' : 'Synchronizing';
  return 'OK';
}

/**
 * A destination's state once the link is back and its halt is over, from the source's state. A
 * Synchronous source that is not mirroring (halted, about to resync, resyncing) is not in step:
 * the destination shows Synchronizing until the source says OK (RPC setState). Without a common
 * cut it is Initializing, as its source, until the initial copy commits.
 */
export function destinationStateAfterHalt(s: ReplicationSession, sourceState: SessionState): SessionState {
  if (sourceState === 'Paused' || sourceState === 'Suspended') return sourceState;
  // A source that failed over (or whose reprotect a crash cut short: Failed_Over, INTERNAL)
  // replicates nothing until a reprotect: its destination shows Failed_Over too. It showed
  // Synchronizing under it for good, a synchronous one (simulation v3 seed 2187).
  if (sourceState === 'Failed_Over') return 'Failed_Over';
  // No common cut yet: the initial copy is still to come (it showed OK under an Initializing
  // source; simulation: destination-ok-before-initial-copy).
  if (s.baseCycle === 0) return 'Initializing';
  if (s.transferMode === 'Synchronous' && sourceState !== 'OK') return 'Synchronizing';
  return 'OK';
}

/** A source's summary taken before the REC resume this destination rolled back for (a lower resume count). */
function predatesRollback(s: ReplicationSession, e: { recResumes?: number }): boolean {
  return e.recResumes !== undefined && e.recResumes < s.recResumes;
}

/**
 * The state a session resumes in, on either side: Initializing while it has no common base yet,
 * Synchronizing for a Synchronous session (it resyncs, and is in step only once the source
 * mirrors and says so), else OK.
 */
export function resumedState(s: ReplicationSession): SessionState {
  if (s.baseCycle === 0) return 'Initializing';
  return s.transferMode === 'Synchronous' ? 'Synchronizing' : 'OK';
}

/** A halted session that only an operator frees: recovery mode Manual, or a REC buffer overload. */
export function waitsForOperator(s: ReplicationSession): boolean {
  return s.state === 'System_Paused' && (s.recoveryMode === 'Manual' || isBufferOverloadHalt(s));
}
