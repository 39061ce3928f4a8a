// Which session action is allowed in which state and on which side (research/powerstore-api.md
// §4.4). Pure: the replication service asks before it changes anything, so a refused action
// leaves no trace and answers the dialect's error.
import { DomainError, StateError } from '../errors.ts';
import type { ReplicationSession, SessionState } from './model.ts';

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
      return;
    case 'pause':
      if (!['OK', 'Synchronizing', 'System_Paused', 'Initializing'].includes(state)) refuse('only an active session can be paused');
      return;
    case 'resume':
      if (state !== 'Paused') refuse('only a paused session can be resumed');
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
