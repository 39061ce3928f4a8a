// The fault point every outgoing call passes before it leaves, HTTP/2 stream (client.ts) and lane
// call (lane-client.ts) alike (DESIGN §5.5): refused, or held for the delay the faults add.
import type { DomainError } from '../core/errors.ts';
import { unreachable } from './errors.ts';
import type { FaultController } from './faults.ts';

/** What the fault point needs of the call it holds. */
export interface FaultPointCall {
  /** True once the call was answered, failed or timed out. */
  isSettled(): boolean;
  /** Fails the call; `linkFailure` when the link itself is down, so heartbeats react at once. */
  fail(error: DomainError, linkFailure: boolean): void;
}

/**
 * Asks the faults about a call of `sentBytes` to the peer. A refused call is failed here and
 * false returned. A call without delay gets true at once, not a promise, so that a caller on the
 * latency lane can write it in the same turn; otherwise the promise tells, after the delay,
 * whether the call may still be sent.
 */
export function passFaultPoint(
  faults: FaultController,
  peerSystemId: string,
  sentBytes: number,
  call: FaultPointCall,
): boolean | Promise<boolean> {
  const verdict = faults.decide(peerSystemId, sentBytes);
  if (verdict.action === 'refuse') {
    call.fail(unreachable(peerSystemId, verdict.reason), faults.isLinkDown(peerSystemId));
    return false;
  }
  if (verdict.delayMs <= 0) return true;
  // Timed out during the delay: the caller has moved on (a mirrored write's session halted and
  // may be resyncing), so the request must not reach the peer late.
  return faults.delay(verdict.delayMs).then(() => !call.isSettled());
}
