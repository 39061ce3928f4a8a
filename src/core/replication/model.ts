// Replication sessions as the core sees them: one record per system, with the same id on both
// systems; `role` is the local view. Dialects name states their own way (DESIGN.md §5.4).

export type SessionRole = 'Source' | 'Destination';
/**
 * `Asynchronous`: PowerStore RPO cycles. ETERNUS REC: `Consistency` (short cycles back to back,
 * each write-order consistent), `Stack` (the same shipping; not Equivalent while a backlog
 * remains), `Through` (changes tracked, nothing shipped), `Synchronous` (every host write mirrored to the peer while in step).
 */
export type TransferMode = 'Asynchronous' | 'Synchronous' | 'Stack' | 'Consistency' | 'Through';
/** What a synchronous session does when every path is down (DESIGN §5.2). */
export type SplitMode = 'Automatic' | 'Manual';
/** What a halted session does when the path returns: catch up by itself, or wait for an operator. */
export type RecoveryMode = 'Automatic' | 'Manual';

export type SessionState =
  | 'Initializing'
  | 'OK'
  | 'Synchronizing'
  | 'Paused'
  /**
   * ETERNUS suspend: transfer stopped, the destination is usable by hosts and both sides keep
   * their base, so changes on both are tracked. PowerStore shows it as Paused (DESIGN §5.4).
   */
  | 'Suspended'
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

/**
 * One member of a volume group session as the ETERNUS dialect shows it: a REC copy session of its
 * own (REC pairs volumes, not groups). Numbers are per system, like the session's own.
 */
export interface MemberCopy {
  /** This system's copy session number for the member. */
  number: number;
  /** The partner's copy session number for the same member, once learnt. */
  remoteNumber: number | null;
  /** The partner's volume of the member: its number and name on the other box. */
  remoteVolume: { number: number; name: string } | null;
}

export interface FailoverTest {
  /** Hidden volume that keeps receiving cycles and mirrored writes while hosts use the destination volume. */
  shadowVolumeIds: Record<string, string>;
  startedAtMs: number;
}

/**
 * The engine volume a destination's replication lands in for one of its volumes: the volume, or
 * during a failover test its shadow (hosts test on the volume; replication goes on beside it).
 */
export function replicaVolumeId(s: Pick<ReplicationSession, 'failoverTest'>, volumeId: string): string {
  return s.failoverTest?.shadowVolumeIds[volumeId] ?? volumeId;
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
  splitMode: SplitMode;
  recoveryMode: RecoveryMode;
  /** This system's ETERNUS copy session id (per system, like Volume.number). */
  number: number;
  /** The peer's copy session id for the same session, when known. */
  remoteNumber: number | null;
  /** The peer's volume number and name of the (single) paired volume, for the ETERNUS view. */
  remoteVolume: { number: number; name: string } | null;
  /** When the current error or halt began. */
  errorAtMs?: number | null;
  rpoSeconds: number;
  state: SessionState;
  /** Set while the user paused the session (PowerStore pause). */
  pausedByUser: boolean;
  elementPairs: ElementPair[];
  /**
   * Volume group sessions: the member copy sessions, keyed by this system's member volume id.
   * Each side numbers its members when the session is created or a member joins, and learns the
   * partner's numbers and volumes at creation and at every cycle begin.
   */
  memberCopies?: Record<string, MemberCopy>;
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
  /**
   * Destination: the cycle the source opened and ships into, with its staging copy per local
   * volume. Recorded before the staging is made, so a restart knows what to drop (the cycle will
   * not commit: the source's shipping broke with the link).
   */
  openCycle: { cycle: number; stagingIds: Record<string, string> } | null;
  /**
   * Destination of a synchronous session: a mirrored write or trim it acknowledged could not be
   * applied at this base. Mirrored calls are refused until a resync commits a new base (which
   * holds everything the lost write would have changed), across a restart too.
   */
  mirroredWriteLost: { baseCycle: number; reason: string } | null;
  // The facts below used to live in memory beside the record (SessionRuntime sets); a restart
  // had to guess them. Records written before they existed get them from migrateSession.
  /**
   * Whether hosts may write this side's volumes (the volumes' isReplicationDestination is its
   * negation). A destination never is; a source is, except while it hands over in a failover.
   */
  hostWritable: boolean;
  /** Synchronous source in step: host writes are mirrored to the peer (state OK). */
  mirroring: boolean;
  /** Synchronous source, split mode Manual, path down: host writes fail until the path returns or an operator suspends. */
  hostWritesRefused: boolean;
  /** A running cycle is to stop shipping, and its failure halts nothing (pause, suspend, role change, deletion). */
  stopRequested: boolean;
  /** A normal REC suspend waits for its final cycle. */
  suspendPending: boolean;
  /** A REC buffer-overload halt is queued behind the running cycle (when it was detected). */
  haltPending: { atMs: number } | null;
  /**
   * REC resumes of the pair, numbered by the source: on the source, the number of the last one it
   * began; on the destination, the number of the last one whose rollback it applied. A summary of
   * the source older than that rollback says nothing of the resume (peer_summary rows).
   */
  recResumes: number;
  /** Source: a REC resume waits for the destination's rollback (the source still shows Suspended). */
  resumePending: boolean;
  /**
   * Pauses and resumes of the pair, numbered by both sides: a pause or resume on either side counts
   * one more and its notice carries the count; a side that hears a higher count takes it. A state
   * notice carrying a lower count was sent before its sender heard of this side's latest pause or
   * resume, and moves nothing (peer_state rows); send times are on two clocks and cannot say it.
   */
  pauseResumes: number;
}

/** The facts a record written before they existed gets (what the old in-memory sets held at a start). */
export function migrateSession(s: ReplicationSession): ReplicationSession {
  const r = s as Partial<ReplicationSession> & ReplicationSession;
  return {
    ...s,
    hostWritable: r.hostWritable ?? s.role === 'Source',
    mirroring: r.mirroring ?? false,
    hostWritesRefused: r.hostWritesRefused ?? false,
    stopRequested: r.stopRequested ?? s.state === 'Deleting',
    suspendPending: r.suspendPending ?? false,
    haltPending: r.haltPending ?? null,
    recResumes: r.recResumes ?? 0,
    resumePending: r.resumePending ?? false,
    pauseResumes: r.pauseResumes ?? 0,
    openCycle: r.openCycle ?? null,
    mirroredWriteLost: r.mirroredWriteLost ?? null,
  };
}

/** Whether a record lacks any of the facts migrateSession fills in. */
export function needsMigration(s: ReplicationSession): boolean {
  const r = s as Partial<ReplicationSession>;
  return r.hostWritable === undefined || r.mirroring === undefined || r.hostWritesRefused === undefined || r.stopRequested === undefined || r.suspendPending === undefined || r.haltPending === undefined || r.recResumes === undefined || r.resumePending === undefined || r.pauseResumes === undefined || r.openCycle === undefined || r.mirroredWriteLost === undefined;
}

/** What the creator of a session decides; everything else starts from newSession's defaults. */
export type NewSessionFields = Pick<
  ReplicationSession,
  | 'id'
  | 'role'
  | 'resourceType'
  | 'localResourceId'
  | 'remoteResourceId'
  | 'remoteSystemId'
  | 'peerSystemId'
  | 'replicationRuleId'
  | 'transferMode'
  | 'splitMode'
  | 'recoveryMode'
  | 'number'
  | 'remoteNumber'
  | 'remoteVolume'
  | 'rpoSeconds'
  | 'elementPairs'
  | 'createdAtMs'
> &
  Partial<ReplicationSession>;

/** A session that has not synchronized yet: no common base, no cycle, no error. */
export function newSession(fields: NewSessionFields): ReplicationSession {
  return {
    state: 'Initializing',
    pausedByUser: false,
    baseCycle: 0,
    generation: 0,
    lastSyncMs: null,
    lastSyncDurationMs: null,
    nextSyncMs: null,
    progressPercentage: null,
    estimatedCompletionMs: null,
    failoverTest: null,
    errorCode: null,
    pendingCycle: null,
    pendingCommit: null,
    openCycle: null,
    mirroredWriteLost: null,
    hostWritable: fields.role === 'Source',
    mirroring: false,
    hostWritesRefused: false,
    stopRequested: false,
    suspendPending: false,
    haltPending: null,
    recResumes: 0,
    resumePending: false,
    pauseResumes: 0,
    ...fields,
  };
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
