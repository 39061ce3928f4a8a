// RPC methods and message shapes between two systems' replication layers.
import type { Extent } from '../core/ports.ts';

export const RPC = {
  createDestination: 'repl.createDestination',
  deleteSession: 'repl.deleteSession',
  cycleBegin: 'repl.cycle.begin',
  cycleExtents: 'repl.cycle.extents',
  cycleCommit: 'repl.cycle.commit',
  cycleAbort: 'repl.cycle.abort',
  becomeSource: 'repl.becomeSource',
  becomeDestination: 'repl.becomeDestination',
  sessionStates: 'repl.sessionStates',
  setState: 'repl.setState',
} as const;

export interface MemberSpec {
  sourceVolumeId: string;
  /** The destination volume, or null for a member new since the last cycle. */
  remoteVolumeId: string | null;
  name: string;
  sizeBytes: number;
}

export interface CreateDestinationParams {
  sessionId: string;
  resourceType: 'volume' | 'volume_group';
  resourceName: string;
  groupIsWriteOrderConsistent: boolean;
  members: MemberSpec[];
  rpoSeconds: number;
  transferMode: string;
  policy: { id: string; name: string; description: string | null } | null;
  rule: { id: string; name: string; rpo: string; alertThresholdMinutes: number } | null;
}

export interface CreateDestinationResult {
  remoteResourceId: string;
  members: { sourceVolumeId: string; remoteVolumeId: string }[];
}

export interface CycleBeginParams {
  sessionId: string;
  cycle: number;
  baseCycle: number;
  members: MemberSpec[];
}

export interface CycleBeginResult {
  ok: boolean;
  destinationBaseCycle: number;
  members: { sourceVolumeId: string; remoteVolumeId: string }[];
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
  state: string;
  baseCycle: number;
}
