// MetaStore over better-sqlite3: one table of JSON documents per (kind, id), cached in memory.
// Reads come from the cache; writes inside a transaction are staged and become visible to other
// callers only after the SQLite transaction commits, so a failed operation leaves nothing behind.
import Database from 'better-sqlite3';
import { indexesOf, META_INDEXES, type IndexedKind, type MetaIndexName } from '../core/meta-indexes.ts';
import type { MetaStore } from '../core/meta-store.ts';
import type { Kind, Kinds } from '../core/model.ts';

type Doc = { id: string };
const DELETED = Symbol('deleted');
type Staged = Map<string, Map<string, Doc | typeof DELETED>>;

/**
 * Called after a transaction committed, once per document it put or deleted: `before` is the
 * document as it was (undefined when created), `after` as it is now (undefined when deleted).
 * Listeners must not mutate either; they run after the transaction, so they may write themselves.
 */
export type CommitListener = (kind: string, id: string, before: unknown, after: unknown) => void;

const MIGRATIONS = [
  `CREATE TABLE IF NOT EXISTS objects (kind TEXT NOT NULL, id TEXT NOT NULL, doc TEXT NOT NULL, PRIMARY KEY (kind, id))`,
  `CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT NOT NULL)`,
];

export class SqliteMetaStore implements MetaStore {
  private readonly db: Database.Database;
  private readonly cache = new Map<string, Map<string, Doc>>();
  private staged: Staged | null = null;
  private readonly upsert: Database.Statement;
  private readonly remove: Database.Statement;
  private readonly settingPut: Database.Statement;
  private readonly commitListeners = new Set<CommitListener>();
  /** Per index (META_INDEXES): key -> ids of the committed records found under it. */
  private readonly indexes = new Map<MetaIndexName, Map<string, Set<string>>>();

  /** `path` is a file, or ':memory:' for tests. */
  constructor(path: string) {
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    for (const sql of MIGRATIONS) this.db.exec(sql);
    this.upsert = this.db.prepare('INSERT OR REPLACE INTO objects (kind, id, doc) VALUES (?, ?, ?)');
    this.remove = this.db.prepare('DELETE FROM objects WHERE kind = ? AND id = ?');
    this.settingPut = this.db.prepare('INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)');
    for (const row of this.db.prepare('SELECT kind, id, doc FROM objects').iterate() as Iterable<{
      kind: string;
      id: string;
      doc: string;
    }>) {
      const doc = JSON.parse(row.doc) as Doc;
      this.bucket(row.kind).set(row.id, doc);
      this.reindex(row.kind, row.id, undefined, doc);
    }
  }

  get<K extends Kind>(kind: K, id: string): Kinds[K] | undefined {
    const staged = this.staged?.get(kind)?.get(id);
    if (staged === DELETED) return undefined;
    if (staged) return structuredClone(staged) as Kinds[K];
    const doc = this.cache.get(kind)?.get(id);
    return doc ? (structuredClone(doc) as Kinds[K]) : undefined;
  }

  getShared<K extends Kind>(kind: K, id: string): Readonly<Kinds[K]> | undefined {
    const staged = this.staged?.get(kind)?.get(id);
    if (staged === DELETED) return undefined;
    return (staged ?? this.cache.get(kind)?.get(id)) as Kinds[K] | undefined;
  }

  list<K extends Kind>(kind: K): Kinds[K][] {
    const merged = new Map(this.cache.get(kind) ?? []);
    for (const [id, doc] of this.staged?.get(kind) ?? []) {
      if (doc === DELETED) merged.delete(id);
      else merged.set(id, doc);
    }
    return [...merged.values()].map((d) => structuredClone(d) as Kinds[K]);
  }

  listShared<K extends Kind>(kind: K): readonly Kinds[K][] {
    if (this.staged?.get(kind)) return this.list(kind);
    return [...(this.cache.get(kind)?.values() ?? [])] as Kinds[K][];
  }

  findShared<I extends MetaIndexName>(index: I, key: string): readonly Kinds[IndexedKind<I>][] {
    const kind = META_INDEXES[index].kind;
    const staged = this.staged?.get(kind);
    const bucket = this.cache.get(kind);
    const found: Doc[] = [];
    for (const id of this.indexes.get(index)?.get(key) ?? []) {
      if (staged?.has(id)) continue; // its staged version (below) counts, or its deletion
      const doc = bucket?.get(id);
      if (doc) found.push(doc);
    }
    if (staged) {
      const keysOf = META_INDEXES[index].keys as (doc: Doc) => readonly string[];
      for (const doc of staged.values()) if (doc !== DELETED && keysOf(doc).includes(key)) found.push(doc);
    }
    return found as unknown as Kinds[IndexedKind<I>][];
  }

  put<K extends Kind>(kind: K, doc: Kinds[K]): void {
    this.transaction(() => this.stage(kind).set(doc.id, structuredClone(doc)));
  }

  delete(kind: Kind, id: string): void {
    this.transaction(() => this.stage(kind).set(id, DELETED));
  }

  /** Observes committed changes (the one place every record write passes: logs, metrics, events). */
  onCommit(listener: CommitListener): () => void {
    this.commitListeners.add(listener);
    return () => this.commitListeners.delete(listener);
  }

  transaction<T>(fn: () => T): T {
    if (this.staged) return fn(); // nested: part of the outer transaction
    this.staged = new Map();
    const changes: Array<[string, string, unknown, unknown]> = [];
    let result: T;
    try {
      const fnResult = fn();
      const staged = this.staged;
      this.db.transaction(() => {
        for (const [kind, docs] of staged) {
          for (const [id, doc] of docs) {
            if (doc === DELETED) this.remove.run(kind, id);
            else this.upsert.run(kind, id, JSON.stringify(doc));
          }
        }
      })();
      const observed = this.commitListeners.size > 0;
      for (const [kind, docs] of staged) {
        const bucket = this.bucket(kind);
        for (const [id, doc] of docs) {
          const before = bucket.get(id);
          if (observed) changes.push([kind, id, before, doc === DELETED ? undefined : doc]);
          this.reindex(kind, id, before, doc === DELETED ? undefined : doc);
          if (doc === DELETED) bucket.delete(id);
          else bucket.set(id, doc);
        }
      }
      result = fnResult;
    } finally {
      this.staged = null;
    }
    for (const [kind, id, before, after] of changes) for (const listener of this.commitListeners) listener(kind, id, before, after);
    return result;
  }

  getSetting(key: string): string | undefined {
    const row = this.db.prepare('SELECT value FROM settings WHERE key = ?').get(key) as { value: string } | undefined;
    return row?.value;
  }

  setSetting(key: string, value: string): void {
    this.settingPut.run(key, value);
  }

  close(): void {
    this.db.close();
  }

  private bucket(kind: string): Map<string, Doc> {
    let bucket = this.cache.get(kind);
    if (!bucket) this.cache.set(kind, (bucket = new Map()));
    return bucket;
  }

  /** Moves a record's entries in the indexes of its kind from its keys before to its keys after. */
  private reindex(kind: string, id: string, before: Doc | undefined, after: Doc | undefined): void {
    for (const [name, keysOf] of indexesOf(kind)) {
      const oldKeys = before ? keysOf(before) : [];
      const newKeys = after ? keysOf(after) : [];
      if (oldKeys.length === newKeys.length && oldKeys.every((k, i) => k === newKeys[i])) continue;
      let index = this.indexes.get(name);
      if (!index) this.indexes.set(name, (index = new Map()));
      for (const key of oldKeys) {
        const ids = index.get(key);
        ids?.delete(id);
        if (ids?.size === 0) index.delete(key);
      }
      for (const key of newKeys) {
        let ids = index.get(key);
        if (!ids) index.set(key, (ids = new Set()));
        ids.add(id);
      }
    }
  }

  private stage(kind: string): Map<string, Doc | typeof DELETED> {
    if (!this.staged) throw new Error('stage outside a transaction');
    let docs = this.staged.get(kind);
    if (!docs) this.staged.set(kind, (docs = new Map()));
    return docs;
  }
}
