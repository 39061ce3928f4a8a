// Query parameters and list envelopes (research/eternus-api.md §1.5). `fields` names the
// properties to return (the resource id always comes back); lists are sorted by id ascending and
// paged by keyset: `next_href` repeats the query with `last_get_id=<last id returned>`.
import { ValidationError, quote } from '../../core/errors.ts';
import { ETERNUS_PAGE_ITEMS_MAX } from './limits.ts';

export type Item = Record<string, unknown>;

export interface ListQuery {
  fields: string[] | null;
  lastGetId: number | null;
}

/** Parses the query string, refusing parameters the route does not know (400). */
export function parseListQuery(url: string, allowed: readonly string[] = ['fields', 'last_get_id']): ListQuery {
  const params = new URLSearchParams(url.includes('?') ? url.slice(url.indexOf('?') + 1) : '');
  for (const key of new Set(params.keys())) {
    if (!allowed.includes(key)) throw new ValidationError(`unknown query parameter ${key}`, key);
    if (params.getAll(key).length > 1) throw new ValidationError(`query parameter ${key} is given more than once`, key);
  }
  const fieldsRaw = params.get('fields');
  const fields = fieldsRaw === null ? null : fieldsRaw.split(',').map((f) => f.trim()).filter((f) => f.length > 0);
  const lastRaw = params.get('last_get_id');
  let lastGetId: number | null = null;
  if (lastRaw !== null) {
    if (!/^\d{1,15}$/.test(lastRaw)) throw new ValidationError(`last_get_id must be a non-negative integer, got ${quote(lastRaw)}`, 'last_get_id');
    lastGetId = Number(lastRaw);
  }
  return { fields, lastGetId };
}

/** Refuses query parameters outside `allowed` (400): mutations take none unless their route names them. */
export function refuseUnknownQuery(url: string, allowed: readonly string[]): void {
  const params = new URLSearchParams(url.includes('?') ? url.slice(url.indexOf('?') + 1) : '');
  for (const key of new Set(params.keys())) {
    if (!allowed.includes(key)) throw new ValidationError(`unknown query parameter ${key}`, key);
  }
}

/** Keeps the named properties and the id; an unknown name is 400 so typos do not pass silently. */
export function project(item: Item, idField: string, fields: string[] | null): Item {
  if (fields === null) return item;
  const out: Item = {};
  if (idField in item) out[idField] = item[idField];
  for (const field of fields) {
    if (!Object.hasOwn(item, field)) throw new ValidationError(`fields names an unknown property ${field}`, 'fields');
    out[field] = item[field];
  }
  return out;
}

/** Builds the envelope for items already filtered to what the user may see. */
export function listEnvelope(url: string, resource: string, idField: string, items: Item[], query: ListQuery): Item {
  const sorted = [...items].sort((a, b) => (a[idField] as number) - (b[idField] as number));
  const after = query.lastGetId === null ? sorted : sorted.filter((i) => (i[idField] as number) > query.lastGetId!);
  const page = after.slice(0, ETERNUS_PAGE_ITEMS_MAX);
  if (query.fields !== null && page.length === 0 && sorted.length > 0) project(sorted[0]!, idField, query.fields);
  const envelope: Item = {
    total_count: sorted.length,
    list_count: page.length,
    [`${resource}_list`]: page.map((i) => project(i, idField, query.fields)),
  };
  if (after.length > page.length) envelope.next_href = nextHref(url, page[page.length - 1]![idField] as number);
  return envelope;
}

function nextHref(url: string, lastId: number): string {
  const [path, search = ''] = url.split('?', 2) as [string, string?];
  const params = new URLSearchParams(search);
  params.delete('last_get_id');
  params.append('last_get_id', String(lastId));
  // Commas stay readable (fields=number,name) as in the vendor's example.
  return `${path}?${params.toString().replace(/%2C/gi, ',')}`;
}
