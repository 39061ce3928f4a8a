// parseQuery: the whole querystring of a PowerStore GET (or the is_async flag of a write) in one
// pass. Reserved names are select, order, limit, offset and is_async (plus `async`, which one
// table of the guide uses); every other parameter is a filter (research §2.2).
import { QueryError } from './errors.ts';
import { parseFilterParam } from './filter-parse.ts';
import { parseOrder } from './order.ts';
import { pageWindow } from './paging.ts';
import { defaultSelect, parseSelect } from './select.ts';
import type { FilterNode, ParsedQuery, SelectNode } from './types.ts';

export interface ParseQueryOptions {
  /** The request's Range header, if any. */
  rangeHeader?: string;
}

const RESERVED: ReadonlySet<string> = new Set(['select', 'order', 'limit', 'offset', 'is_async', 'async']);

export function parseQuery(search: URLSearchParams | string, options: ParseQueryOptions = {}): ParsedQuery {
  const params = typeof search === 'string' ? new URLSearchParams(search.replace(/^\?/, '')) : search;
  const selects: string[] = [];
  const orders: string[] = [];
  const filters: FilterNode[] = [];
  let limitText: string | undefined;
  let offsetText: string | undefined;
  let isAsync = false;
  for (const [key, value] of params) {
    if (!RESERVED.has(key)) {
      filters.push(parseFilterParam(key, value));
      continue;
    }
    // Repeated select/order lists add up; a repeated limit/offset/is_async takes the last value.
    if (key === 'select') selects.push(value);
    else if (key === 'order') orders.push(value);
    else if (key === 'limit') limitText = value;
    else if (key === 'offset') offsetText = value;
    else isAsync = parseBooleanFlag(key, value);
  }
  return {
    select: selectOf(selects),
    filters,
    order: orders.length === 0 ? [] : parseOrder(orders.join(',')),
    page: pageWindow(limitText, offsetText, options.rangeHeader),
    isAsync,
  };
}

function selectOf(selects: string[]): SelectNode {
  const text = selects.join(',');
  if (text.trim() === '') return defaultSelect();
  const node = parseSelect(text);
  return node.star || node.fields.size > 0 ? node : defaultSelect();
}

/** `is_async=true` (PyPowerStore) and `is_async=True` (Cinder); a bare `is_async` means true. */
function parseBooleanFlag(key: string, value: string): boolean {
  const lower = value.trim().toLowerCase();
  if (lower === 'true' || lower === '') return true;
  if (lower === 'false') return false;
  throw new QueryError(400, 'PARAM_INVALID', `Invalid ${key} '${value}': expected true or false.`, key);
}
