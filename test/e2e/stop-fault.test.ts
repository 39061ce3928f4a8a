// Goal: the `stop` fault (DESIGN §8, "stop the system") ends a real `tandem serve` process at once,
// as a site failure would (killed, no shutdown), after answering 202; started again on the same
// data directory and ports, the system comes back with what a host wrote and flushed before. A
// system that does not run in a process of its own refuses the fault (400) and keeps running.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { C, RawNbdClient } from '../../src/nbd/testing/raw-client.ts';
import { httpsJson } from '../helpers/https-client.ts';
import { freePorts, startServe, stopProcess, type ServeProcess } from '../helpers/processes.ts';
import { basic, startTestSystem } from '../helpers/system.ts';

const PASSWORD = 'Stop-Fault-Password-1';
const AUTH = basic('admin', PASSWORD);
const work = mkdtempSync(join(tmpdir(), 'tandem-stop-fault-'));
const running: ServeProcess[] = [];
after(async () => {
  for (const p of running) await stopProcess(p.child);
  rmSync(work, { recursive: true, force: true });
});

async function writeAndFlush(port: number, name: string, data: Buffer): Promise<void> {
  const { client } = await RawNbdClient.open(port, name);
  try {
    client.request(C.CMD_WRITE, 1n, 0, data.length, { payload: data });
    assert.equal((await client.readReply()).error, 0);
    client.request(C.CMD_FLUSH, 2n, 0, 0);
    assert.equal((await client.readReply()).error, 0);
  } finally {
    client.close();
  }
}

async function read(port: number, name: string, length: number): Promise<Buffer> {
  const { client } = await RawNbdClient.open(port, name);
  try {
    client.request(C.CMD_READ, 1n, 0, length);
    const reply = await client.readReply(() => length);
    assert.equal(reply.error, 0);
    return reply.data!;
  } finally {
    client.close();
  }
}

test('a stop fault kills the system at once; restarted, it has the flushed data', async () => {
  const [https, nbd, peer] = await freePorts(3);
  const args = { name: 'stop-me', data: join(work, 'stop-me'), password: PASSWORD, ports: { https, nbd, peer } };
  const first = await startServe(args);
  running.push(first);
  const url = first.ready.url;
  const created = await httpsJson(url, 'POST', '/api/rest/volume', { body: { name: 'kept', size: 1024 * 1024 }, auth: AUTH });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const data = Buffer.alloc(4096, 0x5c);
  await writeAndFlush(nbd!, 'kept', data);

  const exited = new Promise<NodeJS.Signals | null>((resolve) => first.child.once('exit', (_code, signal) => resolve(signal)));
  const stop = await httpsJson(url, 'POST', '/tandem/v1/faults', { body: { kind: 'stop' }, auth: AUTH });
  assert.equal(stop.status, 202, JSON.stringify(stop.body));
  assert.equal(await exited, 'SIGKILL', 'killed, not shut down');

  const second = await startServe(args);
  running.push(second);
  const volumes = await httpsJson(second.ready.url, 'GET', '/api/rest/volume?select=id,name&name=eq.kept', { auth: AUTH });
  assert.deepEqual(volumes.body, [{ id: created.body.id, name: 'kept' }]);
  assert.deepEqual(await read(nbd!, 'kept', 4096), data, 'the flushed write survived');
});

test('a system inside another process refuses the stop fault and keeps running', async () => {
  const t = await startTestSystem({ name: 'in-process' });
  try {
    const r = await t.control('POST', '/faults', { kind: 'stop' });
    assert.equal(r.status, 400, JSON.stringify(r.body));
    assert.match(r.body.message, /does not run in a process of its own/);
    assert.equal((await t.control('GET', '/faults')).status, 200, 'still serving');
  } finally {
    await t.close();
  }
});
