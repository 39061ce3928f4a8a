// Goal: every core ErrorCode has an ETERNUS status and 4-digit code. The list of codes is read
// from the source of src/core/errors.ts, so adding a code there without mapping it fails here.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { DomainError, type ErrorCode } from '../../src/core/errors.ts';
import { EDGE_ERRORS, ERROR_MAP, toEternusError } from '../../src/api/eternus/errors.ts';

function coreErrorCodes(): string[] {
  const source = readFileSync(new URL('../../src/core/errors.ts', import.meta.url), 'utf8');
  const union = /export type ErrorCode =([\s\S]*?);/.exec(source)?.[1] ?? '';
  return [...union.matchAll(/'([A-Z_]+)'/g)].map((m) => m[1]!);
}

test('every core ErrorCode is mapped, and nothing else', () => {
  const codes = coreErrorCodes();
  assert.ok(codes.length >= 10, `parsed ${codes.length} codes from core/errors.ts`);
  assert.deepEqual(Object.keys(ERROR_MAP).sort(), [...codes].sort());
});

test('mapped errors have a 4xx/5xx status, a 4-digit code and a "Description (Factor)" message', () => {
  for (const code of coreErrorCodes() as ErrorCode[]) {
    const mapped = toEternusError(new DomainError(code, `something about ${code}`));
    assert.ok(mapped.status >= 400 && mapped.status < 600, code);
    assert.match(mapped.body.error_code, /^[0-9A-F]{4}$/, code);
    assert.equal(mapped.body.message, `${ERROR_MAP[code].text} (something about ${code})`);
    assert.equal(mapped.body.internal_code, code);
  }
  for (const entry of Object.values(EDGE_ERRORS)) assert.match(entry.code, /^[0-9A-F]{4}$/);
});

test('statuses follow the vendor table: 400 input, 401, 403, 404, 409 state, 503 busy', () => {
  assert.equal(ERROR_MAP.VALIDATION_FAILED.status, 400);
  assert.equal(ERROR_MAP.UNAUTHENTICATED.status, 401);
  assert.equal(ERROR_MAP.FORBIDDEN.status, 403);
  assert.equal(ERROR_MAP.NOT_FOUND.status, 404);
  for (const code of ['NAME_IN_USE', 'STATE_INVALID', 'IN_USE', 'READ_ONLY'] as const) assert.equal(ERROR_MAP[code].status, 409, code);
  assert.equal(ERROR_MAP.OPERATION_IN_PROGRESS.status, 503);
  assert.equal(toEternusError(new Error('boom')).status, 500);
});
