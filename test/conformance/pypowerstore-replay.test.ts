// Goal: PyPowerStore 3.4's and gopowerstore's exact HTTP behaviour works against two Tandem
// systems over real HTTPS: the two-array acceptance script of research/powerstore-api.md §5.3
// (steps 2–8, negative checks and teardown included) replayed by an in-repo client
// (pypowerstore-client.ts) whose traffic is checked too, then a gopowerstore-style pass with
// Basic auth + token on every request and offset/limit paging over volumes and sessions.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startPair, type Pair } from '../helpers/pair.ts';
import { ADMIN_PASSWORD, GiB } from '../helpers/system.ts';
import {
  GoPowerStoreClient,
  JOB_SELECT,
  LOGIN_SELECT,
  PowerStoreHttpError,
  PyPowerStoreClient,
  SESSION_DETAILS_SELECT_3X,
  VOLUME_SELECT_4X,
  quotePlus,
} from './pypowerstore-client.ts';

const POLL_MS = 50;
const POLL_LIMIT_MS = 30_000;

let p: Pair;
let ca: PyPowerStoreClient;
let cb: PyPowerStoreClient;
before(async () => {
  p = await startPair();
  ca = new PyPowerStoreClient('admin', ADMIN_PASSWORD, '127.0.0.1', p.a.system.ports.https, 'Tandem-Conformance');
  cb = new PyPowerStoreClient('admin', ADMIN_PASSWORD, '127.0.0.1', p.b.system.ports.https);
});
after(() => p.close());

async function rejects(promise: Promise<unknown>, status: number, code?: string): Promise<PowerStoreHttpError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof PowerStoreHttpError, String(error));
    assert.equal(error.status, status, error.message);
    if (code) assert.equal(error.code, code, error.message);
    return error;
  }
  assert.fail(`expected HTTP ${status}`);
}

async function poll<T>(what: string, read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + POLL_LIMIT_MS;
  let last: T | undefined;
  while (Date.now() < deadline) {
    last = await read();
    if (done(last)) return last;
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  assert.fail(`${what}: not done within ${POLL_LIMIT_MS / 1000} s; last seen ${JSON.stringify(last)}`);
}

let rs: any;
let rr: any;
let pp: any;
let vol: any;
let sessionId = '';

test('step 2: certificate exchange and create_remote_system; B lists a remote system for A', async () => {
  // The peer is not on 443, so the dicts carry the port (PyPowerStore passes them through).
  assert.equal((await ca.exchangeCertificate({ service: 'Replication_HTTP', address: '127.0.0.1', port: p.b.system.ports.https, username: 'admin', password: ADMIN_PASSWORD })).status, 204);
  // startPair already paired A and B; a second relationship with the same peer is refused, so
  // step 2 reads the one the pairing created with the calls create_remote_system ends with.
  await rejects(ca.createRemoteSystem({ management_address: '127.0.0.1', management_port: p.b.system.ports.https, type: 'PowerStore', data_network_latency: 'Low', description: 't' }), 400);
  const list = await ca.getRemoteSystems({ name: 'eq.site-b' });
  assert.equal(list.length, 1);
  rs = await ca.getRemoteSystemDetails(list[0].id);
  assert.equal(rs.id, p.rsOnA);
  assert.equal(rs.type, 'PowerStore');
  assert.ok('data_connection_state' in rs && 'capabilities' in rs && 'storage_container_destinations' in rs, JSON.stringify(rs));
  const onB = await cb.getRemoteSystems();
  assert.deepEqual(onB.map((r: any) => r.name), ['site-a']);
});

test('PyPowerStore transport: login with its select, then cookie + token and no Authorization; content-type everywhere; DELL-VISIBILITY', () => {
  const [login, ...rest] = ca.transcript;
  assert.equal(login!.method, 'GET');
  assert.equal(login!.url, `/api/rest/login_session?select=${quotePlus(LOGIN_SELECT)}`);
  assert.ok(login!.headers.authorization?.startsWith('Basic '));
  assert.equal(login!.status, 200);
  assert.ok(login!.responseHeaders['dell-emc-token'], 'login answers a DELL-EMC-TOKEN');
  assert.match(String(login!.responseHeaders['set-cookie']), /auth_cookie=/);
  assert.ok(rest.length > 3);
  for (const x of ca.transcript) assert.equal(x.headers['content-type'], 'application/json', `${x.method} ${x.url}`);
  for (const x of rest) {
    assert.equal(x.headers.authorization, undefined, `${x.method} ${x.url} carries no Authorization`);
    assert.ok(x.headers['DELL-EMC-TOKEN'] && x.headers['DELL-EMC-TOKEN'] !== 'None', `${x.method} ${x.url}`);
    assert.match(x.headers.Cookie!, /^auth_cookie=(?!None)/);
    assert.ok(x.status < 500, `${x.method} ${x.url} → ${x.status}`);
  }
  assert.equal(ca.transcript.filter((x) => x.url.startsWith('/api/rest/login_session')).length, 1, 'one login for the whole run so far');
  const rsCalls = rest.filter((x) => x.url.startsWith('/api/rest/remote_system'));
  assert.ok(rsCalls.every((x) => x.headers['DELL-VISIBILITY'] === 'internal'));
  const details = rest.findIndex((x) => x.url.startsWith(`/api/rest/remote_system/${p.rsOnA}?`));
  assert.ok(details > 0 && rest[details - 1]!.url === '/api/rest/software_installed?select=release_version', 'the software_installed probe precedes get_remote_system_details');
});

test('step 3: replication rule and protection policy', async () => {
  rr = await ca.createReplicationRule({ name: 'rr1', rpo: 'Five_Minutes', remote_system_id: rs.id, alert_threshold: 15 });
  assert.equal(rr.name, 'rr1');
  assert.equal(rr.rpo, 'Five_Minutes');
  assert.equal(rr.alert_threshold, 15);
  assert.deepEqual(rr.policies, []);
  pp = await ca.createProtectionPolicy({ name: 'pp1', description: null, snapshot_rule_ids: null, replication_rule_ids: [rr.id] });
  assert.deepEqual(pp.replication_rules, [{ id: rr.id, name: 'rr1' }]);
  const post = ca.transcript.find((x) => x.method === 'POST' && x.url === '/api/rest/policy')!;
  assert.deepEqual(JSON.parse(post.body!), { name: 'pp1', replication_rule_ids: [rr.id] }, 'None values are omitted from the body');
  const found = await ca.getProtectionPolicies({ name: 'eq.pp1' });
  assert.deepEqual(found, [{ id: pp.id, name: 'pp1' }]);
});

test('step 4: create_volume returns None; get_volume_by_name finds it with the 4.x select and host mappings', async () => {
  assert.equal(await ca.createVolume('v1', GiB, { protection_policy_id: pp.id }), null);
  const found = await ca.getVolumeByName('v1');
  assert.equal(found.length, 1);
  vol = found[0];
  assert.equal(vol.size, GiB);
  assert.equal(vol.protection_policy_id, pp.id);
  assert.deepEqual(vol.protection_policy, { name: 'pp1', id: pp.id }, 'the select item after ", " (with a space) is honoured');
  assert.deepEqual(vol.hlu_details, []);
  const get = ca.transcript.find((x) => x.url.startsWith('/api/rest/volume?'))!;
  assert.equal(get.url, `/api/rest/volume?select=${quotePlus(VOLUME_SELECT_4X)}&name=eq.v1`);
  assert.ok(get.url.includes('%2C+protection_policy%28name%2Cid%29'), 'requests encodes the space as + and the parentheses');
});

test('step 5: one session, Source, paired with v1 on B; B shows v1 as a replication destination', async () => {
  const sessions = await ca.getReplicationSessions({ local_resource_id: `eq.${vol.id}` });
  assert.equal(sessions.length, 1);
  sessionId = sessions[0].id;
  const d = await ca.getReplicationSessionDetails(sessionId);
  assert.equal(d.role, 'Source');
  assert.ok(['Initializing', 'OK'].includes(d.state), d.state);
  const onB = (await cb.getVolumeByName('v1'))[0];
  assert.equal(onB.is_replication_destination, true);
  assert.deepEqual(d.storage_element_pairs.map((x: any) => [x.local_storage_element_id, x.remote_storage_element_id]), [[vol.id, onB.id]]);
  assert.deepEqual(d.remote_system, { id: rs.id, name: 'site-b' });
  assert.deepEqual(d.replication_rule, { id: rr.id, name: 'rr1' });
  assert.equal(d.migration_session, null);
  for (const field of SESSION_DETAILS_SELECT_3X.split(',').filter((f) => !f.includes('(') && !f.includes(')'))) assert.ok(field in d, `${field} is answered`);
});

test('step 6: sync, pause, resume, planned failover, reprotect on B, unplanned failover on the destination, reprotect', async () => {
  assert.equal(await ca.syncReplicationSession(sessionId), null);
  assert.equal((await ca.getReplicationSessionDetails(sessionId)).state, 'OK');
  assert.equal(await ca.pauseReplicationSession(sessionId), null);
  assert.equal((await ca.getReplicationSessionDetails(sessionId)).state, 'Paused');
  assert.equal(await ca.resumeReplicationSession(sessionId), null);
  assert.equal((await ca.getReplicationSessionDetails(sessionId)).state, 'OK');

  assert.equal(await ca.failoverReplicationSession(sessionId), null);
  const failover = ca.transcript.filter((x) => x.url.endsWith('/failover')).at(-1)!;
  assert.equal(failover.body, '', 'failover with neither key sends no body');
  assert.equal(failover.headers['Content-Length'], '0');
  let onB = await cb.getReplicationSessionDetails(sessionId);
  assert.deepEqual([onB.role, onB.state], ['Source', 'Failed_Over']);
  assert.equal(await cb.reprotectReplicationSession(sessionId), null);
  onB = await cb.getReplicationSessionDetails(sessionId);
  assert.deepEqual([onB.role, onB.state], ['Source', 'OK']);
  let onA = await ca.getReplicationSessionDetails(sessionId);
  assert.equal(onA.role, 'Destination');

  assert.equal(await ca.failoverReplicationSession(sessionId, false), null);
  const unplanned = ca.transcript.filter((x) => x.url.endsWith('/failover')).at(-1)!;
  assert.equal(unplanned.body, '{"is_planned":false}');
  onA = await ca.getReplicationSessionDetails(sessionId);
  assert.deepEqual([onA.role, onA.state], ['Source', 'Failed_Over']);
  assert.equal(await ca.reprotectReplicationSession(sessionId), null);
  onA = await ca.getReplicationSessionDetails(sessionId);
  assert.deepEqual([onA.role, onA.state], ['Source', 'OK']);
  assert.equal((await cb.getReplicationSessionDetails(sessionId)).role, 'Destination');
});

test('step 7: negative checks', async () => {
  await rejects(ca.reprotectReplicationSession(sessionId), 422);
  await rejects(ca.request('POST', `/replication_session/${sessionId}/failover`, { payload: { dupe_is_planned: true } }), 400, '0xE04040030001');
  await rejects(ca.getReplicationSessionDetails('00000000-0000-0000-0000-00000000dead'), 404, '0xE04040020009');
  assert.equal((await ca.getReplicationSessionDetails(sessionId)).state, 'OK', 'refused calls changed nothing');
});

test('step 8: teardown — policy removal deletes the session in a job, then volume, policy, rule, remote system (async job)', async () => {
  assert.equal(await ca.removeProtectionPolicyForVolume(vol.id), null);
  // Cinder's wait for the session-delete job (research §2.2).
  const jobs = await poll(
    'session-delete job',
    () => ca.get('/job', { select: 'id,state', resource_type: 'eq.replication_session', resource_action: 'eq.delete', resource_id: `eq.${sessionId}`, state: 'eq.COMPLETED' }),
    (rows: any[]) => rows.length === 1,
  );
  assert.equal(jobs[0].state, 'COMPLETED');
  await rejects(ca.getReplicationSessionDetails(sessionId), 404, '0xE04040020009');
  assert.equal(await ca.deleteVolume(vol.id), null);
  assert.equal(await ca.deleteProtectionPolicy(pp.id), null);
  assert.equal(await ca.deleteReplicationRule(rr.id), null);
  const job = await ca.deleteRemoteSystem(rs.id);
  assert.equal(typeof job.id, 'string', `delete_remote_system returns the job JSON: ${JSON.stringify(job)}`);
  const del = ca.transcript.at(-1)!;
  assert.equal(del.url, `/api/rest/remote_system/${rs.id}?is_async=true`);
  assert.equal(del.status, 202);
  const details = await poll('remote system delete job', () => ca.getJobDetails(job.id), (j: any) => ['COMPLETED', 'FAILED', 'UNRECOVERABLE_FAILED'].includes(j.state));
  assert.equal(details.state, 'COMPLETED', JSON.stringify(details));
  assert.equal(details.resource_type, 'remote_system');
  assert.equal(details.resource_action, 'delete');
  for (const field of JOB_SELECT.split(',')) assert.ok(field in details, `job field ${field}`);
  assert.deepEqual(await ca.getRemoteSystems(), []);
});

test('PyPowerStore all_pages: a 206 is followed with Range {i}-{i+2000} and no row repeats', async () => {
  for (let i = 0; i < 105; i++) await ca.createVolume(`page-${String(i).padStart(3, '0')}`, GiB);
  const before = ca.transcript.length;
  const rows = await ca.getVolumes({}, true);
  assert.equal(rows.length, 105);
  assert.equal(new Set(rows.map((r: any) => r.id)).size, 105, 'pages do not overlap');
  const traffic = ca.transcript.slice(before);
  assert.deepEqual(traffic.map((x) => [x.status, x.headers.Range ?? null]), [[206, null], [traffic[1]!.status, '100-2100']]);
  assert.ok([200, 206].includes(traffic[1]!.status));
  assert.equal(traffic[0]!.responseHeaders['content-range'], '0-99/105');
});

test('gopowerstore pass: Basic + token on every request, no content-type, order=name offset/limit paging over volumes and sessions', async () => {
  // A fresh protected volume so there is a session to page over.
  const rs2 = await ca.createRemoteSystem({ management_address: '127.0.0.1', management_port: p.b.system.ports.https, type: 'PowerStore', data_network_latency: 'Low' });
  assert.equal(rs2.name, 'site-b', 'create_remote_system after the async delete creates the relationship again');
  assert.deepEqual((await cb.getRemoteSystems()).map((r: any) => r.name), ['site-a'], 'B lists A again');
  const rr2 = await ca.createReplicationRule({ name: 'rr-go', rpo: 'Five_Minutes', remote_system_id: rs2.id });
  const pp2 = await ca.createProtectionPolicy({ name: 'pp-go', replication_rule_ids: [rr2.id] });
  await ca.createVolume('go-vol', GiB, { protection_policy_id: pp2.id });

  const go = new GoPowerStoreClient(`https://127.0.0.1:${p.a.system.ports.https}/api/rest`, 'admin', ADMIN_PASSWORD);
  await go.login();
  assert.equal(go.transcript[0]!.url, '/api/rest/login_session');
  const all = await go.readPaginated('/volume', 'select=*', 1000);
  assert.equal(all.pages, 1);
  assert.equal(all.rows.length, 106);
  const paged = await go.readPaginated('/volume', 'select=*', 40);
  assert.equal(paged.pages, 3);
  assert.deepEqual(paged.rows.map((r) => r.id), all.rows.map((r) => r.id), 'small pages give the same rows in the same order');
  const names = all.rows.map((r) => r.name);
  assert.deepEqual(names, [...names].sort((x, y) => x.toLowerCase().localeCompare(y.toLowerCase())), 'order=name');
  assert.ok('size' in all.rows[0] && 'protection_policy_id' in all.rows[0], 'select=* answers every field');

  const sessions = await go.readPaginated('/replication_session', 'select=id,state,role,resource_type,local_resource_id,remote_resource_id,remote_system_id,type,storage_element_pairs', 1000);
  assert.equal(sessions.rows.length, 1);
  assert.equal(sessions.rows[0].role, 'Source');
  const one = await go.query('POST', `/replication_session/${sessions.rows[0].id}/sync`);
  assert.equal(one.status, 204);

  for (const x of go.transcript) {
    assert.ok(x.headers.Authorization?.startsWith('Basic '), `${x.method} ${x.url}: Basic auth`);
    assert.equal(x.headers['content-type'], undefined);
    assert.equal(x.headers.Accept, undefined);
    assert.ok(x.status < 400, `${x.method} ${x.url} → ${x.status}`);
  }
  for (const x of go.transcript.slice(1)) {
    assert.ok(x.headers['DELL-EMC-TOKEN'], `${x.method} ${x.url}: token once known`);
    assert.match(x.headers.Cookie ?? '', /auth_cookie=/, `${x.method} ${x.url}: cookie jar`);
  }
});
