// order parsing and sorting. Goal: multi-key, desc, case-insensitive strings, nulls placement,
// stable ties, and 400 for malformed keys.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { QueryError } from './errors.ts';
import { parseOrder, sortRows } from './order.ts';
import type { ResourceSchema } from './types.ts';

const schema: ResourceSchema = { name: 'thing', fields: (row) => row as Record<string, unknown> };
const sortIds = (rows: object[], order: string): unknown[] =>
  sortRows(rows, parseOrder(order), schema, {}).map((r) => (r as { id: unknown }).id);

test('keys parse with asc by default, desc, and nulls modifiers', () => {
  const keys = parseOrder('name, size.desc,created.asc.nullsfirst,x.desc.nullslast');
  assert.deepEqual(keys.map((k) => [k.path.raw, k.descending, k.nullsFirst]), [
    ['name', false, false], ['size', true, true], ['created', false, true], ['x', true, false],
  ]);
  assert.deepEqual(parseOrder('protection_data->>source_id.DESC')[0]!.path.steps, [{ key: 'source_id', kind: 'json_text' }]);
});

test('malformed order is 400 ORDER_INVALID', () => {
  for (const bad of ['1x', 'name.asc.desc', 'na-me', '.desc']) {
    assert.throws(() => parseOrder(bad), (e: unknown) => e instanceof QueryError && e.status === 400 && e.reason === 'ORDER_INVALID', bad);
  }
});

test('strings sort case-insensitively, numbers numerically', () => {
  const rows = [{ id: 1, name: 'b', size: 10 }, { id: 2, name: 'A', size: 9 }, { id: 3, name: 'C', size: 100 }];
  assert.deepEqual(sortIds(rows, 'name'), [2, 1, 3]);
  assert.deepEqual(sortIds(rows, 'size'), [2, 1, 3]);
  assert.deepEqual(sortIds(rows, 'size.desc'), [3, 1, 2]);
});

test('multiple keys break ties in order; full ties keep input order', () => {
  const rows = [
    { id: 1, type: 'x', size: 2 }, { id: 2, type: 'y', size: 1 }, { id: 3, type: 'x', size: 1 }, { id: 4, type: 'x', size: 1 },
  ];
  assert.deepEqual(sortIds(rows, 'type,size.desc'), [1, 3, 4, 2]);
  assert.deepEqual(sortIds(rows, 'size'), [2, 3, 4, 1]);
});

test('nulls go last ascending and first descending unless told otherwise', () => {
  const rows = [{ id: 1, d: null }, { id: 2, d: 'b' }, { id: 3 }, { id: 4, d: 'a' }];
  assert.deepEqual(sortIds(rows, 'd'), [4, 2, 1, 3]);
  assert.deepEqual(sortIds(rows, 'd.desc'), [1, 3, 2, 4]);
  assert.deepEqual(sortIds(rows, 'd.asc.nullsfirst'), [1, 3, 4, 2]);
  assert.deepEqual(sortIds(rows, 'd.desc.nullslast'), [2, 4, 1, 3]);
});

test('strings equal but for case sort by their exact text, so the order does not depend on input order', () => {
  assert.deepEqual(sortIds([{ id: 1, n: 'vol' }, { id: 2, n: 'VOL' }], 'n'), [2, 1]);
  assert.deepEqual(sortIds([{ id: 2, n: 'VOL' }, { id: 1, n: 'vol' }], 'n'), [2, 1]);
});

test('sorting returns a copy and leaves the input alone', () => {
  const rows = [{ id: 2 }, { id: 1 }];
  assert.deepEqual(sortIds(rows, 'id'), [1, 2]);
  assert.deepEqual(rows.map((r) => r.id), [2, 1]);
});
