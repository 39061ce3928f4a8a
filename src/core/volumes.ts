// Volumes, their snapshots and clones, and host attachment. Every operation validates fully
// before it changes anything, then does its engine work, then commits metadata in one transaction;
// engine work is undone if the commit fails, so a refused or failed operation leaves no trace.
import type { CoreContext } from './context.ts';
import { InUseError, NameInUseError, NotFoundError, NotMappedError, ReadOnlyError, StateError, ValidationError } from './errors.ts';
import type { CreatorType, HostVolumeMapping, Volume } from './model.ts';
import { checkInteger, checkMetadata, checkName, checkVolumeSize } from './validate.ts';

/** Tenant names are as long as user names may be (security/users.ts). */
const TENANT_CHARS_MAX = 64;

export interface CreateVolumeInput {
  name: string;
  sizeBytes: number;
  description?: string | null;
  volumeGroupId?: string | null;
  protectionPolicyId?: string | null;
  performancePolicyId?: string | null;
  hostId?: string | null;
  logicalUnitNumber?: number | null;
  appType?: string | null;
  appTypeOther?: string | null;
  sectorSizeBytes?: number | null;
  metadata?: Record<string, string> | null;
}

export interface ModifyVolumeInput {
  name?: string;
  description?: string | null;
  sizeBytes?: number;
  protectionPolicyId?: string | null;
  performancePolicyId?: string | null;
  expirationTimestampMs?: number | null;
  isReplicationDestination?: boolean;
  appType?: string | null;
  appTypeOther?: string | null;
  nodeAffinity?: string;
  force?: boolean;
  /** Replaces the volume's metadata; null clears it. */
  metadata?: Record<string, string> | null;
}

export interface SnapshotInput {
  name?: string | null;
  description?: string | null;
  expirationTimestampMs?: number | null;
  creatorType?: CreatorType;
  createdByRuleId?: string | null;
  createdByRuleName?: string | null;
}

export interface CloneInput {
  name?: string | null;
  description?: string | null;
  hostId?: string | null;
  logicalUnitNumber?: number | null;
  protectionPolicyId?: string | null;
}

/** Hooks the protection layer installs: policy assignment may start replication sessions. */
export interface ProtectionHooks {
  checkPolicyAssignable(policyId: string, resource: { kind: 'volume' | 'volume_group'; id: string | null }): void;
  afterPolicyChange(kind: 'volume' | 'volume_group', id: string, oldPolicyId: string | null, newPolicyId: string | null): Promise<void>;
  /** Refuses deleting a volume that a copy session still pairs (ETERNUS REC). */
  checkDeletable?(volume: Volume): void;
  /**
   * Refuses clearing is_replication_destination while a replication session still uses the volume
   * or group as its destination (PowerStore: only once no session does): hosts could write to
   * what replication still writes.
   */
  checkDestinationReleasable?(resource: { kind: 'volume' | 'volume_group'; id: string; name: string }): void;
  /** Refuses growing a volume that a copy session pairs (ETERNUS does not expand a volume in a REC). */
  checkGrowable?(volume: Volume): void;
  /**
   * Runs before a volume grows; throwing refuses the resize, nothing changed. A synchronous
   * mirror grows its destination first, so that no mirrored write past the old end is refused.
   */
  beforeGrow?(volume: Volume, sizeBytes: number): Promise<void>;
  /**
   * Takes a snapshot of `source` (`take` makes and records it). A synchronous mirror holds host
   * writes around it and has the destination snapshot the same instant.
   */
  takeSnapshot?(source: Volume, snapshot: Volume, take: () => Promise<void>): Promise<void>;
  /**
   * Runs a restore or refresh of the volumes' contents (`replace`: the backup snapshot, then the
   * new contents); throwing refuses it, nothing changed. A synchronous mirror in step refuses it
   * (PowerStore runs it on a metro volume only while its session is paused or fractured: the
   * destination would keep the old contents under a session in step); not in step, the next
   * resync ships the change.
   */
  replaceContents?(volumes: Volume[], replace: () => Promise<void>): Promise<void>;
  /**
   * Runs after a group's members changed, outside the management lock: a replicated group has
   * its destination follow (new members get destination volumes, removed ones are let go) before
   * the change is answered.
   */
  afterMembersChanged?(groupId: string): Promise<void>;
  /**
   * Protects a volume being created, before its record exists: the remote part (the peer's
   * destination: a round trip and the peer's own commit) is made here, without the management
   * lock, so creates on one system do not queue behind one another's round trips. Answers what
   * to commit with the volume, or null when the policy starts no replication.
   */
  prepareCreate?(volume: Volume, policyId: string): Promise<PreparedProtection | null>;
}

/** The protection of a volume being created, made remotely, to be committed with the volume. */
export interface PreparedProtection {
  /**
   * Stages its records in the volume's metadata transaction (management lock held); throws,
   * staging nothing, when what it was made for changed meanwhile (the policy, the remote system).
   */
  commit(): void;
  /** Once committed: starts what follows (the initial copy). */
  started(): void;
  /** The create failed after the remote part was made: removes it, so nothing is left behind. */
  undo(): Promise<void>;
}

export class VolumeService {
  protection: ProtectionHooks = {
    checkPolicyAssignable: (policyId) => {
      if (!this.ctx.meta.get('policy', policyId)) throw new NotFoundError('policy', policyId);
    },
    afterPolicyChange: async () => undefined,
  };

  constructor(private readonly ctx: CoreContext) {}

  get(id: string): Volume {
    const volume = this.ctx.meta.get('volume', id);
    if (!volume) throw new NotFoundError('volume', id);
    return volume;
  }

  findByName(name: string): Volume | undefined {
    return this.ctx.meta.findShared('volumeByName', name)[0];
  }

  async create(input: CreateVolumeInput): Promise<Volume> {
    const volume = input.protectionPolicyId && !input.volumeGroupId && this.protection.prepareCreate ? await this.createProtected(input, input.protectionPolicyId) : await this.createLocked(input);
    // Created straight into a group (the CSI driver's CreateVolume with volume_group_id): a
    // replicated group's destination follows before the create is answered, as for add_members,
    // so the session's storage_element_pairs name the new member at once (CreateRemoteVolume).
    if (volume.volumeGroupId) await this.protection.afterMembersChanged?.(volume.volumeGroupId);
    return volume;
  }

  private createLocked(input: CreateVolumeInput): Promise<Volume> {
    return this.ctx.lock.run(async () => {
      const name = this.checkNewName(input.name);
      const sizeBytes = checkVolumeSize('size', input.sizeBytes);
      if (input.volumeGroupId) this.checkGroupAcceptsMembers(input.volumeGroupId);
      if (input.protectionPolicyId) this.protection.checkPolicyAssignable(input.protectionPolicyId, { kind: 'volume', id: null });
      const lun = this.checkHostAttach(input.hostId ?? null, input.logicalUnitNumber ?? null);
      const metadata = input.metadata == null ? null : checkMetadata('metadata', input.metadata);
      const volume = this.newVolume({
        metadata,
        name,
        sizeBytes,
        type: 'Primary',
        description: input.description ?? null,
        volumeGroupId: input.volumeGroupId ?? null,
        protectionPolicyId: input.protectionPolicyId ?? null,
        performancePolicyId: input.performancePolicyId ?? null,
        appType: input.appType ?? null,
        appTypeOther: input.appTypeOther ?? null,
        sectorSizeBytes: input.sectorSizeBytes ?? 512,
      });
      await this.ctx.store.createVolume(volume.id, sizeBytes);
      await this.commitOrUndo([volume.id], () => {
        this.ctx.meta.put('volume', volume);
        if (input.hostId) this.putMapping(input.hostId, volume.id, lun);
      });
      if (volume.protectionPolicyId) {
        try {
          await this.protection.afterPolicyChange('volume', volume.id, null, volume.protectionPolicyId);
        } catch (error) {
          // Protection could not start (e.g. the peer is unreachable): the create did not happen.
          this.ctx.meta.transaction(() => {
            for (const m of this.mappingsOf(volume.id)) this.ctx.meta.delete('host_volume_mapping', m.id);
            this.ctx.meta.delete('volume', volume.id);
          });
          await this.ctx.store.deleteVolume(volume.id).catch(() => undefined);
          throw error;
        }
      }
      return volume;
    });
  }

  /**
   * A volume created with a replicating policy. The management lock is held twice, briefly: to
   * validate and reserve the name (and the volume number), then to commit the volume with its
   * session in one metadata transaction. In between, without the lock, the engine volume is made
   * while the peer makes the destination (prepareCreate), so the creates in flight overlap their
   * round trips instead of queueing behind them (issue 14: with four in flight, each waited for
   * the others' round trips and commits). The volume is invisible until the commit; a failure at
   * any step removes what was made, on both systems.
   */
  private async createProtected(input: CreateVolumeInput, policyId: string): Promise<Volume> {
    const volume = await this.ctx.lock.run(() => {
      const name = this.checkNewName(input.name);
      const sizeBytes = checkVolumeSize('size', input.sizeBytes);
      this.protection.checkPolicyAssignable(policyId, { kind: 'volume', id: null });
      this.checkHostAttach(input.hostId ?? null, input.logicalUnitNumber ?? null);
      const metadata = input.metadata == null ? null : checkMetadata('metadata', input.metadata);
      const reserved = this.newVolume({
        metadata,
        name,
        sizeBytes,
        type: 'Primary',
        description: input.description ?? null,
        protectionPolicyId: policyId,
        performancePolicyId: input.performancePolicyId ?? null,
        appType: input.appType ?? null,
        appTypeOther: input.appTypeOther ?? null,
        sectorSizeBytes: input.sectorSizeBytes ?? 512,
      });
      this.pendingNames.add(name);
      return reserved;
    });
    const [engine, remote] = await Promise.allSettled([this.ctx.store.createVolume(volume.id, volume.sizeBytes), this.protection.prepareCreate!(volume, policyId)]);
    const prepared = remote.status === 'fulfilled' ? remote.value : null;
    try {
      if (engine.status === 'rejected') throw engine.reason;
      if (remote.status === 'rejected') throw remote.reason;
      await this.ctx.lock.run(() => {
        // What may have changed while the lock was free: the policy (prepared.commit checks its
        // rule and remote system), the host and its logical unit numbers.
        this.protection.checkPolicyAssignable(policyId, { kind: 'volume', id: null });
        const lun = this.checkHostAttach(input.hostId ?? null, input.logicalUnitNumber ?? null);
        this.ctx.meta.transaction(() => {
          this.ctx.meta.put('volume', volume);
          if (input.hostId) this.putMapping(input.hostId, volume.id, lun);
          prepared?.commit();
        });
      });
    } catch (error) {
      await prepared?.undo().catch(() => undefined);
      if (engine.status === 'fulfilled') await this.ctx.store.deleteVolume(volume.id).catch(() => undefined);
      throw error;
    } finally {
      this.pendingNames.delete(volume.name);
    }
    prepared?.started();
    return volume;
  }

  modify(id: string, input: ModifyVolumeInput): Promise<Volume> {
    return this.ctx.lock.run(async () => {
      const volume = this.get(id);
      const next = { ...volume };
      if (volume.isReplicationDestination && !this.onlyClearsDestination(input)) {
        throw new ReadOnlyError(`Volume ${volume.name} is a replication destination and cannot be modified.`, 'volume', id);
      }
      if (input.name !== undefined && input.name !== volume.name) next.name = this.checkNewName(input.name);
      if (input.description !== undefined) next.description = input.description;
      if (input.metadata !== undefined) next.metadata = input.metadata === null ? null : checkMetadata('metadata', input.metadata);
      if (input.sizeBytes !== undefined && input.sizeBytes !== volume.sizeBytes) {
        checkVolumeSize('size', input.sizeBytes);
        if (volume.type === 'Snapshot') throw new StateError(`Snapshot ${volume.name} cannot be resized.`, 'volume', id);
        if (input.sizeBytes < volume.sizeBytes) {
          throw new StateError(`The new size ${input.sizeBytes} of volume ${volume.name} is smaller than its current size ${volume.sizeBytes}; volumes can only grow.`, 'volume', id);
        }
        this.protection.checkGrowable?.(volume);
        next.sizeBytes = input.sizeBytes;
      }
      if (input.expirationTimestampMs !== undefined) {
        if (volume.type !== 'Snapshot' && input.expirationTimestampMs !== null) {
          throw new ValidationError('expiration_timestamp applies to snapshots only.', 'expiration_timestamp');
        }
        next.expirationTimestampMs = input.expirationTimestampMs;
      }
      if (input.protectionPolicyId !== undefined) {
        const policyId = input.protectionPolicyId === '' ? null : input.protectionPolicyId;
        if (policyId) this.protection.checkPolicyAssignable(policyId, { kind: 'volume', id });
        if (policyId && volume.volumeGroupId) {
          throw new StateError(`Volume ${volume.name} is a member of a volume group; protect the group instead.`, 'volume', id);
        }
        next.protectionPolicyId = policyId;
      }
      if (input.performancePolicyId !== undefined) next.performancePolicyId = input.performancePolicyId;
      if (input.appType !== undefined) next.appType = input.appType;
      if (input.appTypeOther !== undefined) next.appTypeOther = input.appTypeOther;
      if (input.nodeAffinity !== undefined) next.nodeAffinity = input.nodeAffinity;
      if (input.isReplicationDestination !== undefined && input.isReplicationDestination !== volume.isReplicationDestination) {
        if (input.isReplicationDestination) throw new ValidationError('is_replication_destination can only be set to false.', 'is_replication_destination');
        this.protection.checkDestinationReleasable?.({ kind: 'volume', id, name: volume.name });
        next.isReplicationDestination = false;
      }
      // The policy change goes first: if protection cannot start, nothing else changes either.
      if (next.protectionPolicyId !== volume.protectionPolicyId) {
        this.ctx.meta.put('volume', { ...volume, protectionPolicyId: next.protectionPolicyId });
        try {
          await this.protection.afterPolicyChange('volume', id, volume.protectionPolicyId, next.protectionPolicyId);
        } catch (error) {
          this.ctx.meta.put('volume', volume);
          throw error;
        }
      }
      if (next.sizeBytes !== volume.sizeBytes) {
        await this.protection.beforeGrow?.(volume, next.sizeBytes);
        await this.ctx.store.resizeVolume(id, next.sizeBytes);
      }
      this.ctx.meta.put('volume', next);
      if (next.name !== volume.name || next.isReplicationDestination !== volume.isReplicationDestination) {
        this.ctx.listeners.volumeExportChanged(next, volume.name);
      }
      return next;
    });
  }

  delete(id: string): Promise<void> {
    return this.ctx.lock.run(async () => {
      const volume = this.get(id);
      if (volume.isReplicationDestination) {
        throw new ReadOnlyError(`Volume ${volume.name} is a replication destination and cannot be deleted.`, 'volume', id);
      }
      if (this.mappingsOf(id).length > 0) throw new InUseError(`Volume ${volume.name} is attached to a host; detach it first.`, 'volume', id);
      if (volume.protectionPolicyId) {
        throw new InUseError(`Volume ${volume.name} has a protection policy; remove the policy first.`, 'volume', id);
      }
      if (volume.volumeGroupId && volume.type !== 'Snapshot') {
        throw new InUseError(`Volume ${volume.name} is a member of a volume group; remove it from the group first.`, 'volume', id);
      }
      this.protection.checkDeletable?.(volume);
      const snapshots = this.ctx.meta.findShared('volumeBySource', id).filter((v) => v.type === 'Snapshot');
      for (const snap of snapshots) {
        if (this.mappingsOf(snap.id).length > 0) throw new InUseError(`Snapshot ${snap.name} of volume ${volume.name} is attached to a host.`, 'volume', snap.id);
      }
      // Metadata first: once committed the volume is gone for every reader; an engine volume left
      // behind by a crash right here is an orphan that start-up reconciliation deletes.
      this.ctx.meta.transaction(() => {
        for (const v of [...snapshots, volume]) this.ctx.meta.delete('volume', v.id);
        this.dropEmptySnapshotSets(snapshots);
      });
      for (const v of [...snapshots, volume]) {
        this.ctx.listeners.volumeExportChanged({ ...v, name: '' }, v.name);
        await this.ctx.store.deleteVolume(v.id);
      }
    });
  }

  /**
   * A snapshot set whose last member snapshot went with its volume is gone too: an empty set
   * restores nothing. Called inside the deleting transaction.
   */
  dropEmptySnapshotSets(deleted: readonly Volume[]): void {
    const setIds = new Set(deleted.filter((v) => v.type === 'Snapshot' && v.volumeGroupId).map((v) => v.volumeGroupId!));
    for (const setId of setIds) {
      const set = this.ctx.meta.get('volume_group', setId);
      if (set?.type === 'Snapshot' && !this.ctx.meta.list('volume').some((v) => v.volumeGroupId === setId)) this.ctx.meta.delete('volume_group', setId);
    }
  }

  /**
   * Assigns the volume to an ETERNUS tenant, or to none with null. Tenants only limit what tenant
   * users see and may change; the volume's data, exports and replication are unaffected.
   */
  setTenant(id: string, tenant: unknown): Promise<Volume> {
    return this.ctx.lock.run(async () => {
      const volume = this.get(id);
      const checked = tenant === null ? null : checkName('tenant', tenant, TENANT_CHARS_MAX);
      if (checked === volume.tenant) return volume;
      const next = { ...volume, tenant: checked };
      this.ctx.meta.put('volume', next);
      return next;
    });
  }

  snapshot(id: string, input: SnapshotInput = {}): Promise<Volume> {
    return this.ctx.lock.run(() => this.snapshotLocked(id, input));
  }

  /** For callers already holding the lock (volume group snapshots, the scheduler). */
  async snapshotLocked(id: string, input: SnapshotInput, options: { allowDestination?: boolean } = {}): Promise<Volume> {
    const source = this.get(id);
    if (source.isReplicationDestination && !options.allowDestination) {
      throw new ReadOnlyError(`Volume ${source.name} is a replication destination; snapshots are taken by replication.`, 'volume', id);
    }
    const nowMs = this.ctx.clock.nowMs();
    const name = this.checkNewName(input.name ?? `${source.name}.snapshot.${new Date(nowMs).toISOString()}`, 'snapshot');
    const snap = this.newVolume({
      name,
      sizeBytes: source.sizeBytes,
      type: 'Snapshot',
      description: input.description ?? null,
      sourceId: source.id,
      familyId: source.familyId,
      sourceTimestampMs: nowMs,
      creatorType: input.creatorType ?? 'User',
      createdByRuleId: input.createdByRuleId ?? null,
      createdByRuleName: input.createdByRuleName ?? null,
      expirationTimestampMs: input.expirationTimestampMs ?? null,
      sectorSizeBytes: source.sectorSizeBytes,
    });
    const take = async () => {
      await this.ctx.store.snapshotVolume(source.id, snap.id);
      await this.commitOrUndo([snap.id], () => this.ctx.meta.put('volume', snap));
    };
    await (this.protection.takeSnapshot ? this.protection.takeSnapshot(source, snap, take) : take());
    return snap;
  }

  clone(id: string, input: CloneInput = {}): Promise<Volume> {
    return this.ctx.lock.run(async () => {
      const source = this.get(id);
      if (source.isReplicationDestination) {
        throw new ReadOnlyError(`Volume ${source.name} is a replication destination and cannot be cloned.`, 'volume', id);
      }
      const name = this.checkNewName(input.name ?? `${source.name}.clone.${new Date(this.ctx.clock.nowMs()).toISOString()}`);
      if (input.protectionPolicyId) this.protection.checkPolicyAssignable(input.protectionPolicyId, { kind: 'volume', id: null });
      const lun = this.checkHostAttach(input.hostId ?? null, input.logicalUnitNumber ?? null);
      const clone = this.newVolume({
        name,
        sizeBytes: source.sizeBytes,
        type: 'Clone',
        description: input.description ?? null,
        sourceId: source.id,
        familyId: source.familyId,
        sourceTimestampMs: this.ctx.clock.nowMs(),
        protectionPolicyId: input.protectionPolicyId ?? null,
        sectorSizeBytes: source.sectorSizeBytes,
      });
      await this.ctx.store.snapshotVolume(source.id, clone.id);
      await this.commitOrUndo([clone.id], () => {
        this.ctx.meta.put('volume', clone);
        if (input.hostId) this.putMapping(input.hostId, clone.id, lun);
      });
      if (clone.protectionPolicyId) await this.protection.afterPolicyChange('volume', clone.id, null, clone.protectionPolicyId);
      return clone;
    });
  }

  /** Replaces the volume's contents with a snapshot of it; returns the backup snapshot's id. */
  restore(id: string, fromSnapId: string, createBackupSnap: boolean, backupProfile: SnapshotInput = {}): Promise<string | null> {
    return this.ctx.lock.run(async () => {
      const volume = this.get(id);
      const from = this.ctx.meta.get('volume', fromSnapId);
      if (!from) throw new NotFoundError('volume', fromSnapId);
      if (from.type !== 'Snapshot' || from.sourceId !== id) {
        throw new StateError(`${from.name} is not a snapshot of volume ${volume.name}.`, 'volume', id);
      }
      return this.replaceContents(volume, from, createBackupSnap, backupProfile);
    });
  }

  /** Replaces the volume's contents with another member of its family; returns the backup's id. */
  refresh(id: string, fromObjectId: string, createBackupSnap: boolean, backupProfile: SnapshotInput = {}): Promise<string | null> {
    return this.ctx.lock.run(async () => {
      const volume = this.get(id);
      const from = this.ctx.meta.get('volume', fromObjectId);
      if (!from) throw new NotFoundError('volume', fromObjectId);
      if (from.familyId !== volume.familyId || from.id === volume.id) {
        throw new StateError(`${from.name} is not another member of the family of volume ${volume.name}.`, 'volume', id);
      }
      return this.replaceContents(volume, from, createBackupSnap, backupProfile);
    });
  }

  attach(id: string, hostId: string, logicalUnitNumber: number | null): Promise<void> {
    return this.ctx.lock.run(async () => {
      const volume = this.get(id);
      if (volume.isReplicationDestination) {
        throw new ReadOnlyError(`Volume ${volume.name} is a replication destination and cannot be attached.`, 'volume', id);
      }
      if (this.mappingsOf(id).some((m) => m.hostId === hostId)) {
        throw new StateError(`Volume ${volume.name} is already attached to host ${hostId}.`, 'volume', id);
      }
      const lun = this.checkHostAttach(hostId, logicalUnitNumber);
      this.putMapping(hostId, id, lun);
    });
  }

  /** @param addressed the object the request named, for the dialect's refusal of an unmapped pair. */
  detach(id: string, hostId: string, addressed: 'volume' | 'host' = 'volume'): Promise<void> {
    return this.ctx.lock.run(async () => {
      const volume = this.get(id);
      const host = this.ctx.meta.get('host', hostId);
      if (!host) throw new NotFoundError('host', hostId);
      const mapping = this.mappingsOf(id).find((m) => m.hostId === hostId);
      if (!mapping) throw new NotMappedError(volume.name, host.name, addressed, id);
      this.ctx.meta.delete('host_volume_mapping', mapping.id);
    });
  }

  mappingsOf(volumeId: string): HostVolumeMapping[] {
    return this.ctx.meta.listShared('host_volume_mapping').filter((m) => m.volumeId === volumeId);
  }

  /** Builds a volume record with defaults; the caller persists it. */
  newVolume(fields: Partial<Volume> & Pick<Volume, 'name' | 'sizeBytes' | 'type'>): Volume {
    const id = this.ctx.ids.uuid();
    return {
      id,
      number: this.nextNumber(),
      description: null,
      wwn: `naa.68ccf098${this.ctx.ids.hex(12)}`,
      createdAtMs: this.ctx.clock.nowMs(),
      sourceId: null,
      familyId: id,
      sourceTimestampMs: null,
      creatorType: 'User',
      createdByRuleId: null,
      createdByRuleName: null,
      expirationTimestampMs: null,
      protectionPolicyId: null,
      performancePolicyId: null,
      volumeGroupId: null,
      isReplicationDestination: false,
      appType: null,
      appTypeOther: null,
      nodeAffinity: 'System_Select_At_Attach',
      sectorSizeBytes: 512,
      tenant: null,
      ...fields,
    };
  }

  /** Volumes, snapshots and clones share one namespace; `label` names what the caller creates. */
  checkNewName(name: unknown, label: 'volume' | 'snapshot' = 'volume'): string {
    const checked = checkName('name', name);
    if (this.isNameTaken(checked)) throw new NameInUseError('volume', checked, label);
    return checked;
  }

  /** Whether a volume has the name, or a create in flight reserved it (createProtected). */
  isNameTaken(name: string): boolean {
    return this.pendingNames.has(name) || this.findByName(name) !== undefined;
  }

  /** Runs a metadata commit; if it throws, deletes the engine volumes the operation created. */
  async commitOrUndo(createdIds: string[], commit: () => void): Promise<void> {
    try {
      this.ctx.meta.transaction(commit);
    } catch (error) {
      for (const id of createdIds) await this.ctx.store.deleteVolume(id).catch(() => undefined);
      throw error;
    }
  }

  private async replaceContents(volume: Volume, from: Volume, createBackupSnap: boolean, backupProfile: SnapshotInput): Promise<string | null> {
    if (volume.isReplicationDestination) {
      throw new ReadOnlyError(`Volume ${volume.name} is a replication destination and cannot be restored.`, 'volume', volume.id);
    }
    if (volume.type === 'Snapshot') throw new StateError(`Snapshot ${volume.name} cannot be refreshed or restored.`, 'volume', volume.id);
    let backupId: string | null = null;
    const replace = async () => {
      const backup = createBackupSnap ? await this.snapshotLocked(volume.id, { ...backupProfile, creatorType: 'System' }) : null;
      backupId = backup?.id ?? null;
      await this.ctx.store.restoreVolume(volume.id, from.id);
      if (from.sizeBytes !== volume.sizeBytes) this.ctx.meta.put('volume', { ...volume, sizeBytes: this.ctx.store.sizeBytes(volume.id) });
    };
    await (this.protection.replaceContents ? this.protection.replaceContents([volume], replace) : replace());
    return backupId;
  }

  private onlyClearsDestination(input: ModifyVolumeInput): boolean {
    const keys = Object.entries(input).filter(([, v]) => v !== undefined).map(([k]) => k);
    return keys.every((k) => k === 'isReplicationDestination' || k === 'force' || k === 'protectionPolicyId' || k === 'description');
  }

  private checkGroupAcceptsMembers(groupId: string): void {
    const group = this.ctx.meta.get('volume_group', groupId);
    if (!group) throw new NotFoundError('volume_group', groupId);
    if (group.type === 'Snapshot') throw new StateError(`Volume group ${group.name} is a snapshot set; members cannot be added.`, 'volume_group', groupId);
    if (group.isReplicationDestination) {
      throw new ReadOnlyError(`Volume group ${group.name} is a replication destination; members cannot be added.`, 'volume_group', groupId);
    }
  }

  /** Validates a host attachment and returns the LUN to use. */
  private checkHostAttach(hostId: string | null, logicalUnitNumber: number | null): number {
    if (!hostId) {
      if (logicalUnitNumber !== null) throw new ValidationError('logical_unit_number needs host_id.', 'logical_unit_number');
      return 0;
    }
    if (!this.ctx.meta.get('host', hostId)) throw new NotFoundError('host', hostId);
    const used = new Set(this.ctx.meta.listShared('host_volume_mapping').filter((m) => m.hostId === hostId).map((m) => m.logicalUnitNumber));
    if (logicalUnitNumber !== null) {
      checkInteger('logical_unit_number', logicalUnitNumber, 0, 16383);
      if (used.has(logicalUnitNumber)) throw new InUseError(`Logical unit number ${logicalUnitNumber} is already used on host ${hostId}.`, 'host', hostId);
      return logicalUnitNumber;
    }
    let lun = 1;
    while (used.has(lun)) lun += 1;
    return lun;
  }

  private putMapping(hostId: string, volumeId: string, lun: number): void {
    this.ctx.meta.put('host_volume_mapping', { id: this.ctx.ids.uuid(), hostId, volumeId, logicalUnitNumber: lun });
  }

  /**
   * The next free volume number. Derived from the volumes themselves (cached after the first
   * scan) rather than a separately committed counter, so a create costs one metadata commit.
   */
  private nextNumber(): number {
    this.numberHighWater = this.highestNumber() + 1;
    return this.numberHighWater;
  }

  /** The highest volume number handed out so far (-1 before the first): later ones are above it. */
  highestNumber(): number {
    this.numberHighWater ??= this.ctx.meta.listShared('volume').reduce((max, v) => Math.max(max, v.number), -1);
    return this.numberHighWater;
  }

  private numberHighWater: number | null = null;
  /** Names of volumes being created without the lock held (createProtected): taken until they commit or fail. */
  private readonly pendingNames = new Set<string>();
}
