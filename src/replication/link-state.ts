// What the peer says of the sessions two systems share, and what follows the link to it: a state
// notice (RPC setState: a pause, a resume, a halt's cause), the link lost (what was running halts
// and mirroring stops), and the link back (RPC sessionStates: agree on roles, drop sessions the
// peer deleted, catch up).
import type { CoreContext } from '../core/context.ts';
import type { ReplicationSession, SessionState } from '../core/replication/model.ts';
import { setHostAccess } from './failover.ts';
import { CONTROL_RPC_TIMEOUT_MS } from './limits.ts';
import type { SessionRuntime } from './session-runtime.ts';
import { destinationStateAfterHalt, resumedState, waitsForOperator } from './session-states.ts';
import type { SynchronousReplication } from './synchronous.ts';
import { RPC, type SessionStateSummary } from './wire.ts';

/** What link state needs besides the runtime. */
export interface LinkStateDeps {
  /** Mirroring stops when the link goes and its path is usable again when the link is back. */
  synchronous: Pick<SynchronousReplication, 'stopMirroringOnLinkLoss' | 'pathReturned'>;
  /** Removes a session record and its internal snapshots (protection-sessions.ts). */
  dropSessionLocally(id: string): Promise<void>;
  /** Finishes deleting a session left Deleting while the peer was unreachable (protection-sessions.ts). */
  finishDeletion(id: string, peerKnowsIt: boolean): Promise<void>;
}

export class LinkState {
  private readonly ctx: CoreContext;

  constructor(
    private readonly runtime: SessionRuntime,
    private readonly deps: LinkStateDeps,
  ) {
    this.ctx = runtime.ctx;
  }

  /** The peer's state notices and reconcile calls, and the watch on the link to each peer. */
  install(): void {
    this.runtime.transport.handle(RPC.setState, async ({ params }) => {
      const s = this.ctx.meta.get('replication_session', params.sessionId as string);
      const error = typeof params.errorCode === 'string' ? { errorCode: params.errorCode, errorAtMs: typeof params.errorAtMs === 'number' ? params.errorAtMs : null } : {};
      if (s) this.applyPeerState(s, params.state as SessionState, params.pausedByUser as boolean | undefined, error);
      return { result: {} };
    });
    this.runtime.transport.handle(RPC.sessionStates, async ({ params, fromSystemId }) => {
      await this.applyPeerSummaries(fromSystemId, params.sessions as SessionStateSummary[]);
      return { result: { sessions: this.summariesFor(fromSystemId) } };
    });
    this.runtime.transport.onStateChange((peer, state) => {
      if (state === 'OK') void this.reconcileWith(peer).catch((e) => this.runtime.log('reconcile failed', { peer, error: String(e) }));
      else this.onLinkLost(peer);
    });
  }

  private applyPeerState(s: ReplicationSession, state: SessionState, pausedByUser?: boolean, error: Partial<Pick<ReplicationSession, 'errorCode' | 'errorAtMs'>> = {}): void {
    if (state === 'Paused') {
      this.runtime.cancelled.add(s.id);
      this.runtime.patch(s.id, { state: 'Paused', pausedByUser: true });
    } else if (s.state === 'Paused') {
      this.runtime.cancelled.delete(s.id);
      // A resume ends a halt the pause came from (the peer records a halt's cause): no error shows.
      this.runtime.patch(s.id, { state: resumedState(s), pausedByUser: false, errorCode: null, errorAtMs: null });
      if (s.role === 'Source') void this.runtime.schedule.runSoon(s.id);
    } else {
      this.runtime.patch(s.id, { state, pausedByUser: pausedByUser ?? s.pausedByUser, ...error });
    }
  }

  /** Every session with the peer halts, in one metadata commit (thousands of sessions: one commit each took seconds). */
  private onLinkLost(peerSystemId: string): void {
    const sessions = this.runtime.listShared().filter((s) => s.peerSystemId === peerSystemId);
    this.runtime.batch(() => {
      for (const s of sessions) {
        this.deps.synchronous.stopMirroringOnLinkLoss(s);
        if (['OK', 'Synchronizing', 'Initializing'].includes(s.state)) this.runtime.patch(s.id, { state: 'System_Paused', errorCode: 'PEER_UNREACHABLE', errorAtMs: this.ctx.clock.nowMs() });
      }
    });
  }

  private summariesFor(peerSystemId: string): SessionStateSummary[] {
    return this.runtime.listShared()
      .filter((s) => s.peerSystemId === peerSystemId)
      .map((s) => ({ id: s.id, role: s.role, generation: s.generation, state: s.state, baseCycle: s.baseCycle }));
  }

  /** When the link comes back: agree on roles, drop sessions the peer deleted, catch up. */
  async reconcileWith(peerSystemId: string): Promise<void> {
    const answer = await this.runtime.transport.call<{ sessions: SessionStateSummary[] }>(peerSystemId, RPC.sessionStates, { sessions: this.summariesFor(peerSystemId) }, { timeoutMs: CONTROL_RPC_TIMEOUT_MS });
    await this.applyPeerSummaries(peerSystemId, answer.result.sessions);
  }

  private async applyPeerSummaries(peerSystemId: string, theirs: SessionStateSummary[]): Promise<void> {
    this.deps.synchronous.pathReturned(peerSystemId);
    const theirsById = new Map(theirs.map((r) => [r.id, r]));
    // The plain state changes go into one metadata commit at the end (one per session took seconds).
    const changes: Array<() => void> = [];
    for (const s of this.runtime.listShared().filter((x) => x.peerSystemId === peerSystemId)) {
      const remote = theirsById.get(s.id);
      if (s.state === 'Deleting' && s.role === 'Source') {
        await this.deps.finishDeletion(s.id, remote !== undefined);
        continue;
      }
      if (!remote) {
        if (s.role === 'Destination' && s.state !== 'Initializing') await this.runtime.exclusive(s.id, () => this.deps.dropSessionLocally(s.id));
        continue;
      }
      if (remote.role === 'Source' && s.role === 'Source' && remote.generation > s.generation) {
        // The peer failed over while we were away: we are the old source and step down.
        this.runtime.log('demoted: the peer failed over while the link was down', { session: s.id });
        await setHostAccess(this.ctx, s, false);
        this.runtime.patch(s.id, { role: 'Destination', state: 'Failed_Over', generation: remote.generation, nextSyncMs: null });
        this.runtime.timers.get(s.id)?.cancel();
        continue;
      }
      // Recovery mode Manual (or a buffer-overload halt): the halt outlives the link loss until an operator acts.
      const waits = waitsForOperator(s);
      if (s.role === 'Source' && s.state === 'System_Paused' && !s.pausedByUser && !waits) {
        // An Asynchronous session with a common base needs no cycle now: it is OK again and
        // cycles when its RPO schedule says (at its place in the spread window if already due),
        // so that a link's return does not start every session's cycle at once. Others (initial
        // copy, REC modes, synchronous resync) catch up at once, through the cycle slots.
        if (s.transferMode === 'Asynchronous' && s.baseCycle > 0 && !s.pendingCycle) {
          const id = s.id;
          changes.push(() => {
            this.runtime.patch(id, { state: 'OK', errorCode: null, errorAtMs: null });
            this.runtime.schedule.arm(id, { spreadOverdue: true });
          });
        } else void this.runtime.schedule.runSoon(s.id);
      }
      if (s.role === 'Destination' && s.state === 'System_Paused' && !(waits && remote.state === 'System_Paused')) {
        const next = { state: destinationStateAfterHalt(s, remote.state as SessionState), errorCode: null, errorAtMs: null };
        changes.push(() => this.runtime.patch(s.id, next));
      }
    }
    this.runtime.batch(() => {
      for (const change of changes) change();
    });
  }
}
