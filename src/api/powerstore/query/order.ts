// `order=<attr>[.asc|.desc][.nullsfirst|.nullslast],...` (research §2.3). Strings sort
// case-insensitively (the guide says so for name; we do it for every string). Nulls follow
// PostgreSQL: last when ascending, first when descending, unless a nulls modifier says otherwise.
import { compileAccessor, ManyValues, parseAttrPath } from './attr-path.ts';
import { compareForOrder } from './compare.ts';
import { QueryError } from './errors.ts';
import type { AttrPath, OrderKey, ResourceRegistry, ResourceSchema, Row } from './types.ts';

const MODIFIERS: ReadonlySet<string> = new Set(['asc', 'desc', 'nullsfirst', 'nullslast']);

export function parseOrder(text: string): OrderKey[] {
  const keys: OrderKey[] = [];
  for (const rawItem of text.split(',')) {
    const item = rawItem.trim();
    if (item === '') continue;
    const segments = item.split('.');
    const modifiers: string[] = [];
    while (segments.length > 1 && MODIFIERS.has(segments[segments.length - 1]!.toLowerCase())) {
      modifiers.unshift(segments.pop()!.toLowerCase());
    }
    const descending = modifiers.includes('desc');
    if (descending && modifiers.includes('asc')) throw orderError(`Invalid order '${item}': both asc and desc.`);
    const nullsFirst = modifiers.includes('nullsfirst') || (descending && !modifiers.includes('nullslast'));
    keys.push({ path: parsePath(segments.join('.'), item), descending, nullsFirst });
  }
  return keys;
}

function parsePath(raw: string, item: string): AttrPath {
  try {
    return parseAttrPath(raw);
  } catch (error) {
    if (error instanceof QueryError) throw orderError(`Invalid order '${item}': ${error.message}`);
    throw error;
  }
}

function orderError(message: string): QueryError {
  return new QueryError(400, 'ORDER_INVALID', message, 'order');
}

/**
 * Sorts a copy. Keys are read once per row before sorting (decorate, sort, undecorate), so a
 * costly fields() runs n times, not n log n, and strings are lowercased once per row rather than
 * once per comparison. Array.prototype.sort is stable: ties keep input order, which makes pages
 * of one query consistent with each other.
 */
export function sortRows(
  rows: readonly Row[],
  keys: readonly OrderKey[],
  schema: ResourceSchema,
  registry: ResourceRegistry,
): Row[] {
  if (keys.length === 0) return rows.slice();
  const accessors = keys.map((key) => wrapOrderError(() => compileAccessor(key.path, schema, registry)));
  const decorated: Decorated[] = rows.map((row) => ({ row, keys: accessors.map((read) => sortKey(read(row))) }));
  const count = keys.length;
  decorated.sort((a, b) => {
    for (let i = 0; i < count; i++) {
      const sign = compareKey(a.keys[i]!, b.keys[i]!, keys[i]!);
      if (sign !== 0) return sign;
    }
    return 0;
  });
  return decorated.map((d) => d.row);
}

interface Decorated {
  row: Row;
  keys: SortKey[];
}

/**
 * A value ready for comparison: rank orders types (null apart), primary is the lowercased
 * string or the number, raw breaks ties between strings equal but for case.
 */
interface SortKey {
  rank: number;
  primary: string | number;
  raw: unknown;
}

const RANK_NULL = -1;
const RANK_NUMBER = 0;
const RANK_STRING = 2;
const RANK_OTHER = 3;

/** A one-to-many path has no single value to sort by; it sorts as null. */
function sortKey(value: unknown): SortKey {
  if (value === null || value === undefined || value instanceof ManyValues) {
    return { rank: RANK_NULL, primary: 0, raw: null };
  }
  if (typeof value === 'string') return { rank: RANK_STRING, primary: value.toLowerCase(), raw: value };
  if (typeof value === 'number') return { rank: RANK_NUMBER, primary: value, raw: value };
  return { rank: RANK_OTHER, primary: 0, raw: value };
}

function wrapOrderError<T>(compile: () => T): T {
  try {
    return compile();
  } catch (error) {
    if (error instanceof QueryError) throw orderError(error.message);
    throw error;
  }
}

function compareKey(a: SortKey, b: SortKey, key: OrderKey): number {
  if (a.rank === RANK_NULL || b.rank === RANK_NULL) {
    if (a.rank === b.rank) return 0;
    return (a.rank === RANK_NULL) === key.nullsFirst ? -1 : 1;
  }
  let sign: number;
  if (a.rank !== b.rank || a.rank === RANK_OTHER) sign = compareForOrder(a.raw, b.raw);
  else if (a.primary !== b.primary) sign = a.primary < b.primary ? -1 : 1;
  else sign = a.raw === b.raw ? 0 : (a.raw as string) < (b.raw as string) ? -1 : 1;
  return key.descending ? -sign : sign;
}
