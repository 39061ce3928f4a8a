// Goal: PowerStore authentication behaves as PyPowerStore, gopowerstore and Cinder expect:
// Basic on any request, login_session with token and cookie, CSRF token on cookie mutations,
// roles enforced with 403, bad credentials 401 with an error_response body.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ADMIN_PASSWORD, basic, startTestSystem, type TestSystem } from '../helpers/system.ts';

let t: TestSystem;
before(async () => {
  t = await startTestSystem();
});
after(() => t.close());

const LOGIN_SELECT = 'select=id,user,role_ids,is_password_change_required,is_built_in_user,idle_timeout';

test('login_session answers one object with token and cookie headers', async () => {
  const r = await t.ps('GET', `/login_session?${LOGIN_SELECT}`);
  assert.equal(r.status, 200);
  assert.ok(Array.isArray(r.body) && r.body.length === 1);
  assert.equal(r.body[0].user, 'admin');
  assert.deepEqual(r.body[0].role_ids, ['1']);
  assert.ok(r.body[0].idle_timeout > 0);
  assert.equal(r.body[0].is_built_in_user, true);
  assert.ok(typeof r.headers['dell-emc-token'] === 'string');
  assert.match(String(r.headers['set-cookie']), /^auth_cookie=/);
});

test('cookie sessions need the token for mutations (403 without it), not for reads', async () => {
  const login = await t.ps('GET', `/login_session?${LOGIN_SELECT}`);
  const cookie = String(login.headers['set-cookie']).split(';')[0]!;
  const token = String(login.headers['dell-emc-token']);
  const noAuth = { authorization: '', cookie };
  const read = await t.ps('GET', '/volume', undefined, noAuth);
  assert.equal(read.status, 200);
  const refused = await t.ps('POST', '/volume', { name: 'csrf-vol', size: 1048576 }, noAuth);
  assert.equal(refused.status, 403);
  assert.equal((await t.ps('GET', '/volume?name=eq.csrf-vol')).body.length, 0, 'refused request created nothing');
  const accepted = await t.ps('POST', '/volume', { name: 'csrf-vol', size: 1048576 }, { ...noAuth, 'dell-emc-token': token });
  assert.equal(accepted.status, 201);
  const logout = await t.ps('POST', '/logout', undefined, { ...noAuth, 'dell-emc-token': token });
  assert.equal(logout.status, 204);
  assert.equal((await t.ps('GET', '/volume', undefined, noAuth)).status, 401);
});

test('bad credentials get 401 with an error_response body', async () => {
  const r = await t.ps('GET', '/volume', undefined, { authorization: basic('admin', 'wrong') });
  assert.equal(r.status, 401);
  assert.ok(Array.isArray(r.body.messages));
  const none = await t.ps('GET', '/volume', undefined, { authorization: '' });
  assert.equal(none.status, 401);
});

test('an Operator may read but not change anything (403)', async () => {
  const created = await t.control('POST', '/users', { name: 'oper', password: 'operator-pw-1', role: 'Operator' });
  assert.equal(created.status, 201);
  const auth = { authorization: basic('oper', 'operator-pw-1') };
  assert.equal((await t.ps('GET', '/volume', undefined, auth)).status, 200);
  const r = await t.ps('POST', '/volume', { name: 'oper-vol', size: 1048576 }, auth);
  assert.equal(r.status, 403);
  assert.equal(r.body.messages[0].severity, 'Error');
  assert.equal((await t.ps('GET', '/volume?name=eq.oper-vol')).body.length, 0);
  const login = await t.ps('GET', '/login_session?select=role_ids', undefined, auth);
  assert.deepEqual(login.body[0].role_ids, ['3']);
});

test('a Storage Administrator may manage storage', async () => {
  await t.control('POST', '/users', { name: 'storadm', password: 'storage-pw-1', role: 'Storage_Administrator' });
  const r = await t.ps('POST', '/volume', { name: 'storadm-vol', size: 1048576 }, { authorization: basic('storadm', 'storage-pw-1') });
  assert.equal(r.status, 201);
});

test('only an Administrator may add users', async () => {
  const r = await t.control('POST', '/users', { name: 'x1', password: 'password-123', role: 'Operator' }, { authorization: basic('storadm', 'storage-pw-1') });
  assert.equal(r.status, 403);
  assert.equal(ADMIN_PASSWORD.length > 0, true);
});

test('health answers without auth', async () => {
  const r = await t.control('GET', '/health', undefined, { authorization: '' });
  assert.equal(r.status, 200);
  assert.equal(r.body.status, 'ok');
});
