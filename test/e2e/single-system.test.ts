// Goal: the "done means", as a new user would do it against a real `tandem serve`
// process: a host writes through NBD (nbdcopy), a snapshot then a clone of it reads back the
// snapshot's bytes, restore brings them back to the volume, kill -9 and restart keep every
// flushed byte, and a refused input leaves nothing behind.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { basic } from '../helpers/system.ts';
import { httpsJson } from '../helpers/https-client.ts';
import { missingTool, startServe, stopProcess, type ServeProcess } from '../helpers/processes.ts';

const PASSWORD = 'E2e-Password-1';
const AUTH = basic('admin', PASSWORD);
const SIZE_BYTES = 16 * 1024 * 1024;
const work = mkdtempSync(join(tmpdir(), 'tandem-e2e-'));
let running: ServeProcess | null = null;
after(async () => {
  if (running) await stopProcess(running.child, 'SIGKILL');
  rmSync(work, { recursive: true, force: true });
});

function nbdcopy(from: string, to: string, extra: string[] = []): void {
  const r = spawnSync('nbdcopy', [...extra, from, to], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, `nbdcopy ${from} ${to}: ${r.stderr}`);
}

function readExport(nbdUrl: string, name: string): Buffer {
  const out = join(work, `read-${name}-${Date.now()}.img`);
  nbdcopy(`${nbdUrl}/${name}`, out);
  return readFileSync(out);
}

test('write, snapshot, clone, restore, kill -9, restart: every flushed byte intact', async (t) => {
  const missing = missingTool('nbdcopy', 'libnbd-bin');
  if (missing) return t.skip(missing);
  const data = join(work, 'data');
  running = await startServe({ name: 'e2e', data, password: PASSWORD });
  const url = running.ready.url;
  const nbd = running.ready.nbd;
  const api = (method: string, path: string, body?: unknown) => httpsJson(url, method, `/api/rest${path}`, { body, auth: AUTH });

  assert.equal((await httpsJson(url, 'GET', '/tandem/v1/health')).status, 200);
  const created = await api('POST', '/volume', { name: 'e2e-vol', size: SIZE_BYTES });
  assert.equal(created.status, 201);
  const volumeId = created.body.id;

  const first = randomBytes(SIZE_BYTES);
  writeFileSync(join(work, 'first.img'), first);
  nbdcopy(join(work, 'first.img'), `${nbd}/e2e-vol`, ['--flush']);
  assert.ok(readExport(nbd, 'e2e-vol').equals(first), 'the host reads back what it wrote');

  const snap = await api('POST', `/volume/${volumeId}/snapshot`, { name: 'e2e-snap' });
  assert.equal(snap.status, 200);
  const second = Buffer.from(first);
  randomBytes(1024 * 1024).copy(second, 4 * 1024 * 1024);
  writeFileSync(join(work, 'second.img'), second);
  nbdcopy(join(work, 'second.img'), `${nbd}/e2e-vol`, ['--flush']);
  assert.ok(readExport(nbd, 'e2e-snap').equals(first), 'the snapshot export (read-only) keeps the old bytes');

  const clone = await api('POST', `/volume/${snap.body.id}/clone`, { name: 'e2e-clone' });
  assert.equal(clone.status, 200);
  assert.ok(readExport(nbd, 'e2e-clone').equals(first), 'a clone of the snapshot reads the snapshot bytes');

  const writeSnap = spawnSync('nbdcopy', [join(work, 'second.img'), `${nbd}/e2e-snap`], { encoding: 'utf8', timeout: 60_000 });
  assert.notEqual(writeSnap.status, 0, 'snapshots are exported read-only');

  const restore = await api('POST', `/volume/${volumeId}/restore`, { from_snap_id: snap.body.id, create_backup_snap: false });
  assert.equal(restore.status, 204);
  assert.ok(readExport(nbd, 'e2e-vol').equals(first), 'restore brings the snapshot bytes back');

  const before = await api('GET', '/volume?select=id,name,size&order=name');
  const refused = await api('POST', '/volume', { name: 'e2e-bad', size: 12345 });
  assert.equal(refused.status, 400);
  assert.deepEqual((await api('GET', '/volume?select=id,name,size&order=name')).body, before.body, 'a refused input left nothing behind');

  // Write once more with a flush, then kill -9 without any shutdown.
  const third = Buffer.from(first);
  randomBytes(2 * 1024 * 1024).copy(third, 10 * 1024 * 1024);
  writeFileSync(join(work, 'third.img'), third);
  nbdcopy(join(work, 'third.img'), `${nbd}/e2e-vol`, ['--flush']);
  await stopProcess(running.child, 'SIGKILL');

  running = await startServe({ name: 'e2e', data, password: PASSWORD });
  const nbd2 = running.ready.nbd;
  assert.ok(readExport(nbd2, 'e2e-vol').equals(third), 'every flushed byte survives kill -9');
  assert.ok(readExport(nbd2, 'e2e-snap').equals(first), 'the snapshot survives kill -9');
  assert.ok(readExport(nbd2, 'e2e-clone').equals(first), 'the clone survives kill -9');
  const after = await httpsJson(running.ready.url, 'GET', '/api/rest/volume?select=id,name,size&order=name', { auth: AUTH });
  assert.deepEqual(after.body, before.body, 'metadata survives kill -9');

  const code = await stopProcess(running.child, 'SIGTERM');
  assert.equal(code, 0, 'SIGTERM shuts down cleanly');
  running = null;
});
