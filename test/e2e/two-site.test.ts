// Goal: the "done means" for replication, as a new user would do it with two real
// `tandem serve` processes (site-a, site-b) driven only through the PowerStore API over HTTPS and
// a host writing and reading over NBD with nbdcopy: pairing, rule → policy → protected volume,
// sync, a read-only destination export with the same bytes, planned failover, writes on site-b,
// failback with reverse, then a disaster: unsynced flushed writes on site-a, kill -9 of site-a,
// unplanned failover on site-b (serves the last synced data), site-a restarted with the same data
// directory and ports comes back as destination, reprotect discards site-a's unsynced writes and
// does not copy the whole volume again.
//
// TANDEM_KEEP_E2E=1 keeps the data directories and both systems' logs for a post-mortem.
//
// The steps are one story, so they are sequential tests sharing state; a step that fails makes the
// later ones fail fast (`requireStep`) instead of timing out.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { httpsJson, type HttpsReply } from '../helpers/https-client.ts';
import { freePorts, missingTool, startServe, stopProcess, type ServeProcess } from '../helpers/processes.ts';
import { basic } from '../helpers/system.ts';

const PASSWORD = 'Two-Site-Password-1';
const AUTH = basic('admin', PASSWORD);
const MiB = 1024 * 1024;
/** 64 MiB of random data: a full copy would ship all of it, an incremental one only the changes. */
const SIZE = 64 * MiB;
const VOLUME = 'dr-vol';
const POLL_MS = 50;
const POLL_LIMIT_MS = 30_000;

// nbdcopy writes and reads whole volumes; qemu-io writes one region at an offset, as a host
// updating part of its disk does (rewriting all 64 MiB would make every diff a full one).
const missing = missingTool('nbdcopy', 'libnbd-bin') ?? missingTool('qemu-io', 'qemu-utils');
const work = mkdtempSync(join(tmpdir(), 'tandem-two-site-'));

interface Site {
  name: 'site-a' | 'site-b';
  data: string;
  ports: { https: number; nbd: number; peer: number };
  proc: ServeProcess | null;
}
const sites: Record<'a' | 'b', Site> = {
  a: { name: 'site-a', data: join(work, 'site-a'), ports: { https: 0, nbd: 0, peer: 0 }, proc: null },
  b: { name: 'site-b', data: join(work, 'site-b'), ports: { https: 0, nbd: 0, peer: 0 }, proc: null },
};

let rsOnA = '';
let sessionId = '';
let volA = '';
let volB = '';
/** What each step expects a host to read; the test keeps the host's view of the volume. */
let hostView: Buffer = Buffer.alloc(0);
let lastSynced: Buffer = Buffer.alloc(0);
const done = new Set<string>();

function requireStep(t: { skip(m: string): void }, step: string): boolean {
  if (missing) {
    t.skip(missing);
    return false;
  }
  assert.ok(done.has(step), `an earlier step (${step}) did not complete`);
  return true;
}

function api(side: 'a' | 'b', method: string, path: string, body?: unknown): Promise<HttpsReply> {
  return httpsJson(`https://127.0.0.1:${sites[side].ports.https}`, method, `/api/rest${path}`, { body, auth: AUTH });
}

function expectStatus(reply: HttpsReply, status: number, what: string): void {
  assert.equal(reply.status, status, `${what}: ${reply.status} ${JSON.stringify(reply.body)}`);
}

async function startSite(side: 'a' | 'b'): Promise<void> {
  const site = sites[side];
  site.proc = await startServe({ name: site.name, data: site.data, password: PASSWORD, ports: site.ports });
  assert.equal(site.proc.ready.https_port, site.ports.https, `${site.name} listens on the chosen https port`);
  assert.equal(site.proc.ready.nbd_port, site.ports.nbd, `${site.name} listens on the chosen nbd port`);
}

function nbdUrl(side: 'a' | 'b'): string {
  return `nbd://127.0.0.1:${sites[side].ports.nbd}/${VOLUME}`;
}

let fileCounter = 0;
function hostWrite(side: 'a' | 'b', content: Buffer): void {
  const file = join(work, `write-${fileCounter++}.img`);
  writeFileSync(file, content);
  const r = spawnSync('nbdcopy', ['--flush', file, nbdUrl(side)], { encoding: 'utf8', timeout: 60_000 });
  rmSync(file, { force: true });
  assert.equal(r.status, 0, `nbdcopy --flush to ${sites[side].name}: ${r.stderr}`);
}

function hostWriteRefused(side: 'a' | 'b', content: Buffer): string {
  const file = join(work, `write-${fileCounter++}.img`);
  writeFileSync(file, content);
  const r = spawnSync('nbdcopy', ['--flush', file, nbdUrl(side)], { encoding: 'utf8', timeout: 60_000 });
  rmSync(file, { force: true });
  assert.notEqual(r.status, 0, `a write to ${sites[side].name}'s export must fail (read-only)`);
  return r.stderr;
}

function hostRead(side: 'a' | 'b'): Buffer {
  const file = join(work, `read-${fileCounter++}.img`);
  const r = spawnSync('nbdcopy', [nbdUrl(side), file], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, `nbdcopy from ${sites[side].name}: ${r.stderr}`);
  const bytes = readFileSync(file);
  rmSync(file, { force: true });
  return bytes;
}

function assertSameBytes(actual: Buffer, expected: Buffer, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: size`);
  if (actual.equals(expected)) return;
  let first = 0;
  while (actual[first] === expected[first]) first++;
  assert.fail(`${what}: bytes differ first at offset ${first} (MiB ${Math.floor(first / MiB)})`);
}

/** A host writes `length` fresh random bytes at `offset` (qemu-io, then flush); returns the new view. */
function hostWriteRegion(side: 'a' | 'b', base: Buffer, offset: number, length: number): Buffer {
  const region = randomBytes(length);
  const file = join(work, `region-${fileCounter++}.bin`);
  writeFileSync(file, region);
  const r = spawnSync('qemu-io', ['-f', 'raw', nbdUrl(side), '-c', `write -s ${file} ${offset} ${length}`, '-c', 'flush'], { encoding: 'utf8', timeout: 60_000 });
  rmSync(file, { force: true });
  assert.ok(r.status === 0 && !/error|failed/i.test(r.stdout + r.stderr), `qemu-io write to ${sites[side].name}: ${r.stdout}${r.stderr}`);
  const next = Buffer.from(base);
  region.copy(next, offset);
  return next;
}

async function session(side: 'a' | 'b'): Promise<{ role: string; state: string; last_sync_duration: number | null; last_sync_timestamp: string | null }> {
  const r = await api(side, 'GET', `/replication_session/${sessionId}?select=id,role,state,last_sync_timestamp,last_sync_duration,data_connection_state`);
  expectStatus(r, 200, `GET session on ${sites[side].name}`);
  return r.body;
}

/** Polls the session on one side until `want` holds; bounded, with the last seen value in the failure. */
async function waitForSession(side: 'a' | 'b', want: { role?: string; state?: string }, why: string): Promise<void> {
  const deadline = Date.now() + POLL_LIMIT_MS;
  let last: unknown = null;
  while (Date.now() < deadline) {
    const r = await api(side, 'GET', `/replication_session/${sessionId}?select=role,state`).catch((e: Error) => ({ status: 0, body: e.message }) as HttpsReply);
    last = r.body;
    if (r.status === 200 && (!want.role || r.body.role === want.role) && (!want.state || r.body.state === want.state)) return;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  assert.fail(`${why}: the session on ${sites[side].name} did not reach ${JSON.stringify(want)} within ${POLL_LIMIT_MS / 1000} s; last seen ${JSON.stringify(last)}`);
}

/** `cycle committed` log lines (src/replication/cycles.ts; pino JSON, the text in `msg`) a system printed on stderr for our session. */
function committedCycles(side: 'a' | 'b'): { cycle: number; bytes: number }[] {
  const text = sites[side].proc?.stderr.join('') ?? '';
  return text
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => {
      try {
        return JSON.parse(line);
      } catch {
        return null;
      }
    })
    .filter((e) => e && e.msg === 'cycle committed' && e.session === sessionId)
    .map((e) => ({ cycle: e.cycle, bytes: e.bytes }));
}

before(async () => {
  if (missing) return;
  const [ah, an, ap, bh, bn, bp] = await freePorts(6);
  sites.a.ports = { https: ah!, nbd: an!, peer: ap! };
  sites.b.ports = { https: bh!, nbd: bn!, peer: bp! };
  await startSite('a');
  await startSite('b');
});

after(async () => {
  for (const site of Object.values(sites)) {
    if (site.proc) await stopProcess(site.proc.child, 'SIGKILL');
    site.proc = null;
  }
  if (process.env.TANDEM_KEEP_E2E) console.log(`kept ${work}`);
  else rmSync(work, { recursive: true, force: true });
});

test('pair site-a with site-b through the PowerStore API', async (t) => {
  if (missing) return t.skip(missing);
  const exchange = await api('a', 'POST', '/x509_certificate/exchange', { service: 'Replication_HTTP', address: '127.0.0.1', port: sites.b.ports.https, username: 'admin', password: PASSWORD });
  expectStatus(exchange, 204, 'certificate exchange');
  const rs = await api('a', 'POST', '/remote_system', { management_address: '127.0.0.1', management_port: sites.b.ports.https, type: 'PowerStore' });
  expectStatus(rs, 201, 'create remote_system');
  const onA = await api('a', 'GET', `/remote_system/${rs.body.id}?select=id,name,type`);
  assert.deepEqual(onA.body, { id: rs.body.id, name: 'site-b', type: 'PowerStore' });
  const onB = await api('b', 'GET', '/remote_system?select=id,name,management_port');
  assert.equal(onB.body.length, 1, 'site-b has the relationship back to site-a');
  assert.equal(onB.body[0].name, 'site-a');
  assert.equal(onB.body[0].management_port, sites.a.ports.https);
  rsOnA = rs.body.id;
  done.add('pair');
});

test('protect a volume: rule, policy, volume; host writes over NBD; sync; the destination is read-only with the same bytes', async (t) => {
  if (!requireStep(t, 'pair')) return;
  const rule = await api('a', 'POST', '/replication_rule', { name: 'rr-dr', rpo: 'Five_Minutes', remote_system_id: rsOnA });
  expectStatus(rule, 201, 'create replication_rule');
  const policy = await api('a', 'POST', '/policy', { name: 'pp-dr', replication_rule_ids: [rule.body.id] });
  expectStatus(policy, 201, 'create policy');
  const vol = await api('a', 'POST', '/volume', { name: VOLUME, size: SIZE, protection_policy_id: policy.body.id });
  expectStatus(vol, 201, 'create protected volume');
  volA = vol.body.id;
  const sessions = await api('a', 'GET', `/replication_session?select=id,role&local_resource_id=eq.${volA}`);
  expectStatus(sessions, 200, 'list sessions');
  assert.equal(sessions.body.length, 1, 'assigning the policy created one session');
  sessionId = sessions.body[0].id;
  assert.equal(sessions.body[0].role, 'Source');

  hostView = randomBytes(SIZE);
  hostWrite('a', hostView);
  expectStatus(await api('a', 'POST', `/replication_session/${sessionId}/sync`), 204, 'sync');
  const a = await session('a');
  assert.equal(a.state, 'OK');
  assert.ok(a.last_sync_timestamp, 'last_sync_timestamp is set after a sync');

  const dest = await api('b', 'GET', `/volume?select=id,name,size,is_replication_destination&name=eq.${VOLUME}`);
  assert.equal(dest.body.length, 1, 'the destination volume exists on site-b under the same name');
  volB = dest.body[0].id;
  assert.equal(dest.body[0].size, SIZE);
  assert.equal(dest.body[0].is_replication_destination, true);
  assert.equal((await session('b')).role, 'Destination');
  hostWriteRefused('b', randomBytes(MiB));
  assertSameBytes(hostRead('b'), hostView, 'site-b reads what the host wrote on site-a');
  done.add('protected');
});

test('planned failover: site-b serves the same bytes and becomes writable', async (t) => {
  if (!requireStep(t, 'protected')) return;
  expectStatus(await api('a', 'POST', `/replication_session/${sessionId}/failover`), 204, 'planned failover (no body) on site-a');
  const [a, b] = [await session('a'), await session('b')];
  assert.deepEqual([a.role, a.state], ['Destination', 'Failed_Over']);
  assert.deepEqual([b.role, b.state], ['Source', 'Failed_Over']);
  assertSameBytes(hostRead('b'), hostView, 'site-b after planned failover');
  const volOnB = await api('b', 'GET', `/volume/${volB}?select=is_replication_destination`);
  assert.equal(volOnB.body.is_replication_destination, false, 'site-b volume is production now');
  hostWriteRefused('a', randomBytes(MiB));

  hostView = hostWriteRegion('b', hostView, 8 * MiB, 4 * MiB);
  assertSameBytes(hostRead('b'), hostView, 'site-b reads its own new writes');
  done.add('failed-over');
});

test('fail back as the README does: planned failover with reverse on site-b right after the failover', async (t) => {
  if (!requireStep(t, 'failed-over')) return;
  const back = await api('b', 'POST', `/replication_session/${sessionId}/failover`, { reverse: true });
  expectStatus(back, 204, 'planned failover with reverse on site-b');
  await waitForSession('a', { role: 'Source', state: 'OK' }, 'failback');
});

test('fail back (reprotect on site-b first, then planned failover with reverse): site-a is source again, OK, with site-b bytes', async (t) => {
  if (!requireStep(t, 'failed-over')) return;
  // Only needed while the README's one-step failback above is refused; harmless once it works.
  if ((await session('a')).role !== 'Source') {
    expectStatus(await api('b', 'POST', `/replication_session/${sessionId}/reprotect`), 204, 'reprotect on site-b');
    await waitForSession('b', { role: 'Source', state: 'OK' }, 'reprotect before failback');
    expectStatus(await api('b', 'POST', `/replication_session/${sessionId}/failover`, { reverse: true }), 204, 'planned failover with reverse on site-b');
  }
  await waitForSession('a', { role: 'Source', state: 'OK' }, 'failback');
  await waitForSession('b', { role: 'Destination', state: 'OK' }, 'failback');
  assertSameBytes(hostRead('a'), hostView, 'site-a reads what the host wrote on site-b');
  hostWriteRefused('b', randomBytes(MiB));
  done.add('failed-back');
});

/**
 * The disaster story. With `waitForCheckpoint`, site-a is killed only after its engine wrote a
 * checkpoint that covers the last sync; the unsynced writes still come
 * after that checkpoint and are flushed only, so they are exactly what an unplanned failover loses.
 */
async function disaster(options: { waitForCheckpoint: boolean }): Promise<void> {
  // The last synced data.
  lastSynced = hostWriteRegion('a', hostView, 16 * MiB, 2 * MiB);
  expectStatus(await api('a', 'POST', `/replication_session/${sessionId}/sync`), 204, 'sync on site-a');
  const syncedAtMs = Date.now();
  assertSameBytes(hostRead('b'), lastSynced, 'site-b holds the last synced data');
  if (options.waitForCheckpoint) await waitForEngineCheckpoint('a', syncedAtMs);
  // Flushed on site-a but never replicated.
  const unsynced = hostWriteRegion('a', lastSynced, 24 * MiB, 2 * MiB);
  assertSameBytes(hostRead('a'), unsynced, 'site-a has the unsynced writes');
  if (process.env.TANDEM_KEEP_E2E) writeFileSync(join(work, 'site-a-before-kill.log'), sites.a.proc!.stderr.join(''));
  await stopProcess(sites.a.proc!.child, 'SIGKILL');
  sites.a.proc = null;

  const dr = await api('b', 'POST', `/replication_session/${sessionId}/failover`, { is_planned: false });
  expectStatus(dr, 204, 'unplanned failover on site-b');
  const b = await session('b');
  assert.deepEqual([b.role, b.state], ['Source', 'Failed_Over']);
  assertSameBytes(hostRead('b'), lastSynced, 'site-b serves exactly the last synced data');
  // Production goes on at site-b: 1 MiB of new writes that reprotect must carry to site-a.
  hostView = hostWriteRegion('b', lastSynced, 40 * MiB, 1 * MiB);

  await startSite('a');
  await waitForSession('a', { role: 'Destination' }, 'restarted site-a learns from heartbeats that site-b failed over');
  hostWriteRefused('a', randomBytes(MiB));

  const cyclesBefore = committedCycles('b').length;
  expectStatus(await api('b', 'POST', `/replication_session/${sessionId}/reprotect`), 204, 'reprotect on site-b');
  await waitForSession('b', { role: 'Source', state: 'OK' }, 'reprotect');
  assertSameBytes(hostRead('a'), hostView, "site-a reads site-b's content; its unsynced writes are discarded");

  // No full copy. site-b logs every committed cycle with the bytes it shipped (a JSON line on
  // stderr, the system's operational log). Reprotect ships diff(common base, now): the 1 MiB
  // written on site-b after the failover. A full copy would ship the whole 64 MiB of random data,
  // so this check fails if reprotect falls back to a full resynchronisation. The log is the only
  // place the shipped byte count is exposed: last_sync_duration is a time and too noisy on
  // loopback to tell 1 MiB from 64 MiB reliably.
  if (process.env.TANDEM_KEEP_E2E) for (const x of ['a', 'b'] as const) writeFileSync(join(work, `${sites[x].name}.log`), sites[x].proc?.stderr.join('') ?? '');
  const cycles = committedCycles('b').slice(cyclesBefore);
  assert.ok(cycles.length >= 1, `site-b logged the reprotect cycle; stderr tail: ${sites.b.proc!.stderr.join('').slice(-2000)}`);
  const shipped = cycles.reduce((sum, c) => sum + c.bytes, 0);
  assert.ok(shipped >= 1 * MiB, `reprotect shipped site-b's new 1 MiB (shipped ${shipped} bytes)`);
  assert.ok(shipped <= 8 * MiB, `reprotect shipped ${shipped} bytes: a full copy of the ${SIZE / MiB} MiB volume happened`);
}

/**
 * Waits (bounded) until site's engine committed a checkpoint after `sinceMs`: the engine
 * checkpoints every few seconds into engine/engine.db (SQLite, WAL mode), so the -wal file
 * changes. It polls a state change, it does not sleep on the RPO.
 */
async function waitForEngineCheckpoint(side: 'a' | 'b', sinceMs: number): Promise<void> {
  const wal = join(sites[side].data, 'engine', 'engine.db-wal');
  const deadline = Date.now() + POLL_LIMIT_MS;
  while (Date.now() < deadline) {
    const stat = statSync(wal, { throwIfNoEntry: false });
    if (stat && stat.mtimeMs > sinceMs + 1) return;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  assert.fail(`${sites[side].name}'s engine wrote no checkpoint (${wal}) within ${POLL_LIMIT_MS / 1000} s`);
}

// Engine bug: after kill -9, recovery replays the log tail since the last checkpoint (taken every
// 5 s) and crashes on any DELETE record in it: src/engine/recovery.ts readRecord hands a DELETE
// record (payloadBytes 0) an empty Buffer as payload, and src/engine/apply.ts applyMetadata only
// treats null as "no payload", so decodeJsonPayload(JSON.parse('')) throws "Unexpected end of
// JSON input" and `tandem serve` exits 1. Every replication cycle deletes the previous base
// snapshot, so a source killed within 5 s of a sync cannot start again. Minimal repro: the last
// test in this file (create a volume, delete it, kill -9, restart).
test('disaster: kill -9 site-a with unsynced writes, unplanned failover on site-b, site-a returns as destination, reprotect without a full copy', async (t) => {
  if (!requireStep(t, 'failed-back')) return;
  // Killed once site-a's engine has checkpointed past the last sync (the next disaster test kills it before any checkpoint);
  // the test below repeats the story with no pause before kill -9.
  await disaster({ waitForCheckpoint: true });
  done.add('reprotected');
});

test('fail back to site-a again after the disaster', async (t) => {
  if (!requireStep(t, 'reprotected')) return;
  expectStatus(await api('b', 'POST', `/replication_session/${sessionId}/failover`, { reverse: true }), 204, 'planned failover with reverse on site-b');
  await waitForSession('a', { role: 'Source', state: 'OK' }, 'failback');
  await waitForSession('b', { role: 'Destination', state: 'OK' }, 'failback');
  assertSameBytes(hostRead('a'), hostView, 'site-a reads what site-b had');
  done.add('failed-back-2');
});

test('disaster as a user does it: kill -9 right after the unsynced writes, restart, reprotect', async (t) => {
  if (!requireStep(t, 'failed-back-2')) return;
  await disaster({ waitForCheckpoint: false });
});

test('a system restarts after kill -9 when the log tail holds a volume deletion (minimal repro of the engine bug)', async (t) => {
  if (missing) return t.skip(missing);
  const data = join(work, 'repro');
  let proc: ServeProcess | null = await startServe({ name: 'repro', data, password: PASSWORD });
  try {
    const url = proc.ready.url;
    const created = await httpsJson(url, 'POST', '/api/rest/volume', { body: { name: 'gone', size: MiB }, auth: AUTH });
    expectStatus(created, 201, 'create volume');
    expectStatus(await httpsJson(url, 'DELETE', `/api/rest/volume/${created.body.id}`, { auth: AUTH }), 204, 'delete volume');
    await stopProcess(proc.child, 'SIGKILL');
    proc = await startServe({ name: 'repro', data, password: PASSWORD });
    const list = await httpsJson(proc.ready.url, 'GET', '/api/rest/volume?select=id,name', { auth: AUTH });
    assert.deepEqual(list.body, [], 'the deleted volume stays deleted');
  } finally {
    if (proc) await stopProcess(proc.child, 'SIGKILL');
  }
});

test('the systems still running stop cleanly with SIGTERM', async (t) => {
  if (missing) return t.skip(missing);
  for (const site of [sites.a, sites.b]) {
    if (!site.proc) continue;
    const code = await stopProcess(site.proc.child, 'SIGTERM');
    site.proc = null;
    assert.equal(code, 0, `${site.name} exits 0 on SIGTERM`);
  }
});
