// What the console's server side reads of the system: core services and ports only, handed over
// by the composition root (system.ts), as for the other APIs (api/*/ports.ts). It only reads:
// every change the console makes goes through the dialects' own routes.
import type { Clock } from '../../core/clock.ts';
import type { MetaReader } from '../../core/meta-store.ts';
import type { SystemIdentity } from '../../core/model.ts';
import type { BlockStore } from '../../core/ports.ts';
import type { CopyHistory, RemoteSystemCommands, ReplicationCommands } from '../../core/replication/commands.ts';
import type { Observability } from '../../observe/observability.ts';

export interface ConsoleServices {
  identity: SystemIdentity;
  clock: Clock;
  records: MetaReader;
  /** Capacity figures. */
  engine: Pick<BlockStore, 'stats' | 'freeBytes'>;
  remotes: Pick<RemoteSystemCommands, 'list'>;
  replication: Pick<ReplicationCommands, 'list' | 'hasBacklog' | 'uncopiedBytes'>;
  copyStats: Pick<CopyHistory, 'samples'>;
  observe: Pick<Observability, 'hub' | 'events' | 'lagHistory'>;
}

/** What only the composition root knows: the link's view, the NBD address, replication's own volumes. */
export interface ConsoleSources {
  connectionState(peerSystemId: string): string;
  roundTripSeconds(peerSystemId: string): number | null;
  /** Active peer link faults (delay, drop, bandwidth, link_down), as the control API lists them. */
  peerFaults(): ReadonlyArray<{ kind: string; peerSystemId?: string }>;
  nbd(): { host: string; port: number };
  /** Volumes replication keeps for itself (cycle snapshots, staging copies): not counted for people. */
  internalVolumeIds(): ReadonlySet<string>;
}
