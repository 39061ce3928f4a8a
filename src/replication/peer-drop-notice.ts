// Telling the peer to drop a session this system does not hold (any more): after a forced REC
// delete the peer did not confirm, and after a create whose destination side was made on the peer
// but whose answer never came back (the create failed here, so the session exists there only).
// Told every SUSPEND_NOTICE_RETRY_MS until the peer answers: the link may be up all along, and then
// no link return would ever reconcile it (found by the simulation, workload v4).
import type { CoreContext } from '../core/context.ts';
import { CONTROL_RPC_TIMEOUT_MS, SUSPEND_NOTICE_RETRY_MS } from './limits.ts';
import type { SessionRuntime } from './session-runtime.ts';
import { RPC } from './wire.ts';

export function tellPeerToDrop(ctx: CoreContext, runtime: SessionRuntime, peerSystemId: string, sessionId: string): void {
  ctx.clock.setTimer(SUSPEND_NOTICE_RETRY_MS, () => {
    // Held here again (it never is: ids are not reused), or this system is stopping: nothing to tell.
    if (runtime.stopped || ctx.meta.get('replication_session', sessionId)) return;
    runtime.transport.call(peerSystemId, RPC.deleteSession, { sessionId }, { timeoutMs: CONTROL_RPC_TIMEOUT_MS }).then(
      () => runtime.log('peer told to drop a session this system does not hold', { session: sessionId }),
      () => tellPeerToDrop(ctx, runtime, peerSystemId, sessionId),
    );
  });
}
