// The domain model shared by both dialects. Field names are Tandem's own (units in names);
// each dialect maps them to its vendor's names at its edge.

export type VolumeType = 'Primary' | 'Clone' | 'Snapshot';
export type CreatorType = 'User' | 'System' | 'Scheduler' | 'External';

export interface Volume {
  id: string;
  /** Per-system integer, the ETERNUS volume_id. */
  number: number;
  name: string;
  description: string | null;
  sizeBytes: number;
  wwn: string;
  type: VolumeType;
  createdAtMs: number;
  /** Snapshots and clones: the volume they were taken from (protection_data.source_id / parent_id). */
  sourceId: string | null;
  familyId: string;
  sourceTimestampMs: number | null;
  creatorType: CreatorType;
  createdByRuleId: string | null;
  createdByRuleName: string | null;
  expirationTimestampMs: number | null;
  protectionPolicyId: string | null;
  performancePolicyId: string | null;
  volumeGroupId: string | null;
  isReplicationDestination: boolean;
  appType: string | null;
  appTypeOther: string | null;
  nodeAffinity: string;
  sectorSizeBytes: number;
  tenant: string | null;
  /** Key-value labels a client attaches (the CSI driver sets k8s_pvol_name, k8s_claim_*); absent on older records. */
  metadata?: Record<string, string> | null;
}

export interface VolumeGroup {
  id: string;
  name: string;
  description: string | null;
  type: VolumeType;
  createdAtMs: number;
  isWriteOrderConsistent: boolean;
  protectionPolicyId: string | null;
  sourceId: string | null;
  familyId: string;
  sourceTimestampMs: number | null;
  creatorType: CreatorType;
  createdByRuleId: string | null;
  createdByRuleName: string | null;
  expirationTimestampMs: number | null;
  isReplicationDestination: boolean;
}

export interface HostInitiator {
  portName: string;
  portType: string;
  /**
   * CHAP usernames as the host's initiator presents them (null: none). Kept and reported like
   * PowerStore does; the passwords are write-only there and not kept here, since NBD has no CHAP.
   * Absent in records written before they existed.
   */
  chapSingleUsername?: string | null;
  chapMutualUsername?: string | null;
}

export interface Host {
  id: string;
  name: string;
  description: string | null;
  osType: string;
  initiators: HostInitiator[];
  hostConnectivity: string;
  /** Key-value labels a client attaches (the CSI driver sets k8s_node_name); absent on older records. */
  metadata?: Record<string, string> | null;
}

export interface HostVolumeMapping {
  id: string;
  hostId: string;
  volumeId: string;
  logicalUnitNumber: number;
}

export type ManagedBy = 'User' | 'Metro' | 'Replication' | 'VMware_vSphere';

export interface SnapshotRule {
  id: string;
  name: string;
  interval: string | null;
  timeOfDay: string | null;
  timezone: string;
  daysOfWeek: string[];
  desiredRetentionHours: number;
  isReplica: boolean;
  isReadOnly: boolean;
  isSecure: boolean;
  nasAccessType: string;
  managedBy: ManagedBy;
  managedById: string | null;
}

export type Rpo =
  | 'Five_Minutes'
  | 'Fifteen_Minutes'
  | 'Thirty_Minutes'
  | 'One_Hour'
  | 'Six_Hours'
  | 'Twelve_Hours'
  | 'One_Day'
  | 'Zero';

export interface ReplicationRule {
  id: string;
  name: string;
  rpo: Rpo;
  remoteSystemId: string;
  alertThresholdMinutes: number;
  isReplica: boolean;
  isReadOnly: boolean;
  managedBy: ManagedBy;
  managedById: string | null;
}

export interface Policy {
  id: string;
  name: string;
  description: string | null;
  type: 'Protection';
  snapshotRuleIds: string[];
  replicationRuleIds: string[];
  isReplica: boolean;
  isReadOnly: boolean;
  managedBy: ManagedBy;
  managedById: string | null;
}

export type JobState = 'PENDING' | 'QUEUED' | 'IN_PROGRESS' | 'COMPLETED' | 'FAILED' | 'UNRECOVERABLE_FAILED';

export interface JobError {
  code: string;
  message: string;
  arguments: string[];
  /** The kind of object the error is about (NOT_FOUND of a volume, NAME_IN_USE of a volume…), when known. */
  kind?: string;
}

export interface Job {
  id: string;
  resourceType: string;
  resourceAction: string;
  resourceId: string | null;
  resourceName: string | null;
  description: string;
  state: JobState;
  user: string;
  submitTimeMs: number;
  startTimeMs: number;
  endTimeMs: number | null;
  progressPercentage: number;
  /** Output of a completed operation (e.g. {id} of a created object). */
  result: Record<string, unknown> | null;
  /** HTTP-neutral outcome: the domain error code when failed. */
  error: JobError | null;
}

export type Role = 'Administrator' | 'Storage_Administrator' | 'Operator';

export interface User {
  id: string;
  name: string;
  passwordHash: string;
  role: Role;
  tenant: string | null;
  isBuiltIn: boolean;
}

/** Per-(rule, resource) bookkeeping of the snapshot scheduler. */
export interface SnapshotSchedule {
  id: string; // `${ruleId}:${resourceId}`
  ruleId: string;
  resourceId: string;
  lastRunMs: number;
}

import type { RemoteSystem, ReplicationSession, TrustRecord } from './replication/model.ts';

export interface Kinds {
  volume: Volume;
  volume_group: VolumeGroup;
  host: Host;
  host_volume_mapping: HostVolumeMapping;
  snapshot_rule: SnapshotRule;
  replication_rule: ReplicationRule;
  policy: Policy;
  job: Job;
  user: User;
  snapshot_schedule: SnapshotSchedule;
  replication_session: ReplicationSession;
  remote_system: RemoteSystem;
  trust: TrustRecord;
}

export type Kind = keyof Kinds;

export interface SystemIdentity {
  id: string;
  name: string;
  globalId: string;
  serialNumber: string;
  boxId: string;
  softwareVersion: string;
  createdAtMs: number;
}
