// The PowerStore role actions: planned failover (and failback), unplanned failover for DR,
// reprotect, the failover test's start and stop, and the peer's side of them (RPC becomeSource,
// becomeDestination). Which action is allowed when is core/replication/rules' call.
import { crashPoint } from '../core/crash-points.ts';
import type { CoreContext } from '../core/context.ts';
import { DomainError, NotFoundError, StateError, ValidationError } from '../core/errors.ts';
import { CONTROL_RPC_TIMEOUT_MS, REVERSE_REPROTECT_ATTEMPTS, SUSPEND_NOTICE_RETRY_MS } from './limits.ts';
import type { ReplicationSession } from '../core/replication/model.ts';
import type { SessionEvent } from '../core/replication/session-machine.ts';
import { checkAction } from '../core/replication/rules.ts';
import type { VolumeService } from '../core/volumes.ts';
import type { DestinationSide } from './destination.ts';
import { parseBecomeDestination, parseBecomeSource } from './peer-protocol.ts';
import type { EffectHandlers, SessionRuntime } from './session-runtime.ts';
import { RPC } from './wire.ts';

import type { FailoverOptions } from '../core/replication/commands.ts';
export type { FailoverOptions };

/** The old source is told of an unplanned failover if it answers within this; else it learns at reconcile. */
const UNPLANNED_DEMOTE_TIMEOUT_MS = 5_000;

/** What the role actions need besides the runtime. */
export interface FailoverActionsDeps {
  volumes: VolumeService;
  /** The destination side of this system: a role change ends its open cycle. */
  destination: Pick<DestinationSide, 'abort' | 'recordEngineSizes'>;
  /** Runs fn while mirrored writes to the session wait (synchronous.ts): a failover test moves where they land. */
  holdMirroredWrites<T>(sessionId: string, fn: () => Promise<T>): Promise<T>;
}

export class FailoverActions {
  private readonly ctx: CoreContext;

  constructor(
    private readonly runtime: SessionRuntime,
    private readonly deps: FailoverActionsDeps,
  ) {
    this.ctx = runtime.ctx;
  }

  /**
   * The peer's side of a role change, and the effects of the role family: what failover,
   * failback and reprotect do is core/replication/session-machine's table; these carry it out.
   */
  installRpc(): void {
    this.runtime.transport.handle(RPC.becomeSource, async ({ params, fromSystemId }) => {
      const p = parseBecomeSource(params);
      this.runtime.peerSession(p, fromSystemId);
      await this.runtime.apply(p.sessionId, { type: 'become_source', generation: p.generation, state: p.state, reprotect: p.reprotect });
      return { result: {} };
    });
    this.runtime.transport.handle(RPC.becomeDestination, async ({ params, fromSystemId }) => {
      const p = parseBecomeDestination(params);
      this.runtime.peerSession(p, fromSystemId);
      const s = await this.runtime.apply(p.sessionId, { type: 'become_destination', generation: p.generation, prepareForBaseCycle: p.prepareForBaseCycle, ...(p.sourceBaseCycle !== undefined ? { sourceBaseCycle: p.sourceBaseCycle } : {}) });
      return { result: { baseCycle: s.baseCycle } };
    });
    this.installTestEffects();
    const { runtime, ctx } = this;
    Object.assign(runtime.effects, {
      prepare_peer: async (s) => {
        // The peer becomes the destination rolled back to our base (or emptied for a full copy).
        const prepared = await runtime.call<{ baseCycle: number }>(s, RPC.becomeDestination, { sessionId: s.id, generation: s.generation, prepareForBaseCycle: s.baseCycle });
        return { type: 'peer_prepared', baseCycle: prepared.baseCycle };
      },
      hand_over: async (s, e) => {
        // The peer becomes the source only while this side still hands over: whatever took the
        // session out of Failing_Over since (it is still Source here) ends the failover instead
        // of leaving two sources.
        if (s.state !== 'Failing_Over') throw new StateError(`Replication session ${s.id} is ${s.state}, no longer failing over; the failover did not complete. Try it again.`, 'replication_session', s.id);
        await runtime.call(s, RPC.becomeSource, { sessionId: s.id, generation: e.generation, state: e.peerState, reprotect: e.reverse });
        crashPoint(ctx, 'failover.after-peer-promoted');
        return { type: 'handed_over', generation: e.generation, reverse: e.reverse };
      },
      demote_peer: (s, e) => {
        if (!e.retry) crashPoint(ctx, 'failover.after-local-role');
        return this.demotePeer(s, e);
      },
      discard_test_copy: async (s) => {
        // use_test_copy: the test data becomes production; the shadow replica is dropped.
        for (const shadow of Object.values(s.failoverTest?.shadowVolumeIds ?? {})) await ctx.store.deleteVolume(shadow).catch(() => undefined);
      },
      restore_snapshot: async (_, e) => {
        const snap = this.deps.volumes.get(e.snapshotId);
        await ctx.store.restoreVolume(snap.sourceId!, snap.id);
      },
      roll_back: async (_, e) => {
        for (const [volumeId, snapshotId] of Object.entries(e.restoreFrom)) {
          if (snapshotId) await ctx.store.restoreVolume(volumeId, snapshotId);
          // Emptied for a full copy, durably before rolled_back records it (as a REC destination's
          // emptying at create: simulation v5 seed 5275).
          else await ctx.store.trim(volumeId, 0, ctx.store.sizeBytes(volumeId), { fua: true });
        }
        return { type: 'rolled_back', baseCycle: e.baseCycle, elementPairs: e.elementPairs, ...(e.recResume ? { recResume: true } : {}) };
      },
      reprotect_soon: (s) => {
        ctx.clock.immediate(() => this.reverseReprotect(s.id, s.generation, 1));
      },
    } satisfies EffectHandlers);
  }

  /**
   * Tells the old source it lost the role. Unanswered, the state machine tells it again while this
   * side is still the source of that generation (noticeStillDue): with the link up no reconcile
   * comes, and an old source that does not cycle (Suspended, Paused, Failed_Over) never asks, so
   * both stayed Source (simulation seed 534). An answer, even a refusal, ends it.
   */
  private async demotePeer(s: ReplicationSession, e: { generation: number; retry?: boolean }): Promise<SessionEvent | void> {
    try {
      // Our base: the old source's pending cut, if that is it, was committed here (session-machine adoptCommittedCut).
      await this.runtime.transport.call(s.peerSystemId, RPC.becomeDestination, { sessionId: s.id, generation: e.generation, prepareForBaseCycle: null, sourceBaseCycle: s.baseCycle }, { timeoutMs: e.retry ? CONTROL_RPC_TIMEOUT_MS : UNPLANNED_DEMOTE_TIMEOUT_MS });
    } catch (error) {
      if (error instanceof DomainError && error.code !== 'PEER_UNREACHABLE') return;
      if (!e.retry) this.runtime.log('old source unreachable during unplanned failover; told again until it hears (or it learns at reconcile)', { session: s.id });
      return { type: 'notice_unheard', notice: { kind: 'demote_peer', generation: e.generation, retry: true } };
    }
  }

  /** Planned failover (and failback), or unplanned failover for DR: session-machine's rows of `failover`. */
  async failover(id: string, options: FailoverOptions): Promise<void> {
    const s = this.runtime.get(id);
    if (options.isPlanned) {
      if (options.force || options.useTestCopy || options.failoverSnapshotId) {
        throw new ValidationError('force, use_test_copy and failover_snapshot_id apply to unplanned failover only.', 'is_planned');
      }
    } else {
      if (options.reverse) throw new ValidationError('reverse applies to planned failover only.', 'reverse');
      checkAction(s, 'failover_unplanned', { force: options.force, useTestCopy: options.useTestCopy });
      if (options.failoverSnapshotId) {
        if (s.failoverTest) throw new ValidationError('failover_snapshot_id is not allowed while a failover test runs.', 'failover_snapshot_id');
        const snap = this.ctx.meta.get('volume', options.failoverSnapshotId);
        if (!snap || snap.type !== 'Snapshot' || !s.elementPairs.some((p) => p.localVolumeId === snap.sourceId)) throw new NotFoundError('volume', options.failoverSnapshotId);
      }
    }
    const event = { type: 'failover', planned: options.isPlanned, reverse: options.reverse, force: options.force, useTestCopy: options.useTestCopy, snapshotId: options.failoverSnapshotId } as const;
    await this.runtime.apply(id, event, { exclusive: true });
  }

  async reprotect(id: string): Promise<void> {
    await this.runtime.apply(id, { type: 'reprotect' }, { exclusive: true });
  }

  /**
   * The reprotect a failover with `reverse` asked for. The operator asked once and was answered
   * (the failover is done), so a peer that does not answer is asked again, as long as the session
   * still waits for it (Source, Failed_Over, the failover's generation): one dropped call left it
   * Failed_Over on both sides, unprotected, where the operator expected replication the other way
   * (a lab drill with a 5% drop fault).
   */
  private reverseReprotect(id: string, generation: number, attempt: number): void {
    this.reprotect(id).catch((error: unknown) => {
      this.runtime.log('reverse reprotect failed', { session: id, attempt, error: String(error) });
      const s = this.ctx.meta.get('replication_session', id);
      const waits = s !== undefined && s.role === 'Source' && s.state === 'Failed_Over' && s.generation === generation;
      if (!waits || this.runtime.stopped || attempt >= REVERSE_REPROTECT_ATTEMPTS) return;
      if (!(error instanceof DomainError) || error.code !== 'PEER_UNREACHABLE') return;
      this.ctx.clock.setTimer(SUSPEND_NOTICE_RETRY_MS, () => this.reverseReprotect(id, generation, attempt + 1));
    });
  }

  async startFailoverTest(id: string, snapshotId: string | null): Promise<void> {
    const s = this.runtime.get(id);
    checkAction(s, 'start_failover_test');
    // Checked before anything is made (the shadows of a refused test used to be left behind).
    if (snapshotId) {
      const snap = this.ctx.meta.get('volume', snapshotId);
      if (!snap || snap.type !== 'Snapshot' || !s.elementPairs.some((p) => p.localVolumeId === snap.sourceId)) throw new NotFoundError('volume', snapshotId);
    }
    await this.runtime.apply(id, { type: 'start_failover_test', snapshotId }, { exclusive: true });
  }

  /** Ends the test: hosts' test writes go, the volumes get the shadows' content. Answers the end-of-test snapshot's id. */
  async stopFailoverTest(id: string, createEndOfTestSnapshot: boolean): Promise<string | null> {
    checkAction(this.runtime.get(id), 'stop_failover_test');
    return this.runtime.exclusive(id, async () => {
      const current = this.runtime.get(id);
      let snapshotId: string | null = null;
      if (createEndOfTestSnapshot && current.elementPairs[0]) {
        await this.deps.destination.abort(id);
        const stamp = new Date(this.ctx.clock.nowMs()).toISOString().replace(/[-:.]/g, '');
        const snap = await this.ctx.lock.run(() =>
          this.deps.volumes.snapshotLocked(current.elementPairs[0]!.localVolumeId, { name: `failover_test_STOPPED_${stamp}`, creatorType: 'System' }, { allowDestination: true }),
        );
        snapshotId = snap.id;
      }
      await this.runtime.apply(id, { type: 'stop_failover_test' });
      return snapshotId;
    });
  }

  /**
   * The failover test's effects: make the shadows, and give the volumes their content back. A
   * synchronous destination keeps taking mirrored writes during the test, into the shadows: the
   * shadows are made and the test recorded (and at the end, the volumes restored and the end
   * recorded) while mirrored writes to the session wait, so that none lands on the wrong side.
   */
  private installTestEffects(): void {
    const { runtime, ctx } = this;
    Object.assign(runtime.effects, {
      make_test_copy: (s, e) =>
        this.deps.holdMirroredWrites(s.id, async () => {
          const shadows: Record<string, string> = {};
          for (const pair of s.elementPairs) {
            const shadowId = ctx.ids.uuid();
            await ctx.store.snapshotVolume(pair.localVolumeId, shadowId);
            shadows[pair.localVolumeId] = shadowId;
          }
          if (e.snapshotId) {
            const snap = this.deps.volumes.get(e.snapshotId);
            await ctx.store.restoreVolume(snap.sourceId!, snap.id);
          }
          await runtime.apply(s.id, { type: 'test_started', shadowVolumeIds: shadows, startedAtMs: ctx.clock.nowMs() });
        }),
      end_test_copy: async (s) => {
        const shadows = Object.entries(s.failoverTest?.shadowVolumeIds ?? {});
        await this.deps.holdMirroredWrites(s.id, async () => {
          for (const [volumeId, shadowId] of shadows) await ctx.store.restoreVolume(volumeId, shadowId);
          // The volume takes its shadow's size, smaller if the source shrank meanwhile (restored to
          // a snapshot taken before it grew), and its record with it.
          await runtime.apply(s.id, { type: 'test_stopped' }, { alongside: () => this.deps.destination.recordEngineSizes(s) });
        });
        // Dropped once the record no longer names them (a crash before leaves the test running).
        for (const [volumeId, shadowId] of shadows) {
          await ctx.store.deleteVolume(shadowId).catch(() => undefined);
          const v = ctx.meta.get('volume', volumeId);
          if (v) ctx.listeners.volumeExportChanged(v, v.name);
        }
      },
    } satisfies EffectHandlers);
  }
}
