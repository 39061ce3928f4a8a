// Which session action is allowed in which state and on which side (research/powerstore-api.md
// §4.4). Pure: the replication service asks before it changes anything, so a refused action
// leaves no trace and answers the dialect's error.
import { DomainError, StateError, ValidationError } from '../errors.ts';
import type { RecoveryMode, ReplicationSession, SessionState, SplitMode, TransferMode } from './model.ts';
import { isBufferOverloadHalt } from './rec-buffer.ts';

export type SessionAction =
  | 'sync'
  | 'pause'
  | 'resume'
  | 'failover_planned'
  | 'failover_unplanned'
  | 'reprotect'
  | 'start_failover_test'
  | 'stop_failover_test';

const TRANSIENT: readonly SessionState[] = ['Failing_Over', 'Failing_Over_For_DR', 'Reprotecting', 'Deleting'];

export class OperationInProgressError extends DomainError {
  constructor(session: ReplicationSession) {
    super('OPERATION_IN_PROGRESS', `Replication session ${session.id} is ${session.state}; only one operation runs on a session at a time.`, {
      kind: 'replication_session',
      id: session.id,
    });
  }
}

export class FailoverFromDestinationError extends DomainError {
  constructor(session: ReplicationSession) {
    super('VALIDATION_FAILED', `A planned failover must be issued on the source system; replication session ${session.id} is the destination here.`, {
      kind: 'replication_session',
      id: session.id,
      arguments: [session.id],
    });
  }
}

/** Cinder treats this one (0xE0201005000C) as success when it fails back. */
export class AlreadyFailedOverError extends StateError {
  constructor(session: ReplicationSession) {
    super(`Replication session ${session.id} is already failed over; use force to fail over again.`, 'replication_session', session.id);
  }
}

/** Throws the error the dialects expect when `action` is not allowed now; returns otherwise. */
export function checkAction(session: ReplicationSession, action: SessionAction, options: { force?: boolean; useTestCopy?: boolean } = {}): void {
  const { state, role } = session;
  const refuse = (why: string) => {
    throw new StateError(`Cannot ${action.replace(/_/g, ' ')} replication session ${session.id} in state ${state} (role ${role}): ${why}.`, 'replication_session', session.id);
  };
  if (TRANSIENT.includes(state) && !(action === 'failover_unplanned' && state === 'Failing_Over')) throw new OperationInProgressError(session);
  switch (action) {
    case 'sync':
      if (role !== 'Source') refuse('sync is issued on the source');
      if (!['OK', 'System_Paused', 'Synchronizing', 'Initializing'].includes(state)) refuse('sync needs OK or System_Paused');
      // A sync would ship the very backlog the halt stopped; an operator pauses (or suspends) first.
      if (isBufferOverloadHalt(session)) refuse('the session halted for REC buffer overload; pause and resume it (ETERNUS: suspend with is_forced, then resume)');
      return;
    case 'pause':
      if (!['OK', 'Synchronizing', 'System_Paused', 'Initializing'].includes(state)) refuse('only an active session can be paused');
      return;
    case 'resume':
      if (state !== 'Paused' && state !== 'Suspended') refuse('only a paused session can be resumed');
      return;
    case 'failover_planned':
      if (role !== 'Source') throw new FailoverFromDestinationError(session);
      if (session.failoverTest) refuse('a failover test is running');
      // Failed_Over on the source is the failback case (research §4.6): the other side is rolled
      // back to the common base first, then the final sync and the swap run as usual.
      if (!['OK', 'Synchronizing', 'Failed_Over'].includes(state)) refuse('a planned failover needs a healthy or failed-over session');
      return;
    case 'failover_unplanned':
      if (role !== 'Destination') refuse('an unplanned failover is issued on the destination');
      if (session.failoverTest && !options.useTestCopy) refuse('a failover test is running; use_test_copy is required');
      if (state === 'Failed_Over' && !options.force) throw new AlreadyFailedOverError(session);
      if (state === 'Initializing' && session.baseCycle === 0) refuse('the destination has no synchronized copy yet');
      return;
    case 'reprotect':
      if (role !== 'Source') refuse('reprotect is issued on the system that is now the source');
      if (state !== 'Failed_Over') refuse('only a failed-over session can be reprotected');
      return;
    case 'start_failover_test':
      if (role !== 'Destination') refuse('a failover test runs on the destination');
      if (session.failoverTest) refuse('a failover test is already running');
      if (!['OK', 'Synchronizing', 'Paused', 'System_Paused'].includes(state)) refuse('the session is not in a state that allows a test');
      if (session.baseCycle === 0) refuse('the destination has no synchronized copy yet');
      return;
    case 'stop_failover_test':
      if (!session.failoverTest) refuse('no failover test is running');
      return;
  }
}

// ---------------------------------------------------------------- ETERNUS REC (research §2.4–2.9)

export type RecAction = 'suspend' | 'resume' | 'reverse' | 'modify' | 'delete';

/** REC sessions carry an ETERNUS transfer mode; PowerStore RPO sessions are `Asynchronous`. */
export function isRec(session: Pick<ReplicationSession, 'transferMode'>): boolean {
  return session.transferMode !== 'Asynchronous';
}

/** A REC made through the ETERNUS dialect (a copy session), not a PowerStore policy's session: it has no replication rule. */
export function isCopySession(session: Pick<ReplicationSession, 'transferMode' | 'replicationRuleId'>): boolean {
  return isRec(session) && session.replicationRuleId === null;
}

/**
 * The equivalent state: the destination holds the source as of the last cycle and nothing is
 * waiting. Consistency ships consistent cuts back to back, so it stays Equivalent while a cycle
 * runs; Stack and Through are Equivalent only with no backlog (`backlog`: changes since the base).
 */
export function isEquivalent(session: ReplicationSession, backlog: boolean): boolean {
  if (session.baseCycle === 0) return false;
  // Synchronous is in step only while it mirrors (state OK); a resync is Synchronizing (Copying).
  if (session.transferMode === 'Synchronous') return session.state === 'OK';
  if (session.transferMode === 'Consistency' || session.transferMode === 'Asynchronous') {
    return session.state === 'OK' || session.state === 'Synchronizing';
  }
  return session.state === 'OK' && !backlog;
}

const REC_ACTIVE: readonly SessionState[] = ['Initializing', 'OK', 'Synchronizing', 'System_Paused', 'Paused'];

/** Throws the error the ETERNUS dialect expects when a REC action is not allowed now. */
export function checkRecAction(session: ReplicationSession, action: RecAction, options: { force?: boolean; backlog?: boolean } = {}): void {
  const { state } = session;
  const force = options.force ?? false;
  const refuse = (why: string) => {
    throw new StateError(`Cannot ${action} copy session ${session.number} (state ${state}, transfer mode ${session.transferMode}): ${why}.`, 'replication_session', session.id);
  };
  if (TRANSIENT.includes(state)) throw new OperationInProgressError(session);
  // A resume waits for the other box's rollback; a second one recorded meanwhile was rolled back
  // under the first's failure, whose Suspended view then suspended the destination the second
  // had made active (simulation v4 seed 1313). A reverse or modify would change what it resumes.
  if (session.resumePending && (action === 'resume' || action === 'reverse' || action === 'modify')) {
    throw new DomainError('OPERATION_IN_PROGRESS', `Cannot ${action} copy session ${session.number}: a resume of it is under way, waiting for the other system's answer.`, { kind: 'replication_session', id: session.id });
  }
  // A volume group session shows as one copy session per member; suspending or resuming any of
  // them acts on the whole group (its cycles are one consistent cut). Its modes, direction and
  // life belong to the PowerStore dialect, where the group is one session.
  if (session.resourceType !== 'volume' && action !== 'suspend' && action !== 'resume') refuse('it is a member of a volume group session, whose configuration, direction and deletion are managed through the PowerStore dialect');
  switch (action) {
    case 'suspend':
      if (state === 'Error') refuse('a session in Error cannot be suspended; delete it with force');
      if (state === 'Suspended') refuse('the session is already suspended');
      if (!REC_ACTIVE.includes(state)) refuse('only an active or halted session can be suspended');
      if (force) return;
      if (session.transferMode === 'Through') refuse('a session in Through mode can only be suspended with is_forced');
      if (state === 'System_Paused') refuse('the session is halted; a halted session is suspended with is_forced');
      if (state === 'Paused') refuse('the session is paused through the PowerStore dialect; suspend it with is_forced');
      if (!isEquivalent(session, options.backlog ?? false)) refuse('a normal suspend needs the Equivalent phase; use is_forced');
      return;
    case 'resume':
      if (state !== 'Suspended' && state !== 'Paused') refuse(state === 'System_Paused' ? 'a halted session in manual recovery is suspended with is_forced first, then resumed' : 'only a suspended session can be resumed');
      return;
    case 'reverse':
      if (state !== 'Suspended') refuse('the session must be suspended before it is reversed');
      return;
    case 'modify':
      // A PowerStore session's modes come from its replication rule (a PATCH here would leave it
      // tied to a policy that says otherwise), as its deletion does.
      if (session.replicationRuleId !== null) refuse('the session belongs to a protection policy; its transfer follows the replication rule, changed through the PowerStore dialect');
      // Paused through PowerStore shows phase Suspend too: the transfer is stopped either way.
      if (state !== 'Suspended' && state !== 'Paused') refuse('suspend the session before changing its configuration');
      return;
    case 'delete':
      if (session.replicationRuleId !== null) refuse('the session belongs to a protection policy; remove the policy from the volume through the PowerStore dialect');
      if (force) return;
      if (session.transferMode === 'Consistency') refuse('a session in Consistency mode can only be deleted with is_forced (suspend it first to flush its data)');
      if (state === 'Suspended' || state === 'Paused') return;
      if (!isEquivalent(session, options.backlog ?? false)) refuse('a normal delete needs the Equivalent phase; use is_forced');
      return;
  }
}

export interface RecModes {
  transferMode: TransferMode;
  splitMode: SplitMode;
  recoveryMode: RecoveryMode;
}

/**
 * The modes after a PATCH (seed 003): split_mode is for synchronous mode only, so it may not be
 * given when the resulting mode is asynchronous (400); synchronous → asynchronous forces split
 * mode Manual, and it stays Manual on the way back to synchronous unless split_mode is given.
 */
export function nextRecModes(current: RecModes, change: Partial<RecModes>): RecModes {
  const transferMode = change.transferMode ?? current.transferMode;
  if (transferMode === 'Asynchronous') throw new ValidationError('transfer_mode Asynchronous is a PowerStore mode, not an ETERNUS one.', 'transfer_mode');
  const synchronous = transferMode === 'Synchronous';
  if (change.splitMode !== undefined && !synchronous) {
    throw new ValidationError(`split_mode applies to synchronous transfer mode only; the session would be in ${transferMode} mode.`, 'split_mode');
  }
  let splitMode = change.splitMode ?? current.splitMode;
  if (current.transferMode === 'Synchronous' && !synchronous) splitMode = 'Manual';
  return { transferMode, splitMode, recoveryMode: change.recoveryMode ?? current.recoveryMode };
}
