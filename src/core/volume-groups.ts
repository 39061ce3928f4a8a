// Volume groups: membership, write-order-consistent snapshot sets and clones, protection.
// A group snapshot cuts every member at one instant: the engine orders metadata records with
// writes, and all member snapshots are issued in one event-loop turn, so no write falls between.
import type { CoreContext } from './context.ts';
import { InUseError, NameInUseError, NotFoundError, ReadOnlyError, StateError, ValidationError } from './errors.ts';
import type { Volume, VolumeGroup } from './model.ts';
import { checkName } from './validate.ts';
import type { ProtectionHooks, VolumeService } from './volumes.ts';

export interface CreateGroupInput {
  name: string;
  description?: string | null;
  volumeIds?: string[];
  isWriteOrderConsistent?: boolean;
  protectionPolicyId?: string | null;
}

export interface ModifyGroupInput {
  name?: string;
  description?: string | null;
  isWriteOrderConsistent?: boolean;
  protectionPolicyId?: string | null;
  expirationTimestampMs?: number | null;
  isReplicationDestination?: boolean;
  force?: boolean;
}

/** The backup snapshot set a refresh or restore takes first (PowerStore backup_snap_profile). */
export interface GroupSnapshotInput {
  name?: string | null;
  description?: string | null;
  expirationTimestampMs?: number | null;
}

export class VolumeGroupService {
  constructor(
    private readonly ctx: CoreContext,
    private readonly volumes: VolumeService,
  ) {}

  private get protection(): ProtectionHooks {
    return this.volumes.protection;
  }

  get(id: string): VolumeGroup {
    const group = this.ctx.meta.get('volume_group', id);
    if (!group) throw new NotFoundError('volume_group', id);
    return group;
  }

  members(id: string): Volume[] {
    return this.ctx.meta.list('volume').filter((v) => v.volumeGroupId === id);
  }

  /**
   * A group replicated synchronously (replication rule rpo Zero) must be write-order consistent:
   * its members are resynchronised from one cut and mirrored together (PowerStore refuses it too).
   */
  private checkSynchronousOrder(policyId: string | null, writeOrderConsistent: boolean): void {
    if (!policyId || writeOrderConsistent) return;
    const ruleId = this.ctx.meta.get('policy', policyId)?.replicationRuleIds[0];
    const rule = ruleId ? this.ctx.meta.get('replication_rule', ruleId) : undefined;
    if (rule?.rpo === 'Zero') {
      throw new ValidationError(`Replication rule ${rule.name} has rpo Zero: a volume group replicated synchronously must be write-order consistent.`, 'is_write_order_consistent');
    }
  }

  create(input: CreateGroupInput): Promise<VolumeGroup> {
    return this.ctx.lock.run(async () => {
      const name = this.checkNewName(input.name);
      const volumeIds = [...new Set(input.volumeIds ?? [])];
      const members = volumeIds.map((id) => this.checkJoinable(id));
      if (input.protectionPolicyId) {
        this.protection.checkPolicyAssignable(input.protectionPolicyId, { kind: 'volume_group', id: null });
      }
      this.checkSynchronousOrder(input.protectionPolicyId ?? null, input.isWriteOrderConsistent ?? true);
      const nowMs = this.ctx.clock.nowMs();
      const id = this.ctx.ids.uuid();
      const group: VolumeGroup = {
        id,
        name,
        description: input.description ?? null,
        type: 'Primary',
        createdAtMs: nowMs,
        isWriteOrderConsistent: input.isWriteOrderConsistent ?? true,
        protectionPolicyId: input.protectionPolicyId ?? null,
        sourceId: null,
        familyId: id,
        sourceTimestampMs: null,
        creatorType: 'User',
        createdByRuleId: null,
        createdByRuleName: null,
        expirationTimestampMs: null,
        isReplicationDestination: false,
      };
      this.ctx.meta.transaction(() => {
        this.ctx.meta.put('volume_group', group);
        for (const v of members) this.ctx.meta.put('volume', { ...v, volumeGroupId: id });
      });
      if (group.protectionPolicyId) {
        try {
          await this.protection.afterPolicyChange('volume_group', id, null, group.protectionPolicyId);
        } catch (error) {
          this.ctx.meta.transaction(() => {
            this.ctx.meta.delete('volume_group', id);
            for (const v of members) this.ctx.meta.put('volume', v);
          });
          throw error;
        }
      }
      return group;
    });
  }

  modify(id: string, input: ModifyGroupInput): Promise<VolumeGroup> {
    return this.ctx.lock.run(async () => {
      const group = this.get(id);
      const next = { ...group };
      if (group.isReplicationDestination) {
        const keys = Object.entries(input).filter(([, v]) => v !== undefined).map(([k]) => k);
        if (!keys.every((k) => ['isReplicationDestination', 'force', 'protectionPolicyId', 'description'].includes(k))) {
          throw new ReadOnlyError(`Volume group ${group.name} is a replication destination and cannot be modified.`, 'volume_group', id);
        }
      }
      if (input.name !== undefined && input.name !== group.name) next.name = this.checkNewName(input.name);
      if (input.description !== undefined) next.description = input.description;
      if (input.isWriteOrderConsistent !== undefined) next.isWriteOrderConsistent = input.isWriteOrderConsistent;
      if (input.expirationTimestampMs !== undefined) {
        if (group.type !== 'Snapshot' && input.expirationTimestampMs !== null) {
          throw new ValidationError('expiration_timestamp applies to snapshot sets only.', 'expiration_timestamp');
        }
        next.expirationTimestampMs = input.expirationTimestampMs;
      }
      if (input.protectionPolicyId !== undefined) {
        const policyId = input.protectionPolicyId === '' ? null : input.protectionPolicyId;
        if (policyId) this.protection.checkPolicyAssignable(policyId, { kind: 'volume_group', id });
        next.protectionPolicyId = policyId;
      }
      if (input.protectionPolicyId !== undefined || input.isWriteOrderConsistent !== undefined) this.checkSynchronousOrder(next.protectionPolicyId ?? null, next.isWriteOrderConsistent);
      if (input.isReplicationDestination !== undefined && input.isReplicationDestination !== group.isReplicationDestination) {
        if (input.isReplicationDestination) throw new ValidationError('is_replication_destination can only be set to false.', 'is_replication_destination');
        this.protection.checkDestinationReleasable?.({ kind: 'volume_group', id, name: group.name });
        next.isReplicationDestination = false;
      }
      if (next.protectionPolicyId !== group.protectionPolicyId) {
        this.ctx.meta.put('volume_group', { ...group, protectionPolicyId: next.protectionPolicyId });
        try {
          await this.protection.afterPolicyChange('volume_group', id, group.protectionPolicyId, next.protectionPolicyId);
        } catch (error) {
          this.ctx.meta.put('volume_group', group);
          throw error;
        }
      }
      this.ctx.meta.transaction(() => {
        this.ctx.meta.put('volume_group', next);
        if (group.isReplicationDestination && !next.isReplicationDestination) {
          for (const m of this.members(id)) this.ctx.meta.put('volume', { ...m, isReplicationDestination: false });
        }
      });
      return next;
    });
  }

  delete(id: string, deleteMembers: boolean): Promise<void> {
    return this.ctx.lock.run(async () => {
      const group = this.get(id);
      if (group.isReplicationDestination) {
        throw new ReadOnlyError(`Volume group ${group.name} is a replication destination and cannot be deleted.`, 'volume_group', id);
      }
      if (group.protectionPolicyId) throw new InUseError(`Volume group ${group.name} has a protection policy; remove it first.`, 'volume_group', id);
      const members = this.members(id);
      const snapshotSet = group.type === 'Snapshot';
      // A session still being deleted (its policy was just removed, the peer not told yet) holds
      // the members until it is gone: deleting the group under it left the session on volumes
      // that no longer exist (simulation v5 seed 243).
      if (!snapshotSet) for (const m of members) this.protection.checkDeletable?.(m);
      if (deleteMembers || snapshotSet) {
        for (const m of members) {
          if (this.volumes.mappingsOf(m.id).length > 0) throw new InUseError(`Member ${m.name} is attached to a host.`, 'volume', m.id);
          if (m.protectionPolicyId) throw new InUseError(`Member ${m.name} has a protection policy.`, 'volume', m.id);
        }
      }
      const removed = deleteMembers || snapshotSet ? members : [];
      const snapshotsOfRemoved = this.ctx.meta.list('volume').filter((v) => v.type === 'Snapshot' && removed.some((m) => m.id === v.sourceId) && v.volumeGroupId !== id);
      this.ctx.meta.transaction(() => {
        this.ctx.meta.delete('volume_group', id);
        for (const m of members) {
          if (removed.includes(m)) this.ctx.meta.delete('volume', m.id);
          else this.ctx.meta.put('volume', { ...m, volumeGroupId: null });
        }
        for (const s of snapshotsOfRemoved) this.ctx.meta.delete('volume', s.id);
        this.volumes.dropEmptySnapshotSets(snapshotsOfRemoved);
      });
      for (const v of [...removed, ...snapshotsOfRemoved]) {
        this.ctx.listeners.volumeExportChanged({ ...v, name: '' }, v.name);
        await this.ctx.store.deleteVolume(v.id);
      }
    });
  }

  async addMembers(id: string, volumeIds: string[]): Promise<void> {
    await this.ctx.lock.run(async () => {
      const group = this.get(id);
      this.checkMembershipChangeable(group);
      if (volumeIds.length === 0) throw new ValidationError('volume_ids must not be empty.', 'volume_ids');
      const volumes = [...new Set(volumeIds)].map((v) => this.checkJoinable(v));
      this.ctx.meta.transaction(() => {
        for (const v of volumes) this.ctx.meta.put('volume', { ...v, volumeGroupId: id });
      });
    });
    await this.protection.afterMembersChanged?.(id);
  }

  async removeMembers(id: string, volumeIds: string[]): Promise<void> {
    await this.ctx.lock.run(async () => {
      const group = this.get(id);
      this.checkMembershipChangeable(group);
      if (volumeIds.length === 0) throw new ValidationError('volume_ids must not be empty.', 'volume_ids');
      const volumes = [...new Set(volumeIds)].map((vid) => {
        const v = this.ctx.meta.get('volume', vid);
        if (!v) throw new NotFoundError('volume', vid);
        if (v.volumeGroupId !== id) throw new StateError(`One or more volumes to be removed are not part of the volume group: ${v.name}.`, 'volume_group', id);
        return v;
      });
      this.ctx.meta.transaction(() => {
        for (const v of volumes) this.ctx.meta.put('volume', { ...v, volumeGroupId: null });
      });
    });
    await this.protection.afterMembersChanged?.(id);
  }

  snapshot(id: string, input: { name?: string | null; description?: string | null; expirationTimestampMs?: number | null }): Promise<VolumeGroup> {
    return this.ctx.lock.run(() => this.snapshotLocked(id, { ...input, creatorType: 'User' }));
  }

  /** Takes a consistent snapshot set of the group. The caller holds the lock. */
  async snapshotLocked(
    id: string,
    input: { name?: string | null; description?: string | null; expirationTimestampMs?: number | null; creatorType: Volume['creatorType']; createdByRuleId?: string | null; createdByRuleName?: string | null },
  ): Promise<VolumeGroup> {
    const group = this.get(id);
    if (group.type === 'Snapshot') throw new StateError(`${group.name} is a snapshot set.`, 'volume_group', id);
    const nowMs = this.ctx.clock.nowMs();
    const name = this.checkNewName(input.name ?? `${group.name}.snapshot.${new Date(nowMs).toISOString()}`);
    const members = this.members(id);
    const setId = this.ctx.ids.uuid();
    const set: VolumeGroup = {
      ...group,
      id: setId,
      name,
      description: input.description ?? null,
      type: 'Snapshot',
      createdAtMs: nowMs,
      protectionPolicyId: null,
      sourceId: group.id,
      familyId: group.familyId,
      sourceTimestampMs: nowMs,
      creatorType: input.creatorType,
      createdByRuleId: input.createdByRuleId ?? null,
      createdByRuleName: input.createdByRuleName ?? null,
      expirationTimestampMs: input.expirationTimestampMs ?? null,
      isReplicationDestination: false,
    };
    const snaps = members.map((m) =>
      this.volumes.newVolume({
        name: `${name}.${m.name}`,
        sizeBytes: m.sizeBytes,
        type: 'Snapshot',
        sourceId: m.id,
        familyId: m.familyId,
        sourceTimestampMs: nowMs,
        creatorType: input.creatorType,
        createdByRuleId: input.createdByRuleId ?? null,
        createdByRuleName: input.createdByRuleName ?? null,
        expirationTimestampMs: input.expirationTimestampMs ?? null,
        volumeGroupId: setId,
        sectorSizeBytes: m.sectorSizeBytes,
      }),
    );
    for (const s of snaps) this.volumes.checkNewName(s.name);
    // All member snapshots are issued in this turn, before any await: one consistent cut.
    await Promise.all(snaps.map((s) => this.ctx.store.snapshotVolume(s.sourceId!, s.id)));
    await this.volumes.commitOrUndo(snaps.map((s) => s.id), () => {
      this.ctx.meta.put('volume_group', set);
      for (const s of snaps) this.ctx.meta.put('volume', s);
    });
    return set;
  }

  /** Replaces every member's contents with its snapshot in a snapshot set of this group; returns the backup set's id. */
  restore(id: string, fromSnapSetId: string, createBackupSnap: boolean, backupProfile: GroupSnapshotInput = {}): Promise<string | null> {
    return this.ctx.lock.run(async () => {
      const group = this.get(id);
      const from = this.get(fromSnapSetId);
      if (from.type !== 'Snapshot' || from.sourceId !== id) throw new StateError(`${from.name} is not a snapshot set of volume group ${group.name}.`, 'volume_group', id);
      // A snapshot set member's source is the group member it was taken of.
      return this.replaceMembers(group, from, (m, sources) => sources.find((s) => s.sourceId === m.id), createBackupSnap, backupProfile);
    });
  }

  /** Replaces every member's contents with its counterpart in another group of the same family (clone, source or snapshot set); returns the backup set's id. */
  refresh(id: string, fromGroupId: string, createBackupSnap: boolean, backupProfile: GroupSnapshotInput = {}): Promise<string | null> {
    return this.ctx.lock.run(async () => {
      const group = this.get(id);
      const from = this.get(fromGroupId);
      if (from.id === group.id || from.familyId !== group.familyId) throw new StateError(`${from.name} is not another member of the family of volume group ${group.name}.`, 'volume_group', id);
      // Clones and snapshots keep their source volume's family: counterparts share a family id.
      return this.replaceMembers(group, from, (m, sources) => sources.find((s) => s.familyId === m.familyId), createBackupSnap, backupProfile);
    });
  }

  /** The caller holds the lock. Every member must have its counterpart; nothing changes otherwise. */
  private async replaceMembers(group: VolumeGroup, from: VolumeGroup, counterpart: (member: Volume, sources: Volume[]) => Volume | undefined, createBackupSnap: boolean, backupProfile: GroupSnapshotInput): Promise<string | null> {
    if (group.type === 'Snapshot') throw new StateError(`Snapshot set ${group.name} cannot be refreshed or restored.`, 'volume_group', group.id);
    if (group.isReplicationDestination) throw new ReadOnlyError(`Volume group ${group.name} is a replication destination and cannot be refreshed or restored.`, 'volume_group', group.id);
    const sources = this.members(from.id);
    const pairs = this.members(group.id).map((m) => {
      const source = counterpart(m, sources);
      if (!source) throw new StateError(`Member ${m.name} of volume group ${group.name} has no counterpart in ${from.name}; the membership changed since it was taken.`, 'volume_group', group.id);
      return { member: m, source };
    });
    let backupId: string | null = null;
    const replace = async () => {
      const backup = createBackupSnap ? await this.snapshotLocked(group.id, { ...backupProfile, creatorType: 'User' }) : null;
      backupId = backup?.id ?? null;
      for (const { member, source } of pairs) {
        await this.ctx.store.restoreVolume(member.id, source.id);
        if (source.sizeBytes !== member.sizeBytes) this.ctx.meta.put('volume', { ...member, sizeBytes: this.ctx.store.sizeBytes(member.id) });
      }
    };
    // A synchronous mirror in step refuses it before anything changed (ProtectionHooks.replaceContents).
    const members = pairs.map((p) => p.member);
    await (this.protection.replaceContents ? this.protection.replaceContents(members, replace) : replace());
    return backupId;
  }

  clone(id: string, input: { name: string; description?: string | null; protectionPolicyId?: string | null }): Promise<VolumeGroup> {
    return this.ctx.lock.run(async () => {
      const group = this.get(id);
      if (group.isReplicationDestination) throw new ReadOnlyError(`Volume group ${group.name} is a replication destination.`, 'volume_group', id);
      const name = this.checkNewName(input.name);
      if (input.protectionPolicyId) this.protection.checkPolicyAssignable(input.protectionPolicyId, { kind: 'volume_group', id: null });
      const nowMs = this.ctx.clock.nowMs();
      const cloneId = this.ctx.ids.uuid();
      const clone: VolumeGroup = {
        ...group,
        id: cloneId,
        name,
        description: input.description ?? null,
        type: 'Clone',
        createdAtMs: nowMs,
        protectionPolicyId: input.protectionPolicyId ?? null,
        sourceId: group.id,
        sourceTimestampMs: nowMs,
        creatorType: 'User',
        expirationTimestampMs: null,
        isReplicationDestination: false,
      };
      const clones = this.members(id).map((m) =>
        this.volumes.newVolume({ name: `${name}.${m.name}`, sizeBytes: m.sizeBytes, type: 'Clone', sourceId: m.id, familyId: m.familyId, sourceTimestampMs: nowMs, volumeGroupId: cloneId, sectorSizeBytes: m.sectorSizeBytes }),
      );
      for (const c of clones) this.volumes.checkNewName(c.name);
      await Promise.all(clones.map((c) => this.ctx.store.snapshotVolume(c.sourceId!, c.id)));
      await this.volumes.commitOrUndo(clones.map((c) => c.id), () => {
        this.ctx.meta.put('volume_group', clone);
        for (const c of clones) this.ctx.meta.put('volume', c);
      });
      if (clone.protectionPolicyId) await this.protection.afterPolicyChange('volume_group', cloneId, null, clone.protectionPolicyId);
      return clone;
    });
  }

  private checkNewName(name: unknown): string {
    const checked = checkName('name', name);
    const lower = checked.toLowerCase();
    if (this.ctx.meta.list('volume_group').some((g) => g.name.toLowerCase() === lower)) throw new NameInUseError('volume_group', checked);
    return checked;
  }

  private checkJoinable(volumeId: string): Volume {
    const v = this.ctx.meta.get('volume', volumeId);
    if (!v) throw new NotFoundError('volume', volumeId);
    if (v.type === 'Snapshot') throw new StateError(`Snapshot ${v.name} cannot join a volume group.`, 'volume', volumeId);
    if (v.volumeGroupId) throw new StateError(`Volume ${v.name} is already a member of a volume group.`, 'volume', volumeId);
    if (v.protectionPolicyId) throw new StateError(`Volume ${v.name} has its own protection policy; remove it before adding the volume to a group.`, 'volume', volumeId);
    if (v.isReplicationDestination) throw new ReadOnlyError(`Volume ${v.name} is a replication destination.`, 'volume', volumeId);
    return v;
  }

  private checkMembershipChangeable(group: VolumeGroup): void {
    if (group.type === 'Snapshot') throw new StateError(`Members of snapshot set ${group.name} cannot change.`, 'volume_group', group.id);
    if (group.isReplicationDestination) {
      throw new ReadOnlyError(`Volume group ${group.name} is a replication destination; its members cannot change.`, 'volume_group', group.id);
    }
  }
}
