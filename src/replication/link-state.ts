// What the peer says of the sessions two systems share, and what follows the link to it: a state
// notice (RPC setState: a pause, a resume, a halt's cause), the link lost (what was running halts
// and mirroring stops), and the link back (RPC sessionStates: agree on roles, drop sessions the
// peer deleted, catch up).
import type { CoreContext } from '../core/context.ts';
import type { ReplicationSession } from '../core/replication/model.ts';
import { isCopySession } from '../core/replication/rules.ts';
import type { Notice, SessionEvent } from '../core/replication/session-machine.ts';
import { CONTROL_RPC_TIMEOUT_MS, SUSPEND_NOTICE_RETRY_MS } from './limits.ts';
import { parseSessionStates, parseSetState } from './peer-protocol.ts';
import type { SessionRuntime } from './session-runtime.ts';
import type { SynchronousReplication } from './synchronous.ts';
import { RPC, type SessionStateSummary } from './wire.ts';

/** What link state needs besides the runtime. */
export interface LinkStateDeps {
  /** Mirroring stops when the link goes and its path is usable again when the link is back. */
  synchronous: Pick<SynchronousReplication, 'pathReturned'>;
  /** Removes a session record and its internal snapshots (protection-sessions.ts). */
  dropSessionLocally(id: string): Promise<void>;
  /** Finishes deleting a session left Deleting while the peer was unreachable (protection-sessions.ts). */
  finishDeletion(id: string, peerKnowsIt: boolean): Promise<void>;
  /** Removes a destination made for a create the source gave up on (destination.ts cancelDestination). */
  cancelDestination(id: string, fromSystemId: string): Promise<void>;
}

/**
 * A destination the source does not know, still waiting for its initial copy, is left over from a
 * create that failed on the source after this side made it, when the source could not cancel it
 * (the link was lost): the source answered or gave up on its create long before this.
 */
export const ORPHAN_DESTINATION_AGE_MS = 2 * CONTROL_RPC_TIMEOUT_MS;

export class LinkState {
  private readonly ctx: CoreContext;
  /** Per session, when the peer sent the last state notice applied here (by its clock; memory only: a restart accepts any). */
  private readonly noticeSentAtMs = new Map<string, number>();
  /** Whether the link to each peer is up, as the transport last said. */
  private readonly linkUp = new Map<string, boolean>();
  /** Destinations a peer's summary did not name, asked about again later (checkAgainLater). */
  private readonly laterChecks = new Set<string>();
  /** Peers asked by a reconcile of our own because their summary left out a destination (askPeer). */
  private readonly asking = new Set<string>();

  constructor(
    private readonly runtime: SessionRuntime,
    private readonly deps: LinkStateDeps,
  ) {
    this.ctx = runtime.ctx;
  }

  /** The peer's state notices and reconcile calls, and the watch on the link to each peer. */
  install(): void {
    this.runtime.transport.handle(RPC.setState, async ({ params, fromSystemId }) => {
      const p = parseSetState(params);
      const s = this.ctx.meta.get('replication_session', p.sessionId);
      // Notices are not ordered on the wire: one sent before a notice already applied is stale (a
      // reprotect's late 'Synchronizing' overtook by the in-step 'OK' left a synchronous
      // destination Synchronizing under a mirroring source, simulation seed 215).
      const last = this.noticeSentAtMs.get(p.sessionId);
      if (p.sentAtMs !== undefined && last !== undefined && p.sentAtMs < last) return { result: {} };
      if (p.sentAtMs !== undefined) this.noticeSentAtMs.set(p.sessionId, p.sentAtMs);
      if (s && s.peerSystemId === fromSystemId) {
        await this.runtime.apply(s.id, { type: 'peer_state', state: p.state, nowMs: this.ctx.clock.nowMs(), ...(p.generation !== undefined ? { generation: p.generation } : {}), ...(p.pausedByUser !== undefined ? { pausedByUser: p.pausedByUser } : {}), ...(p.pauseResumes !== undefined ? { pauseResumes: p.pauseResumes } : {}), ...(p.errorCode !== undefined ? { errorCode: p.errorCode, errorAtMs: p.errorAtMs ?? null } : {}) });
      }
      return { result: {} };
    });
    this.runtime.transport.handle(RPC.sessionStates, async ({ params, fromSystemId }) => {
      // The peer's summary was taken when it sent the call, which may be before a session it then
      // created here: what it leaves out proves nothing (proof null), our own call asks again.
      await this.applyPeerSummaries(fromSystemId, parseSessionStates(params).sessions, null);
      return { result: { sessions: this.summariesFor(fromSystemId) } };
    });
    this.runtime.transport.onStateChange((peer, state) => {
      this.linkUp.set(peer, state === 'OK');
      if (state === 'OK') void this.reconcileWhileUp(peer);
      else this.onLinkLost(peer);
    });
  }

  /**
   * The reconcile at the link's return, again every SUSPEND_NOTICE_RETRY_MS while it fails and the
   * link is up: a lost answer left every halted session of the peer halted until the link went and
   * came back (a synchronous source stayed System_Paused for good, simulation seed 190).
   */
  private async reconcileWhileUp(peerSystemId: string): Promise<void> {
    if (this.linkUp.get(peerSystemId) !== true || this.runtime.stopped) return;
    try {
      await this.reconcileWith(peerSystemId);
    } catch (e) {
      this.runtime.log('reconcile failed', { peer: peerSystemId, error: String(e) });
      this.ctx.clock.setTimer(SUSPEND_NOTICE_RETRY_MS, () => void this.reconcileWhileUp(peerSystemId));
    }
  }

  /** Every session with the peer halts, in one metadata commit (thousands of sessions: one commit each took seconds). */
  private onLinkLost(peerSystemId: string): void {
    const sessions = this.runtime.listShared().filter((s) => s.peerSystemId === peerSystemId);
    const nowMs = this.ctx.clock.nowMs();
    // apply writes each record in this turn: link_lost changes no host access and has no effects.
    this.runtime.batch(() => {
      for (const s of sessions) this.runtime.applySoon(s.id, { type: 'link_lost', nowMs });
    });
  }

  private summariesFor(peerSystemId: string): SessionStateSummary[] {
    return this.runtime.listShared()
      .filter((s) => s.peerSystemId === peerSystemId)
      .map((s) => ({ id: s.id, role: s.role, generation: s.generation, state: s.state, baseCycle: s.baseCycle, recResumes: s.recResumes, pauseResumes: s.pauseResumes, ...(s.resumePending ? { resuming: true } : {}), ...(isCopySession(s) ? { modes: { transferMode: s.transferMode, splitMode: s.splitMode, recoveryMode: s.recoveryMode } } : {}), ...(s.state === 'System_Paused' && s.errorCode !== null ? { errorCode: s.errorCode, errorAtMs: s.errorAtMs } : {}) }));
  }

  /**
   * Reconciles with the session's peer for its reconcile_peer notice; unanswered, the state machine
   * asks again later while the session still waits for the peer's view (noticeStillDue).
   */
  reconcileFor(s: ReplicationSession, notice: Notice): void {
    if (this.runtime.stopped) return;
    this.reconcileWith(s.peerSystemId).catch(() => this.runtime.noticeUnheard(s.id, notice));
  }

  /**
   * Reconciles again later about a destination (or a promoted orphan, isPromotedOrphan) the peer's
   * summary left out and that summary could not tell about: a young one (once old enough to be an
   * orphan), or one committed after the call went out (the next summary is taken after it).
   */
  private checkAgainLater(sessionId: string, peerSystemId: string): void {
    if (this.laterChecks.has(sessionId)) return;
    this.laterChecks.add(sessionId);
    this.ctx.clock.setTimer(ORPHAN_DESTINATION_AGE_MS + SUSPEND_NOTICE_RETRY_MS, () => {
      this.laterChecks.delete(sessionId);
      const s = this.ctx.meta.get('replication_session', sessionId);
      if (!s || (s.role !== 'Destination' && !isPromotedOrphan(s)) || this.runtime.stopped) return;
      this.askPeer(peerSystemId);
    });
  }

  /**
   * A reconcile of our own, one at a time per peer (the peer's summary left out a destination of
   * ours), again every SUSPEND_NOTICE_RETRY_MS while it fails and the link is not known to be down
   * (a dropped call with the link up has no link return to reconcile after it).
   */
  private askPeer(peerSystemId: string): void {
    if (this.asking.has(peerSystemId) || this.runtime.stopped) return;
    this.asking.add(peerSystemId);
    this.reconcileWith(peerSystemId).then(
      () => this.asking.delete(peerSystemId),
      () => {
        this.asking.delete(peerSystemId);
        if (this.linkUp.get(peerSystemId) !== false) this.ctx.clock.setTimer(SUSPEND_NOTICE_RETRY_MS, () => this.askPeer(peerSystemId));
      },
    );
  }

  /** When the link comes back: agree on roles, drop sessions the peer deleted, catch up. */
  async reconcileWith(peerSystemId: string): Promise<void> {
    // What our records said when the call went out: the peer takes its summary after it gets the
    // call, so it names every session it held then. A destination with a first commit was recorded
    // by its source before (a source cycles only a session it recorded): left out, its source
    // deleted it. One committed later may have been created after (simulation seed 340's bug
    // description, v4): the answer proves nothing about it. Persisted records read once per call,
    // nothing kept beyond it.
    const sentAtMs = this.ctx.clock.nowMs();
    const committed = new Set(this.runtime.listShared().filter((s) => s.peerSystemId === peerSystemId && s.role === 'Destination' && s.baseCycle > 0).map((s) => s.id));
    const answer = await this.runtime.transport.call<unknown>(peerSystemId, RPC.sessionStates, { sessions: this.summariesFor(peerSystemId) }, { timeoutMs: CONTROL_RPC_TIMEOUT_MS });
    await this.applyPeerSummaries(peerSystemId, parseSessionStates(answer.result).sessions, { sentAtMs, committed });
  }

  /**
   * `proof`: what our records said when our call went out (reconcileWith), so what the answer
   * leaves out is known to have been deleted or given up by the peer; null for the peer's own call,
   * whose summary may be older than a session it created here since.
   */
  private async applyPeerSummaries(peerSystemId: string, theirs: SessionStateSummary[], proof: { sentAtMs: number; committed: ReadonlySet<string> } | null): Promise<void> {
    this.deps.synchronous.pathReturned(peerSystemId);
    const theirsById = new Map(theirs.map((r) => [r.id, r]));
    // The plain state changes go into one metadata commit at the end (one per session took seconds).
    const plain: { id: string; event: Extract<SessionEvent, { type: 'peer_summary' }> }[] = [];
    for (const s of this.runtime.listShared().filter((x) => x.peerSystemId === peerSystemId)) {
      const remote = theirsById.get(s.id);
      if (s.state === 'Deleting' && s.role === 'Source') {
        await this.deps.finishDeletion(s.id, remote !== undefined);
        continue;
      }
      if (!remote) {
        if (s.role === 'Destination') await this.leftOut(s, peerSystemId, proof);
        else if (isPromotedOrphan(s)) await this.promotedOrphanLeftOut(s, peerSystemId, proof);
        continue;
      }
      // A REC destination takes its source's modes: a modify the source did not record (it
      // crashed after telling us) left the boxes in two transfer modes (simulation v5 seed 867).
      const m = remote.modes;
      if (m && s.role === 'Destination' && remote.role === 'Source' && remote.generation === s.generation && (m.transferMode !== s.transferMode || m.splitMode !== s.splitMode || m.recoveryMode !== s.recoveryMode)) {
        await this.runtime.apply(s.id, { type: 'modes_set', modes: m });
      }
      // Roles (a newer source demotes us), the end of a halt, a retry: session-machine's peer_summary rows.
      const event = { type: 'peer_summary', role: remote.role, generation: remote.generation, state: remote.state, baseCycle: remote.baseCycle, ...(remote.resuming ? { resuming: true } : {}), ...(remote.recResumes !== undefined ? { recResumes: remote.recResumes } : {}), ...(remote.pauseResumes !== undefined ? { pauseResumes: remote.pauseResumes } : {}), ...(remote.errorCode !== undefined ? { errorCode: remote.errorCode, errorAtMs: remote.errorAtMs ?? null } : {}) } as const;
      if (remote.role === 'Source' && s.role === 'Source' && remote.generation > s.generation) {
        this.runtime.log('demoted: the peer failed over while the link was down', { session: s.id });
        // Host access changes with the role: its own transaction, under the management lock.
        await this.runtime.apply(s.id, event);
      } else plain.push({ id: s.id, event });
    }
    this.runtime.batch(() => {
      for (const { id, event } of plain) this.runtime.applySoon(id, event);
    });
  }

  /**
   * A destination whose create its source never recorded (it crashed, or gave up), failed over
   * here before anything found it an orphan: a Source the peer never had, which no reprotect or
   * cycle can ever reach (simulation v4 seed 502). Once our own call proves the peer does not
   * hold it and it is older than any create in flight, the session goes and its volume stays, an
   * ordinary volume with what hosts wrote to it since the failover.
   */
  private async promotedOrphanLeftOut(s: ReplicationSession, peerSystemId: string, proof: { sentAtMs: number } | null): Promise<void> {
    if (!proof) return this.askPeer(peerSystemId);
    // Too young to tell from a create in flight: asked again once old enough. Nothing asked again
    // before, and with the link up all along nothing else reconciles: it stayed a Source the peer
    // never had until a restart (simulation v5 seed 7529).
    if (proof.sentAtMs - s.createdAtMs <= ORPHAN_DESTINATION_AGE_MS) return this.checkAgainLater(s.id, peerSystemId);
    this.runtime.log('failed-over destination of a create its source never recorded: session removed, volume kept', { session: s.id });
    await this.runtime.exclusive(s.id, () => this.deps.dropSessionLocally(s.id));
  }

  /** A destination of ours the peer's summary left out: deleted by its source, an orphan, or not known yet. */
  private async leftOut(s: ReplicationSession, peerSystemId: string, proof: { sentAtMs: number; committed: ReadonlySet<string> } | null): Promise<void> {
    const oldAtSend = (sentAtMs: number): boolean => s.baseCycle === 0 && sentAtMs - s.createdAtMs > ORPHAN_DESTINATION_AGE_MS;
    if (!proof) {
      // The peer's summary may predate this destination: our own call asks (at once when it looks
      // deleted or orphaned, else once it is old enough).
      if (s.baseCycle > 0 || oldAtSend(this.ctx.clock.nowMs())) this.askPeer(peerSystemId);
      else this.checkAgainLater(s.id, peerSystemId);
      return;
    }
    // Committed when our call went out: its source had recorded it, and dropped it since. Not one
    // without a first commit: its source may not have recorded it yet (createDestination in
    // flight); a link loss made it System_Paused and it was dropped while its source went on
    // (simulation seed 783).
    if (proof.committed.has(s.id) && s.baseCycle > 0) {
      await this.runtime.exclusive(s.id, () => this.deps.dropSessionLocally(s.id));
    } else if (oldAtSend(proof.sentAtMs)) {
      // A create in flight on the source is not known there yet either: only an old one is an orphan.
      this.runtime.log('destination of a create the source gave up on: removed', { session: s.id });
      await this.runtime.exclusive(s.id, () => this.deps.cancelDestination(s.id, peerSystemId)).catch((e: unknown) => this.runtime.log('orphan destination not removed', { session: s.id, error: String(e) }));
    } else {
      // Too young to tell, or committed after the call went out: asked again later. With the link
      // up all along no link return came to ask, and the destination of a create its source
      // crashed in (session.after-remote-destination) stayed for good (simulation seed 3, v4 80 steps).
      this.checkAgainLater(s.id, peerSystemId);
    }
  }
}

/** A Source made by failing over a destination that never had a first commit, in a policy's session (a REC source keeps its record: docs/eternus.md). */
function isPromotedOrphan(s: ReplicationSession): boolean {
  return s.role === 'Source' && s.replicationRuleId !== null && s.baseCycle === 0 && s.generation > 0;
}
