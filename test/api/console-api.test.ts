// Goal: the console's server side. The overview names this system, its link and each session with
// the state in both dialects' words, lag and RPO compliance computed as `tandem status` does; an
// Operator reads it but may not act; a tenant user sees only its tenant's sessions; the stream
// pushes a change within a second over a real socket; the built console is served at / while the
// API paths keep their own 404s. Method: an in-process pair on manual clocks; the stream and the
// static files over real HTTPS.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { after, before, test } from 'node:test';
import { answerWithConsole, registerConsoleFiles } from '../../src/api/console/static.ts';
import { settle, startPair, tickBoth, type Pair } from '../helpers/pair.ts';
import { ADMIN_PASSWORD, basic } from '../helpers/system.ts';

const MiB = 1024 * 1024;
let p: Pair;
let sessionId: string;

before(async () => {
  p = await startPair();
  const rule = await p.a.ps('POST', '/replication_rule', { name: 'rr-console', rpo: 'Five_Minutes', remote_system_id: p.rsOnA });
  const policy = await p.a.ps('POST', '/policy', { name: 'pp-console', replication_rule_ids: [rule.body.id] });
  const created = await p.a.ps('POST', '/volume', { name: 'console-vol', size: 8 * MiB, protection_policy_id: policy.body.id });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  await settle(p);
  await tickBoth(p, 1000);
  const sessions = await p.a.ps('GET', '/replication_session?select=id,state');
  sessionId = sessions.body[0].id;
});
after(async () => p?.close());

test('the overview shows the system, the link and each session in both dialects with lag and RPO compliance', async () => {
  const r = await p.a.control('GET', '/overview');
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.system.name, 'site-a');
  assert.match(r.body.system.nbd_url, /^nbd:\/\/127\.0\.0\.1:\d+$/);
  assert.equal(r.body.remotes[0].name, 'site-b');
  assert.equal(r.body.remotes[0].link, 'connected');
  const s = r.body.sessions.find((x: any) => x.id === sessionId);
  assert.equal(s.resource_name, 'console-vol');
  assert.equal(s.role, 'Source');
  assert.equal(s.source_system, 'site-a');
  assert.equal(s.destination_system, 'site-b');
  assert.equal(s.powerstore_state, 'OK');
  assert.equal(s.eternus_status, 'Active');
  assert.equal(s.eternus_phase, 'Equivalent');
  assert.equal(s.rpo_seconds, 300);
  assert.equal(s.rpo_compliant, true);
  assert.equal(typeof s.lag_seconds, 'number');
  assert.ok(s.history.lag.length >= 2, 'the lag chart has the session\'s life so far');
  assert.equal(s.history.lag.at(-1)[1], Math.round(s.lag_seconds * 10) / 10, 'the chart ends at the lag of now');
  const ps = await p.a.ps('GET', `/replication_session/${sessionId}?select=state`);
  assert.equal(ps.body.state, s.powerstore_state, 'the same state name as the PowerStore dialect');

  // Ten minutes later without a cycle the lag is past the five-minute RPO.
  p.clockA.advanceMs(10 * 60 * 1000);
  const later = (await p.a.control('GET', '/overview')).body.sessions.find((x: any) => x.id === sessionId);
  assert.ok(later.lag_seconds >= 600, `lag ${later.lag_seconds}`);
  assert.equal(later.rpo_compliant, false);
  await tickBoth(p, 1000);
  const onB = (await p.b.control('GET', '/overview')).body.sessions.find((x: any) => x.id === sessionId);
  assert.equal(onB.role, 'Destination');
  assert.equal(onB.source_system, 'site-a');
});

test('an Operator reads the overview but may not act; a tenant user sees only its tenant', async () => {
  assert.equal((await p.a.control('POST', '/users', { name: 'watcher', password: 'Watcher-Pass-1', role: 'Operator' })).status, 201);
  assert.equal((await p.a.control('POST', '/users', { name: 'tenant1', password: 'Tenant-Pass-1', role: 'Storage_Administrator', tenant: 'blue' })).status, 201);
  const watcher = await p.a.control('GET', '/overview', undefined, { authorization: basic('watcher', 'Watcher-Pass-1') });
  assert.equal(watcher.status, 200);
  assert.equal(watcher.body.user.may_act, false);
  assert.equal(watcher.body.sessions.length, 1);
  const tenant = await p.a.control('GET', '/overview', undefined, { authorization: basic('tenant1', 'Tenant-Pass-1') });
  assert.equal(tenant.body.user.may_act, true);
  assert.deepEqual(tenant.body.sessions, [], 'the volume is in no tenant');
  assert.deepEqual(tenant.body.visible_ids, []);
  const anonymous = await p.a.control('GET', '/overview', undefined, { authorization: '' });
  assert.equal(anonymous.status, 401);
});

test('the stream pushes the overview, then a change within a second over a real socket', async () => {
  const url = `https://127.0.0.1:${p.a.system.ports.https}/tandem/v1/stream`;
  const seen: string[] = [];
  const req = request(url, { rejectUnauthorized: false, headers: { authorization: basic('admin', ADMIN_PASSWORD), accept: 'text/event-stream' } });
  const events = new Promise<void>((resolve, reject) => {
    req.on('response', (res) => {
      assert.equal(res.statusCode, 200);
      assert.match(String(res.headers['content-type']), /text\/event-stream/);
      let buffer = '';
      res.on('data', async (chunk: Buffer) => {
        buffer += chunk.toString();
        for (let i = buffer.indexOf('\n\n'); i >= 0; i = buffer.indexOf('\n\n')) {
          const message = buffer.slice(0, i);
          buffer = buffer.slice(i + 2);
          const name = /^event: (.*)$/m.exec(message)?.[1] ?? '';
          const data = JSON.parse(/^data: (.*)$/m.exec(message)?.[1] ?? 'null');
          seen.push(name === 'change' ? `change:${data.kind}` : name);
          if (seen.length === 1) {
            const fault = await p.a.control('POST', '/faults', { kind: 'delay', delay_ms: 5 });
            assert.equal(fault.status, 201);
            (req as any).faultId = fault.body.id;
          }
          // Pushed on the change (its `change` event is checked below), not timed here: the stream
          // also refreshes every second, and a loaded machine may take longer than that.
          if (name === 'overview' && data.remotes?.[0]?.faults?.includes('delay')) {
            assert.equal(data.remotes[0].link, 'degraded');
            resolve();
          }
        }
      });
    });
    req.on('error', reject);
  });
  req.end();
  await events;
  req.destroy();
  assert.equal(seen[0], 'overview');
  assert.ok(seen.includes('change:fault'), seen.join(' '));
  assert.equal((await p.a.control('DELETE', `/faults/${(req as any).faultId}`)).status, 204);
});

test('the console is served at / with a fallback for pages, and the API paths keep their 404s', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-console-'));
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>Tandem</title>');
  writeFileSync(join(dir, 'assets', 'app-abc.js'), 'console.log(1)');
  const app = Fastify();
  const built = await registerConsoleFiles(app, dir);
  assert.equal(built, dir);
  app.setNotFoundHandler((request, reply) => {
    if (!answerWithConsole(request, reply, built)) void reply.code(404).send({ api: 'not found' });
  });
  try {
    const root = await app.inject({ method: 'GET', url: '/' });
    assert.equal(root.statusCode, 200);
    assert.match(root.body, /<title>Tandem/);
    const asset = await app.inject({ method: 'GET', url: '/assets/app-abc.js' });
    assert.equal(asset.statusCode, 200);
    assert.match(String(asset.headers['cache-control']), /immutable/);
    // A rebuild while the server runs: the new bundle's files are served too; nothing outside assets/.
    writeFileSync(join(dir, 'assets', 'app-def.js'), 'console.log(2)');
    const rebuilt = await app.inject({ method: 'GET', url: '/assets/app-def.js' });
    assert.equal(rebuilt.statusCode, 200);
    assert.equal(rebuilt.body, 'console.log(2)');
    assert.equal((await app.inject({ method: 'GET', url: '/assets/none.js' })).statusCode, 404);
    assert.equal((await app.inject({ method: 'GET', url: '/assets/..%2Findex.html' })).statusCode, 404);
    const page = await app.inject({ method: 'GET', url: '/volumes', headers: { accept: 'text/html' } });
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /<title>Tandem/);
    for (const url of ['/api/rest/nothing', '/tandem/v1/nothing', '/api/v1/nothing']) {
      const api = await app.inject({ method: 'GET', url, headers: { accept: 'text/html' } });
      assert.equal(api.statusCode, 404, url);
      assert.deepEqual(api.json(), { api: 'not found' });
    }
  } finally {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  }
  // On a system the API's own 404 stays what it was.
  const api = await p.a.ps('GET', '/nothing-here', undefined, { accept: 'text/html,*/*' });
  assert.equal(api.status, 404);
  assert.ok(Array.isArray(api.body.messages), JSON.stringify(api.body));
});
