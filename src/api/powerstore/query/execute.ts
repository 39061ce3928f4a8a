// Evaluation of a parsed query over rows the routes layer supplies: filter, order, page, and only
// then project, so rows that are filtered out or outside the page are never turned into JSON.
import { invariant } from '../../../core/errors.ts';
import { compileFilters } from './filter-compile.ts';
import { sortRows } from './order.ts';
import { sliceForWindow } from './paging.ts';
import { checkSelect } from './select-check.ts';
import { projectRow, type Projected } from './project.ts';
import type { CollectionResult, ParsedQuery, ResourceRegistry, ResourceSchema, Row } from './types.ts';

function schemaOf(registry: ResourceRegistry, resource: string): ResourceSchema {
  const schema = Object.hasOwn(registry, resource) ? registry[resource] : undefined;
  if (!schema) throw new Error(`query registry: no schema for resource '${resource}'`);
  return schema;
}

/** GET /<resource>: 200 with every row, or 206 with Content-Range for a partial window. */
export function executeCollectionQuery(
  rows: readonly Row[],
  resource: string,
  registry: ResourceRegistry,
  query: ParsedQuery,
): CollectionResult {
  const schema = schemaOf(registry, resource);
  checkSelect(query.select, schema, registry);
  const matches = compileFilters(query.filters, schema, registry);
  const filtered = query.filters.length === 0 ? rows : rows.filter(matches);
  const ordered = query.order.length === 0 ? filtered : sortRows(filtered, query.order, schema, registry);
  const slice = sliceForWindow(ordered.length, query.page);
  const body: Projected[] = [];
  for (let i = slice.startIndex; i < slice.endIndex; i++) {
    body.push(projectRow(ordered[i], schema, registry, query.select));
  }
  invariant(body.length <= query.page.limitRows, 'a page never exceeds its limit');
  return slice.contentRange === undefined
    ? { status: slice.status, body }
    : { status: slice.status, body, contentRange: slice.contentRange };
}

/** GET /<resource>/<id>: select applies; filters, order and paging do not. */
export function projectInstance(row: Row, resource: string, registry: ResourceRegistry, query: ParsedQuery): Projected {
  const schema = schemaOf(registry, resource);
  checkSelect(query.select, schema, registry);
  return projectRow(row, schema, registry, query.select);
}
