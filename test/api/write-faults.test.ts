// Goal: fault injection on host I/O (DESIGN §8, "fail the next N data writes"): POST
// /tandem/v1/faults {"kind":"write_error","count":N,"volume_id":V} makes the next N host writes
// to that volume (or to any volume) fail over NBD with EIO and change nothing; the fault shows
// its remaining count, goes away when spent, and can be removed. Bad input is 400/404 and adds
// nothing; other volumes and reads are untouched.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { C, RawNbdClient } from '../../src/nbd/testing/raw-client.ts';
import { MiB, startTestSystem, type TestSystem } from '../helpers/system.ts';

let t: TestSystem;
const clients: RawNbdClient[] = [];
before(async () => {
  t = await startTestSystem({ name: 'faulty' });
});
after(async () => {
  for (const c of clients) c.close();
  await t.close();
});

const EIO = 5;

async function open(name: string): Promise<RawNbdClient> {
  const { client } = await RawNbdClient.open(t.system.ports.nbd, name);
  clients.push(client);
  return client;
}

let handle = 1n;
async function write(client: RawNbdClient, offset: number, byte: number): Promise<number> {
  const h = handle++;
  client.request(C.CMD_WRITE, h, offset, 4096, { payload: Buffer.alloc(4096, byte) });
  const reply = await client.readReply();
  assert.equal(reply.handle, h);
  return reply.error;
}

test('the next N writes to a volume fail with EIO and change nothing; then writes succeed again', async () => {
  const vol = (await t.ps('POST', '/volume', { name: 'wf-vol', size: 8 * MiB })).body.id as string;
  const other = (await t.ps('POST', '/volume', { name: 'wf-other', size: 8 * MiB })).body.id as string;
  const number = t.system.services.ctx.meta.get('volume', vol)!.number;
  for (const [body, status] of [
    [{ kind: 'write_error', count: 0, volume_id: vol }, 400],
    [{ kind: 'write_error', count: 1.5, volume_id: vol }, 400],
    [{ kind: 'write_error', volume_id: vol }, 400],
    [{ kind: 'write_error', count: 2, volume_id: '00000000-0000-0000-0000-000000000000' }, 404],
    [{ kind: 'write_error', count: 2, volume_id: 999999 }, 404],
    [{ kind: 'write_error', count: 2, volume_id: true }, 400],
  ] as const) {
    const r = await t.control('POST', '/faults', body);
    assert.equal(r.status, status, `${JSON.stringify(body)} → ${JSON.stringify(r.body)}`);
  }
  assert.deepEqual((await t.control('GET', '/faults')).body, [], 'refusals added nothing');

  const added = await t.control('POST', '/faults', { kind: 'write_error', count: 2, volume_id: number }); // ETERNUS volume_id works too
  assert.equal(added.status, 201, JSON.stringify(added.body));
  const a = await open('wf-vol');
  const b = await open('wf-other');
  assert.equal(await write(b, 0, 0x0b), 0, 'another volume is not affected');
  assert.equal(await write(a, 0, 0x01), EIO);
  assert.deepEqual((await t.control('GET', '/faults')).body, [{ id: added.body.id, kind: 'write_error', volume_id: vol, count_remaining: 1 }]);
  assert.equal(await write(a, 4096, 0x02), EIO);
  assert.deepEqual((await t.control('GET', '/faults')).body, [], 'spent: gone');
  assert.equal(await write(a, 8192, 0x03), 0);
  const store = t.system.services.ctx.store;
  assert.deepEqual(await store.read(vol, 0, 8192), Buffer.alloc(8192), 'the failed writes changed nothing');
  assert.deepEqual(await store.read(vol, 8192, 4096), Buffer.alloc(4096, 0x03));
  assert.deepEqual(await store.read(other, 0, 4096), Buffer.alloc(4096, 0x0b));

  // Without volume_id: every volume; DELETE removes it before it is spent.
  const all = await t.control('POST', '/faults', { kind: 'write_error', count: 100 });
  assert.equal(all.status, 201);
  assert.equal(await write(b, 0, 0x0c), EIO);
  assert.equal((await t.control('DELETE', `/faults/${all.body.id}`)).status, 204);
  assert.equal((await t.control('DELETE', `/faults/${all.body.id}`)).status, 404);
  assert.equal(await write(b, 0, 0x0d), 0);
  assert.deepEqual(await store.read(other, 0, 4096), Buffer.alloc(4096, 0x0d));
});
