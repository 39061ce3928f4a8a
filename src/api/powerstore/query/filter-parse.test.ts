// Filter parsing. Goal: the syntax of research §2.2 parses into the expected tree, including the
// exact forms clients send, and malformed filters are 400 FILTER_INVALID. Evaluation is tested
// in execute.test.ts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { QueryError } from './errors.ts';
import { parseFilterParam } from './filter-parse.ts';
import type { FilterNode } from './types.ts';

function compare(node: FilterNode) {
  assert.equal(node.kind, 'compare');
  return node as Extract<FilterNode, { kind: 'compare' }>;
}

function isFilterError(e: unknown): boolean {
  return e instanceof QueryError && e.status === 400 && e.reason === 'FILTER_INVALID';
}

test('every operator parses with its value as text', () => {
  for (const op of ['eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'like', 'ilike'] as const) {
    const node = compare(parseFilterParam('name', `${op}.x*y`));
    assert.equal(node.op, op);
    assert.equal(node.negated, false);
    assert.deepEqual(node.value, { kind: 'scalar', text: 'x*y' });
  }
});

test('the value keeps its own dots and may be empty', () => {
  assert.deepEqual(compare(parseFilterParam('management_address', 'eq.10.0.0.1')).value, { kind: 'scalar', text: '10.0.0.1' });
  assert.deepEqual(compare(parseFilterParam('description', 'eq.')).value, { kind: 'scalar', text: '' });
});

test('not. negates (gopowerstore type=not.eq.Snapshot, resource_type=not.in.(...))', () => {
  const node = compare(parseFilterParam('type', 'not.eq.Snapshot'));
  assert.equal(node.negated, true);
  assert.equal(node.op, 'eq');
  const list = compare(parseFilterParam('resource_type', 'not.in.(volume,policy)'));
  assert.equal(list.negated, true);
  assert.deepEqual(list.value, { kind: 'list', items: ['volume', 'policy'] });
});

test('in lists: plain, quoted with commas and escapes, spaced, empty', () => {
  assert.deepEqual(compare(parseFilterParam('type', 'in.(Primary,Clone)')).value, { kind: 'list', items: ['Primary', 'Clone'] });
  assert.deepEqual(compare(parseFilterParam('name', 'in.(a,b,"c,d")')).value, { kind: 'list', items: ['a', 'b', 'c,d'] });
  assert.deepEqual(compare(parseFilterParam('name', 'in.("say \\"hi\\"", x )')).value, { kind: 'list', items: ['say "hi"', 'x'] });
  assert.deepEqual(compare(parseFilterParam('name', 'in.("(x)",y)')).value, { kind: 'list', items: ['(x)', 'y'] });
  assert.deepEqual(compare(parseFilterParam('role_id', 'in.()')).value, { kind: 'list', items: [] });
});

test('malformed in lists are 400', () => {
  for (const bad of ['in.a,b', 'in.(a,b', 'in.a,b)', 'in.("a,b)', 'in.(a"b)', 'in.(a,b))']) {
    assert.throws(() => parseFilterParam('name', bad), isFilterError, bad);
  }
});

test('is takes null, true or false in any case', () => {
  assert.deepEqual(compare(parseFilterParam('description', 'is.null')).value, { kind: 'is', target: null });
  assert.deepEqual(compare(parseFilterParam('is_replica', 'is.True')).value, { kind: 'is', target: true });
  assert.deepEqual(compare(parseFilterParam('is_replica', 'is.false')).value, { kind: 'is', target: false });
  assert.throws(() => parseFilterParam('x', 'is.maybe'), isFilterError);
});

test('cs and cd take brace sets', () => {
  assert.deepEqual(compare(parseFilterParam('supported_speeds', 'cs.{1_Gbps,10_Gbps}')).value, {
    kind: 'list', items: ['1_Gbps', '10_Gbps'],
  });
  assert.equal(compare(parseFilterParam('supported_speeds', 'cd.{1_Gbps}')).op, 'cd');
  assert.throws(() => parseFilterParam('supported_speeds', 'cs.1_Gbps'), isFilterError);
});

test('JSON paths as requests decodes them (-%3E%3E arrives as ->>)', () => {
  const params = new URLSearchParams('protection_data-%3E%3Esource_id=eq.V1&host_initiators-%3E0-%3E%3Eport_type=eq.iSCSI');
  const [first, second] = [...params].map(([k, v]) => compare(parseFilterParam(k, v)));
  assert.equal(first!.path.field, 'protection_data');
  assert.deepEqual(first!.path.steps, [{ key: 'source_id', kind: 'json_text' }]);
  assert.equal(second!.path.field, 'host_initiators');
  assert.deepEqual(second!.path.steps, [{ key: '0', index: 0, kind: 'json' }, { key: 'port_type', kind: 'json_text' }]);
});

test('dotted attribute paths for related resources', () => {
  const node = compare(parseFilterParam('remote_system.name', 'eq.RS1'));
  assert.equal(node.path.field, 'remote_system');
  assert.deepEqual(node.path.steps, [{ key: 'name', kind: 'dot' }]);
});

test('and/or trees with nesting, not., quoted values and in lists', () => {
  const node = parseFilterParam('or', '(size.gt.50,and(name.eq."a,b",type.not.in.(Clone,Snapshot)),not.or(id.eq.1,id.eq.2))');
  assert.equal(node.kind, 'or');
  if (node.kind !== 'or') return;
  assert.equal(node.children.length, 3);
  const [gt, inner, notOr] = node.children;
  assert.equal(compare(gt!).op, 'gt');
  assert.equal(inner!.kind, 'and');
  if (inner!.kind !== 'and') return;
  assert.deepEqual(compare(inner!.children[0]!).value, { kind: 'scalar', text: 'a,b' });
  const notIn = compare(inner!.children[1]!);
  assert.equal(notIn.negated, true);
  assert.deepEqual(notIn.value, { kind: 'list', items: ['Clone', 'Snapshot'] });
  assert.equal(notOr!.kind, 'or');
  assert.equal(notOr!.negated, true);
});

test('the guide example and=(size.gt.50,performance_policy_id.eq.default_high)', () => {
  const node = parseFilterParam('and', '(size.gt.50,performance_policy_id.eq.default_high)');
  assert.equal(node.kind, 'and');
  if (node.kind !== 'and') return;
  assert.equal(compare(node.children[1]!).path.field, 'performance_policy_id');
  assert.equal(parseFilterParam('not.and', '(a.eq.1)').negated, true);
});

test('unknown operators, missing operators and bad names are 400', () => {
  const bad: [string, string][] = [
    ['name', 'eqq.x'], ['name', 'x'], ['name', 'eq'], ['name', ''], ['name', 'not.x.y'], ['name', 'EQ.x'],
    ['', 'eq.x'], ['1name', 'eq.x'], ['a-b', 'eq.x'], ['a->', 'eq.x'], ['a.', 'eq.x'],
    ['and', 'size.gt.50'], ['or', '()'], ['or', '(size.gt)'], ['or', '(size)'], ['or', '(a.eq.1,b.eq.2'],
  ];
  for (const [key, value] of bad) assert.throws(() => parseFilterParam(key, value), isFilterError, `${key}=${value}`);
});

test('and/or nesting is bounded', () => {
  const deep = '(' + 'or('.repeat(30) + 'a.eq.1' + ')'.repeat(30) + ')';
  assert.throws(() => parseFilterParam('and', deep), isFilterError);
});
