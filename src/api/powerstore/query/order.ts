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
 * costly fields() runs n times, not n log n. Array.prototype.sort is stable: ties keep input order,
 * which makes pages of one query consistent with each other.
 */
export function sortRows(
  rows: readonly Row[],
  keys: readonly OrderKey[],
  schema: ResourceSchema,
  registry: ResourceRegistry,
): Row[] {
  if (keys.length === 0) return rows.slice();
  const accessors = keys.map((key) => wrapOrderError(() => compileAccessor(key.path, schema, registry)));
  const decorated = rows.map((row) => ({ row, values: accessors.map((read) => orderValue(read(row))) }));
  decorated.sort((a, b) => {
    for (let i = 0; i < keys.length; i++) {
      const sign = compareKey(a.values[i], b.values[i], keys[i]!);
      if (sign !== 0) return sign;
    }
    return 0;
  });
  return decorated.map((d) => d.row);
}

function wrapOrderError<T>(compile: () => T): T {
  try {
    return compile();
  } catch (error) {
    if (error instanceof QueryError) throw orderError(error.message);
    throw error;
  }
}

/** A one-to-many path has no single value to sort by; it sorts as null. */
function orderValue(value: unknown): unknown {
  return value instanceof ManyValues || value === undefined ? null : value;
}

function compareKey(a: unknown, b: unknown, key: OrderKey): number {
  const aNull = a === null;
  const bNull = b === null;
  if (aNull || bNull) {
    if (aNull && bNull) return 0;
    return aNull === key.nullsFirst ? -1 : 1;
  }
  const sign = compareForOrder(a, b);
  return key.descending ? -sign : sign;
}
