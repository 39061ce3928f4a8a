// The state a session moves to when a halt or a suspension ends, on either side, and whether only
// an operator ends a halt: pure functions of the session record, shared by the service (PowerStore
// resume, the schedule), link-state.ts (link return) and the ETERNUS REC actions (resume,
// rollback).
import type { ReplicationSession, SessionState } from '../core/replication/model.ts';
import { isBufferOverloadHalt } from '../core/replication/rec-buffer.ts';

/**
 * A destination's state once the link is back and its halt is over, from the source's state. A
 * Synchronous source that is not mirroring (halted, about to resync, resyncing) is not in step:
 * the destination shows Synchronizing until the source says OK (RPC setState).
 */
export function destinationStateAfterHalt(s: ReplicationSession, sourceState: SessionState): SessionState {
  if (sourceState === 'Paused' || sourceState === 'Suspended') return sourceState;
  if (s.transferMode === 'Synchronous' && sourceState !== 'OK') return 'Synchronizing';
  return 'OK';
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
