// What the parts of replication share (service.ts wires them: cycles.ts, synchronous.ts,
// rec-actions.ts, protection-sessions.ts, failover.ts, link-state.ts, destination.ts): the session
// records and their one write path (apply for the state machine, record for bookkeeping, create,
// remove), one operation at a time per session, the timers one part sets and another must see,
// and calls to the peer. The parts receive this object instead of reaching into each other's fields.
import type { TimerHandle } from '../core/clock.ts';
import type { CoreContext } from '../core/context.ts';
import { DomainError, NotFoundError } from '../core/errors.ts';
import type { ReplicationSession, SessionState } from '../core/replication/model.ts';
import { assertSession, step, type Effect, type Notice, type SessionEvent } from '../core/replication/session-machine.ts';
import { crashPoint } from '../core/crash-points.ts';
import { CONTROL_RPC_TIMEOUT_MS, SUSPEND_NOTICE_RETRY_MS } from './limits.ts';
import { highestNumber } from './member-copies.ts';
import type { SetStateParams } from './peer-protocol.ts';
import type { PeerTransport } from './transport.ts';
import { RPC } from './wire.ts';

export type Log = (message: string, fields?: Record<string, unknown>) => void;

/** Carries out one kind of effect for a session; a result it answers is stepped as an event. */
export type EffectHandler<K extends Effect['kind']> = (s: ReplicationSession, effect: Extract<Effect, { kind: K }>) => Promise<SessionEvent | void> | SessionEvent | void;
export type EffectHandlers = { [K in Effect['kind']]?: EffectHandler<K> };

export interface ApplyOptions {
  /** Run the effects in the session's turn (after its earlier operations); the record is written now. */
  exclusive?: boolean;
  /** The caller holds the management lock (a change of host access is then written without taking it). */
  lockHeld?: boolean;
  /** Bookkeeping written with the transition, in its record (a cycle's member copies with its opening). */
  record?: Bookkeeping;
  /** Other records written in the same metadata transaction (the volumes a membership change makes). */
  alongside?: () => void;
}

/**
 * What a session record holds that decides nothing (figures shown, copy-session numbering, the
 * time the schedule shows): the one part of a record written without the state machine.
 */
export type Bookkeeping = Partial<Pick<ReplicationSession, (typeof BOOKKEEPING)[number]>>;
const BOOKKEEPING = ['progressPercentage', 'estimatedCompletionMs', 'nextSyncMs', 'memberCopies', 'snapshotWatermark'] as const;

/** What the ReplicationService facade schedules for the parts (service.ts). */
export interface SessionSchedule {
  /**
   * Arms the next cycle of a source session (RPO timer, REC interval, retry of a halted one).
   * `spreadOverdue`: one already due starts at its place in the spread window, not at once
   * (after a restart or a link's return, when many are due together).
   */
  arm(sessionId: string, options?: { spreadOverdue?: boolean }): void;
  /** Arms the next look for host writes of an idle Consistency or Stack source. */
  armIdlePoll(sessionId: string): void;
  /** Queues a cycle behind the session's earlier operations; never rejects. */
  runSoon(sessionId: string): Promise<void>;
  /** Brings the destination up to now, in the caller's turn (the caller holds the session). */
  cycle(sessionId: string): Promise<void>;
  /**
   * When arm() will put the next cycle of a session as it is recorded (null: it has no schedule),
   * so that a cycle records its next_sync time with its commit instead of in a commit of its own.
   */
  nextDueMs(s: ReplicationSession): number | null;
}

export interface SessionRuntime {
  readonly ctx: CoreContext;
  readonly transport: PeerTransport;
  readonly log: Log;
  readonly schedule: SessionSchedule;
  /** Set once by ReplicationService.stop(): nothing new is armed, cycled or retried after it. */
  readonly stopped: boolean;
  /** The armed timer (cycle or idle poll) per session. */
  readonly timers: Map<string, TimerHandle>;
  /** Snapshots of cuts being taken (cycles and checkpoints), not in any session record yet. */
  readonly cycleSnapshots: Set<string>;
  /** What carries out the state machine's effects; each part registers its own kinds. */
  readonly effects: EffectHandlers;

  /**
   * The state machine's way in: steps `event` on the session (core/replication/session-machine),
   * writes the new record (with the host access it implies, in one metadata transaction), then
   * carries out the effects in order, stepping their results. An effect that fails is stepped as
   * `failed` and its error thrown. Answers the record once the effects are done.
   */
  apply(id: string, event: SessionEvent, options?: ApplyOptions): Promise<ReplicationSession>;
  /** apply, for a caller that does not wait: a failure is logged. */
  applySoon(id: string, event: SessionEvent): void;
  /** Writes bookkeeping (nothing the machine decides on) into the record, if it exists; answers it. */
  record(id: string, changes: Bookkeeping): ReplicationSession | undefined;
  /** Records a new session (its facts checked as after a transition), with `alongside`'s records in one metadata transaction. */
  create(s: ReplicationSession, alongside?: () => void): void;
  /** Removes a session's record, with `alongside`'s records in one metadata transaction. */
  remove(id: string, alongside?: () => void): void;
  /** Start-up only: a record an older build wrote, with the facts it lacked filled in. */
  migrate(s: ReplicationSession): void;
  /** Whether the session's running work is to stop (the record's stopRequested, or shutdown). */
  isStopRequested(id: string): boolean;
  /** Settles once isStopRequested turns true; dispose when the work ends first. */
  whenStopRequested(id: string): { stopped: Promise<void>; dispose: () => void };
  /** Puts the volumes' isReplicationDestination right from the record's hostWritable (at start). */
  repairHostAccess(id: string): Promise<void>;

  list(): ReplicationSession[];
  /** Every session record without copying (callers must not mutate): for read-only scans. */
  listShared(): readonly ReplicationSession[];
  /** Runs fn's record writes as one metadata commit; what follows each write runs once the batch commits. */
  batch(fn: () => void): void;
  get(id: string): ReplicationSession;
  /** The session of a local volume, if any (a volume is in at most one session). An index read. */
  sessionOfVolume(volumeId: string): ReplicationSession | undefined;
  /** The Source session of a local volume or group, if any (read-only). An index read. */
  sourceSessionOf(resourceId: string): Readonly<ReplicationSession> | undefined;
  /** The session an RPC from a peer names (params.sessionId); FORBIDDEN unless it pairs with that peer. */
  peerSession(params: { sessionId: string }, fromSystemId: string): ReplicationSession;
  /** Runs fn after every earlier operation on the session: one operation at a time. */
  exclusive<T>(sessionId: string, fn: () => Promise<T>): Promise<T>;
  /** The next free copy session number on this system (ETERNUS copysession_id). */
  allocateNumber(): number;
  call<T>(s: ReplicationSession, method: string, params: unknown): Promise<T>;
  /**
   * The state notice (RPC setState) that tells the peer `state` for session s, with what lets it
   * order the notice against others (generation, pause/resume count, send time); `error` also
   * gives the halt's cause and time.
   */
  stateNotice(s: ReplicationSession, state: SessionState, error?: { code: string; atMs: number }): SetStateParams;
  /** Tells the peer the session's state once (stateNotice). */
  notifyPeer(s: ReplicationSession, state: SessionState, error?: { code: string; atMs: number }): Promise<void>;
  /**
   * Tells the peer a notice once (RPC `method`); unanswered, it answers `notice_unheard`, which an
   * effect handler returns so the state machine arms its retry (session-machine noticeStillDue).
   */
  tellPeer(s: ReplicationSession, notice: Notice, method: string, params: unknown): Promise<SessionEvent | void>;
  /** tellPeer in the background: what follows does not wait for the peer. */
  tellPeerSoon(s: ReplicationSession, notice: Notice, method: string, params: unknown): void;
  /** A notice the peer did not hear, outside an effect's result: the state machine decides its retry. */
  noticeUnheard(id: string, notice: Notice): void;
}

/**
 * The SessionRuntime of one ReplicationService; the service alone stops and drains it. Every
 * write of a session record passes through write() below: apply (the state machine), record
 * (bookkeeping), create, remove and migrate are its only callers.
 */
export class ReplicationRuntime implements SessionRuntime {
  readonly timers = new Map<string, TimerHandle>();
  readonly cycleSnapshots = new Set<string>();
  /** The handlers of the state machine's effects; the families add theirs (service.ts, failover.ts, rec-actions.ts). */
  readonly effects: EffectHandlers = { retry_notice: (s, e) => this.retryNotice(s.id, e.notice) };
  private readonly chains = new Map<string, Promise<unknown>>();
  private numberHighWater: number | null = null;
  private isStopped = false;
  /** Inside batch(): the sessions put, whose afterPut runs once the batch commits. */
  private deferred: Map<string, ReplicationSession> | null = null;
  /** Per session, what waits for its stop (a running cycle's batches in flight: whenStopRequested). */
  private readonly stopWaiters = new Map<string, Set<() => void>>();

  constructor(
    readonly ctx: CoreContext,
    readonly transport: PeerTransport,
    readonly log: Log,
    readonly schedule: SessionSchedule,
    /** Runs after every record written: what follows the records (routes, the REC buffer monitor). */
    private readonly afterPut: (s: ReplicationSession) => void,
  ) {}

  get stopped(): boolean {
    return this.isStopped;
  }

  markStopped(): void {
    this.isStopped = true;
    for (const id of [...this.stopWaiters.keys()]) this.wakeIfStopped(id, null);
  }

  /**
   * Settles once the session's running work is to stop (isStopRequested), at the write of the
   * record that says so; `dispose` forgets the wait (the work ended first). One Set entry per
   * running cycle, nothing per idle session.
   */
  whenStopRequested(id: string): { stopped: Promise<void>; dispose: () => void } {
    if (this.isStopRequested(id)) return { stopped: Promise.resolve(), dispose: () => undefined };
    let wake!: () => void;
    const stopped = new Promise<void>((resolve) => (wake = resolve));
    const waiters = this.stopWaiters.get(id) ?? new Set<() => void>();
    waiters.add(wake);
    this.stopWaiters.set(id, waiters);
    return {
      stopped,
      dispose: () => {
        waiters.delete(wake);
        if (waiters.size === 0 && this.stopWaiters.get(id) === waiters) this.stopWaiters.delete(id);
      },
    };
  }

  /** After a record is written (or removed, `next` null): wakes what waits for its stop. */
  private wakeIfStopped(id: string, next: ReplicationSession | null): void {
    const waiters = this.stopWaiters.get(id);
    if (!waiters || (next !== null && !next.stopRequested && !this.isStopped)) return;
    this.stopWaiters.delete(id);
    for (const wake of waiters) wake();
  }

  /** Settles the operations queued now on every session. */
  async settle(): Promise<void> {
    await Promise.allSettled([...this.chains.values()]);
  }

  /** Resolves when no operation or cycle is queued on any session. */
  async idle(): Promise<void> {
    while (this.chains.size > 0) await Promise.allSettled([...this.chains.values()]);
  }

  /** Whether an operation or cycle is queued on some session. */
  get busy(): boolean {
    return this.chains.size > 0;
  }

  /**
   * Runs fn's record writes as one metadata transaction (one commit for many sessions, as at
   * start-up), and what follows each put (routes, the REC buffer monitor) once per session after
   * it commits, instead of after each put inside the transaction.
   */
  batch(fn: () => void): void {
    if (this.deferred) return fn();
    const deferred = new Map<string, ReplicationSession>();
    this.deferred = deferred;
    try {
      this.ctx.meta.transaction(fn);
    } finally {
      this.deferred = null;
    }
    for (const s of deferred.values()) {
      this.wakeIfStopped(s.id, s);
      this.afterPut(s);
    }
  }

  list(): ReplicationSession[] {
    return this.ctx.meta.list('replication_session');
  }

  listShared(): readonly ReplicationSession[] {
    return this.ctx.meta.listShared('replication_session');
  }

  get(id: string): ReplicationSession {
    const s = this.ctx.meta.get('replication_session', id);
    if (!s) throw new NotFoundError('replication_session', id);
    return s;
  }

  /**
   * The one write of a session record: the record (or its removal, `next` null) and `alongside`'s
   * records in one metadata transaction, then what follows the records once it commits.
   */
  private write(id: string, next: ReplicationSession | null, alongside?: () => void): void {
    const previous = next ? this.ctx.meta.get('replication_session', id) : undefined;
    this.ctx.meta.transaction(() => {
      if (next) this.ctx.meta.put('replication_session', next);
      else this.ctx.meta.delete('replication_session', id);
      alongside?.();
      // A member that joins takes the record's host access: one that joined a source already
      // read-only (a failback's final cycle brought it in) stayed host-writable on what became
      // the destination (simulation seed 271, v4).
      if (next && previous) {
        for (const pair of next.elementPairs) {
          if (previous.elementPairs.some((p) => p.localVolumeId === pair.localVolumeId)) continue;
          const v = this.ctx.meta.get('volume', pair.localVolumeId);
          if (v && v.isReplicationDestination !== !next.hostWritable) this.ctx.meta.put('volume', { ...v, isReplicationDestination: !next.hostWritable });
        }
        // A member that left its group leaves as an ordinary volume: one removed on a source that
        // the peer's failover demoted meanwhile was left flagged a destination of no session
        // (simulation v5 seed 221).
        for (const pair of previous.elementPairs) {
          if (next.elementPairs.some((p) => p.localVolumeId === pair.localVolumeId)) continue;
          const v = this.ctx.meta.get('volume', pair.localVolumeId);
          if (v && v.isReplicationDestination && v.volumeGroupId !== next.localResourceId) this.ctx.meta.put('volume', { ...v, isReplicationDestination: false });
        }
      }
    });
    if (!next) {
      this.deferred?.delete(id);
      this.wakeIfStopped(id, null);
      return;
    }
    if (this.deferred) this.deferred.set(id, next);
    else {
      this.wakeIfStopped(id, next);
      this.afterPut(next);
    }
  }

  record(id: string, changes: Bookkeeping): ReplicationSession | undefined {
    const owned = Object.keys(changes).filter((key) => !(BOOKKEEPING as readonly string[]).includes(key));
    if (owned.length > 0) throw new Error(`${owned.join(', ')} change only through the session state machine (SessionRuntime.apply)`);
    const current = this.ctx.meta.get('replication_session', id);
    if (!current) return undefined;
    const next = { ...current, ...changes };
    this.write(id, next);
    return next;
  }

  create(s: ReplicationSession, alongside?: () => void): void {
    if (this.ctx.meta.getShared('replication_session', s.id)) throw new Error(`replication session ${s.id} exists already`);
    assertSession(s);
    this.write(s.id, s, alongside);
  }

  remove(id: string, alongside?: () => void): void {
    this.write(id, null, alongside);
  }

  migrate(s: ReplicationSession): void {
    this.write(s.id, s);
  }

  isStopRequested(id: string): boolean {
    return this.isStopped || Boolean(this.ctx.meta.getShared('replication_session', id)?.stopRequested);
  }

  apply(id: string, event: SessionEvent, options: ApplyOptions = {}): Promise<ReplicationSession> {
    const lockHeld = options.lockHeld ?? false;
    try {
      // The record is written in the caller's turn and the first effect starts in it, unless host
      // access changes (that write waits for the management lock): a batch() around applies puts
      // their records, and what their first effects write, in its one metadata commit.
      const prev = this.get(id);
      const first = step(prev, event);
      if (first.session.hostWritable === prev.hostWritable) {
        const next = withBookkeeping(first.session, options.record);
        // An event no row took changes nothing: nothing to write.
        if (next !== prev || options.alongside) this.write(id, next, options.alongside);
        return this.continueWith(id, next, first.effects, options);
      }
      return this.recordWithHostAccess(id, event, options).then(({ next, effects }) => this.continueWith(id, next, effects, options));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  applySoon(id: string, event: SessionEvent): void {
    this.apply(id, event).catch((error: unknown) => this.log('session event failed', { session: id, event: event.type, error: String(error) }));
  }

  private continueWith(id: string, last: ReplicationSession, effects: Effect[], options: ApplyOptions): Promise<ReplicationSession> {
    const run = async () => {
      await this.runEffects(id, effects, options.lockHeld ?? false);
      // A session the effects deleted answers as it was last recorded.
      return this.ctx.meta.get('replication_session', id) ?? last;
    };
    return options.exclusive ? this.exclusive(id, run) : run();
  }

  /**
   * A change of host access is written with the volumes' flags in one transaction under the
   * management lock (a management mutation in flight must not write an old copy of a volume
   * back), stepping again from the record as it is then.
   */
  private async recordWithHostAccess(id: string, event: SessionEvent, options: ApplyOptions): Promise<{ next: ReplicationSession; effects: Effect[] }> {
    const stepAndWrite = () => {
      const stepped = step(this.get(id), event);
      const next = withBookkeeping(stepped.session, options.record);
      this.write(id, next, () => {
        for (const pair of next.elementPairs) {
          const v = this.ctx.meta.get('volume', pair.localVolumeId);
          if (v) this.ctx.meta.put('volume', { ...v, isReplicationDestination: !next.hostWritable });
        }
        const g = next.resourceType === 'volume_group' ? this.ctx.meta.get('volume_group', next.localResourceId) : undefined;
        if (g) this.ctx.meta.put('volume_group', { ...g, isReplicationDestination: !next.hostWritable });
        options.alongside?.();
      });
      return { next, effects: stepped.effects };
    };
    const written = options.lockHeld ? stepAndWrite() : await this.ctx.lock.run(stepAndWrite);
    // Host access and role are one write: a crash here finds both (the simulation's crash point).
    if (written.next.hostWritable) crashPoint(this.ctx, 'failover.after-host-access');
    return written;
  }

  async repairHostAccess(id: string): Promise<void> {
    const s = this.get(id);
    const wrong = (flag: boolean | undefined) => flag !== undefined && flag === s.hostWritable;
    const volumes = s.elementPairs.map((p) => this.ctx.meta.get('volume', p.localVolumeId));
    const group = s.resourceType === 'volume_group' ? this.ctx.meta.get('volume_group', s.localResourceId) : undefined;
    if (!volumes.some((v) => wrong(v?.isReplicationDestination)) && !wrong(group?.isReplicationDestination)) return;
    this.log('host access put right from the session record', { session: id, hostWritable: s.hostWritable });
    await this.ctx.lock.run(() =>
      this.ctx.meta.transaction(() => {
        for (const v of volumes) if (v) this.ctx.meta.put('volume', { ...v, isReplicationDestination: !s.hostWritable });
        if (group) this.ctx.meta.put('volume_group', { ...group, isReplicationDestination: !s.hostWritable });
      }),
    );
  }

  private async runEffects(id: string, effects: Effect[], lockHeld: boolean): Promise<void> {
    for (const effect of effects) {
      if (effect.kind === 'then') {
        await this.apply(id, effect.event, { lockHeld });
        continue;
      }
      const handler = this.effects[effect.kind] as EffectHandler<typeof effect.kind> | undefined;
      if (!handler) throw new Error(`no handler for the replication effect ${effect.kind}`);
      let result: SessionEvent | void;
      try {
        result = await handler(this.get(id), effect as never);
      } catch (error) {
        const code = error instanceof DomainError ? error.code : 'INTERNAL';
        if (this.ctx.meta.get('replication_session', id)) await this.apply(id, { type: 'failed', during: effect.kind, code, nowMs: this.ctx.clock.nowMs() }, { lockHeld }).catch(() => undefined);
        throw error;
      }
      if (result) await this.apply(id, result, { lockHeld });
    }
  }

  sessionOfVolume(volumeId: string): ReplicationSession | undefined {
    const found = this.ctx.meta.findShared('sessionByLocalId', volumeId)[0];
    return found ? structuredClone(found) : undefined;
  }

  sourceSessionOf(resourceId: string): Readonly<ReplicationSession> | undefined {
    return this.ctx.meta.findShared('sessionByLocalId', resourceId).find((s) => s.localResourceId === resourceId && s.role === 'Source');
  }

  peerSession(params: { sessionId: string }, fromSystemId: string): ReplicationSession {
    const s = this.get(params.sessionId);
    if (s.peerSystemId !== fromSystemId) throw new DomainError('FORBIDDEN', 'The session belongs to another peer.');
    return s;
  }

  exclusive<T>(sessionId: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.chains.get(sessionId) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(fn);
    this.chains.set(sessionId, next);
    void next.catch(() => undefined).finally(() => {
      if (this.chains.get(sessionId) === next) this.chains.delete(sessionId);
    });
    return next;
  }

  allocateNumber(): number {
    if (this.numberHighWater === null) this.numberHighWater = this.listShared().reduce((max, s) => Math.max(max, highestNumber(s)), -1);
    this.numberHighWater += 1;
    return this.numberHighWater;
  }

  async call<T>(s: ReplicationSession, method: string, params: unknown): Promise<T> {
    return (await this.transport.call<T>(s.peerSystemId, method, params, { timeoutMs: CONTROL_RPC_TIMEOUT_MS })).result;
  }

  stateNotice(s: ReplicationSession, state: SessionState, error?: { code: string; atMs: number }): SetStateParams {
    return { sessionId: s.id, state, generation: s.generation, pausedByUser: s.pausedByUser, pauseResumes: s.pauseResumes, sentAtMs: this.ctx.clock.nowMs(), ...(error ? { errorCode: error.code, errorAtMs: error.atMs } : {}) };
  }

  async notifyPeer(s: ReplicationSession, state: SessionState, error?: { code: string; atMs: number }): Promise<void> {
    await this.transport.call(s.peerSystemId, RPC.setState, this.stateNotice(s, state, error), { timeoutMs: CONTROL_RPC_TIMEOUT_MS }).catch(() => undefined);
  }

  async tellPeer(s: ReplicationSession, notice: Notice, method: string, params: unknown): Promise<SessionEvent | void> {
    try {
      await this.call(s, method, params);
    } catch {
      return { type: 'notice_unheard', notice };
    }
  }

  tellPeerSoon(s: ReplicationSession, notice: Notice, method: string, params: unknown): void {
    void this.tellPeer(s, notice, method, params).then((unheard) => unheard && this.noticeUnheard(s.id, notice));
  }

  noticeUnheard(id: string, notice: Notice): void {
    if (this.stopped || !this.ctx.meta.get('replication_session', id)) return;
    this.applySoon(id, { type: 'notice_unheard', notice });
  }

  /** The retry of a notice still due (session-machine's notice_unheard row): notice_due after SUSPEND_NOTICE_RETRY_MS. */
  private retryNotice(id: string, notice: Notice): void {
    this.ctx.clock.setTimer(SUSPEND_NOTICE_RETRY_MS, () => {
      if (this.stopped || !this.ctx.meta.get('replication_session', id)) return;
      this.applySoon(id, { type: 'notice_due', notice });
    });
  }
}

/** A transition's record with the bookkeeping written along with it. */
function withBookkeeping(s: ReplicationSession, record: Bookkeeping | undefined): ReplicationSession {
  return record && Object.keys(record).length > 0 ? { ...s, ...record } : s;
}
