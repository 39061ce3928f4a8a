// Typed comparison helpers. Goal: filter text is read by the field's type, `*`/`%` are the only
// like wildcards, and the order comparator is total across types.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compareForOrder, compareTyped, equalsTyped, likePattern, typedText } from './compare.ts';
import { QueryError } from './errors.ts';

test('typedText reads numbers and booleans once', () => {
  assert.deepEqual(typedText('True'), { text: 'True', lower: 'true', number: Number.NaN, boolean: true });
  assert.equal(typedText(' 42 ').number, 42);
  assert.ok(Number.isNaN(typedText('').number));
  assert.equal(typedText('FALSE').boolean, false);
});

test('compareTyped follows the field type', () => {
  assert.equal(compareTyped(10, typedText('9'), 'size'), 1);
  assert.equal(compareTyped('10', typedText('9'), 'name'), -1);
  assert.equal(compareTyped('Vol', typedText('vOL'), 'name'), 0);
  assert.equal(compareTyped(true, typedText('False'), 'flag'), 1);
  assert.equal(compareTyped({ a: 1 }, typedText('x'), 'obj'), null);
  assert.throws(() => compareTyped(1, typedText('one'), 'size'), QueryError);
  assert.throws(() => compareTyped(false, typedText('no'), 'flag'), QueryError);
});

test('equalsTyped is case-insensitive for strings and false for objects', () => {
  assert.equal(equalsTyped('Snapshot', typedText('snapshot'), 'type'), true);
  assert.equal(equalsTyped('Snapshots', typedText('snapshot'), 'type'), false);
  assert.equal(equalsTyped([1], typedText('1'), 'list'), false);
});

test('likePattern: * and % are wildcards, regex metacharacters are literal', () => {
  assert.ok(likePattern('vol*', false).test('vol-1'));
  assert.ok(likePattern('%-1', false).test('vol-1'));
  assert.ok(!likePattern('vol*', false).test('VOL-1'));
  assert.ok(likePattern('vol*', true).test('VOL-1'));
  assert.ok(likePattern('a.b(c)[d]+?$^|\\', false).test('a.b(c)[d]+?$^|\\'));
  assert.ok(!likePattern('a.b', false).test('axb'));
  assert.ok(likePattern('*', false).test('line\nbreak'));
});

test('compareForOrder ranks numbers, booleans, strings, then objects', () => {
  const sorted = ['b', { x: 1 }, true, 2, 'A', 1, false].sort(compareForOrder);
  assert.deepEqual(sorted, [1, 2, false, true, 'A', 'b', { x: 1 }]);
});
