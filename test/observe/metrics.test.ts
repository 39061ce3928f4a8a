// Goal: /metrics shows what an operator watches, moving as the system works. Method: an
// in-process pair on manual clocks; a protected volume written over NBD; /metrics scraped (through
// Fastify inject, as admin and with the bearer token) before and after the clock passes and a
// cycle ships, and while the link is cut past the RPO. The text is read by a strict parser of the
// exposition format (test/helpers/prometheus-text.ts). The same run checks the events the hub
// emitted for the log: mutations with their user, session state changes, the fault, the link.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { C, RawNbdClient } from '../../src/nbd/testing/raw-client.ts';
import type { SystemEvent } from '../../src/observe/events.ts';
import { heartbeats, settle, startPair, tickBoth, type Pair } from '../helpers/pair.ts';
import { parsePrometheusText, sampleValue, type PromFamily } from '../helpers/prometheus-text.ts';
import { basic, MiB } from '../helpers/system.ts';

let p: Pair;
const eventsA: SystemEvent[] = [];
before(async () => {
  p = await startPair();
  p.a.system.services.observe.hub.on((e) => eventsA.push(e));
});
after(() => p.close());

async function scrape(side: 'a' | 'b', authorization = basic('admin', 'Admin-Password-1')): Promise<Map<string, PromFamily>> {
  const r = await p[side].system.http.inject({ method: 'GET', url: '/metrics', headers: { authorization } });
  assert.equal(r.statusCode, 200, r.body);
  assert.match(String(r.headers['content-type']), /^text\/plain; version=0\.0\.4/);
  return parsePrometheusText(r.body);
}

const SESSION = { session: 'metrics-vol', role: 'Source', remote: 'site-b' };
let sessionId = '';

async function writeOverNbd(volumeName: string, chunks: number, chunkBytes: number): Promise<void> {
  const { client } = await RawNbdClient.open(p.a.system.ports.nbd, volumeName);
  for (let i = 0; i < chunks; i++) {
    client.request(C.CMD_WRITE, BigInt(i + 1), i * chunkBytes, chunkBytes, { payload: Buffer.alloc(chunkBytes, 0x40 + i) });
    const reply = await client.readReply();
    assert.equal(reply.error, 0);
  }
  client.request(C.CMD_FLUSH, 99n, 0, 0);
  assert.equal((await client.readReply()).error, 0);
  client.close();
}

test('a protected volume: lag 0 after the first sync, host writes counted per volume', async () => {
  const rule = await p.a.ps('POST', '/replication_rule', { name: 'rr-m', rpo: 'Five_Minutes', remote_system_id: p.rsOnA });
  const policy = await p.a.ps('POST', '/policy', { name: 'pp-m', replication_rule_ids: [rule.body.id] });
  const volume = await p.a.ps('POST', '/volume', { name: 'metrics-vol', size: 16 * MiB, protection_policy_id: policy.body.id });
  assert.equal(volume.status, 201, JSON.stringify(volume.body));
  sessionId = (await p.a.ps('GET', `/replication_session?select=id&local_resource_id=eq.${volume.body.id}`)).body[0].id;
  assert.equal((await p.a.ps('POST', `/replication_session/${sessionId}/sync`)).status, 204);
  await settle(p);

  await writeOverNbd('metrics-vol', 4, 256 * 1024);
  const m = await scrape('a');
  assert.equal(sampleValue(m, 'tandem_volume_write_ops_total', { volume: 'metrics-vol' }), 4);
  assert.equal(sampleValue(m, 'tandem_volume_write_bytes_total', { volume: 'metrics-vol' }), MiB);
  assert.equal(sampleValue(m, 'tandem_nbd_request_duration_seconds_count', { op: 'write' }), 4);
  assert.equal(sampleValue(m, 'tandem_nbd_request_duration_seconds_count', { op: 'flush' }), 1);
  assert.equal(sampleValue(m, 'tandem_nbd_connections_total'), 1);
  assert.equal(sampleValue(m, 'tandem_replication_lag_seconds', SESSION), 0);
  assert.equal(sampleValue(m, 'tandem_replication_rpo_seconds', SESSION), 300);
  assert.equal(sampleValue(m, 'tandem_replication_rpo_compliant', SESSION), 1);
  assert.equal(sampleValue(m, 'tandem_replication_session_state', { ...SESSION, state: 'OK' }), 1);
  assert.equal(sampleValue(m, 'tandem_replication_sessions', { role: 'Source', state: 'OK' }), 1);
  assert.equal(sampleValue(m, 'tandem_peer_link_up', { remote: 'site-b' }), 1);
  assert.ok(sampleValue(m, 'tandem_peer_round_trip_seconds', { remote: 'site-b' }) > 0);
  assert.ok(sampleValue(m, 'tandem_engine_live_bytes') >= MiB);
  assert.ok(sampleValue(m, 'tandem_engine_free_bytes') > 0);
  assert.ok(sampleValue(m, 'tandem_engine_checkpoints_total') >= 1, 'opening a new engine checkpoints');
  assert.ok(sampleValue(m, 'tandem_api_requests_total', { dialect: 'powerstore', method: 'POST', route: '/api/rest/volume', status: '201' }) >= 1);
  const onB = await scrape('b');
  assert.equal(sampleValue(onB, 'tandem_replication_lag_seconds', { session: 'metrics-vol', role: 'Destination', remote: 'site-a' }), 0);
});

test('during a cycle: lag grows with the clock, then the cycle ships the writes and lag falls back', async () => {
  const before = await scrape('a');
  const shippedBefore = sampleValue(before, 'tandem_replication_shipped_bytes_total', SESSION);
  const cyclesBefore = sampleValue(before, 'tandem_replication_cycles_total', SESSION);
  await tickBoth(p, 200_000); // the cycle is due at 80% of the RPO: 240 s after the last
  const waiting = await scrape('a');
  assert.equal(sampleValue(waiting, 'tandem_replication_lag_seconds', SESSION), 200);
  assert.equal(sampleValue(waiting, 'tandem_replication_rpo_compliant', SESSION), 1);
  assert.equal(sampleValue(waiting, 'tandem_replication_shipped_bytes_total', SESSION), shippedBefore, 'nothing shipped yet');

  await tickBoth(p, 50_000);
  const shipped = await scrape('a');
  assert.ok(sampleValue(shipped, 'tandem_replication_lag_seconds', SESSION) < 200, 'the new cut is younger');
  assert.equal(sampleValue(shipped, 'tandem_replication_shipped_bytes_total', SESSION), shippedBefore + MiB, 'the MiB written over NBD was shipped');
  assert.equal(sampleValue(shipped, 'tandem_replication_cycles_total', SESSION), cyclesBefore + 1);
  assert.ok(sampleValue(shipped, 'tandem_replication_cycle_duration_seconds_count', { role: 'Source' }) >= 1);
  const onB = await scrape('b');
  assert.ok(sampleValue(onB, 'tandem_replication_lag_seconds', { session: 'metrics-vol', role: 'Destination', remote: 'site-a' }) < 200);
});

test('a link cut past the RPO: link down, lag over the RPO, not compliant; the fault is counted', async () => {
  const fault = await p.a.control('POST', '/faults', { kind: 'link_down' });
  assert.equal(fault.status, 201);
  await heartbeats(p);
  await tickBoth(p, 400_000);
  await heartbeats(p);
  const m = await scrape('a');
  assert.equal(sampleValue(m, 'tandem_peer_link_up', { remote: 'site-b' }), 0);
  assert.equal(sampleValue(m, 'tandem_faults_active', { kind: 'link_down' }), 1);
  assert.ok(sampleValue(m, 'tandem_replication_lag_seconds', SESSION) > 300);
  assert.equal(sampleValue(m, 'tandem_replication_rpo_compliant', SESSION), 0);
  assert.equal((await p.a.control('DELETE', `/faults/${fault.body.id}`)).status, 204);
  await heartbeats(p);
  await tickBoth(p, 10_000);
  await heartbeats(p);
  const back = await scrape('a');
  assert.equal(sampleValue(back, 'tandem_peer_link_up', { remote: 'site-b' }), 1);
});

test('/metrics wants an Administrator or the bearer token', async () => {
  const none = await p.a.system.http.inject({ method: 'GET', url: '/metrics' });
  assert.equal(none.statusCode, 401);
  const wrongToken = await p.a.system.http.inject({ method: 'GET', url: '/metrics', headers: { authorization: 'Bearer nope' } });
  assert.equal(wrongToken.statusCode, 401, 'no token configured on the test systems: a bearer is refused');
  const wrongPassword = await p.a.system.http.inject({ method: 'GET', url: '/metrics', headers: { authorization: basic('admin', 'wrong') } });
  assert.equal(wrongPassword.statusCode, 401);
});

test('a job that fails after its 202 is an event of its own, with the message', async () => {
  const r = await p.a.ps('POST', `/replication_session/${sessionId}/stop_failover_test?is_async=true`);
  assert.equal(r.status, 202);
  await settle(p);
  const ended = eventsA.find((e) => e.kind === 'job' && e.jobId === r.body.id);
  assert.ok(ended && ended.kind === 'job');
  assert.equal(ended.state, 'FAILED');
  assert.equal(ended.user, 'admin');
  assert.match(ended.error ?? '', /no failover test is running/);
});

test('the hub saw who changed what, the session states, the fault and the link', () => {
  const created = eventsA.find((e) => e.kind === 'mutation' && e.route === '/api/rest/volume' && e.method === 'POST');
  assert.ok(created && created.kind === 'mutation');
  assert.equal(created.user, 'admin');
  assert.equal(created.status, 201);
  const states = eventsA.filter((e) => e.kind === 'session_state' && e.sessionId === sessionId).map((e) => (e.kind === 'session_state' ? `${e.from}>${e.to}` : ''));
  assert.ok(states.includes('null>Initializing'), states.join(' '));
  assert.ok(states.some((s) => s.endsWith('>OK')), states.join(' '));
  assert.ok(eventsA.some((e) => e.kind === 'fault' && e.action === 'added' && e.fault.kind === 'link_down'));
  assert.ok(eventsA.some((e) => e.kind === 'fault' && e.action === 'removed'));
  const links = eventsA.filter((e) => e.kind === 'link').map((e) => (e.kind === 'link' ? e.state : ''));
  assert.ok(links.includes('Complete_Data_Connection_Loss') && links.at(-1) === 'OK', links.join(' '));
  const refused = eventsA.find((e) => e.kind === 'mutation' && e.status >= 400);
  assert.equal(refused, undefined, 'no refused mutation in this run');
});
