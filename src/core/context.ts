// Everything a core service needs, injected: storage ports, time, ids, and listeners that the
// composition root uses to react to domain events (e.g. NBD drops clients of a deleted volume).
import type { Clock } from './clock.ts';
import type { CrashPoints } from './crash-points.ts';
import type { MetaStore } from './meta-store.ts';
import type { SystemIdentity, Volume } from './model.ts';
import type { MutationLock } from './mutation-lock.ts';
import type { BlockStore } from './ports.ts';

export interface IdSource {
  uuid(): string;
  /** Random hex of `bytes` bytes, for WWNs and serials. */
  hex(bytes: number): string;
}

export interface CoreListeners {
  /** A volume was deleted, renamed or became read-only: hosts attached to it must reconnect. */
  volumeExportChanged(volume: Volume, previousName: string): void;
}

export interface CoreContext {
  meta: MetaStore;
  store: BlockStore;
  clock: Clock;
  ids: IdSource;
  identity: SystemIdentity;
  lock: MutationLock;
  listeners: CoreListeners;
  /** Named crash points (crash-points.ts): absent in production, injected by the simulation. */
  crashPoints?: CrashPoints;
}

export const noListeners: CoreListeners = { volumeExportChanged: () => undefined };
