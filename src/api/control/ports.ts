// What Tandem's control API uses of the system: core services and ports only, handed over by the
// composition root (system.ts). Pairing and the peer link's faults come as the core's ports
// (RemoteSystemCommands, PeerFaultPoint), host-write faults as NBD's fault point.
import type { PeerFaultPoint } from '../../core/faults.ts';
import type { MetaReader } from '../../core/meta-store.ts';
import type { SystemIdentity } from '../../core/model.ts';
import type { BlockStore } from '../../core/ports.ts';
import type { RemoteSystemCommands, ReplicationCommands } from '../../core/replication/commands.ts';
import type { VolumeService } from '../../core/volumes.ts';
import type { WriteFaults } from '../../nbd/write-faults.ts';
import type { Observability } from '../../observe/observability.ts';
import type { UserDirectory } from '../../security/users.ts';

export interface ControlServices {
  identity: SystemIdentity;
  /** Lookups (a volume by its ETERNUS number). */
  records: MetaReader;
  /** The engine's figures, and a garbage collection on demand. */
  engine: Pick<BlockStore, 'stats' | 'collectGarbage'>;
  volumes: Pick<VolumeService, 'get' | 'setTenant'>;
  users: Pick<UserDirectory, 'authenticate' | 'create' | 'list'>;
  observe: Pick<Observability, 'hub' | 'metrics'>;
  recBuffer: ReplicationCommands['recBuffer'];
}

/** What the replication part of the control API (pairing, fault injection) uses besides. */
export interface ControlReplication {
  remotes: Pick<RemoteSystemCommands, 'acceptExchange'>;
  peerFaults: PeerFaultPoint;
  writeFaults: Pick<WriteFaults, 'list' | 'add' | 'has' | 'remove'>;
  /** Ends this system as a site failure would; null when it runs inside another process. */
  stopAbruptly: (() => void) | null;
}
