// What one running system is made of, as the API adapters see it. Only types: the composition
// root (system.ts) builds these and hands them to the adapters, which import this file and never
// system.ts, so no adapter depends on the composition root.
import type { CoreContext } from './core/context.ts';
import type { HostService } from './core/hosts.ts';
import type { IoStats } from './core/io-stats.ts';
import type { ProtectionService } from './core/protection.ts';
import type { SnapshotScheduler } from './core/snapshot-scheduler.ts';
import type { VolumeGroupService } from './core/volume-groups.ts';
import type { VolumeService } from './core/volumes.ts';
import type { JobRunner } from './jobs/job-runner.ts';
import type { NbdServer } from './nbd/server.ts';
import type { Observability } from './observe/observability.ts';
import type { HeartbeatMonitor } from './peer/heartbeat.ts';
import type { PeerEndpoint } from './peer/endpoint.ts';
import type { CopyStats } from './replication/copy-stats.ts';
import type { MirroredIo } from './replication/mirrored-io.ts';
import type { RemoteSystemService } from './replication/remote-systems.ts';
import type { ReplicationService } from './replication/service.ts';
import type { UserDirectory } from './security/users.ts';

export interface Services {
  ctx: CoreContext;
  volumes: VolumeService;
  groups: VolumeGroupService;
  hosts: HostService;
  protection: ProtectionService;
  scheduler: SnapshotScheduler;
  jobs: JobRunner;
  users: UserDirectory;
  nbd: NbdServer;
  /** Host I/O as NBD uses it: the BlockStore with synchronous replication wrapped around it. */
  io: MirroredIo;
  /** Host I/O counted per volume (NBD), for the performance metrics. */
  ioStats: IoStats;
  /** Data shipped and still to ship per source session, for the copy metrics. */
  copyStats: CopyStats;
  remotes: RemoteSystemService;
  replication: ReplicationService;
  peer: PeerEndpoint;
  heartbeat: HeartbeatMonitor;
  observe: Observability;
}
