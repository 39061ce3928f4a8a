// The ETERNUS REC actions (research/eternus-api.md §2): create a copy session between two
// existing volumes (and its destination side), suspend, resume with its rollback, reverse, modify
// the modes, delete, and the halt for REC buffer overload. A suspend or resume issued on the
// destination box is passed on to the source box; reverse, modify and delete act on both boxes.
import { crashPoint } from '../core/crash-points.ts';
import type { CoreContext } from '../core/context.ts';
import { DomainError, NotFoundError, StateError, ValidationError } from '../core/errors.ts';
import type { Volume } from '../core/model.ts';
import { newSession, type RecoveryMode, type ReplicationSession, type SplitMode, type TransferMode } from '../core/replication/model.ts';
import { checkRecAction, nextRecModes, OperationInProgressError, type RecModes } from '../core/replication/rules.ts';
import type { VolumeService } from '../core/volumes.ts';
import type { DestinationSide } from './destination.ts';
import { tellPeerToDrop } from './peer-drop-notice.ts';
import { remoteSystemOfCaller } from './remote-systems.ts';
import { parseRecCreateDestination, parseRecReverse, parseRecRollback, parseRecSetModes, parseRecSuspend, parseSessionParams } from './peer-protocol.ts';
import type { EffectHandlers, SessionRuntime } from './session-runtime.ts';
import { RPC, type RecCreateDestinationParams, type RecCreateDestinationResult } from './wire.ts';

import type { RecCreateSpec } from '../core/replication/commands.ts';
export type { RecCreateSpec };

/** What the REC actions need of the ReplicationService besides the runtime. */
export interface RecActionsDeps {
  volumes: VolumeService;
  /** The destination side of this system: a suspend notice ends its open cycle. */
  destination: DestinationSide;
  /** Whether the source holds changes the destination does not have yet (SourceCycles). */
  hasBacklog(s: ReplicationSession): boolean;
  /** Whether a volume's protection policy replicates it (its replication is PowerStore's, not a REC). */
  replicatedByPolicy(volume: Volume): boolean;
  /** A PowerStore resume: a REC resume of a paused session is one. */
  resume(id: string): Promise<void>;
  /** Removes a session record and its internal snapshots. */
  dropSessionLocally(id: string): Promise<void>;
  /** Derives the host-I/O routes again (synchronous.ts). */
  refreshRoutes(): void;
}

export class RecActions {
  /** Local volumes being paired by a REC create in flight. */
  private readonly pairing = new Set<string>();
  /** Sessions whose reverse this box issued and is asking the peer to record (recReverse). */
  private readonly reversing = new Set<string>();
  /** Forced deletes whose peer did not confirm: told to drop its record once ours is gone (drop_locally). */
  private readonly unconfirmedDeletes = new Set<string>();
  private readonly ctx: CoreContext;

  constructor(
    private readonly runtime: SessionRuntime,
    private readonly deps: RecActionsDeps,
  ) {
    this.ctx = runtime.ctx;
  }

  isSuspending(id: string): boolean {
    return Boolean(this.ctx.meta.getShared('replication_session', id)?.suspendPending);
  }

  /** The handlers of the REC calls from the peer, and the REC effects of the state machine. */
  installRpc(): void {
    const { runtime, ctx } = this;
    runtime.transport.handle(RPC.recCreateDestination, async ({ params, fromSystemId }) => ({ result: await this.recCreateDestination(parseRecCreateDestination(params), fromSystemId) }));
    runtime.transport.handle(RPC.recSuspend, async ({ params, fromSystemId }) => {
      const p = parseRecSuspend(params);
      const s = runtime.peerSession(p, fromSystemId);
      void (await this.recSuspend(s.id, p.force)).completion.catch(() => undefined);
      return { result: {} };
    });
    runtime.transport.handle(RPC.recSuspended, async ({ params, fromSystemId }) => {
      await runtime.apply(runtime.peerSession(parseSessionParams(params), fromSystemId).id, { type: 'peer_suspended' });
      return { result: {} };
    });
    runtime.transport.handle(RPC.recResume, async ({ params, fromSystemId }) => {
      await this.recResume(runtime.peerSession(parseSessionParams(params), fromSystemId).id);
      return { result: {} };
    });
    runtime.transport.handle(RPC.recRollback, async ({ params, fromSystemId }) => {
      const p = parseRecRollback(params);
      const s = await runtime.apply(runtime.peerSession(p, fromSystemId).id, { type: 'rec_roll_back', baseCycle: p.baseCycle, ...(p.recResumes !== undefined ? { recResumes: p.recResumes } : {}) });
      return { result: { baseCycle: s.baseCycle } };
    });
    runtime.transport.handle(RPC.recReverse, async ({ params, fromSystemId }) => {
      const p = parseRecReverse(params);
      const session = runtime.peerSession(p, fromSystemId);
      const id = session.id;
      // Reverses issued on both boxes at once: each box's turn waits for its own call to the
      // other, so neither waits for the other's turn (a deadlock until both calls time out); both
      // are refused and nothing changes.
      if (this.reversing.has(id)) throw new OperationInProgressError(session);
      // In the session's turn: a reverse issued on the destination box while a resume it forwarded
      // here waited for its rollback reversed this box mid-resume; the destination, rolled back
      // and active, then refused its own half, and both boxes were Destination for good
      // (simulation seed 1150, v3). After the resume this box is not Suspended and refuses it.
      const s = await runtime.exclusive(id, () => this.reverseLocally(id, p.generation, p.role, p.baseCycle));
      // The issuer records the same generation (ours may have been ahead of it), and learns our base.
      return { result: { generation: s.generation, baseCycle: s.baseCycle } };
    });
    runtime.transport.handle(RPC.recSetModes, async ({ params, fromSystemId }) => {
      const p = parseRecSetModes(params);
      await runtime.apply(runtime.peerSession(p, fromSystemId).id, { type: 'modes_set', modes: p.modes });
      return { result: {} };
    });
    Object.assign(runtime.effects, {
      tell_peer_suspended: async (s, e) => {
        try {
          await runtime.call(s, RPC.recSuspended, { sessionId: s.id });
          crashPoint(ctx, 'rec.after-peer-suspended');
        } catch (error) {
          // Forced suspend goes through without the peer, which learns the Suspend state when it
          // hears the retried notice or when the link returns (applyPeerSummaries).
          if (!e.retry) throw error;
          runtime.log('peer not told of the suspend; told again until it hears', { session: s.id, error: String(error) });
          return { type: 'notice_unheard', notice: e };
        }
      },
      roll_back_peer: async (s, e) => {
        if (!e.queued) {
          const rolled = await runtime.call<{ baseCycle: number }>(s, RPC.recRollback, { sessionId: s.id, baseCycle: s.baseCycle, recResumes: s.recResumes });
          return { type: 'peer_rolled_back', baseCycle: rolled.baseCycle };
        }
        // Behind a cycle in flight (its commit would move the base the rollback names), and its
        // result recorded in the same turn, before the next cycle.
        await runtime.exclusive(s.id, async () => {
          const current = runtime.get(s.id);
          if (current.role !== 'Source' || current.state !== 'System_Paused' || current.generation !== s.generation) return;
          const rolled = await runtime.call<{ baseCycle: number }>(current, RPC.recRollback, { sessionId: s.id, baseCycle: current.baseCycle, recResumes: current.recResumes });
          await runtime.apply(s.id, { type: 'peer_rolled_back', baseCycle: rolled.baseCycle });
        });
      },
      set_peer_modes: (s, e) => runtime.call(s, RPC.recSetModes, { sessionId: s.id, modes: e.modes }),
      delete_on_peer: async (s, e) => {
        try {
          await runtime.call(s, RPC.deleteSession, { sessionId: s.id });
        } catch (error) {
          if (!e.force) throw error;
          runtime.log('peer did not confirm copy session deletion', { session: s.id, error: String(error) });
          // A destination box drops its record once it hears; told until it does, as a forced
          // suspend is: the link may have come back before this call failed, and then no link
          // return would ever tell it (simulation: forced-delete-left-on-destination). Told once
          // our record is gone: told while it was still here (the drop waited for the management
          // lock), the notice took itself for moot and stopped (simulation v6 seed 635).
          if (s.role === 'Source') this.unconfirmedDeletes.add(s.id);
        }
      },
      drop_locally: async (s) => {
        await this.deps.dropSessionLocally(s.id);
        if (this.unconfirmedDeletes.delete(s.id)) tellPeerToDrop(this.ctx, runtime, s.peerSystemId, s.id);
      },
    } satisfies EffectHandlers);
  }

  /**
   * Creates a REC session from a local source volume to an existing volume of the peer (research
   * §2.4). Everything is checked on both systems before anything changes; the destination volume
   * is emptied (the initial copy overwrites all of it), becomes a read-only destination, and the
   * initial copy runs in the background.
   */
  async createRec(spec: RecCreateSpec): Promise<ReplicationSession> {
    const rs = this.ctx.meta.get('remote_system', spec.remoteSystemId);
    if (!rs) throw new NotFoundError('remote_system', spec.remoteSystemId);
    const volume = this.deps.volumes.get(spec.localVolumeId);
    if (volume.type === 'Snapshot') throw new ValidationError(`Volume ${volume.number} is a snapshot; a REC pairs standard volumes.`, 'source_volume_id');
    if (volume.isReplicationDestination) throw new DomainError('READ_ONLY', `Volume ${volume.number} is a replication destination.`, { kind: 'volume', id: volume.id });
    if (this.runtime.sessionOfVolume(volume.id) || this.pairing.has(volume.id)) throw new DomainError('IN_USE', `Volume ${volume.number} is already in a copy session.`, { kind: 'volume', id: volume.id });
    if (volume.volumeGroupId) throw new DomainError('IN_USE', `Volume ${volume.number} is a volume group member; its group is replicated as a whole.`, { kind: 'volume', id: volume.id });
    if (this.deps.replicatedByPolicy(volume)) {
      throw new DomainError('IN_USE', `Volume ${volume.number} is replicated by its protection policy.`, { kind: 'volume', id: volume.id });
    }
    if (spec.transferMode === 'Asynchronous') throw new ValidationError(`transfer_mode ${spec.transferMode} is not available for REC here.`, 'transfer_mode');
    this.pairing.add(volume.id);
    try {
      const sessionId = this.ctx.ids.uuid();
      const number = this.runtime.allocateNumber();
      const created = await this.runtime.call<RecCreateDestinationResult>({ peerSystemId: rs.peerSystemId } as ReplicationSession, RPC.recCreateDestination, {
        sessionId,
        number,
        source: { volumeId: volume.id, number: volume.number, name: volume.name, sizeBytes: volume.sizeBytes },
        destinationVolumeNumber: spec.destinationVolumeNumber,
        transferMode: spec.transferMode,
        splitMode: spec.splitMode,
        recoveryMode: spec.recoveryMode,
      } satisfies RecCreateDestinationParams).catch((error: unknown) => {
        // No answer: the destination box may have made its side; it is told to let it go.
        if (error instanceof DomainError && error.code === 'PEER_UNREACHABLE') tellPeerToDrop(this.ctx, this.runtime, rs.peerSystemId, sessionId);
        throw error;
      });
      const nowMs = this.ctx.clock.nowMs();
      const session: ReplicationSession = {
        ...this.recRecord(sessionId, 'Source', spec, rs.id, rs.peerSystemId, nowMs),
        localResourceId: volume.id,
        remoteResourceId: created.volumeId,
        number,
        remoteNumber: created.number,
        remoteVolume: { number: spec.destinationVolumeNumber, name: created.volumeName },
        elementPairs: [{ localVolumeId: volume.id, remoteVolumeId: created.volumeId, localBaseSnapshotId: null }],
        nextSyncMs: nowMs,
        progressPercentage: 0,
        snapshotWatermark: this.deps.volumes.highestNumber(),
      };
      this.runtime.create(session);
      this.ctx.clock.immediate(() => void this.runtime.schedule.runSoon(sessionId));
      return session;
    } finally {
      this.pairing.delete(volume.id);
    }
  }

  /** Whether a REC create in flight pairs the volume (on this box, its source or its destination). */
  isPairing(volumeId: string): boolean {
    return this.pairing.has(volumeId);
  }

  private recRecord(id: string, role: 'Source' | 'Destination', modes: RecModes, remoteSystemId: string, peerSystemId: string, nowMs: number): ReplicationSession {
    return newSession({
      id,
      role,
      resourceType: 'volume',
      localResourceId: '',
      remoteResourceId: '',
      remoteSystemId,
      peerSystemId,
      replicationRuleId: null,
      transferMode: modes.transferMode,
      splitMode: modes.splitMode,
      recoveryMode: modes.recoveryMode,
      number: -1,
      remoteNumber: null,
      remoteVolume: null,
      errorAtMs: null,
      rpoSeconds: 0,
      elementPairs: [],
      createdAtMs: nowMs,
    });
  }

  /** Destination box: checks the existing volume, empties it and records the session. */
  private async recCreateDestination(p: RecCreateDestinationParams, fromSystemId: string): Promise<RecCreateDestinationResult> {
    const rs = remoteSystemOfCaller(this.ctx, fromSystemId);
    return this.ctx.lock.run(async () => {
      const existing = this.ctx.meta.get('replication_session', p.sessionId);
      if (existing) return { number: existing.number, volumeId: existing.localResourceId, volumeName: this.ctx.meta.get('volume', existing.localResourceId)?.name ?? '' };
      const volume = this.ctx.meta.findShared('volumeByNumber', String(p.destinationVolumeNumber))[0];
      if (!volume) throw new DomainError('NOT_FOUND', `destination_volume_id ${p.destinationVolumeNumber} does not exist on the remote box`, { kind: 'volume', field: 'destination_volume_id' });
      if (volume.type === 'Snapshot') throw new ValidationError(`destination volume ${volume.number} is a snapshot; a REC pairs standard volumes`, 'destination_volume_id');
      if (volume.sizeBytes < p.source.sizeBytes) {
        throw new DomainError('NO_SPACE', `destination volume ${volume.number} (${volume.sizeBytes} bytes) is smaller than source volume ${p.source.number} (${p.source.sizeBytes} bytes)`, { kind: 'volume', id: volume.id, field: 'destination_volume_id' });
      }
      if (volume.isReplicationDestination || this.runtime.sessionOfVolume(volume.id) || this.pairing.has(volume.id)) {
        throw new DomainError('IN_USE', `destination volume ${volume.number} is already in a copy session`, { kind: 'volume', id: volume.id });
      }
      if (volume.protectionPolicyId || volume.volumeGroupId) throw new DomainError('IN_USE', `destination volume ${volume.number} has a protection policy or is a group member`, { kind: 'volume', id: volume.id });
      if (this.ctx.meta.list('host_volume_mapping').some((m) => m.volumeId === volume.id)) {
        throw new DomainError('IN_USE', `destination volume ${volume.number} is attached to a host`, { kind: 'volume', id: volume.id });
      }
      // The initial copy overwrites the whole destination: what the source never wrote reads as zeros.
      // Durable before the record is: a crash that lost the trim left the old bytes wherever the
      // source never wrote, and the initial copy ships only what it wrote (simulation v5 seed 5275).
      await this.ctx.store.trim(volume.id, 0, this.ctx.store.sizeBytes(volume.id), { fua: true });
      const session: ReplicationSession = {
        ...this.recRecord(p.sessionId, 'Destination', { transferMode: p.transferMode as TransferMode, splitMode: p.splitMode as SplitMode, recoveryMode: p.recoveryMode as RecoveryMode }, rs.id, fromSystemId, this.ctx.clock.nowMs()),
        localResourceId: volume.id,
        remoteResourceId: p.source.volumeId,
        number: this.runtime.allocateNumber(),
        remoteNumber: p.number,
        remoteVolume: { number: p.source.number, name: p.source.name },
        elementPairs: [{ localVolumeId: volume.id, remoteVolumeId: p.source.volumeId, localBaseSnapshotId: null }],
      };
      this.runtime.create(session, () => this.ctx.meta.put('volume', { ...volume, isReplicationDestination: true }));
      this.ctx.listeners.volumeExportChanged(volume, volume.name);
      return { number: session.number, volumeId: volume.id, volumeName: volume.name };
    });
  }

  /**
   * Suspends a REC session (research §2.6). Normal: waits for the Equivalent phase, ships a last
   * cycle so the destination holds everything written before the suspend, then both sides stop
   * and the destination becomes usable. Forced: stops at once; the destination keeps the last
   * committed cycle. Issued on the destination box, the source box runs it. Answers once the
   * request is accepted; `completion` settles when the suspend is done. The steps are
   * session-machine's rows of rec_suspend.
   */
  async recSuspend(id: string, force: boolean): Promise<{ completion: Promise<void> }> {
    const s = this.runtime.get(id);
    checkRecAction(s, 'suspend', { force, backlog: this.deps.hasBacklog(s) });
    if (s.suspendPending) throw new OperationInProgressError(s);
    if (s.role === 'Destination') {
      await this.runtime.call(s, RPC.recSuspend, { sessionId: id, force });
      return { completion: Promise.resolve() };
    }
    const completion = this.runtime.apply(id, { type: 'rec_suspend', force, backlog: this.deps.hasBacklog(s) }, { exclusive: true }).then((after) => {
      // A buffer-overload halt that came first skipped the final cycle: the session stays halted.
      if (after.state !== 'Suspended') throw new StateError(`Copy session ${s.number} halted for REC buffer overload before its last cycle; suspend it with is_forced.`, 'replication_session', id);
    });
    return { completion };
  }

  /**
   * Resumes a suspended session (research §2.7): the destination is rolled back to the common base
   * (its writes while suspended are lost), then the source's changes since the base are shipped.
   * Returns once transfer has restarted; the copy runs in the background.
   */
  async recResume(id: string): Promise<void> {
    const s = this.runtime.get(id);
    checkRecAction(s, 'resume');
    if (s.state === 'Paused') return this.deps.resume(id);
    if (s.role === 'Destination') return void (await this.runtime.call(s, RPC.recResume, { sessionId: id }));
    // No answer to the rollback: the failed row of roll_back_peer asks the peer's view.
    await this.runtime.apply(id, { type: 'rec_resume' }, { exclusive: true });
  }

  /** Reverses a suspended session (research §2.8): the next resume copies the other way. */
  async recReverse(id: string): Promise<void> {
    const s = this.runtime.get(id);
    checkRecAction(s, 'reverse');
    await this.runtime.exclusive(id, async () => {
      const current = this.runtime.get(id);
      const generation = current.generation + 1;
      // The peer takes our role and we the other: named, not flipped, so that a reverse after one a
      // crash cut short (both sides Destination) does not make two sources (simulation seed 155).
      this.reversing.add(id);
      const answer = await this.runtime
        .call<{ generation?: number; baseCycle?: number }>(s, RPC.recReverse, { sessionId: id, generation, role: current.role, baseCycle: current.baseCycle })
        .catch((error: unknown) => {
          // No answer: the peer may have reversed (its answer lost) while this box did not, both
          // boxes Destination with the link up and nothing to reconcile them (simulation seed 635).
          // The peer's view decides (peer_summary: two destinations, the older becomes the source).
          if (error instanceof DomainError && error.code === 'PEER_UNREACHABLE') this.runtime.applySoon(id, { type: 'notice_due', notice: { kind: 'reconcile_peer', until: 'suspended' } });
          throw error;
        })
        .finally(() => this.reversing.delete(id));
      crashPoint(this.ctx, 'rec.after-peer-reversed');
      const peerBaseCycle = typeof answer?.baseCycle === 'number' ? answer.baseCycle : undefined;
      await this.reverseLocally(id, Math.max(generation, answer?.generation ?? generation), current.role === 'Source' ? 'Destination' : 'Source', peerBaseCycle);
    });
  }

  private reverseLocally(id: string, generation: number, role?: 'Source' | 'Destination', peerBaseCycle?: number): Promise<ReplicationSession> {
    return this.runtime.apply(id, { type: 'rec_reverse', generation, snapshotWatermark: this.deps.volumes.highestNumber(), ...(role ? { role } : {}), ...(peerBaseCycle !== undefined ? { peerBaseCycle } : {}) });
  }

  /** Changes the modes of a suspended session on both systems (research §2.5, seed 003). */
  async recModify(id: string, change: Partial<RecModes>): Promise<RecModes> {
    const s = this.runtime.get(id);
    checkRecAction(s, 'modify');
    const modes = nextRecModes({ transferMode: s.transferMode, splitMode: s.splitMode, recoveryMode: s.recoveryMode }, change);
    await this.runtime.apply(id, { type: 'rec_modify', modes }, { exclusive: true });
    return modes;
  }

  /**
   * Deletes a REC session on both systems (research §2.9); the volumes stay as ordinary volumes.
   * Forced, it goes even when the peer cannot be told (the peer keeps its record until it is
   * deleted there too, as the vendor describes).
   */
  async recDelete(id: string, force: boolean): Promise<void> {
    const s = this.runtime.get(id);
    await this.runtime.apply(id, { type: 'rec_delete', force, backlog: this.deps.hasBacklog(s) }, { exclusive: true });
  }

  /**
   * REC buffer overload (rec-buffer-monitor.ts): the session halts, stops cycling and keeps
   * tracking changes against its common base. Recovery mode does not apply: it is about copy
   * paths coming back, and here no path failed, so an operator frees the session with a forced
   * suspend and a resume, which ships only the differences. A running cycle is cancelled (its cut
   * is not committed); the halt is recorded after it, in the session's turn.
   */
  haltForBufferOverload(id: string, overloadedSinceMs: number): void {
    const s = this.ctx.meta.get('replication_session', id);
    if (!s || s.haltPending || this.runtime.stopped) return;
    this.runtime.log('copy session halted: REC buffer overload', { session: id, number: s.number, overloadedSinceMs });
    // The halt occurs now (error_ocurrence_time), even if the cancelled cycle takes a moment to stop.
    this.runtime.applySoon(id, { type: 'buffer_overload', atMs: this.ctx.clock.nowMs() });
  }
}
