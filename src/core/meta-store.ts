// The metadata repository port. Synchronous by design: better-sqlite3 is synchronous, and a
// synchronous transaction lets a service validate and commit in one event-loop turn, so
// concurrent requests cannot interleave between the check and the write.
import type { IndexedKind, MetaIndexName } from './meta-indexes.ts';
import type { Kind, Kinds } from './model.ts';

export interface MetaStore {
  get<K extends Kind>(kind: K, id: string): Kinds[K] | undefined;
  list<K extends Kind>(kind: K): Kinds[K][];
  /** Like get without copying, for read-only lookups on hot paths: callers must not mutate. */
  getShared<K extends Kind>(kind: K, id: string): Readonly<Kinds[K]> | undefined;
  /** Like list without copying, for read-only scans on hot paths: callers must not mutate. */
  listShared<K extends Kind>(kind: K): readonly Kinds[K][];
  /**
   * The records found under `key` in one of META_INDEXES (core/meta-indexes.ts), without copying
   * (callers must not mutate); sees the open transaction's writes like getShared. Costs the number
   * of records found, not the number stored: hot paths look up with this instead of scanning.
   */
  findShared<I extends MetaIndexName>(index: I, key: string): readonly Kinds[IndexedKind<I>][];
  put<K extends Kind>(kind: K, doc: Kinds[K]): void;
  delete(kind: Kind, id: string): void;
  /** Runs fn atomically: all puts and deletes inside land together or not at all. */
  transaction<T>(fn: () => T): T;
  getSetting(key: string): string | undefined;
  setSetting(key: string, value: string): void;
  close(): void;
}

/** A read-only view of the records, for the API dialects' collections and lookups: changes go through the services. */
export type MetaReader = Pick<MetaStore, 'get' | 'list' | 'getShared' | 'listShared' | 'findShared'>;
