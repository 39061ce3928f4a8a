// The secondary indexes the metadata store keeps in memory, so that the lookups made on every
// create, cycle and restart are a map read and not a scan of every record: with 5,000 protected
// volumes a scan per operation made creating slow down linearly (issue 14). An index maps a key
// (a field's value) to the ids of the records holding it; the store keeps it up to date on every
// commit (MetaStore.findShared). Add one here when a hot path needs a lookup by another field.
import type { Kind, Kinds } from './model.ts';

interface IndexSpec<K extends Kind> {
  kind: K;
  /** The keys a record is found under (none: not in the index). Must be pure. */
  keys(doc: Kinds[K]): readonly string[];
}

/** The one key of volumeExpiring. */
export const EXPIRING = 'expiring';

const spec = <K extends Kind>(kind: K, keys: (doc: Kinds[K]) => readonly string[]): IndexSpec<K> => ({ kind, keys });

export const META_INDEXES = {
  /** Volume names are unique per system (case-sensitive). */
  volumeByName: spec('volume', (v) => [v.name]),
  /** ETERNUS addresses volumes by number. */
  volumeByNumber: spec('volume', (v) => [String(v.number)]),
  /** Volumes by protection policy (the snapshot scheduler visits those of policies with snapshot rules). */
  volumeByPolicy: spec('volume', (v) => (v.protectionPolicyId ? [v.protectionPolicyId] : [])),
  /** Volumes with an expiration time, under one key: what the snapshot scheduler may expire. */
  volumeExpiring: spec('volume', (v) => (v.expirationTimestampMs !== null ? [EXPIRING] : [])),
  /** Snapshots and clones of a volume. */
  volumeBySource: spec('volume', (v) => (v.sourceId ? [v.sourceId] : [])),
  /** The session holding a resource or a volume: its local resource and every pair's local volume. */
  sessionByLocalId: spec('replication_session', (s) => {
    const ids = new Set([s.localResourceId, ...s.elementPairs.map((p) => p.localVolumeId)]);
    return [...ids];
  }),
  /** ETERNUS copy session numbers: a session's own, and each group member's. */
  sessionByNumber: spec('replication_session', (s) => [...new Set([String(s.number), ...Object.values(s.memberCopies ?? {}).map((c) => String(c.number))])]),
  /** Sessions by transfer mode (synchronous routes are derived from the Synchronous ones only). */
  sessionByMode: spec('replication_session', (s) => [s.transferMode]),
} as const;

export type MetaIndexName = keyof typeof META_INDEXES;
/** The kind of record an index holds. */
export type IndexedKind<I extends MetaIndexName> = (typeof META_INDEXES)[I]['kind'];

type KeysOf = (doc: unknown) => readonly string[];
const byKind = new Map<string, Array<[MetaIndexName, KeysOf]>>();
for (const [name, s] of Object.entries(META_INDEXES) as Array<[MetaIndexName, IndexSpec<Kind>]>) {
  let list = byKind.get(s.kind);
  if (!list) byKind.set(s.kind, (list = []));
  list.push([name, s.keys as KeysOf]);
}

/** The indexes of one kind of record, each with how it keys a record (used by the stores). */
export function indexesOf(kind: string): ReadonlyArray<[MetaIndexName, KeysOf]> {
  return byKind.get(kind) ?? [];
}
