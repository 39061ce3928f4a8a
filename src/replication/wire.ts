// RPC methods and message shapes between two systems' replication layers.
import type { Extent } from '../core/ports.ts';
import type { Volume } from '../core/model.ts';
import type { RecoveryMode, SessionState, SplitMode, TransferMode } from '../core/replication/model.ts';

export const RPC = {
  createDestination: 'repl.createDestination',
  deleteSession: 'repl.deleteSession',
  /** The source's create failed after the destination was made: the destination removes all of it. */
  cancelDestination: 'repl.cancelDestination',
  cycleBegin: 'repl.cycle.begin',
  cycleExtents: 'repl.cycle.extents',
  cycleCommit: 'repl.cycle.commit',
  cycleAbort: 'repl.cycle.abort',
  /** The source group's members changed: the destination follows at once, between cycles. */
  members: 'repl.members',
  becomeSource: 'repl.becomeSource',
  becomeDestination: 'repl.becomeDestination',
  sessionStates: 'repl.sessionStates',
  setState: 'repl.setState',
  recCreateDestination: 'rec.createDestination',
  recCreateOnSource: 'rec.createOnSource',
  recSuspend: 'rec.suspend',
  recSuspended: 'rec.suspended',
  recResume: 'rec.resume',
  recRollback: 'rec.rollback',
  recReverse: 'rec.reverse',
  recSetModes: 'rec.setModes',
  syncWrite: 'repl.sync.write',
  syncTrim: 'repl.sync.trim',
  syncFlush: 'repl.sync.flush',
  syncCheckpoint: 'repl.sync.checkpoint',
  syncGrow: 'repl.sync.grow',
  syncSnapshot: 'repl.sync.snapshot',
  syncDiverged: 'repl.sync.diverged',
} as const;

export interface MemberSpec {
  sourceVolumeId: string;
  /** The destination volume, or null for a member new since the last cycle. */
  remoteVolumeId: string | null;
  name: string;
  sizeBytes: number;
  /** The source volume's number (ETERNUS volume_id), for the destination's copy-session view. */
  number?: number;
  /** Volume group sessions: the source's copy session number for this member. */
  copyNumber?: number;
}

/** What the destination tells the source about one member (create and cycle begin). */
export interface MemberResult {
  sourceVolumeId: string;
  remoteVolumeId: string;
  remoteVolumeNumber?: number;
  remoteVolumeName?: string;
  /** Volume group sessions: the destination's copy session number for this member. */
  copyNumber?: number;
}

export interface CreateDestinationParams {
  sessionId: string;
  resourceType: 'volume' | 'volume_group';
  /** The source's volume or group id: the destination's remote_resource_id from the start. */
  sourceResourceId: string;
  resourceName: string;
  groupIsWriteOrderConsistent: boolean;
  members: MemberSpec[];
  rpoSeconds: number;
  transferMode: string;
  policy: { id: string; name: string; description: string | null } | null;
  rule: { id: string; name: string; rpo: string; alertThresholdMinutes: number } | null;
  /** The source's copy session number. */
  number?: number;
}

export interface CreateDestinationResult {
  remoteResourceId: string;
  members: MemberResult[];
  /** The destination's copy session number. */
  number?: number;
}

/** ETERNUS REC: pair an existing volume on the destination box with a source volume. */
export interface RecCreateDestinationParams {
  sessionId: string;
  number: number;
  source: { volumeId: string; number: number; name: string; sizeBytes: number };
  destinationVolumeNumber: number;
  transferMode: string;
  splitMode: string;
  recoveryMode: string;
}

export interface RecCreateDestinationResult {
  number: number;
  volumeId: string;
  volumeName: string;
}

export interface CycleBeginParams {
  sessionId: string;
  cycle: number;
  baseCycle: number;
  members: MemberSpec[];
  /** The source's volume or group id; a destination recorded before it was sent learns it here. */
  sourceResourceId?: string;
}

export interface MembersParams {
  sessionId: string;
  members: MemberSpec[];
}

export interface CycleBeginResult {
  ok: boolean;
  destinationBaseCycle: number;
  members: MemberResult[];
}

export interface CycleExtentsParams {
  sessionId: string;
  cycle: number;
  remoteVolumeId: string;
  /** Data extents take their bytes from the payload, in order; zero extents unmap. */
  extents: Extent[];
}

export interface SessionStateSummary {
  id: string;
  role: 'Source' | 'Destination';
  generation: number;
  state: SessionState;
  baseCycle: number;
  /** A Suspended source whose REC resume waits for the peer's rollback answer (its resumePending): Suspended may be over any moment. */
  resuming?: boolean;
  /** The sender's REC resume number (model.ts recResumes); peers that predate it send none. */
  recResumes?: number;
  /** The pauses and resumes the sender knew of (model.ts pauseResumes); peers that predate it send none. */
  pauseResumes?: number;
  /** A REC's modes as the sender records them; a destination takes its source's (a modify cut short). */
  modes?: { transferMode: TransferMode; splitMode: SplitMode; recoveryMode: RecoveryMode };
  /** The cause of a System_Paused sender's halt (model.ts errorCode): a destination takes a buffer-overload halt its notice missed. Peers that predate it send none. */
  errorCode?: string;
  errorAtMs?: number | null;
}

/** A user or scheduled snapshot of the source that this cycle's cut stands for. */
export interface ReplicatedSnapshot {
  name: string;
  description: string | null;
  creatorType: Volume['creatorType'];
  createdByRuleName: string | null;
  expirationTimestampMs: number | null;
  sourceTimestampMs: number;
}
