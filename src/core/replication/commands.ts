// What the API dialects may ask of replication: the commands on sessions and remote systems, and
// the figures they show. A port in core, implemented by src/replication (ReplicationService,
// RemoteSystemService, CopyStats) and handed to the dialects by the composition root, so that no
// dialect imports src/replication or src/peer (.dependency-cruiser.cjs, `api-through-ports`).
// The parameter shapes live here, and replication re-exports them.
import type { RecBufferSettings } from './rec-buffer.ts';
import type { RecoveryMode, RemoteSystem, ReplicationSession, SplitMode, TransferMode } from './model.ts';
import type { RecModes } from './rules.ts';

/** The state of the data link to a peer, as PowerStore names it. */
export type ConnectionState = 'OK' | 'Complete_Data_Connection_Loss' | 'Initializing';

export interface FailoverOptions {
  isPlanned: boolean;
  reverse: boolean;
  force: boolean;
  useTestCopy: boolean;
  failoverSnapshotId: string | null;
}

/** An ETERNUS REC session to create (research §2.4); the caller checked the modes. */
export interface RecCreateSpec {
  localVolumeId: string;
  remoteSystemId: string;
  destinationVolumeNumber: number;
  transferMode: TransferMode;
  splitMode: SplitMode;
  recoveryMode: RecoveryMode;
}

/** A REC create sent to the destination box, forwarded to the source box. */
export interface RecCreateOnSourceParams {
  sourceVolumeNumber: number;
  destinationVolumeNumber: number;
  transferMode: TransferMode;
  splitMode: SplitMode;
  recoveryMode: RecoveryMode;
}

/** What one system offers another while pairing (/tandem/v1/peer/exchange, both ways). */
export interface ExchangeOffer {
  system_id: string;
  name: string;
  serial_number: string;
  box_id: string;
  version: string;
  cert_pem: string;
  address: string;
  management_port: number;
  peer_port: number;
}

/** One closed interval of a source session's copy: data shipped, and still to ship at its end. */
export interface CopySample {
  endMs: number;
  durationMs: number;
  remoteSystemId: string;
  transferredBytes: number;
  remainingBytes: number;
}

/** The session commands and views of both dialects. */
export interface ReplicationCommands {
  list(): ReplicationSession[];
  /** Like list without copying: callers must not mutate. */
  listShared(): readonly ReplicationSession[];
  get(id: string): ReplicationSession;
  sync(id: string): Promise<void>;
  pause(id: string): Promise<void>;
  resume(id: string): Promise<void>;
  failover(id: string, options: FailoverOptions): Promise<void>;
  reprotect(id: string): Promise<void>;
  startFailoverTest(id: string, snapshotId: string | null): Promise<void>;
  stopFailoverTest(id: string, createEndOfTestSnapshot: boolean): Promise<string | null>;
  /** Whether the source holds changes the destination does not have yet. */
  hasBacklog(s: ReplicationSession): boolean;
  isSuspending(id: string): boolean;
  trackedBytes(s: ReplicationSession, onlyVolumeId?: string): number;
  uncopiedBytes(id: string): number | null;
  /** Resolves when the peer answers; throws (and halts its sessions) when the link fails. */
  pingPeer(peerSystemId: string): Promise<void>;
  createRec(spec: RecCreateSpec): Promise<ReplicationSession>;
  createRecOnSourceBox(peerSystemId: string, params: RecCreateOnSourceParams): Promise<ReplicationSession>;
  recSuspend(id: string, force: boolean): Promise<{ completion: Promise<void> }>;
  recResume(id: string): Promise<void>;
  recReverse(id: string): Promise<void>;
  recModify(id: string, change: Partial<RecModes>): Promise<RecModes>;
  recDelete(id: string, force: boolean): Promise<void>;
  readonly recBuffer: Pick<RecBufferSettings, 'get' | 'set'>;
}

/** Remote systems: pairing and its records. */
export interface RemoteSystemCommands {
  list(): RemoteSystem[];
  get(id: string): RemoteSystem;
  create(input: { managementAddress: string; managementPort?: number; description?: string | null; dataNetworkLatency?: string }): Promise<RemoteSystem>;
  modify(id: string, input: { description?: string | null; dataNetworkLatency?: string; managementAddress?: string }): Promise<RemoteSystem>;
  delete(id: string): Promise<void>;
  verify(id: string): Promise<void>;
  /** x509_certificate/exchange: swaps certificates with the system at address:port. */
  exchange(input: { address: string; port: number; username: string; password: string }): Promise<void>;
  /** The other half of exchange, called by the peer. */
  acceptExchange(offer: ExchangeOffer): ExchangeOffer;
  isReferenced(remoteSystemId: string): boolean;
}

/** The copy history PowerStore's copy metrics read. */
export interface CopyHistory {
  samples(sessionId: string): readonly CopySample[];
  byRemoteSystem(remoteSystemId: string): readonly CopySample[];
}
