// What the ETERNUS dialect uses of the system: core services and ports only, handed over by the
// composition root (system.ts). No route reaches the metadata store (records is read-only; every
// change goes through a service), the engine (only its figures), replication's internals or the
// peer link (a ping goes through ReplicationCommands.pingPeer).
import type { Clock } from '../../core/clock.ts';
import type { MetaReader, MetaStore } from '../../core/meta-store.ts';
import type { SystemIdentity } from '../../core/model.ts';
import type { BlockStore } from '../../core/ports.ts';
import type { RemoteSystemCommands, ReplicationCommands } from '../../core/replication/commands.ts';
import type { VolumeService } from '../../core/volumes.ts';
import type { JobRunner } from '../../jobs/job-runner.ts';
import type { Observability } from '../../observe/observability.ts';
import type { UserDirectory } from '../../security/users.ts';

export interface EternusServices {
  identity: SystemIdentity;
  clock: Clock;
  /** Collections and lookups by id. */
  records: MetaReader;
  /** Where the dialect keeps its next job number, so that ids are not reused across restarts. */
  settings: Pick<MetaStore, 'getSetting' | 'setSetting'>;
  /** The engine's figures (storagesystem capacity). */
  engine: Pick<BlockStore, 'stats'>;
  volumes: VolumeService;
  jobs: Pick<JobRunner, 'submit' | 'get' | 'list' | 'drain' | 'forget'>;
  users: Pick<UserDirectory, 'authenticate' | 'get'>;
  observe: Pick<Observability, 'hub' | 'metrics'>;
  remotes: Pick<RemoteSystemCommands, 'list'>;
  replication: Pick<
    ReplicationCommands,
    | 'list'
    | 'listShared'
    | 'get'
    | 'hasBacklog'
    | 'isSuspending'
    | 'trackedBytes'
    | 'uncopiedBytes'
    | 'pingPeer'
    | 'createRec'
    | 'createRecOnSourceBox'
    | 'recSuspend'
    | 'recResume'
    | 'recReverse'
    | 'recModify'
    | 'recDelete'
  >;
}
