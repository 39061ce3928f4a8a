// A select without `*` on a schema with a builder table builds only the fields it names (issue 14:
// listing 5,000 sessions built every field of each, connection state included, then kept four).
// Goal: an unselected expensive field is never computed, a selected one and `*` give exactly what
// fields(row) gives, and filters/order read through the builders.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { executeCollectionQuery, projectInstance } from './execute.ts';
import { parseQuery } from './parse-query.ts';
import type { ResourceRegistry, ResourceSchema, Row } from './types.ts';

interface Thing { id: string; name: string; size: number }

function registry(counter: { expensive: number; fields: number }): ResourceRegistry {
  const builders: Record<string, (row: Row) => unknown> = {
    id: (row) => (row as Thing).id,
    name: (row) => (row as Thing).name,
    size: (row) => (row as Thing).size,
    expensive: (row) => {
      counter.expensive += 1;
      return `costly-${(row as Thing).id}`;
    },
  };
  const thing: ResourceSchema = {
    name: 'thing',
    fields: (row) => {
      counter.fields += 1;
      const out: Record<string, unknown> = {};
      for (const name of Object.keys(builders)) out[name] = builders[name]!(row);
      return out;
    },
    fieldBuilders: builders,
    attributes: Object.keys(builders),
  };
  return { thing };
}

const rows: Thing[] = Array.from({ length: 50 }, (_, i) => ({ id: `T${String(i).padStart(2, '0')}`, name: `n${i % 7}`, size: i }));

test('an unselected expensive field is not computed, and fields(row) is not called', () => {
  const counter = { expensive: 0, fields: 0 };
  const result = executeCollectionQuery(rows, 'thing', registry(counter), parseQuery('select=id,name&name=eq.n3&order=size.desc'));
  assert.deepEqual(result.body, rows.filter((r) => r.name === 'n3').sort((a, b) => b.size - a.size).map((r) => ({ id: r.id, name: r.name })));
  assert.equal(counter.expensive, 0);
  assert.equal(counter.fields, 0);
});

test('a selected expensive field is computed once per projected row, and only for the page', () => {
  const counter = { expensive: 0, fields: 0 };
  const result = executeCollectionQuery(rows, 'thing', registry(counter), parseQuery('select=id,expensive&limit=5&offset=10'));
  assert.equal(result.status, 206);
  assert.deepEqual(result.body[0], { id: 'T10', expensive: 'costly-T10' });
  assert.equal(counter.expensive, 5);
  assert.equal(counter.fields, 0);
});

test('select=* and a named field give what fields(row) gives, in its order', () => {
  const counter = { expensive: 0, fields: 0 };
  const reg = registry(counter);
  const star = projectInstance(rows[3], 'thing', reg, parseQuery('select=*'));
  assert.deepEqual(Object.keys(star), ['id', 'name', 'size', 'expensive']);
  assert.deepEqual(star, reg.thing!.fields(rows[3]));
  assert.deepEqual(projectInstance(rows[3], 'thing', reg, parseQuery('select=size,id')), { size: 3, id: 'T03' });
  // Without select only id (guide §2.1), still without building the rest.
  counter.expensive = 0;
  assert.deepEqual(projectInstance(rows[3], 'thing', reg, parseQuery('')), { id: 'T03' });
  assert.equal(counter.expensive, 0);
});

test('a filter on the expensive field computes it for the filtered rows only, not for projection', () => {
  const counter = { expensive: 0, fields: 0 };
  const result = executeCollectionQuery(rows, 'thing', registry(counter), parseQuery('select=id&expensive=eq.costly-T07'));
  assert.deepEqual(result.body, [{ id: 'T07' }]);
  assert.equal(counter.expensive, rows.length);
  assert.equal(counter.fields, 0);
});
