// Workload v4 of the simulation (simulation.ts): what v3 does, and the rest of the transfer modes
// and operator actions of both dialects:
// - ETERNUS REC sessions in Stack and Through mode besides Consistency; REC modify of the transfer
//   mode (any of Synchronous, Stack, Consistency, Through while suspended, as PATCH
//   /copysession/{id} allows), delete (normal or forced) and re-create between free volumes of
//   either box, and host writes to a suspended destination (which a resume must discard);
// - a PowerStore volume group of two volumes protected by a policy, with members added and
//   removed while it replicates, checked after every step for write-order consistency: whatever
//   the destination holds is the source's cut at one write, across members;
// - policies unassigned (the session is deleted on both sides) and assigned again (a new session,
//   an initial copy), and volumes deleted (refused while protected or in a copy session).
// At quiet points each mode is checked against what docs/eternus.md says it holds: Stack settled
// and active is Equivalent with the destination equal to the source; Through ships nothing, so the
// destination holds the last common cut (or nothing before the first); a suspended session's
// destination holds the common base unless hosts wrote to it; a REC in Synchronous mode mirrors.
import type { TransferMode, ReplicationSession } from '../../src/core/replication/model.ts';
import { isCopySession } from '../../src/core/replication/rules.ts';
import { BLOCK_BYTES } from '../../src/limits.ts';
import type { Rng } from '../helpers/rng.ts';
import type { SimScheduler } from './sim-scheduler.ts';
import type { SimSystem } from './sim-system.ts';

export interface WideContext {
  work: Rng;
  scheduler: SimScheduler;
  a: SimSystem;
  b: SimSystem;
  volumeBytes: number;
  trace: (line: string) => void;
  fail: (what: string) => void;
  act: (name: string, sys: SimSystem, run: () => Promise<unknown>) => void;
  /** Runs virtual time until the promise settles. */
  settle: <T>(promise: Promise<T>) => Promise<T>;
  /** The simulation's models of host-written volumes (`${system}:${volumeId}`): a deleted volume's goes. */
  forgetModel: (key: string) => void;
  /**
   * An action replaces the volume's contents wholesale (v7's restores): until `done`, the checks
   * neither check nor take its model; then it is taken again from what is there.
   */
  replacingContents: (key: string) => { done: () => void };
}

/** What the group's source was written, per member and block: the write numbers (seq) in order. */
interface GroupModel {
  sessionId: string;
  sourceName: string;
  generation: number;
  /** Crashes of the source the history has been brought through (sourceCrashed). */
  crashes: number;
  /** The first write number issued after the model was taken: lower numbers are the starting contents. */
  firstSeq: number;
  history: Map<string, number[][]>;
  valid: boolean;
}

const REC_MODES: readonly TransferMode[] = ['Synchronous', 'Stack', 'Consistency', 'Through'];
/** Volumes the workload creates on one system at most (REC pairs, policy volumes, group members). */
const CREATED_VOLUMES_MAX = 10;

export class WideWorkload {
  private asyncPolicyId = '';
  private syncPolicyId = '';
  private group: GroupModel | null = null;
  /** Write numbers of group writes (every block of one carries it in its first 4 bytes). */
  private seq = 0;
  /** The group write in flight (its number), if any: one at a time. */
  private groupWriteInFlight: number | null = null;
  /** Volumes hosts wrote while their session was suspended or halted (`${system}:${volumeId}`): ahead of the common base until a resume. */
  private readonly touched = new Set<string>();
  /**
   * Source volumes with a host write no committed cut holds yet (`${system}:${volumeId}`), with
   * the base cycle that lacks it: the pending cut's when one was taken before the write.
   */
  private readonly writtenPastBase = new Map<string, number>();
  /** Sessions a host write was mirrored in, with the base it was mirrored past (a checkpoint moves it). */
  private readonly mirroredPastBase = new Map<string, number>();
  private created = new Map<string, number>();

  constructor(private readonly c: WideContext) {
    for (const sys of [c.a, c.b]) sys.crashListeners.push(() => this.sourceCrashed(sys));
  }

  /** What v5 (workload-v5.ts) acts with. */
  get context(): WideContext {
    return this.c;
  }

  private get systems(): SimSystem[] {
    return [this.c.a, this.c.b];
  }

  private other(sys: SimSystem): SimSystem {
    return sys === this.c.a ? this.c.b : this.c.a;
  }

  private remoteSystemId(sys: SimSystem): string {
    return sys.up.meta.list('remote_system')[0]!.id;
  }

  private sessionsOf(sys: SimSystem): ReplicationSession[] {
    return sys.running ? sys.running.replication.list() : [];
  }

  /** REC sessions in Stack and Through mode (site-a to site-b) and a protected volume group of two. */
  async setup(asyncPolicyId: string, syncPolicyId: string): Promise<void> {
    const { a, b, volumeBytes, settle } = this.c;
    this.asyncPolicyId = asyncPolicyId;
    this.syncPolicyId = syncPolicyId;
    for (const mode of ['Stack', 'Through'] as const) {
      const source = await a.up.volumes.create({ name: `rec-${mode.toLowerCase()}`, sizeBytes: volumeBytes });
      const target = await b.up.volumes.create({ name: `rec-${mode.toLowerCase()}-copy`, sizeBytes: volumeBytes });
      await settle(a.up.replication.createRec({ localVolumeId: source.id, remoteSystemId: this.remoteSystemId(a), destinationVolumeNumber: target.number, transferMode: mode, splitMode: 'Manual', recoveryMode: 'Automatic' }));
    }
    const g1 = await a.up.volumes.create({ name: 'grp-1', sizeBytes: volumeBytes });
    const g2 = await a.up.volumes.create({ name: 'grp-2', sizeBytes: volumeBytes });
    await a.up.volumes.create({ name: 'grp-3', sizeBytes: volumeBytes });
    await settle(a.up.groups.create({ name: 'grp', volumeIds: [g1.id, g2.id], isWriteOrderConsistent: true, protectionPolicyId: asyncPolicyId }));
    await this.c.scheduler.runFor(10_000);
    await this.rebuildGroupModel();
  }

  // ---------------------------------------------------------------- host writes to a group

  /**
   * A host write to a member of a group session: every block carries the write's number, so the
   * destination's blocks say which writes it holds. One group write at a time (each completes
   * before the next is issued), so a consistent cut is a prefix of them. Null: skip this write.
   */
  groupWrite(sys: SimSystem, s: ReplicationSession, volumeId: string, atBytes: number, blocks: number, fill: number): { data: Buffer; done: () => void } | null {
    if (this.groupWriteInFlight !== null) return null;
    const seq = ++this.seq;
    const data = Buffer.alloc(blocks * BLOCK_BYTES, fill);
    for (let k = 0; k < blocks; k++) data.writeUInt32BE(seq, k * BLOCK_BYTES);
    const g = this.group;
    if (g?.valid && g.sessionId === s.id && g.sourceName === sys.name) {
      const perBlock = g.history.get(volumeId);
      if (!perBlock) g.valid = false;
      else for (let k = 0; k < blocks; k++) perBlock[atBytes / BLOCK_BYTES + k]!.push(seq);
    }
    this.c.trace(`group write ${seq} to ${volumeId} at block ${atBytes / BLOCK_BYTES} x ${blocks} (model ${g?.valid ? "on" : "off"})`);
    this.groupWriteInFlight = seq;
    return {
      data,
      done: () => {
        if (this.groupWriteInFlight === seq) this.groupWriteInFlight = null;
      },
    };
  }

  /** Where a host write goes: half the time the volume group, if this system is its source. */
  writeTarget(sys: SimSystem, picked: ReplicationSession | undefined): ReplicationSession | undefined {
    if (!this.c.work.chance(0.5)) return picked;
    return this.sessionsOf(sys).find((x) => x.resourceType === 'volume_group' && x.role === 'Source') ?? picked;
  }

  /**
   * A host write to a source volume: while suspended it puts the volume ahead of the common base,
   * and a reverse makes it the destination (which then differs from the base until a resume).
   */
  noteSourceWrite(sys: SimSystem, s: ReplicationSession, volumeId: string): void {
    // Halted, nothing ships either: a forced suspend then a reverse leave the write on what became
    // the destination, ahead of its base until a resume (v5 seed 440).
    if (s.state === 'Suspended' || s.state === 'System_Paused') this.touched.add(`${sys.name}:${volumeId}`);
    this.writtenPastBase.set(`${sys.name}:${volumeId}`, s.pendingCycle ? s.pendingCycle.cycle : s.baseCycle);
    if (s.mirroring) this.mirroredPastBase.set(s.id, s.baseCycle);
  }

  /** After every step: the group's destination holds the source's writes up to one write, on every member. */
  async checkGroup(): Promise<void> {
    const g = this.group;
    if (!g?.valid || this.groupWriteInFlight !== null) return;
    const src = this.systems.find((x) => x.name === g.sourceName)!;
    const dst = this.other(src);
    if (!src.running) return;
    if (src.crashes !== g.crashes) return this.invalidate('the source crashed more often than the model followed');
    const ss = this.sessionsOf(src).find((x) => x.id === g.sessionId);
    if (!ss || ss.role !== 'Source' || ss.generation !== g.generation) return this.invalidate('the source changed');
    if (!dst.running) return;
    const ds = this.sessionsOf(dst).find((x) => x.id === g.sessionId);
    if (!ds || ds.role !== 'Destination' || ds.failoverTest || !['OK', 'Synchronizing', 'System_Paused', 'Paused', 'Initializing'].includes(ds.state)) return;
    if (ss.elementPairs.length !== g.history.size || ss.elementPairs.some((p) => !g.history.has(p.localVolumeId))) return this.invalidate('the members changed');
    const stamps = new Map<string, number[]>();
    let cut = 0;
    for (const p of ss.elementPairs) {
      // The destination may crash while a read is awaited (simulation.ts checkInvariants, v4 seed 3197).
      if (!dst.running || !dst.up.store.hasVolume(p.remoteVolumeId)) return;
      const bytes = await dst.up.store.read(p.remoteVolumeId, 0, this.c.volumeBytes);
      const perBlock: number[] = [];
      for (let k = 0; k < bytes.length / BLOCK_BYTES; k++) perBlock.push(bytes.readUInt32BE(k * BLOCK_BYTES));
      stamps.set(p.localVolumeId, perBlock);
      cut = Math.max(cut, ...perBlock);
    }
    for (const [volumeId, perBlock] of stamps) {
      const history = g.history.get(volumeId)!;
      for (let k = 0; k < perBlock.length; k++) {
        const expected = history[k]!.filter((x) => x <= cut).at(-1) ?? 0;
        if (perBlock[k] !== expected) {
          this.c.fail(`group session ${g.sessionId}: destination ${dst.name} (${ds.state}, base ${ds.baseCycle}) is not a write-order consistent cut: member ${volumeId} block ${k} holds write ${perBlock[k]}, the cut at write ${cut} has ${expected} there`);
          g.valid = false;
          return;
        }
      }
    }
  }

  /**
   * The group's source crashed: the model goes on through it. A crash keeps a prefix of the writes
   * since the last durable point (memory-block-store.ts), and group writes are issued one at a
   * time, so the writes that survived are exactly those numbered up to the highest number left on
   * any member; the others are dropped from the history. Cuts never held them: a snapshot makes
   * every write before it durable. The destination must still be a consistent cut of what the
   * source kept.
   */
  private sourceCrashed(sys: SimSystem): void {
    const g = this.group;
    if (!g?.valid || g.sourceName !== sys.name) return;
    let survivor = g.firstSeq - 1;
    for (const volumeId of g.history.keys()) {
      const words = sys.disk.firstWordsOf(volumeId);
      if (!words) return this.invalidate('a member is gone after the source crashed');
      for (const word of words) if (word >= g.firstSeq && word > survivor) survivor = word;
    }
    let dropped = 0;
    for (const perBlock of g.history.values()) {
      for (let k = 0; k < perBlock.length; k++) {
        const kept = perBlock[k]!.filter((x) => x < g.firstSeq || x <= survivor);
        dropped += perBlock[k]!.length - kept.length;
        perBlock[k] = kept;
      }
    }
    g.crashes = sys.crashes;
    // A write cut short by the crash never finishes: the next group write must not wait for it.
    this.groupWriteInFlight = null;
    this.c.trace(`group model: the source crashed; writes up to ${survivor} survived, ${dropped} block entries of later ones dropped`);
  }

  /** v7 (workload-v7.ts): the group's contents were replaced by a snapshot set's; the write numbers say nothing of them. */
  groupRestored(): void {
    this.invalidate('the group was restored');
  }

  private invalidate(why: string): void {
    if (!this.group?.valid) return;
    this.group.valid = false;
    this.c.trace(`group model dropped: ${why}`);
  }

  /** At a quiet point (source and destination equal): the model starts again from the source's contents. */
  private async rebuildGroupModel(): Promise<void> {
    this.group = null;
    for (const sys of this.systems) {
      const s = this.sessionsOf(sys).find((x) => x.resourceType === 'volume_group' && x.role === 'Source' && x.state === 'OK');
      if (!s) continue;
      const history = new Map<string, number[][]>();
      for (const p of s.elementPairs) {
        const bytes = await sys.up.store.read(p.localVolumeId, 0, this.c.volumeBytes);
        const perBlock: number[][] = [];
        for (let k = 0; k < bytes.length / BLOCK_BYTES; k++) {
          const stamp = bytes.readUInt32BE(k * BLOCK_BYTES);
          perBlock.push(stamp === 0 ? [] : [stamp]);
        }
        history.set(p.localVolumeId, perBlock);
      }
      this.group = { sessionId: s.id, sourceName: sys.name, generation: s.generation, crashes: sys.crashes, firstSeq: this.seq + 1, history, valid: true };
      this.c.trace(`group model taken: session ${s.id} on ${sys.name} gen ${s.generation}, ${history.size} members`);
      return;
    }
  }

  // ---------------------------------------------------------------- actions

  /** Actions of v4 not tied to a picked session. */
  action(sys: SimSystem): void {
    const { work, act } = this.c;
    const choice = work.next();
    const r = sys.up;
    if (choice < 0.17) {
      // REC create between free volumes of either box, in any ETERNUS transfer mode.
      const other = this.other(sys);
      if (!other.running) return;
      const mode = work.pick(REC_MODES);
      const splitMode = mode === 'Synchronous' && work.chance(0.5) ? 'Manual' : mode === 'Synchronous' ? 'Automatic' : 'Manual';
      const source = this.freeVolume(sys, 'rec-');
      const target = this.freeVolume(other, 'rec-');
      act(`rec-create-${mode}`, sys, async () => {
        const s = source ?? (await this.createVolume(sys, 'rec-'));
        const t = target ?? (await this.createVolume(other, 'rec-'));
        if (!s || !t) return;
        await r.replication.createRec({ localVolumeId: s, remoteSystemId: this.remoteSystemId(sys), destinationVolumeNumber: other.up.meta.get('volume', t)!.number, transferMode: mode, splitMode, recoveryMode: 'Automatic' });
      });
    } else if (choice < 0.29) {
      // PowerStore: PATCH /volume/{id} or /volume_group/{id} with protection_policy_id "".
      const protectedHere = this.sessionsOf(sys).filter((s) => s.replicationRuleId !== null && s.role === 'Source');
      if (protectedHere.length === 0) return;
      const s = work.pick(protectedHere);
      if (s.resourceType === 'volume_group') this.invalidate('policy unassigned');
      act('unassign-policy', sys, () => (s.resourceType === 'volume' ? r.volumes.modify(s.localResourceId, { protectionPolicyId: null }) : r.groups.modify(s.localResourceId, { protectionPolicyId: null })));
    } else if (choice < 0.41) {
      // PowerStore: assign a replicating policy (the policies are site-a's) to an unprotected volume or group.
      if (sys !== this.c.a) return;
      const policyId = work.chance(0.7) ? this.asyncPolicyId : this.syncPolicyId;
      const groups = r.meta.list('volume_group').filter((g) => g.type === 'Primary' && !g.protectionPolicyId && !g.isReplicationDestination);
      const volumes = r.meta.list('volume').filter((v) => v.type === 'Primary' && /^(vol|pp)-/.test(v.name) && !v.protectionPolicyId && !v.volumeGroupId && !v.isReplicationDestination && !r.replication.sessionOfVolume(v.id));
      if (groups.length > 0 && work.chance(0.4)) {
        const g = work.pick(groups);
        act('assign-policy-group', sys, () => r.groups.modify(g.id, { protectionPolicyId: policyId }));
      } else if (volumes.length > 0) {
        const v = work.pick(volumes);
        act('assign-policy', sys, () => r.volumes.modify(v.id, { protectionPolicyId: policyId }));
      } else {
        act('create-protected-volume', sys, () => this.createVolume(sys, 'pp-', policyId));
      }
    } else if (choice < 0.53) {
      // PowerStore DELETE /volume/{id} (ETERNUS DELETE /volume/{id} is refused the same way in a copy session).
      const volumes = r.meta.list('volume').filter((v) => v.type === 'Primary' && /^(vol|pp|rec|grp)-/.test(v.name));
      if (volumes.length === 0) return;
      const v = work.pick(volumes);
      act('delete-volume', sys, async () => {
        await r.volumes.delete(v.id);
        this.c.forgetModel(`${sys.name}:${v.id}`);
        // A deleted volume is in no session of this system.
        for (const s of r.replication.list()) if (s.elementPairs.some((p) => p.localVolumeId === v.id)) this.c.fail(`${sys.name} deleted volume ${v.name} is still in session ${s.id} (${s.role} ${s.state})`);
      });
    } else if (choice < 0.68) {
      // PowerStore: POST /volume_group/{id}/add_members, /remove_members of the protected group.
      const group = r.meta.list('volume_group').find((g) => g.type === 'Primary' && g.name === 'grp');
      if (!group) return;
      const members = r.groups.members(group.id);
      if (members.length < 3 && work.chance(0.5)) {
        const free = this.freeVolume(sys, 'grp-');
        this.invalidate('members added');
        act('group-add-member', sys, async () => {
          const id = free ?? (await this.createVolume(sys, 'grp-'));
          if (id) await r.groups.addMembers(group.id, [id]);
        });
      } else if (members.length >= 2) {
        const m = work.pick(members);
        this.invalidate('members removed');
        act('group-remove-member', sys, () => r.groups.removeMembers(group.id, [m.id]));
      }
    } else if (choice < 0.8) {
      // PowerStore: POST /replication_session/{id}/sync of the group's session (a cut of both
      // members that the write-order check then sees on the destination; its RPO cycles are rarer
      // than the steps between quiet points).
      const s = this.sessionsOf(sys).find((x) => x.resourceType === 'volume_group' && x.role === 'Source');
      if (s) act('sync-group', sys, () => r.replication.sync(s.id));
    } else {
      // A host writes to a suspended destination (NBD exports it read-write): a resume discards it.
      const suspended = this.sessionsOf(sys).filter((s) => s.role === 'Destination' && s.state === 'Suspended');
      if (suspended.length === 0) return;
      const s = work.pick(suspended);
      const p = work.pick(s.elementPairs);
      const v = r.meta.get('volume', p.localVolumeId);
      if (!v || !r.replication.isHostWritable(v)) return;
      const blocks = work.int(1, 8);
      const at = work.int(0, this.c.volumeBytes / BLOCK_BYTES - blocks) * BLOCK_BYTES;
      const data = Buffer.alloc(blocks * BLOCK_BYTES, work.int(1, 255));
      data.writeUInt32BE(0xdead0000 + work.int(0, 0xffff), 0);
      this.touched.add(`${sys.name}:${v.id}`);
      act('write-suspended-destination', sys, () => r.io.write(v.id, at, data));
    }
  }

  /** ETERNUS REC actions on a REC session (the copysession routes call these). */
  recAction(sys: SimSystem, s: ReplicationSession): void {
    const { work, act } = this.c;
    const r = sys.up.replication;
    const choice = work.next();
    if (choice < 0.25) act('rec-suspend', sys, async () => (await r.recSuspend(s.id, work.chance(0.5))).completion);
    else if (choice < 0.5) act('rec-resume', sys, () => r.recResume(s.id));
    else if (choice < 0.6) act('rec-reverse', sys, () => r.recReverse(s.id));
    else if (choice < 0.78) {
      const transferMode = work.pick(REC_MODES);
      const change = transferMode === 'Synchronous' && work.chance(0.5) ? { transferMode, splitMode: work.pick(['Automatic', 'Manual'] as const) } : { transferMode };
      act(`rec-modify-${transferMode}`, sys, () => r.recModify(s.id, change));
    } else if (choice < 0.92) act('rec-delete', sys, () => r.recDelete(s.id, work.chance(0.5)));
    else act('failover-unplanned', sys, () => r.failover(s.id, { isPlanned: false, reverse: false, force: false, useTestCopy: false, failoverSnapshotId: null }));
  }

  private freeVolume(sys: SimSystem, prefix: string): string | undefined {
    const r = sys.up;
    const free = r.meta.list('volume').filter((v) => v.type === 'Primary' && v.name.startsWith(prefix) && !v.protectionPolicyId && !v.volumeGroupId && !v.isReplicationDestination && !r.replication.sessionOfVolume(v.id));
    return free.length > 0 ? this.c.work.pick(free).id : undefined;
  }

  private async createVolume(sys: SimSystem, prefix: string, protectionPolicyId?: string): Promise<string | null> {
    const count = this.created.get(sys.name) ?? 0;
    if (count >= CREATED_VOLUMES_MAX) return null;
    this.created.set(sys.name, count + 1);
    const v = await sys.up.volumes.create({ name: `${prefix}${sys.name}-${count}`, sizeBytes: this.c.volumeBytes, ...(protectionPolicyId ? { protectionPolicyId } : {}) });
    return v.id;
  }

  // ---------------------------------------------------------------- quiet points

  /**
   * The sessions of both systems at a quiet point. One side only is a failure, except what the
   * ETERNUS documentation describes: a forced delete on one box while the link was down leaves
   * the partner's record, which a destination box drops once the link returns, and a source box
   * keeps until it is deleted there too, with force (Halt if it was active, Suspend if suspended:
   * the vendor says only that the record stays); the operator does so here.
   */
  async quiet(checkPair: (onA: ReplicationSession, onB: ReplicationSession) => Promise<void>): Promise<void> {
    const { a, b, trace, fail, settle } = this.c;
    // Settled: the group's destination holds a cut the source's cycles made since the last step.
    await this.checkGroup();
    const ids = new Set([...this.sessionsOf(a), ...this.sessionsOf(b)].map((s) => s.id));
    for (const id of ids) {
      const onA = this.sessionsOf(a).find((x) => x.id === id);
      const onB = this.sessionsOf(b).find((x) => x.id === id);
      if (onA && onB) {
        await checkPair(onA, onB);
        continue;
      }
      const [sys, s] = onA ? [a, onA] : [b, onB!];
      if (isCopySession(s) && s.role === 'Source') {
        trace(`quiet: copy session ${id} left behind on ${sys.name} (its partner deleted it by force): deleting it with force`);
        await settle(sys.up.replication.recDelete(id, true)).catch((e: unknown) => fail(`copy session ${id} left on ${sys.name}: forced delete failed: ${String(e)}`));
      } else fail(`session ${id} exists on ${sys.name} only (${s.role} ${s.state} [${s.transferMode}])`);
    }
    // A volume or group flagged as a replication destination belongs to a session of its system.
    for (const sys of this.systems) {
      const inSessions = new Set(this.sessionsOf(sys).flatMap((s) => [s.localResourceId, ...s.elementPairs.map((p) => p.localVolumeId)]));
      for (const v of sys.up.meta.list('volume')) if (v.isReplicationDestination && !inSessions.has(v.id)) fail(`${sys.name} volume ${v.name} is a replication destination of no session`);
      for (const g of sys.up.meta.list('volume_group')) if (g.isReplicationDestination && !inSessions.has(g.id)) fail(`${sys.name} volume group ${g.name} is a replication destination of no session`);
    }
    // After the syncs of the pairs' checks: the last cut, before the model starts again.
    await this.checkGroup();
    await this.rebuildGroupModel();
  }

  /** Whether this REC pair is checked here (modes and states v3 never reaches) rather than by the common quiet check. */
  handles(src: ReplicationSession): boolean {
    return isCopySession(src) && (src.transferMode !== 'Consistency' || src.state === 'Suspended' || src.state === 'Paused');
  }

  /** The states a REC in Through mode may rest in: it ships nothing, so one created in Through never ends its initial copy. */
  steady(s: ReplicationSession): boolean {
    return s.transferMode === 'Through' && s.state === 'Initializing' && s.baseCycle === 0;
  }

  /** A REC pair at a quiet point, by what docs/eternus.md says its mode and state hold. */
  async quietRec(src: SimSystem, dst: SimSystem, srcS: ReplicationSession, dstS: ReplicationSession): Promise<void> {
    const { fail, trace, volumeBytes } = this.c;
    const what = `copy session ${srcS.id} [${srcS.transferMode}] ${srcS.state}/${dstS.state}`;
    // Stopped, the two may disagree on the last cycle: a forced suspend while the destination's
    // commit answer was lost leaves it one ahead ("the destination keeps the last committed
    // cycle"); the resume's rollback settles it. Active and settled, they agree.
    const stopped = srcS.state === 'Suspended' || srcS.state === 'Paused';
    // After an unplanned failover the old source (now the destination) may not have recorded the
    // last commit its destination saw (the commit's answer lost, or the destination redid it at a
    // restart): its pending cut is that cycle, and the reprotect's rollback takes it as the common
    // base (session-machine.ts rollbackPlan). Seeds 20 and 32 (v4, 120 steps).
    const commitUnrecorded = srcS.state === 'Failed_Over' && dstS.pendingCycle?.cycle === srcS.baseCycle;
    if (srcS.baseCycle !== dstS.baseCycle && srcS.state !== 'Initializing' && !stopped && !commitUnrecorded) fail(`${what}: base cycles differ (source ${srcS.baseCycle}, destination ${dstS.baseCycle})`);
    for (const p of srcS.elementPairs) {
      const live = await src.up.store.read(p.localVolumeId, 0, volumeBytes);
      const remote = await dst.up.store.read(p.remoteVolumeId, 0, volumeBytes);
      const base = p.localBaseSnapshotId ? await src.up.store.read(p.localBaseSnapshotId, 0, volumeBytes) : null;
      const dstBaseId = dstS.elementPairs.find((x) => x.localVolumeId === p.remoteVolumeId)?.localBaseSnapshotId ?? null;
      const dstBase = dstBaseId ? await dst.up.store.read(dstBaseId, 0, volumeBytes) : null;
      const differ = (x: Buffer, y: Buffer, label: string) => {
        const at = firstDifference(x, y);
        if (at < 0) return false;
        fail(`${what}: ${label} (first at byte ${at}: step ${x.readUInt32BE(at - (at % BLOCK_BYTES))} vs ${y.readUInt32BE(at - (at % BLOCK_BYTES))})`);
        return true;
      };
      if (srcS.state === 'OK' && srcS.transferMode === 'Stack') {
        // Settled and active: drained, so Equivalent, and the destination equals the source.
        if (src.up.replication.hasBacklog(srcS)) fail(`${what}: still has a backlog after settling (phase Copying, not Equivalent)`);
        if (!differ(live, remote, 'the destination differs from the source after settling')) trace(`quiet: ${what} destination equals the source`);
      } else if (srcS.state === 'OK' && srcS.transferMode === 'Synchronous') {
        if (!differ(live, remote, 'the destination differs from the mirrored source')) trace(`quiet: ${what} destination equals the source`);
      } else if (srcS.state === 'OK' && srcS.transferMode === 'Through') {
        // Nothing ships: the destination holds the last common cut.
        if (base && !differ(base, remote, 'the destination differs from the last common cut')) trace(`quiet: ${what} destination holds the common cut ${srcS.baseCycle}`);
      } else if (srcS.state === 'Initializing' && srcS.transferMode === 'Through') {
        // Created (or rolled back to no base) in Through: the destination was emptied and gets nothing.
        if (!differ(Buffer.alloc(volumeBytes), remote, 'the destination of a session with no common cut is not empty')) trace(`quiet: ${what} destination empty`);
      } else if (srcS.state === 'Suspended' || srcS.state === 'Paused') {
        // Stopped: the destination keeps its last committed cycle (the common base when both
        // agree on it), unless hosts wrote to it while suspended.
        if (this.touched.has(`${dst.name}:${p.remoteVolumeId}`)) trace(`quiet: ${what} destination written by hosts while suspended or halted`);
        // Reversed, the old source is the destination, with the writes its last cycles did not
        // ship (a cycle failed, then a forced suspend): ahead of the base it still has (v5 seed 1530).
        // Every base up to the one recorded lacks the write: a pending cut taken before it whose
        // cycle was then cancelled (a forced suspend) leaves the base before it (v6 seed 940).
        else if ((this.writtenPastBase.get(`${dst.name}:${p.remoteVolumeId}`) ?? -1) >= dstS.baseCycle) trace(`quiet: ${what} destination holds writes made while it was the source, past its base`);
        // A Synchronous session in step mirrors each write to the destination's volume between
        // checkpoints; a forced suspend takes no checkpoint, so the destination holds its last
        // checkpoint and the writes mirrored after it (seed 181: a forced suspend, one mirrored write).
        // The same once modified to another mode while suspended (v5 seed 1230: Synchronous, forced suspend, Through).
        else if (dstBase && (srcS.transferMode === 'Synchronous' || this.mirroredPastBase.get(srcS.id) === dstS.baseCycle) && firstDifference(dstBase, remote) >= 0) trace(`quiet: ${what} destination holds writes mirrored after its last checkpoint${live.equals(remote) ? ', equal to the source' : ''}`);
        else if (dstBase && differ(dstBase, remote, 'the stopped destination differs from its last committed cycle')) continue;
        else if (base && srcS.baseCycle === dstS.baseCycle && !differ(base, remote, 'the stopped destination differs from the common base')) trace(`quiet: ${what} destination holds the common base ${srcS.baseCycle}`);
      } else trace(`quiet: ${what} steady`);
    }
  }

  /** Destination writes are forgotten once their session is not suspended any more (a resume discards them). */
  forgetTouched(sys: SimSystem, s: ReplicationSession): void {
    if (s.state === 'Suspended' || s.state === 'System_Paused') return;
    for (const p of s.elementPairs) this.touched.delete(`${sys.name}:${p.localVolumeId}`);
  }
}

function firstDifference(x: Buffer, y: Buffer): number {
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return i;
  return x.length === y.length ? -1 : Math.min(x.length, y.length);
}
