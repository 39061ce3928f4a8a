// Goal: ETERNUS sessions and request conventions behave as research/eternus-api.md §1.2–1.3 says:
// tokens last 1800 s from issue whatever their use (manual clock), refresh tokens give new tokens
// for 10 hours, logout invalidates both, only one's own session can be read or ended, and the
// edge answers 401/404/413/415/400 with {error_code, message, internal_code} bodies.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ManualClock } from '../../src/core/clock.ts';
import { ADMIN_PASSWORD, startTestSystem, type Reply, type TestSystem } from '../helpers/system.ts';

let t: TestSystem;
const clock = new ManualClock();
before(async () => {
  t = await startTestSystem({ clock });
});
after(() => t.close());

function assertErrorBody(r: Reply, status: number): void {
  assert.equal(r.status, status, JSON.stringify(r.body));
  assert.match(r.body.error_code, /^[0-9A-F]{4}$/);
  assert.equal(typeof r.body.message, 'string');
  assert.match(r.body.message, /\(.+\)$/, 'message is "Description (Factor)"');
  assert.equal(typeof r.body.internal_code, 'string');
  assert.deepEqual(Object.keys(r.body).sort(), ['error_code', 'internal_code', 'message']);
}

const login = (body: unknown, headers: Record<string, string> = {}) => t.et('POST', '/session', body, { authorization: '', ...headers });
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

test('login answers session_id, token and lifetime 1800; no refresh token unless asked', async () => {
  const r = await login({ user_name: 'admin', password: ADMIN_PASSWORD });
  assert.equal(r.status, 200);
  assert.ok(Number.isInteger(r.body.session_id) && r.body.session_id >= 1000000);
  assert.equal(typeof r.body.token, 'string');
  assert.equal(r.body.lifetime, 1800);
  assert.equal(r.body.refresh_token, undefined);
  const info = await t.et('GET', `/session/${r.body.session_id}`, undefined, bearer(r.body.token));
  assert.equal(info.status, 200);
  assert.equal(info.body.session_id, r.body.session_id);
  assert.equal(info.body.user_name, 'admin');
  assert.equal(info.body.lifetime, 1800);
  assert.ok(info.body.auth_list.includes('Volume_Create_Modify'));
});

test('a token expires 1800 s after issue even when used all along', async () => {
  const r = await login({ user_name: 'admin', password: ADMIN_PASSWORD });
  for (let i = 0; i < 5; i += 1) {
    clock.advanceMs(359_000);
    assert.equal((await t.et('GET', '/storagesystem', undefined, bearer(r.body.token))).status, 200);
  }
  const info = await t.et('GET', `/session/${r.body.session_id}`, undefined, bearer(r.body.token));
  assert.equal(info.body.lifetime, 1800 - 5 * 359);
  clock.advanceMs(5_000);
  assertErrorBody(await t.et('GET', '/storagesystem', undefined, bearer(r.body.token)), 401);
});

test('a refresh token gives new tokens in the same session until it expires after 10 hours', async () => {
  const r = await login({ grant_type: 'password', user_name: 'admin', password: ADMIN_PASSWORD, is_refresh_token_required: true });
  assert.equal(r.status, 200);
  assert.equal(typeof r.body.refresh_token, 'string');
  clock.advanceMs(1800_000);
  assertErrorBody(await t.et('GET', '/storagesystem', undefined, bearer(r.body.token)), 401);
  const refreshed = await login({ grant_type: 'refresh_token', refresh_token: r.body.refresh_token });
  assert.equal(refreshed.status, 200);
  assert.equal(refreshed.body.session_id, r.body.session_id);
  assert.notEqual(refreshed.body.token, r.body.token);
  assert.equal(refreshed.body.lifetime, 1800);
  assert.equal((await t.et('GET', '/storagesystem', undefined, bearer(refreshed.body.token))).status, 200);
  assertErrorBody(await t.et('GET', '/storagesystem', undefined, bearer(r.body.token)), 401);
  clock.advanceMs(10 * 3600_000);
  assertErrorBody(await login({ grant_type: 'refresh_token', refresh_token: r.body.refresh_token }), 401);
});

test('logout invalidates the token and the refresh token; other sessions cannot be read or ended', async () => {
  const mine = await login({ user_name: 'admin', password: ADMIN_PASSWORD, is_refresh_token_required: true });
  const other = await login({ user_name: 'admin', password: ADMIN_PASSWORD });
  assertErrorBody(await t.et('GET', `/session/${other.body.session_id}`, undefined, bearer(mine.body.token)), 404);
  assertErrorBody(await t.et('DELETE', `/session/${other.body.session_id}`, undefined, bearer(mine.body.token)), 404);
  assert.equal((await t.et('GET', '/storagesystem', undefined, bearer(other.body.token))).status, 200, 'the other session survived');
  const out = await t.et('DELETE', `/session/${mine.body.session_id}`, undefined, bearer(mine.body.token));
  assert.equal(out.status, 200);
  assertErrorBody(await t.et('GET', '/storagesystem', undefined, bearer(mine.body.token)), 401);
  assertErrorBody(await login({ grant_type: 'refresh_token', refresh_token: mine.body.refresh_token }), 401);
});

test('bad credentials, a missing token and malformed login bodies are refused', async () => {
  assertErrorBody(await login({ user_name: 'admin', password: 'wrong-password' }), 401);
  assertErrorBody(await login({ user_name: 'nobody', password: ADMIN_PASSWORD }), 401);
  assertErrorBody(await t.et('GET', '/volume', undefined, { authorization: '' }), 401);
  assertErrorBody(await t.et('GET', '/volume', undefined, { authorization: 'Bearer not-a-token' }), 401);
  assertErrorBody(await login({ user_name: 'admin' }), 400);
  assertErrorBody(await login({ user_name: 'admin', password: ADMIN_PASSWORD, color: 'red' }), 400);
  assertErrorBody(await login({ grant_type: 'magic', user_name: 'admin', password: ADMIN_PASSWORD }), 400);
  assertErrorBody(await login({ grant_type: 'refresh_token', refresh_token: 'x', user_name: 'admin' }), 400);
  assertErrorBody(await login('{"user_name": "admin",'), 400);
});

test('bodies need Content-Type application/json (415); oversized bodies get 413; unknown paths 404', async () => {
  const body = { user_name: 'admin', password: ADMIN_PASSWORD };
  assertErrorBody(await login(body, { 'content-type': 'text/plain' }), 415);
  assertErrorBody(await login(body, { 'content-type': '' }), 415);
  assert.equal((await login(body, { 'content-type': 'application/json; charset=utf-8' })).status, 200);
  assertErrorBody(await t.et('POST', '/volume', { name: 'x'.repeat(2 * 1024 * 1024) }), 413);
  assertErrorBody(await t.et('GET', `/volume?fields=${'a'.repeat(9000)}`), 413);
  assertErrorBody(await t.et('GET', '/no-such-resource'), 404);
  assert.equal((await t.et('GET', '/volume')).body.total_count, 0, 'nothing was created');
});
