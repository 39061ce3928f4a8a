// Paging. Goal: limit/offset/Range parse and clamp as research §2.4 requires, and the window maps
// to 200/206/416 with the right Content-Range.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { POWERSTORE_PAGE_DEFAULT, POWERSTORE_PAGE_MAX } from '../../../limits.ts';
import { QueryError } from './errors.ts';
import { pageWindow, parseLimit, parseOffset, parseRangeHeader, sliceForWindow } from './paging.ts';

function is416(e: unknown): boolean {
  return e instanceof QueryError && e.status === 416 && e.reason === 'RANGE_INVALID';
}

test('defaults are offset 0 and the default page', () => {
  assert.deepEqual(pageWindow(undefined, undefined, undefined), { offsetRows: 0, limitRows: POWERSTORE_PAGE_DEFAULT });
  assert.equal(POWERSTORE_PAGE_DEFAULT, 100);
});

test('limit 1..2000 is taken, larger is clamped to 2000', () => {
  assert.equal(parseLimit('1'), 1);
  assert.equal(parseLimit('1000'), 1000);
  assert.equal(parseLimit('2000'), 2000);
  assert.equal(parseLimit('2001'), POWERSTORE_PAGE_MAX);
  assert.equal(parseLimit('99999999999999999999'), POWERSTORE_PAGE_MAX);
});

test('limit 0, negative, fractional or not a number is 416', () => {
  for (const bad of ['0', '-1', '1.5', 'ten', '', '1e3', '0x10']) assert.throws(() => parseLimit(bad), is416, bad);
});

test('offset must be a whole number of 0 or more', () => {
  assert.equal(parseOffset('0'), 0);
  assert.equal(parseOffset('4100'), 4100);
  for (const bad of ['-1', 'x', '', '2.5']) assert.throws(() => parseOffset(bad), is416, bad);
});

test('Range is inclusive and 2001 rows are clamped to 2000 (PyPowerStore follow-up pages)', () => {
  assert.deepEqual(parseRangeHeader('0-99'), { offsetRows: 0, limitRows: 100 });
  assert.deepEqual(parseRangeHeader('100-2100'), { offsetRows: 100, limitRows: 2000 });
  assert.deepEqual(parseRangeHeader(' items=5-5 '), { offsetRows: 5, limitRows: 1 });
  assert.deepEqual(parseRangeHeader('7-'), { offsetRows: 7, limitRows: POWERSTORE_PAGE_DEFAULT });
});

test('malformed or backwards Range is 416', () => {
  for (const bad of ['', 'abc', '5-3', '-5', '1-2,4-5', 'bytes=0-9']) assert.throws(() => parseRangeHeader(bad), is416, bad);
});

test('a Range header wins over offset and limit; an empty header is no header', () => {
  assert.deepEqual(pageWindow('10', '20', '100-199'), { offsetRows: 100, limitRows: 100 });
  assert.deepEqual(pageWindow('10', '20', ' '), { offsetRows: 20, limitRows: 10 });
});

test('everything fits: 200 and no Content-Range', () => {
  assert.deepEqual(sliceForWindow(100, { offsetRows: 0, limitRows: 100 }), { status: 200, startIndex: 0, endIndex: 100 });
  assert.deepEqual(sliceForWindow(3, { offsetRows: 0, limitRows: 2000 }), { status: 200, startIndex: 0, endIndex: 3 });
});

test('a larger set or a later window is 206 with first-last/total', () => {
  assert.deepEqual(sliceForWindow(1000, { offsetRows: 0, limitRows: 100 }), {
    status: 206, startIndex: 0, endIndex: 100, contentRange: '0-99/1000',
  });
  assert.deepEqual(sliceForWindow(1000, { offsetRows: 950, limitRows: 100 }), {
    status: 206, startIndex: 950, endIndex: 1000, contentRange: '950-999/1000',
  });
});

test('an empty set is 200 whatever the offset; an offset at or past the end of a non-empty set is 416', () => {
  assert.deepEqual(sliceForWindow(0, { offsetRows: 0, limitRows: 100 }), { status: 200, startIndex: 0, endIndex: 0 });
  assert.deepEqual(sliceForWindow(0, { offsetRows: 500, limitRows: 100 }), { status: 200, startIndex: 0, endIndex: 0 });
  assert.throws(() => sliceForWindow(10, { offsetRows: 10, limitRows: 100 }), is416);
  assert.throws(() => sliceForWindow(10, { offsetRows: 11, limitRows: 1 }), is416);
  assert.equal(sliceForWindow(10, { offsetRows: 9, limitRows: 100 }).contentRange, '9-9/10');
});
