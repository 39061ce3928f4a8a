// Goal: every `tandem` operator command works against a real pair of `tandem serve` processes, as
// an operator runs them: found through a lab directory (lab.json with the password and the ports)
// or through TANDEM_URL / TANDEM_PASSWORD; `--json` output parsed; refusals end with status 1 and
// the dialect's message; a busy port and a locked data directory end `tandem serve` and
// `tandem lab` with one line naming the fix. Method: two children started on free ports, paired
// through the PowerStore API; each command is a fresh `node bin/tandem.mjs` process.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { httpsJson } from '../helpers/https-client.ts';
import { freePorts, REPO_ROOT, startServe, stopProcess, type ServeProcess } from '../helpers/processes.ts';
import { basic } from '../helpers/system.ts';

const PASSWORD = 'Cli-Password-1';
const AUTH = basic('admin', PASSWORD);
const work = mkdtempSync(join(tmpdir(), 'tandem-cli-'));
const labDir = join(work, 'lab');
let a: ServeProcess;
let b: ServeProcess;

interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
  json: any;
}

function cli(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['bin/tandem.mjs', ...args], { cwd: REPO_ROOT, env: { ...process.env, TANDEM_URL: '', TANDEM_PASSWORD: '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (status) => {
      let json: unknown = undefined;
      try {
        json = JSON.parse(stdout);
      } catch {
        /* not JSON */
      }
      resolve({ status, stdout, stderr, json });
    });
  });
}

/** Runs a command in the lab directory with --json and returns the parsed answer; fails on a non-zero status. */
async function ok(...args: string[]): Promise<any> {
  const r = await cli([...args, '--json', '--lab', labDir]);
  assert.equal(r.status, 0, `tandem ${args.join(' ')}: ${r.stderr}`);
  assert.notEqual(r.json, undefined, `tandem ${args.join(' ')} printed no JSON: ${r.stdout}`);
  return r.json;
}

before(async () => {
  const [httpsA, httpsB, peerA, peerB] = await freePorts(4);
  a = await startServe({ name: 'site-a', data: join(work, 'site-a'), password: PASSWORD, ports: { https: httpsA, nbd: 0, peer: peerA } });
  b = await startServe({ name: 'site-b', data: join(work, 'site-b'), password: PASSWORD, ports: { https: httpsB, nbd: 0, peer: peerB } });
  const exchange = await httpsJson(a.ready.url, 'POST', '/api/rest/x509_certificate/exchange', { auth: AUTH, body: { service: 'Replication_HTTP', address: '127.0.0.1', port: b.ready.https_port, username: 'admin', password: PASSWORD } });
  assert.equal(exchange.status, 204, JSON.stringify(exchange.body));
  const rs = await httpsJson(a.ready.url, 'POST', '/api/rest/remote_system', { auth: AUTH, body: { management_address: '127.0.0.1', management_port: b.ready.https_port, type: 'PowerStore', data_network_latency: 'Low' } });
  assert.equal(rs.status, 201, JSON.stringify(rs.body));
  // The link reads Initializing until the first heartbeat between the two processes (every 2 s):
  // the tests start once it is up, however slow the machine is.
  const linkDeadlineMs = Date.now() + 30_000;
  for (;;) {
    const link = await httpsJson(a.ready.url, 'GET', `/api/rest/remote_system/${rs.body.id}?select=data_connection_state`, { auth: AUTH });
    if (link.body?.data_connection_state === 'OK') break;
    assert.ok(Date.now() < linkDeadlineMs, `the link between the two systems never came up: ${JSON.stringify(link.body)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  const rule = await httpsJson(a.ready.url, 'POST', '/api/rest/replication_rule', { auth: AUTH, body: { name: 'rr-cli', rpo: 'Five_Minutes', remote_system_id: rs.body.id } });
  assert.equal(rule.status, 201);
  const policy = await httpsJson(a.ready.url, 'POST', '/api/rest/policy', { auth: AUTH, body: { name: 'pp-cli', replication_rule_ids: [rule.body.id] } });
  assert.equal(policy.status, 201);
  // The lab directory as `tandem lab` leaves it: the password and where each site listens.
  mkdirSync(labDir, { recursive: true });
  const site = (s: ServeProcess, peer: number) => ({ name: s.ready.name, https_port: s.ready.https_port, nbd_port: s.ready.nbd_port, peer_port: peer });
  writeFileSync(join(labDir, 'lab.json'), JSON.stringify({ password: PASSWORD, host: '127.0.0.1', sites: [site(a, peerA!), site(b, peerB!)] }));
});

after(async () => {
  await Promise.all([a, b].filter(Boolean).map((p) => stopProcess(p.child)));
  rmSync(work, { recursive: true, force: true });
});

test('--version prints the package version', async () => {
  const r = await cli(['--version']);
  assert.equal(r.status, 0);
  assert.match(r.stdout.trim(), /^\d+\.\d+\.\d+$/);
});

test('status shows both systems, their link, and no sessions yet', async () => {
  const s = await ok('status');
  assert.deepEqual(s.systems.map((x: any) => [x.name, x.state]), [['site-a', 'up'], ['site-b', 'up']]);
  assert.deepEqual(s.systems[0].links, [{ remote: 'site-b', state: 'OK' }]);
  assert.deepEqual(s.sessions, []);
  const table = await cli(['status', '--lab', labDir]);
  assert.equal(table.status, 0, table.stderr);
  assert.match(table.stdout, /^SYSTEM\s+URL\s+STATE/m);
  assert.match(table.stdout, /site-b\s+https:\/\/127\.0\.0\.1:\d+\s+up/);
});

test('volume create, ls, grow, snapshot, clone, rm', async () => {
  const created = await ok('volume', 'create', 'cli-plain', '--size', '16M');
  assert.equal(created.system, 'site-a');
  assert.match(created.id, /^[0-9a-f-]{36}$/);
  await ok('volume', 'grow', 'cli-plain', '--size', '32M');
  const snap = await ok('volume', 'snapshot', 'cli-plain', '--name', 'cli-plain-snap');
  const clone = await ok('volume', 'clone', 'cli-plain-snap', '--name', 'cli-plain-clone');
  const listed = await ok('volume', 'ls', '--site', 'site-a');
  const byName = new Map(listed.map((v: any) => [v.name, v]));
  assert.equal((byName.get('cli-plain') as any).size, 32 * 1024 * 1024);
  assert.equal((byName.get('cli-plain-snap') as any).id, snap.id);
  assert.equal((byName.get('cli-plain-clone') as any).id, clone.id);
  await ok('volume', 'rm', 'cli-plain-clone');
  const after = await ok('volume', 'ls', '--site', 'site-a');
  assert.ok(!after.some((v: any) => v.name === 'cli-plain-clone'));
});

test('a refusal exits 1 with the dialect message; a bad size exits 2', async () => {
  const duplicate = await cli(['volume', 'create', 'cli-plain', '--size', '16M', '--lab', labDir]);
  assert.equal(duplicate.status, 1);
  assert.equal(duplicate.stderr.trim().split('\n').length, 1);
  assert.match(duplicate.stderr, /^error: site-a: .*already exists.*\(422 0xE0A07001000B\)/);
  const badSize = await cli(['volume', 'create', 'x', '--size', 'huge', '--lab', labDir]);
  assert.equal(badSize.status, 2);
  assert.match(badSize.stderr, /is not a size/);
  const nowhere = await cli(['status'], { TANDEM_URL: 'https://127.0.0.1:1', TANDEM_PASSWORD: 'x' });
  assert.equal(nowhere.status, 0, 'status reports an unreachable system rather than failing');
  assert.match(nowhere.stdout, /unreachable/);
});

test('a protected volume: initial copy with --wait, then session ls and show on both sides', async () => {
  const created = await ok('volume', 'create', 'cli-repl', '--size', '16M', '--policy', 'pp-cli', '--wait');
  assert.equal(created.session.state, 'OK');
  const sessions = await ok('session', 'ls');
  const views = sessions.filter((s: any) => s.resource === 'cli-repl');
  assert.deepEqual(views.map((s: any) => [s.system, s.role, s.state]).sort(), [['site-a', 'Source', 'OK'], ['site-b', 'Destination', 'OK']]);
  assert.equal(views[0].rpoSeconds, 300);
  assert.equal(views[0].compliant, true);
  const shown = await ok('session', 'show', 'cli-repl');
  assert.equal(shown.length, 2);
  assert.equal(shown[0].id, views[0].id);
  const status = await ok('status');
  assert.equal(status.sessions.length, 2);
});

test('volume create --replicate makes the rule and policy once and protects the volume', async () => {
  const first = await ok('volume', 'create', 'cli-auto-1', '--size', '8M', '--replicate', '--wait');
  assert.equal(first.session.state, 'OK');
  const second = await ok('volume', 'create', 'cli-auto-2', '--size', '8M', '--replicate', '--rpo', 'Fifteen_Minutes');
  assert.match(second.id, /^[0-9a-f-]{36}$/);
  // Zero: a synchronous session, in step (mirroring) once --wait returns.
  const third = await ok('volume', 'create', 'cli-auto-3', '--size', '8M', '--replicate', '--rpo', 'Zero', '--wait');
  assert.equal(third.session.state, 'OK');
  const mirrored = await httpsJson(a.ready.url, 'GET', `/api/rest/replication_session?select=type,data_transfer_state&local_resource_id=eq.${third.id}`, { auth: AUTH });
  assert.deepEqual(mirrored.body, [{ type: 'Synchronous', data_transfer_state: 'Synchronous' }]);
  const policies = await httpsJson(a.ready.url, 'GET', '/api/rest/policy?select=name&name=like.replicate-*', { auth: AUTH });
  assert.deepEqual(policies.body.map((p: { name: string }) => p.name).sort(), ['replicate-Fifteen_Minutes-to-site-b', 'replicate-Five_Minutes-to-site-b', 'replicate-Zero-to-site-b']);
  const badRpo = await cli(['volume', 'create', 'x', '--size', '8M', '--replicate', '--rpo', 'Often', '--lab', labDir]);
  assert.equal(badRpo.status, 2);
  assert.match(badRpo.stderr, /--rpo "Often" is not one of/);
});

test('sync, pause, resume with --wait; without --wait the job is returned', async () => {
  const synced = await ok('session', 'sync', 'cli-repl', '--wait');
  assert.equal(synced.system, 'site-a');
  assert.equal(synced.after.state, 'OK');
  const paused = await ok('session', 'pause', 'cli-repl', '--wait');
  assert.equal(paused.after.state, 'Paused');
  const started = await ok('session', 'resume', 'cli-repl');
  assert.match(started.job, /^[0-9a-f-]{36}$/);
  const again = await cli(['session', 'resume', 'cli-repl', '--wait', '--lab', labDir]);
  // The first resume may or may not have finished: a second is either refused (not paused) or fine.
  assert.ok(again.status === 0 || /only a paused session can be resumed/.test(again.stderr), again.stderr);
});

test('failover --wait swaps the roles; reprotect --wait replicates back; failover test start and stop', async () => {
  const failed = await ok('session', 'failover', 'cli-repl', '--wait');
  assert.equal(failed.system, 'site-a', 'a planned failover is issued on the source');
  assert.equal(failed.after.state, 'Failed_Over');
  assert.equal(failed.after.role, 'Destination');
  const reprotected = await ok('session', 'reprotect', 'cli-repl', '--wait');
  assert.equal(reprotected.system, 'site-b', 'reprotect goes to the new source');
  assert.equal(reprotected.after.state, 'OK');
  const testStarted = await ok('session', 'test-start', 'cli-repl', '--wait');
  assert.equal(testStarted.system, 'site-a', 'a failover test runs on the destination');
  assert.equal(testStarted.after.failoverTest, true);
  const testStopped = await ok('session', 'test-stop', 'cli-repl', '--wait');
  assert.equal(testStopped.after.failoverTest, false);
  const refused = await cli(['session', 'test-stop', 'cli-repl', '--lab', labDir]);
  assert.equal(refused.status, 1);
  assert.match(refused.stderr, /no failover test is running/);
});

test('fault add, ls, rm; unplanned failover on the destination while the link is down', async () => {
  const added = await ok('fault', 'add', 'link_down', '--site', 'site-b');
  assert.equal(added.system, 'site-b');
  const listed = await ok('fault', 'ls');
  assert.deepEqual(listed.map((f: any) => [f.system, f.id, f.kind]), [['site-b', added.id, 'link_down']]);
  const unplanned = await ok('session', 'failover', 'cli-repl', '--unplanned', '--wait');
  assert.equal(unplanned.system, 'site-a', 'the destination (site-a since the reprotect) takes over');
  assert.equal(unplanned.after.state, 'Failed_Over');
  const alerts = await ok('events', '--alerts');
  assert.ok(alerts.some((a: any) => a.system === 'site-b' && /Fault injected: fault-\d+ link_down\./.test(a.description_l10n)), JSON.stringify(alerts));
  const removed = await ok('fault', 'rm', added.id);
  assert.equal(removed.system, 'site-b', 'rm finds the system that has the fault');
  assert.deepEqual(await ok('fault', 'ls'), []);
  const events = await ok('events', '--site', 'site-b');
  assert.ok(events.some((e: any) => /Fault removed/.test(e.description_l10n)), 'tandem events shows the fault going');
  assert.ok(events.some((e: any) => /failed over/.test(e.description_l10n)) || (await ok('events', '--site', 'site-a')).some((e: any) => /failed over/.test(e.description_l10n)), 'and the failover');
});

test('the operator commands also work with TANDEM_URL and TANDEM_PASSWORD', async () => {
  const r = await cli(['volume', 'ls', '--json'], { TANDEM_URL: `${a.ready.url},${b.ready.url}`, TANDEM_PASSWORD: PASSWORD });
  assert.equal(r.status, 0, r.stderr);
  assert.ok(r.json.some((v: any) => v.name === 'cli-repl'));
  const noPassword = await cli(['status'], { TANDEM_URL: a.ready.url });
  assert.equal(noPassword.status, 2);
  assert.match(noPassword.stderr, /set TANDEM_PASSWORD/);
});

test('a busy port or a data directory in use ends serve and lab with one line naming the fix', async () => {
  const busy = await cli(['serve', '--data', join(work, 'other'), '--port', String(a.ready.https_port), '--nbd-port', '0']);
  assert.equal(busy.status, 2);
  assert.deepEqual(busy.stderr.trim().split('\n'), [`error: port ${a.ready.https_port} is in use: start with another --port (0 picks a free one)`]);
  const locked = await cli(['serve', '--data', join(work, 'site-a'), '--port', '0', '--nbd-port', '0']);
  assert.equal(locked.status, 2);
  assert.match(locked.stderr.trim(), /^error: data directory .*site-a is in use by another tandem \(process \d+\): stop that one, or start this one with another --data$/);
  const [base] = await freePorts(1);
  const holder: Server = await new Promise((resolve) => {
    const server = createServer();
    server.listen(base, '127.0.0.1', () => resolve(server));
  });
  try {
    const lab = await cli(['lab', '--data', join(work, 'lab2'), '--base-port', String(base)]);
    assert.equal(lab.status, 2);
    assert.match(lab.stderr.trim(), new RegExp(`^error: port ${base} \\(site-a HTTPS\\) is in use: start the lab with --base-port \\d+$`));
  } finally {
    holder.close();
  }
});
