// The destination side of a session: creates the destination resources, applies each cycle into
// staging copies and commits them atomically as the new common base. The open cycle and its
// staging are in the session record (openCycle), written before the staging is made, so a restart
// drops exactly what a crash left open; a commit is first written as a redo record
// (pendingCommit), so a crash in the middle is finished at the next start.
import { crashPoint } from '../core/crash-points.ts';
import { NAME_CHARS_MAX } from '../limits.ts';
import type { CoreContext } from '../core/context.ts';
import { DomainError, NotFoundError, StateError } from '../core/errors.ts';
import type { Policy, ReplicationRule, Volume } from '../core/model.ts';
import { newSession, type MemberCopy, type ReplicationSession } from '../core/replication/model.ts';
import type { Membership, SessionEvent } from '../core/replication/session-machine.ts';
import type { VolumeService } from '../core/volumes.ts';
import { learnFromSource, numberedMembers } from './member-copies.ts';
import { parseCreateDestination, parseCycleBegin, parseCycleCommit, parseCycleExtents, parseMembers, parseSessionParams } from './peer-protocol.ts';
import { remoteSystemOfCaller } from './remote-systems.ts';
import type { PeerTransport } from './transport.ts';
import { RPC, type ReplicatedSnapshot, type CreateDestinationParams, type CreateDestinationResult, type CycleBeginParams, type CycleBeginResult, type CycleExtentsParams, type MembersParams, type MemberResult, type MemberSpec } from './wire.ts';

export type { ReplicatedSnapshot } from './wire.ts';

/** What a membership change makes on this side: the session's new membership, and the volume records to write with it. */
interface Followed {
  membership: Membership;
  /** Writes the new members' volume records and frees the removed ones, in the session record's transaction. */
  alongside: () => void;
  pairs: { sourceVolumeId: string; remoteVolumeId: string }[];
  /** Deletes the engine volumes made for new members: the membership was not recorded. */
  undo: () => Promise<void>;
}

export class DestinationSide {
  constructor(
    private readonly ctx: CoreContext,
    private readonly volumes: VolumeService,
    transport: PeerTransport,
    private readonly hooks: {
      replicaTarget(session: ReplicationSession, volumeId: string): string;
      onCommitted(session: ReplicationSession): void;
      allocateNumber(): number;
      /** Records a new session (SessionRuntime.create), inside the caller's metadata transaction. */
      create(session: ReplicationSession): void;
      /** Deletes a session record (SessionRuntime.remove), `alongside` in its metadata transaction. */
      remove(id: string, alongside?: () => void): void;
      /** A session record was deleted here (what follows the records: routes). */
      dropped(session: ReplicationSession): void;
      /**
       * The state machine's way in (SessionRuntime.apply); the caller may hold the management lock;
       * `alongside` writes other records in the session record's metadata transaction.
       */
      apply(id: string, event: SessionEvent, options: { lockHeld: boolean; alongside?: () => void }): Promise<ReplicationSession>;
    },
  ) {
    transport.handle(RPC.createDestination, async ({ params, fromSystemId }) => ({ result: await this.createDestination(parseCreateDestination(params), fromSystemId) }));
    transport.handle(RPC.cancelDestination, async ({ params, fromSystemId }) => {
      await this.cancelDestination(parseSessionParams(params).sessionId, fromSystemId);
      return { result: {} };
    });
    transport.handle(RPC.cycleBegin, async ({ params, fromSystemId }) => ({ result: await this.begin(parseCycleBegin(params), fromSystemId) }));
    // Every write of the batch is awaited before the answer, so its buffer is free once answered.
    transport.handle(RPC.cycleExtents, async ({ params, payload }) => {
      await this.applyExtents(parseCycleExtents(params), payload);
      return { result: {} };
    }, { payloadFreeOnAnswer: true });
    transport.handle(RPC.cycleCommit, async ({ params }) => {
      const p = parseCycleCommit(params);
      await this.commit(p.sessionId, p.cycle, p.syncedAtMs, p.snapshot, p.durationMs);
      return { result: {} };
    });
    transport.handle(RPC.members, async ({ params, fromSystemId }) => ({ result: await this.followMembers(parseMembers(params), fromSystemId) }));
    transport.handle(RPC.cycleAbort, async ({ params }) => {
      await this.abort(parseSessionParams(params).sessionId);
      return { result: {} };
    });
  }

  private session(id: string): ReplicationSession {
    const session = this.ctx.meta.get('replication_session', id);
    if (!session) throw new NotFoundError('replication_session', id);
    return session;
  }


  async createDestination(p: CreateDestinationParams, fromSystemId: string): Promise<CreateDestinationResult> {
    const rs = remoteSystemOfCaller(this.ctx, fromSystemId);
    return this.ctx.lock.run(async () => {
      const existing = this.ctx.meta.get('replication_session', p.sessionId);
      if (existing) return this.created(existing);
      const nowMs = this.ctx.clock.nowMs();
      // Validate every name first: a conflict must leave nothing behind on either system.
      for (const m of p.members) this.checkDestinationName(m.name);
      if (p.resourceType === 'volume_group' && this.ctx.meta.list('volume_group').some((g) => g.name.toLowerCase() === p.resourceName.toLowerCase())) {
        throw new DomainError('NAME_IN_USE', `The destination system already has a volume group named ${p.resourceName}.`, { kind: 'volume_group', arguments: [p.resourceName] });
      }
      const replicaPolicy = this.replicaProtection(p, rs.id);
      const groupId = p.resourceType === 'volume_group' ? this.ctx.ids.uuid() : null;
      const created: Volume[] = p.members.map((m) =>
        this.volumes.newVolume({ name: m.name, sizeBytes: m.sizeBytes, type: 'Primary', isReplicationDestination: true, volumeGroupId: groupId, protectionPolicyId: groupId ? null : (replicaPolicy?.policy.id ?? null) }),
      );
      for (const v of created) await this.ctx.store.createVolume(v.id, v.sizeBytes);
      const session = newSession({
        id: p.sessionId,
        role: 'Destination',
        resourceType: p.resourceType,
        localResourceId: groupId ?? created[0]!.id,
        remoteResourceId: p.sourceResourceId,
        remoteSystemId: rs.id,
        peerSystemId: fromSystemId,
        replicationRuleId: replicaPolicy?.rule.id ?? null,
        transferMode: p.transferMode as ReplicationSession['transferMode'],
        splitMode: 'Manual',
        recoveryMode: 'Automatic',
        number: this.hooks.allocateNumber(),
        remoteNumber: p.number ?? null,
        remoteVolume: p.resourceType === 'volume' && p.members[0]?.number !== undefined ? { number: p.members[0].number, name: p.members[0].name } : null,
        rpoSeconds: p.rpoSeconds,
        elementPairs: created.map((v, i) => ({ localVolumeId: v.id, remoteVolumeId: p.members[i]!.sourceVolumeId, localBaseSnapshotId: null })),
        ...(groupId ? { memberCopies: this.memberCopies(undefined, created.map((v, i) => ({ localVolumeId: v.id, spec: p.members[i]! }))) } : {}),
        createdAtMs: nowMs,
      });
      await this.volumes.commitOrUndo(
        created.map((v) => v.id),
        () => {
          if (replicaPolicy) {
            this.ctx.meta.put('replication_rule', replicaPolicy.rule);
            this.ctx.meta.put('policy', replicaPolicy.policy);
          }
          if (groupId) {
            this.ctx.meta.put('volume_group', {
              id: groupId,
              name: p.resourceName,
              description: null,
              type: 'Primary',
              createdAtMs: nowMs,
              isWriteOrderConsistent: p.groupIsWriteOrderConsistent,
              protectionPolicyId: replicaPolicy?.policy.id ?? null,
              sourceId: null,
              familyId: groupId,
              sourceTimestampMs: null,
              creatorType: 'System',
              createdByRuleId: null,
              createdByRuleName: null,
              expirationTimestampMs: null,
              isReplicationDestination: true,
            });
          }
          for (const v of created) this.ctx.meta.put('volume', v);
          this.hooks.create(session);
        },
      );
      return this.created(session);
    });
  }

  /**
   * The source's create failed after this side made the destination (createDestination): the
   * session, its volumes and its group go, as if it had never been made. Only a destination that
   * never received a cycle: one with data is the source's to delete. Nothing to do when there is none.
   */
  async cancelDestination(sessionId: string, fromSystemId: string): Promise<void> {
    await this.ctx.lock.run(async () => {
      const s = this.ctx.meta.get('replication_session', sessionId);
      if (!s) return;
      if (s.peerSystemId !== fromSystemId) throw new DomainError('FORBIDDEN', 'The session belongs to another peer.');
      if (s.role !== 'Destination' || s.baseCycle !== 0 || s.pendingCommit || s.openCycle) {
        throw new StateError(`Replication session ${sessionId} has started copying; it is deleted, not cancelled.`, 'replication_session', sessionId);
      }
      const volumeIds = s.elementPairs.map((p) => p.localVolumeId);
      this.hooks.remove(s.id, () => {
        for (const id of volumeIds) this.ctx.meta.delete('volume', id);
        if (s.resourceType === 'volume_group') this.ctx.meta.delete('volume_group', s.localResourceId);
      });
      this.hooks.dropped(s);
      for (const id of volumeIds) await this.ctx.store.deleteVolume(id).catch(() => undefined);
    });
  }

  private created(session: ReplicationSession): CreateDestinationResult {
    return {
      remoteResourceId: session.localResourceId,
      number: session.number,
      members: session.elementPairs.map((e) => this.memberResult(session, e.remoteVolumeId, e.localVolumeId)),
    };
  }

  /** What the source learns about one member on this side. */
  private memberResult(session: ReplicationSession, sourceVolumeId: string, localVolumeId: string): MemberResult {
    const v = this.ctx.meta.get('volume', localVolumeId);
    const copyNumber = session.memberCopies?.[localVolumeId]?.number;
    return { sourceVolumeId, remoteVolumeId: localVolumeId, ...(v ? { remoteVolumeNumber: v.number, remoteVolumeName: v.name } : {}), ...(copyNumber !== undefined ? { copyNumber } : {}) };
  }

  /** A group's member copies after the source named its members (`members`: this side's volume and the source's spec). */
  private memberCopies(existing: ReplicationSession['memberCopies'], members: { localVolumeId: string; spec: MemberSpec }[]): Record<string, MemberCopy> {
    const numbered = numberedMembers(existing, members.map((m) => m.localVolumeId), () => this.hooks.allocateNumber());
    for (const m of members) numbered[m.localVolumeId] = learnFromSource(numbered[m.localVolumeId]!, m.spec);
    return numbered;
  }

  /** Opens a cycle: staging copies of the replica target for every member, sizes carried over. */
  async begin(p: CycleBeginParams, fromSystemId: string): Promise<CycleBeginResult> {
    const session = this.session(p.sessionId);
    if (session.peerSystemId !== fromSystemId) throw new DomainError('FORBIDDEN', 'The session belongs to another peer.');
    if (session.role !== 'Destination') throw new StateError(`Replication session ${session.id} is not a destination here.`, 'replication_session', session.id);
    // Suspended, hosts may write here: a cycle would mix their writes with the source's changes.
    // Only a resume (which rolls this side back to the base first) ships again.
    if (session.state === 'Suspended') throw new StateError(`Copy session ${session.number} is suspended here; resume it first.`, 'replication_session', session.id);
    if (session.baseCycle !== p.baseCycle) return { ok: false, destinationBaseCycle: session.baseCycle, members: [] };
    const { current, members, staging } = await this.ctx.lock.run(async () => {
      const followed = await this.followSource(session, p);
      const stagingIds = Object.fromEntries(followed.pairs.map((pair) => [pair.remoteVolumeId, this.ctx.ids.uuid()]));
      // The cycle and its staging are recorded before the staging is made (a cycle still open
      // ends: its staging goes), so that a restart drops what a crash left: session-machine's cycle_begun.
      const begun = await this.applyFollowed(followed, () => this.hooks.apply(session.id, { type: 'cycle_begun', cycle: p.cycle, stagingIds, ...followed.membership }, { lockHeld: true, alongside: followed.alongside }));
      const staging = followed.pairs.map((pair) => ({ ...pair, stagingId: stagingIds[pair.remoteVolumeId]! }));
      return { current: begun, staging, members: followed.pairs.map((r) => this.memberResult(begun, r.sourceVolumeId, r.remoteVolumeId)) };
    });
    for (const pair of staging) {
      // Synchronous: the volume (or, during a failover test, its shadow) may hold mirrored writes
      // past the common base, and even a write the source never completed (it crashed, or a trim
      // after it was not mirrored). The source ships diff(base, cut), so staging starts from this
      // side's base, not from the volume.
      const base = current.elementPairs.find((e) => e.localVolumeId === pair.remoteVolumeId)?.localBaseSnapshotId ?? null;
      const fromBase = current.transferMode === 'Synchronous' && base !== null && this.ctx.store.hasVolume(base);
      await this.ctx.store.snapshotVolume(fromBase ? base : this.hooks.replicaTarget(session, pair.remoteVolumeId), pair.stagingId);
      // The replica takes the cut's size: a base taken before the volume grew in step is smaller
      // than what the source ships now, and a volume this side grew while it was the source,
      // after the last common cut, is larger (its growth is discarded with its writes by the
      // reprotect that made it the destination; simulation v5 seed 219).
      const sizeBytes = p.members.find((m) => m.sourceVolumeId === pair.sourceVolumeId)?.sizeBytes ?? 0;
      if (sizeBytes > 0 && this.ctx.store.sizeBytes(pair.stagingId) !== sizeBytes) await this.ctx.store.resizeVolume(pair.stagingId, sizeBytes);
    }
    crashPoint(this.ctx, 'destination.after-cycle-begun');
    return { ok: true, destinationBaseCycle: session.baseCycle, members };
  }

  /**
   * The source's group membership changed between cycles: new members get destination volumes
   * (shipped whole by the next cycle), removed ones leave the group as ordinary volumes.
   */
  async followMembers(p: MembersParams, fromSystemId: string): Promise<MemberResult[]> {
    const session = this.session(p.sessionId);
    if (session.peerSystemId !== fromSystemId) throw new DomainError('FORBIDDEN', 'The session belongs to another peer.');
    if (session.role !== 'Destination') throw new StateError(`Replication session ${session.id} is not a destination here.`, 'replication_session', session.id);
    return this.ctx.lock.run(async () => {
      const followed = await this.followSource(session, p);
      const updated = await this.applyFollowed(followed, () => this.hooks.apply(session.id, { type: 'members_changed', ...followed.membership }, { lockHeld: true, alongside: followed.alongside }));
      return followed.pairs.map((r) => this.memberResult(updated, r.sourceVolumeId, r.remoteVolumeId));
    });
  }

  async applyExtents(p: CycleExtentsParams, payload: Buffer | null): Promise<void> {
    const open = this.ctx.meta.getShared('replication_session', p.sessionId)?.openCycle;
    if (!open || open.cycle !== p.cycle) throw new StateError(`No open cycle ${p.cycle} for replication session ${p.sessionId}.`, 'replication_session', p.sessionId);
    const stagingId = open.stagingIds[p.remoteVolumeId];
    if (!stagingId) throw new NotFoundError('volume', p.remoteVolumeId);
    let cursor = 0;
    const writes: Promise<void>[] = [];
    for (const extent of p.extents) {
      if (extent.kind === 'data') {
        if (!payload || cursor + extent.lengthBytes > payload.length) throw new DomainError('VALIDATION_FAILED', 'Extent payload is shorter than its extents.');
        writes.push(this.ctx.store.write(stagingId, extent.offsetBytes, payload.subarray(cursor, cursor + extent.lengthBytes)));
        cursor += extent.lengthBytes;
      } else {
        writes.push(this.ctx.store.trim(stagingId, extent.offsetBytes, extent.lengthBytes));
      }
    }
    await Promise.all(writes);
  }

  /** Makes the staging copies the new content and the new common base, all members at once. */
  /** `durationMs`: how long the source's cycle took, so that both views show the same last_sync_duration. */
  async commit(sessionId: string, cycle: number, syncedAtMs: number, snapshot: ReplicatedSnapshot | null = null, durationMs: number | null = null): Promise<void> {
    const noOpenCycle = () => new StateError(`No open cycle ${cycle} for replication session ${sessionId}.`, 'replication_session', sessionId);
    if (this.ctx.meta.getShared('replication_session', sessionId)?.openCycle?.cycle !== cycle) throw noOpenCycle();
    await this.ctx.store.flush();
    await this.ctx.lock.run(async () => {
      // The open cycle's staging becomes the commit to redo, in one record (session-machine's commit_begins).
      const begun = await this.hooks.apply(sessionId, { type: 'commit_begins', cycle }, { lockHeld: true });
      if (begun.pendingCommit?.cycle !== cycle) throw noOpenCycle();
      crashPoint(this.ctx, 'destination.after-pending-commit');
      await this.finishCommit(sessionId, syncedAtMs, durationMs, true);
      if (snapshot) await this.takeReplicatedSnapshot(this.session(sessionId), snapshot);
      crashPoint(this.ctx, 'destination.after-commit');
    });
  }

  /**
   * A snapshot a synchronous source took in step, writes held: the destination volume holds the
   * same bytes now, so its snapshot is the replica.
   */
  async snapshotInStep(sessionId: string, snapshot: ReplicatedSnapshot): Promise<void> {
    await this.ctx.lock.run(() => this.takeReplicatedSnapshot(this.session(sessionId), snapshot));
  }

  /** The destination's copy of a source snapshot: same name (suffixed if taken), same times. */
  private async takeReplicatedSnapshot(session: ReplicationSession, snapshot: ReplicatedSnapshot): Promise<void> {
    const pair = session.elementPairs[0];
    if (!pair) return;
    const taken = (name: string) => this.volumes.isNameTaken(name);
    const name = taken(snapshot.name) ? `${snapshot.name}.replica` : snapshot.name;
    if (taken(name)) return;
    const dest = this.ctx.meta.get('volume', pair.localVolumeId);
    if (!dest) return;
    const snap = this.volumes.newVolume({
      name,
      sizeBytes: dest.sizeBytes,
      type: 'Snapshot',
      description: snapshot.description,
      sourceId: dest.id,
      familyId: dest.familyId,
      sourceTimestampMs: snapshot.sourceTimestampMs,
      creatorType: snapshot.creatorType,
      createdByRuleName: snapshot.createdByRuleName,
      expirationTimestampMs: snapshot.expirationTimestampMs,
      sectorSizeBytes: dest.sectorSizeBytes,
    });
    await this.ctx.store.snapshotVolume(this.hooks.replicaTarget(session, dest.id), snap.id);
    await this.volumes.commitOrUndo([snap.id], () => this.ctx.meta.put('volume', snap));
  }

  /** Applies a recorded commit (idempotent); also run at start-up for a commit cut by a crash. */
  async finishCommit(sessionId: string, syncedAtMs: number | null, durationMs: number | null = null, lockHeld = false): Promise<void> {
    const session = this.session(sessionId);
    const pending = session.pendingCommit;
    if (!pending) return;
    const oldBases: string[] = [];
    for (const pair of session.elementPairs) {
      const stagingId = pending.stagingIds[pair.localVolumeId];
      if (!stagingId) continue;
      await this.ctx.store.restoreVolume(this.hooks.replicaTarget(session, pair.localVolumeId), stagingId);
      if (pair.localBaseSnapshotId && pair.localBaseSnapshotId !== stagingId) oldBases.push(pair.localBaseSnapshotId);
    }
    const elementPairs = session.elementPairs.map((p) => ({ ...p, localBaseSnapshotId: pending.stagingIds[p.localVolumeId] ?? p.localBaseSnapshotId }));
    this.recordEngineSizes({ ...session, elementPairs });
    const next = await this.hooks.apply(sessionId, { type: 'destination_committed', cycle: pending.cycle, elementPairs, syncedAtMs, durationMs }, { lockHeld });
    for (const id of oldBases) await this.ctx.store.deleteVolume(id).catch(() => undefined);
    this.hooks.onCommitted(next);
  }

  /** Ends the open cycle, if any: its staging goes (session-machine's cycle_aborted). */
  async abort(sessionId: string): Promise<void> {
    if (!this.ctx.meta.getShared('replication_session', sessionId)?.openCycle) return;
    await this.hooks.apply(sessionId, { type: 'cycle_aborted' }, { lockHeld: false });
  }

  /**
   * Group membership and sizes follow the source: new members get destination volumes (in the
   * engine here; their records are written with the session's, Followed.alongside).
   */
  private async followSource(session: ReplicationSession, p: Pick<CycleBeginParams, 'members' | 'sourceResourceId'>): Promise<Followed> {
    const current = this.session(session.id);
    const pairs = [...current.elementPairs];
    const created: Volume[] = [];
    // Only volumes whose records were not written: an error after the membership was recorded
    // (an effect of the transition) leaves them to the session.
    const undo = async (): Promise<void> => {
      for (const v of created) if (!this.ctx.meta.get('volume', v.id)) await this.ctx.store.deleteVolume(v.id).catch(() => undefined);
    };
    const result: { sourceVolumeId: string; remoteVolumeId: string }[] = [];
    try {
      for (const m of p.members) {
        let pair = pairs.find((e) => e.remoteVolumeId === m.sourceVolumeId);
        if (!pair) {
          const name = this.memberReplicaName(m.name, created);
          const v = this.volumes.newVolume({ name, sizeBytes: m.sizeBytes, type: 'Primary', isReplicationDestination: true, volumeGroupId: current.resourceType === 'volume_group' ? current.localResourceId : null });
          created.push(v);
          await this.ctx.store.createVolume(v.id, v.sizeBytes);
          pair = { localVolumeId: v.id, remoteVolumeId: m.sourceVolumeId, localBaseSnapshotId: null };
          pairs.push(pair);
        } else {
          await this.grow(current, pair.localVolumeId, m.sizeBytes);
        }
        result.push({ sourceVolumeId: m.sourceVolumeId, remoteVolumeId: pair.localVolumeId });
      }
    } catch (error) {
      await undo();
      throw error;
    }
    // Members removed on the source leave the destination group as ordinary volumes: replication
    // no longer holds them, so hosts may use them and users may delete them (their bases go with
    // the record: session-machine's members_changed and cycle_begun).
    const kept = pairs.filter((e) => p.members.some((m) => m.sourceVolumeId === e.remoteVolumeId));
    const gone = pairs.filter((e) => !kept.includes(e));
    const memberCopies = current.resourceType === 'volume_group' ? this.memberCopies(current.memberCopies, kept.map((e) => ({ localVolumeId: e.localVolumeId, spec: p.members.find((m) => m.sourceVolumeId === e.remoteVolumeId)! }))) : undefined;
    const learnt = current.remoteResourceId === '' && p.sourceResourceId ? { remoteResourceId: p.sourceResourceId } : {};
    return {
      membership: { elementPairs: kept, ...(memberCopies ? { memberCopies } : {}), ...learnt },
      alongside: () => {
        for (const v of created) this.ctx.meta.put('volume', v);
        for (const e of gone) {
          const v = this.ctx.meta.get('volume', e.localVolumeId);
          if (v) this.ctx.meta.put('volume', { ...v, volumeGroupId: null, isReplicationDestination: false });
        }
      },
      pairs: result,
      undo,
    };
  }

  /** Records a membership change; if that fails, the volumes made for it go. */
  private async applyFollowed(followed: Followed, record: () => Promise<ReplicationSession>): Promise<ReplicationSession> {
    try {
      return await record();
    } catch (error) {
      await followed.undo();
      throw error;
    }
  }

  /**
   * The name of a new member's replica: the source's, or, when this system has a volume of that
   * name, the first free of `NAME.replica`, `NAME.replica-2`, ... A member that left the group
   * stays here as an ordinary volume under its name (followSource), and added back on the source
   * it needs a new replica: the membership change was accepted on the source, so the destination
   * cannot refuse it (every cycle would fail NAME_IN_USE for good), and the old volume is the
   * user's now (hosts may have written to it), so it is neither reused nor renamed.
   * `alsoTaken`: the volumes made in the same change, not recorded yet.
   */
  private memberReplicaName(name: string, alsoTaken: readonly Volume[]): string {
    const taken = (n: string): boolean => this.volumes.isNameTaken(n) || alsoTaken.some((v) => v.name === n);
    if (!taken(name)) return name;
    for (let i = 1; ; i++) {
      const suffix = i === 1 ? '.replica' : `.replica-${i}`;
      const candidate = `${name.slice(0, NAME_CHARS_MAX - suffix.length)}${suffix}`;
      if (!taken(candidate)) return candidate;
    }
  }

  /**
   * Grows a destination volume to its source's size (never shrinks it): the volume hosts see and,
   * during a failover test, the shadow that keeps receiving the source's data.
   */
  async grow(session: ReplicationSession, volumeId: string, sizeBytes: number): Promise<void> {
    const volume = this.ctx.meta.get('volume', volumeId);
    if (!volume || volume.sizeBytes >= sizeBytes) return;
    const target = this.hooks.replicaTarget(session, volume.id);
    await this.ctx.store.resizeVolume(target, sizeBytes);
    if (target !== volume.id) await this.ctx.store.resizeVolume(volume.id, sizeBytes);
    this.ctx.meta.put('volume', { ...volume, sizeBytes });
  }

  /** Each member volume's record takes the size its engine volume has now (a commit or a test's end may shrink it). */
  recordEngineSizes(session: ReplicationSession): void {
    for (const pair of session.elementPairs) {
      const v = this.ctx.meta.get('volume', pair.localVolumeId);
      if (v && this.ctx.store.hasVolume(v.id) && this.ctx.store.sizeBytes(v.id) !== v.sizeBytes) this.ctx.meta.put('volume', { ...v, sizeBytes: this.ctx.store.sizeBytes(v.id) });
    }
  }

  private checkDestinationName(name: string): void {
    if (this.volumes.isNameTaken(name)) {
      throw new DomainError('NAME_IN_USE', `The destination system already has a volume named ${name}.`, { kind: 'volume', arguments: [name] });
    }
  }

  private replicaProtection(p: CreateDestinationParams, remoteSystemId: string): { policy: Policy; rule: ReplicationRule } | null {
    if (!p.policy || !p.rule) return null;
    const existingPolicy = this.ctx.meta.get('policy', p.policy.id);
    const existingRule = this.ctx.meta.get('replication_rule', p.rule.id);
    const rule: ReplicationRule = existingRule ?? {
      id: p.rule.id,
      name: p.rule.name,
      rpo: p.rule.rpo as ReplicationRule['rpo'],
      remoteSystemId,
      alertThresholdMinutes: p.rule.alertThresholdMinutes,
      isReplica: true,
      isReadOnly: true,
      managedBy: 'Replication',
      managedById: remoteSystemId,
    };
    const policy: Policy = existingPolicy ?? {
      id: p.policy.id,
      name: p.policy.name,
      description: p.policy.description,
      type: 'Protection',
      snapshotRuleIds: [],
      replicationRuleIds: [rule.id],
      isReplica: true,
      isReadOnly: true,
      managedBy: 'Replication',
      managedById: remoteSystemId,
    };
    return { policy, rule };
  }
}
