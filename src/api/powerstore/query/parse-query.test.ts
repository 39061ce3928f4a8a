// parseQuery as a whole. Goal: reserved names are routed to their parsers, every other name is a
// filter, is_async reads the way clients write it, and a property: for random rows, filters,
// orders and page sizes, concatenating the pages gives the full ordered, filtered list.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { QueryError } from './errors.ts';
import { executeCollectionQuery } from './execute.ts';
import { parseQuery } from './parse-query.ts';
import type { ResourceRegistry } from './types.ts';

test('defaults: id-only select, no filters, no order, first page of 100, not async', () => {
  const q = parseQuery('');
  assert.deepEqual([...q.select.fields.keys()], ['id']);
  assert.equal(q.select.star, false);
  assert.deepEqual(q.filters, []);
  assert.deepEqual(q.order, []);
  assert.deepEqual(q.page, { offsetRows: 0, limitRows: 100 });
  assert.equal(q.isAsync, false);
});

test('a leading ? is accepted and URLSearchParams is accepted as is', () => {
  assert.deepEqual(parseQuery('?select=id,name&name=eq.x'), parseQuery(new URLSearchParams('select=id%2Cname&name=eq.x')));
});

test('is_async reads true, True, false; async is an alias; anything else is 400', () => {
  assert.equal(parseQuery('is_async=true').isAsync, true);
  assert.equal(parseQuery('is_async=True').isAsync, true);
  assert.equal(parseQuery('is_async=TRUE').isAsync, true);
  assert.equal(parseQuery('is_async=false').isAsync, false);
  assert.equal(parseQuery('async=true').isAsync, true);
  assert.equal(parseQuery('is_async=true').filters.length, 0);
  assert.throws(() => parseQuery('is_async=yes'), (e: unknown) => e instanceof QueryError && e.status === 400 && e.reason === 'PARAM_INVALID');
});

test('repeated select and order lists add up; a later limit wins', () => {
  const q = parseQuery('select=id&select=name,appliance(id)&order=name&order=size.desc&limit=5&limit=7');
  assert.deepEqual([...q.select.fields.keys()], ['id', 'name', 'appliance']);
  assert.deepEqual(q.order.map((k) => [k.path.field, k.descending]), [['name', false], ['size', true]]);
  assert.equal(q.page.limitRows, 7);
});

test('an empty or all-empty select means ids only', () => {
  assert.deepEqual([...parseQuery('select=').select.fields.keys()], ['id']);
  assert.deepEqual([...parseQuery('select=,,').select.fields.keys()], ['id']);
});

test('the Range option sets the window; query limit/offset still validated only without it', () => {
  assert.deepEqual(parseQuery('', { rangeHeader: '100-2100' }).page, { offsetRows: 100, limitRows: 2000 });
  assert.throws(() => parseQuery('limit=0'), (e: unknown) => e instanceof QueryError && e.status === 416);
});

test('every non-reserved name is a filter, so a malformed one is a 400 not silently ignored', () => {
  assert.equal(parseQuery('name=eq.a&type=eq.Snapshot&size=gt.1').filters.length, 3);
  assert.throws(() => parseQuery('name=a'), (e: unknown) => e instanceof QueryError && e.status === 400 && e.reason === 'FILTER_INVALID');
  assert.throws(() => parseQuery('=eq.a'), (e: unknown) => e instanceof QueryError && e.status === 400);
});

interface Item { id: string; name: string; size: number | null }
const registry: ResourceRegistry = { item: { name: 'item', fields: (row) => ({ ...(row as Item) }) } };

const itemsArb = fc.uniqueArray(
  fc.record({
    id: fc.integer({ min: 0, max: 100000 }).map((n) => `I${n}`),
    name: fc.constantFrom('a', 'A', 'b', 'B', 'vol', 'Vol', 'zz', ''),
    size: fc.option(fc.integer({ min: 0, max: 20 }), { nil: null }),
  }),
  { selector: (item) => item.id, maxLength: 120 },
);

test('property: pages concatenated in order equal the full ordered, filtered list', () => {
  fc.assert(
    fc.property(
      itemsArb,
      fc.constantFrom('', 'size=gt.5', 'name=ilike.*v*', 'or=(size.is.null,size.lt.3)', 'size=not.eq.4'),
      fc.constantFrom('', 'order=name', 'order=size.desc,name', 'order=name.desc,size,id'),
      fc.integer({ min: 1, max: 40 }),
      (items, filter, order, limit) => {
        const base = [filter, order, 'select=id,name,size'].filter((p) => p !== '').join('&');
        const run = (extra: string) => executeCollectionQuery(items, 'item', registry, parseQuery(`${base}&${extra}`));
        const full = run('limit=2000');
        assert.equal(full.status, 200);
        const pages: unknown[] = [];
        for (let offset = 0; ; offset += limit) {
          const result = run(`offset=${offset}&limit=${limit}`);
          pages.push(...result.body);
          const complete = offset === 0 && result.body.length === full.body.length;
          assert.equal(result.status, complete ? 200 : 206);
          if (!complete) {
            assert.equal(result.contentRange, `${offset}-${offset + result.body.length - 1}/${full.body.length}`);
          }
          if (offset + limit >= full.body.length) break;
        }
        assert.deepEqual(pages, full.body);
        // The filter itself, checked against a model for the simplest case.
        if (filter === 'size=gt.5') {
          assert.deepEqual(
            full.body.map((r) => r['id']).sort(),
            items.filter((i) => i.size !== null && i.size > 5).map((i) => i.id).sort(),
          );
        }
      },
    ),
    { numRuns: 300 },
  );
});
