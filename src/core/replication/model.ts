// Replication sessions as the core sees them: one record per system, with the same id on both
// systems; `role` is the local view. Dialects name states their own way (DESIGN.md §5.4).

export type SessionRole = 'Source' | 'Destination';
export type TransferMode = 'Asynchronous' | 'Synchronous' | 'Stack' | 'Consistency' | 'Through';

export type SessionState =
  | 'Initializing'
  | 'OK'
  | 'Synchronizing'
  | 'Paused'
  | 'System_Paused'
  | 'Failing_Over'
  | 'Failing_Over_For_DR'
  | 'Failed_Over'
  | 'Reprotecting'
  | 'Deleting'
  | 'Error';

export interface ElementPair {
  localVolumeId: string;
  remoteVolumeId: string;
  /** This side's snapshot holding the common base of the pair, or null before the first sync. */
  localBaseSnapshotId: string | null;
}

export interface FailoverTest {
  /** Hidden volume that keeps receiving cycles while hosts use the destination volume. */
  shadowVolumeIds: Record<string, string>;
  startedAtMs: number;
}

export interface ReplicationSession {
  id: string;
  role: SessionRole;
  resourceType: 'volume' | 'volume_group';
  localResourceId: string;
  remoteResourceId: string;
  /** This system's remote_system record for the peer. */
  remoteSystemId: string;
  peerSystemId: string;
  replicationRuleId: string | null;
  transferMode: TransferMode;
  rpoSeconds: number;
  state: SessionState;
  /** Set while the user paused the session (PowerStore pause). */
  pausedByUser: boolean;
  /** The state to return to when a transient state ends. */
  elementPairs: ElementPair[];
  /** Counts completed cycles; both sides agree on it after every commit. */
  baseCycle: number;
  /** Bumped on every failover; the side with the higher generation is right about roles. */
  generation: number;
  lastSyncMs: number | null;
  lastSyncDurationMs: number | null;
  nextSyncMs: number | null;
  progressPercentage: number | null;
  estimatedCompletionMs: number | null;
  failoverTest: FailoverTest | null;
  errorCode: string | null;
  createdAtMs: number;
  /** Source: volume number of the last user or scheduled snapshot shipped as a cut point. */
  snapshotWatermark?: number;
  /** Source: a cycle whose snapshots exist but whose commit is not yet known (redo on start). */
  pendingCycle: { cycle: number; snapshotIds: Record<string, string> } | null;
  /** Destination: a commit in progress (staging per remote volume), redone on start. */
  pendingCommit: { cycle: number; stagingIds: Record<string, string> } | null;
}

export interface RemoteSystem {
  id: string;
  /** The peer's own identity id (its global id). */
  peerSystemId: string;
  name: string;
  description: string | null;
  serialNumber: string;
  version: string;
  boxId: string;
  managementAddress: string;
  managementPort: number;
  peerPort: number;
  dataNetworkLatency: string;
  certFingerprint256: string;
  createdAtMs: number;
}

export interface TrustRecord {
  id: string; // the peer's system id
  name: string;
  address: string;
  managementPort: number;
  peerPort: number;
  certPem: string;
  fingerprint256: string;
  serialNumber: string;
  boxId: string;
  version: string;
  exchangedAtMs: number;
}
