// Property test of the session state machine against a small model (fast-check fc.commands):
// two records of one session, one per system, driven through the machine only. A tiny driver
// plays replication's executor: it carries each effect to the other record (a notice, a role
// hand-over, a cycle) or fails it when the link is down, and feeds results back as events. A notice
// the peer does not hear comes back as notice_unheard; the retry its row arms waits for a Retry
// command (time passing), which steps notice_due. After every command the invariants hold (one
// record: a destination is never host-writable; the pair: never two sources at one generation;
// generations never go down), a refused action changes nothing, and the model says which system
// is the source: with the link up and no notice waiting for its retry, the only one.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { DomainError } from '../errors.ts';
import type { ReplicationSession } from './model.ts';
import { assertPair, assertSession, destinationView, step, type Effect, type Notice, type SessionEvent } from './session-machine.ts';
import { session } from './session-fixture.ts';

type Side = 'a' | 'b';
const other = (side: Side): Side => (side === 'a' ? 'b' : 'a');

class LinkDown extends DomainError {
  constructor() {
    super('PEER_UNREACHABLE', 'link down');
  }
}

/** Two systems' records of one session, and the link between them. */
class Pair {
  recs: Record<Side, ReplicationSession>;
  linkUp = true;
  /** Calls to fail with the link up (a dropped call, a timeout): the link itself stays up. */
  dropCalls = 0;
  nowMs = 0;
  /** Notices whose retry a row armed (retry_notice): a Retry command steps notice_due for each. */
  pendingNotices: { side: Side; notice: Notice }[] = [];
  private depth = 0;

  constructor(transferMode: ReplicationSession['transferMode']) {
    this.recs = {
      a: session({ role: 'Source', hostWritable: true, transferMode, generation: 0, baseCycle: 1 }),
      b: session({ role: 'Destination', hostWritable: false, transferMode, generation: 0, baseCycle: 1 }),
    };
  }

  /** Steps an event on one side and carries out its effects; throws what the operation throws. */
  apply(side: Side, event: SessionEvent): void {
    if (++this.depth > 50) throw new Error('runaway effects');
    try {
      const { session: next, effects } = step(this.recs[side], event);
      this.recs[side] = next;
      for (const effect of effects) {
        try {
          this.run(side, effect);
        } catch (error) {
          if (!(error instanceof DomainError)) throw error;
          this.apply(side, { type: 'failed', during: effect.kind, code: error.code, nowMs: this.nowMs });
          throw error;
        }
      }
    } finally {
      this.depth--;
    }
  }

  private needLink(): void {
    if (!this.linkUp || this.dropped()) throw new LinkDown();
  }

  /** Whether a call reaches the peer now (the link up, the call not dropped). */
  private reaches(): boolean {
    return this.linkUp && !this.dropped();
  }

  private dropped(): boolean {
    if (this.dropCalls === 0) return false;
    this.dropCalls--;
    return true;
  }

  private run(side: Side, effect: Effect): void {
    const me = () => this.recs[side];
    const peer = other(side);
    switch (effect.kind) {
      case 'notify_peer':
        if (this.linkUp) this.apply(peer, { type: 'peer_state', state: effect.state, pausedByUser: me().pausedByUser, generation: me().generation, pauseResumes: me().pauseResumes, ...(effect.error ? { errorCode: effect.error.code, errorAtMs: effect.error.atMs } : {}) });
        return;
      case 'final_cycle':
        return this.cycle(side, true);
      case 'cycle_soon':
        return this.cycle(side, false);
      case 'prepare_peer':
        this.needLink();
        this.apply(peer, { type: 'become_destination', generation: me().generation, prepareForBaseCycle: me().baseCycle });
        return this.apply(side, { type: 'peer_prepared', baseCycle: this.recs[peer].baseCycle });
      case 'hand_over':
        this.needLink();
        this.apply(peer, { type: 'become_source', generation: effect.generation, state: effect.peerState, reprotect: effect.reverse });
        return this.apply(side, { type: 'handed_over', generation: effect.generation, reverse: effect.reverse });
      case 'demote_peer':
        if (!this.reaches()) return this.apply(side, { type: 'notice_unheard', notice: { kind: 'demote_peer', generation: effect.generation, retry: true } });
        try {
          this.apply(peer, { type: 'become_destination', generation: effect.generation, prepareForBaseCycle: null });
        } catch (error) {
          // An answer, even a refusal (a peer at a newer generation took it for stale), ends it (failover.ts demotePeer).
          if (!(error instanceof DomainError)) throw error;
        }
        return;
      case 'tell_peer_state':
      case 'tell_peer_view': {
        const notice: Notice = effect.kind === 'tell_peer_state' ? { kind: 'tell_peer_state', told: effect.told ?? me().state } : effect;
        if (!this.reaches()) return this.apply(side, { type: 'notice_unheard', notice });
        const state = effect.kind === 'tell_peer_state' ? me().state : destinationView(me());
        return this.apply(peer, { type: 'peer_state', state, pausedByUser: me().pausedByUser, generation: me().generation, pauseResumes: me().pauseResumes });
      }
      case 'reconcile_peer':
        if (!this.reaches()) return this.apply(side, { type: 'notice_unheard', notice: effect });
        return this.reconcile();
      case 'retry_notice':
        this.pendingNotices.push({ side, notice: effect.notice });
        return;
      case 'roll_back':
        return this.apply(side, { type: 'rolled_back', baseCycle: effect.baseCycle, elementPairs: effect.elementPairs });
      case 'reprotect_soon':
        try {
          this.apply(side, { type: 'reprotect' });
        } catch (error) {
          if (!(error instanceof DomainError)) throw error;
        }
        return;
      case 'then':
        return this.apply(side, effect.event);
      default:
        return;
    }
  }

  /** One cycle of a source: the destination commits its cut, the source records it. */
  private cycle(side: Side, mustSucceed: boolean): void {
    const s = this.recs[side];
    if (s.role !== 'Source' || !['OK', 'System_Paused', 'Initializing', 'Synchronizing', 'Failing_Over', 'Reprotecting'].includes(s.state)) return;
    if (!this.linkUp || this.dropped()) {
      this.apply(side, { type: 'cycle_failed', code: 'PEER_UNREACHABLE', nowMs: this.nowMs });
      if (mustSucceed) throw new LinkDown();
      return;
    }
    const peer = other(side);
    const cycle = s.baseCycle + 1;
    if (this.recs[peer].role === 'Destination') this.recs[peer] = { ...this.recs[peer], baseCycle: cycle };
    this.apply(side, { type: 'cycle_committed', cycle, elementPairs: s.elementPairs, startMs: this.nowMs, nowMs: this.nowMs, startState: s.state });
  }

  /** The link comes back: each side hears the other's summary (RPC sessionStates). */
  reconcile(): void {
    for (const side of ['a', 'b'] as const) this.apply(side, { type: 'path_returned' });
    const a = this.recs.a;
    const b = this.recs.b;
    this.apply('a', { type: 'peer_summary', role: b.role, generation: b.generation, state: b.state });
    this.apply('b', { type: 'peer_summary', role: a.role, generation: a.generation, state: a.state });
  }

  check(): void {
    assertSession(this.recs.a);
    assertSession(this.recs.b);
    assertPair(this.recs.a, this.recs.b);
  }
}

interface Model {
  /** The system that holds the source role at the highest generation. */
  source: Side;
}

interface Real {
  pair: Pair;
  generations: Record<Side, number>;
}

/** An operator action: refused means nothing changed; accepted, the model moves. */
abstract class Action implements fc.Command<Model, Real> {
  constructor(readonly side: Side) {}
  abstract event(real: Real): SessionEvent;
  abstract accepted(model: Model, real: Real): void;
  check(): boolean {
    return true;
  }
  run(model: Model, real: Real): void {
    const before = structuredClone(real.pair.recs[this.side]);
    const event = this.event(real);
    // Refused by the rules (rules.ts) is what step itself throws, before any effect: the machine is
    // pure, so asking it first changes nothing. An effect's failure after acceptance (the peer
    // refusing a hand-over as stale, its demotion still unheard) may have changed things.
    let refused = false;
    try {
      step(before, event);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      refused = true;
    }
    try {
      real.pair.apply(this.side, event);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      if (refused) assert.deepEqual(real.pair.recs[this.side], before, `${this.toString()} was refused and changed nothing`);
    }
    if (!refused) this.accepted(model, real);
    after(model, real);
  }
  toString(): string {
    return `${this.constructor.name}(${this.side})`;
  }
}

class PlannedFailover extends Action {
  constructor(side: Side, readonly reverse: boolean) {
    super(side);
  }
  event(): SessionEvent {
    return { type: 'failover', planned: true, reverse: this.reverse, force: false, useTestCopy: false, snapshotId: null };
  }
  accepted(model: Model, real: Real): void {
    if (real.pair.recs[this.side].role === 'Destination') model.source = other(this.side);
  }
}

class UnplannedFailover extends Action {
  constructor(side: Side, readonly force: boolean) {
    super(side);
  }
  event(): SessionEvent {
    return { type: 'failover', planned: false, reverse: false, force: this.force, useTestCopy: false, snapshotId: null };
  }
  accepted(model: Model): void {
    model.source = this.side;
  }
}

class Simple extends Action {
  constructor(side: Side, readonly type: 'reprotect' | 'pause' | 'resume' | 'sync' | 'timer_fired' | 'restarted') {
    super(side);
  }
  event(real: Real): SessionEvent {
    return this.type === 'resume' || this.type === 'pause' ? { type: this.type, nowMs: real.pair.nowMs } : { type: this.type };
  }
  accepted(_model: Model, real: Real): void {
    // A restarted system reconnects: the link's return reconciles both sides.
    if (this.type === 'restarted' && real.pair.linkUp) real.pair.reconcile();
  }
  override toString(): string {
    return `${this.type}(${this.side})`;
  }
}

class Link implements fc.Command<Model, Real> {
  constructor(readonly up: boolean) {}
  check(): boolean {
    return true;
  }
  run(model: Model, real: Real): void {
    const wasUp = real.pair.linkUp;
    real.pair.linkUp = this.up;
    if (!this.up && wasUp) for (const side of ['a', 'b'] as const) real.pair.apply(side, { type: 'link_lost', nowMs: real.pair.nowMs });
    if (this.up && !wasUp) real.pair.reconcile();
    after(model, real);
  }
  toString(): string {
    return this.up ? 'linkUp' : 'linkDown';
  }
}

/** Time passes: every notice whose retry was armed is due (notice_due). */
class Retry implements fc.Command<Model, Real> {
  check(): boolean {
    return true;
  }
  run(model: Model, real: Real): void {
    for (const { side, notice } of real.pair.pendingNotices.splice(0)) real.pair.apply(side, { type: 'notice_due', notice });
    after(model, real);
  }
  toString(): string {
    return 'retry';
  }
}

/** The next calls fail while the link stays up. */
class Drop implements fc.Command<Model, Real> {
  constructor(readonly calls: number) {}
  check(): boolean {
    return true;
  }
  run(model: Model, real: Real): void {
    real.pair.dropCalls = this.calls;
    after(model, real);
  }
  toString(): string {
    return `drop(${this.calls})`;
  }
}

/** After every command: the invariants, generations never down, and with the link up the model's source is the only one. */
function after(model: Model, real: Real): void {
  const { pair } = real;
  pair.nowMs += 1000;
  pair.check();
  for (const side of ['a', 'b'] as const) {
    assert.ok(pair.recs[side].generation >= real.generations[side], `generation of ${side} went down`);
    real.generations[side] = pair.recs[side].generation;
  }
  const sources = (['a', 'b'] as const).filter((side) => pair.recs[side].role === 'Source');
  // With the link up, the source takes host writes unless it is handing over right now.
  const source = pair.recs[model.source];
  if (pair.linkUp && source.role === 'Source' && source.state !== 'Failing_Over') assert.ok(source.hostWritable, `the source ${model.source} (${source.state}) is host-writable`);
  // A demotion the peer has not heard yet waits for its retry (or the link's return).
  if (pair.linkUp && pair.pendingNotices.length === 0) assert.deepEqual(sources, [model.source], 'with the link up and no notice waiting, exactly the model\'s source is a source');
  else assert.ok(sources.includes(model.source), 'the model\'s source is a source');
  // The highest-generation source is the model's.
  const top = sources.reduce<Side | null>((best, side) => (best === null || pair.recs[side].generation > pair.recs[best].generation ? side : best), null);
  assert.equal(top, model.source);
}

const side = fc.constantFrom<Side>('a', 'b');
const commands = fc.commands(
  [
    fc.tuple(side, fc.boolean()).map(([s, reverse]) => new PlannedFailover(s, reverse)),
    fc.tuple(side, fc.boolean()).map(([s, force]) => new UnplannedFailover(s, force)),
    fc.tuple(side, fc.constantFrom('reprotect', 'pause', 'resume', 'sync', 'timer_fired', 'restarted' as const)).map(([s, type]) => new Simple(s, type)),
    fc.boolean().map((up) => new Link(up)),
    fc.integer({ min: 1, max: 3 }).map((calls) => new Drop(calls)),
    fc.constant(new Retry()),
  ],
  { maxCommands: 40 },
);

describe('session machine: two systems against a model', () => {
  for (const transferMode of ['Asynchronous', 'Synchronous'] as const) {
    it(`${transferMode}: roles, generations and host access stay right through any sequence`, () => {
      fc.assert(
        fc.property(commands, (cmds) => {
          const real: Real = { pair: new Pair(transferMode), generations: { a: 0, b: 0 } };
          fc.modelRun(() => ({ model: { source: 'a' as Side }, real }), cmds);
        }),
        { numRuns: 300 },
      );
    });
  }
});
