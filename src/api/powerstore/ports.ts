// What the PowerStore dialect uses of the system: core services and ports only, handed over by the
// composition root (system.ts). No route reaches the metadata store (records is read-only; every
// change goes through a service), the engine (only its figures), replication or the peer link.
import type { Clock } from '../../core/clock.ts';
import type { HostService } from '../../core/hosts.ts';
import type { IoStats } from '../../core/io-stats.ts';
import type { MetaReader } from '../../core/meta-store.ts';
import type { SystemIdentity } from '../../core/model.ts';
import type { BlockStore } from '../../core/ports.ts';
import type { ProtectionService } from '../../core/protection.ts';
import type { CopyHistory, ReplicationCommands, RemoteSystemCommands } from '../../core/replication/commands.ts';
import type { ChunkDifferences, DifferencesInput } from '../../core/volume-differences.ts';
import type { VolumeGroupService } from '../../core/volume-groups.ts';
import type { VolumeService } from '../../core/volumes.ts';
import type { JobRunner } from '../../jobs/job-runner.ts';
import type { Observability } from '../../observe/observability.ts';
import type { UserDirectory } from '../../security/users.ts';

export interface PowerStoreServices {
  identity: SystemIdentity;
  clock: Clock;
  /** Collections and lookups by id or name. */
  records: MetaReader;
  /** The engine's figures, for space metrics and volume views. */
  engine: Pick<BlockStore, 'stats' | 'freeBytes' | 'hasVolume' | 'mappedBytes'>;
  volumes: VolumeService;
  groups: VolumeGroupService;
  hosts: HostService;
  protection: ProtectionService;
  jobs: Pick<JobRunner, 'submit' | 'get' | 'list'>;
  users: Pick<UserDirectory, 'authenticate' | 'get' | 'list'>;
  ioStats: Pick<IoStats, 'samples' | 'totals'>;
  copyStats: CopyHistory;
  observe: Pick<Observability, 'hub' | 'events' | 'metrics'>;
  /** POST /volume/{id}/compute_differences (core/volume-differences.ts). */
  computeDifferences(volumeId: string, input: DifferencesInput): ChunkDifferences;
}

/** What the replication resources (remote_system, replication_session) use besides. */
export interface PowerStoreReplication {
  remotes: Omit<RemoteSystemCommands, 'acceptExchange'>;
  replication: Pick<ReplicationCommands, 'list' | 'listShared' | 'get' | 'sync' | 'pause' | 'resume' | 'failover' | 'reprotect' | 'startFailoverTest' | 'stopFailoverTest'>;
}
