// Goal: every command does what proto.md says, bad requests are refused at the edge before the
// volume port sees them, and concurrency is bounded. Method: a real NbdServer on 127.0.0.1 port 0
// with the in-memory VolumeIo (which counts calls and can hold or fail them), driven by the raw
// test client; results are checked both on the wire and in the fake's memory.

import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { NBD_INFLIGHT_MAX } from '../limits.ts';
import { DomainError, ReadOnlyError } from '../core/errors.ts';
import { NbdServer } from './server.ts';
import { MemoryVolumeIo, staticExports } from './testing/memory-volume-io.ts';
import { C, RawNbdClient, decodeBlockStatus, type Reply } from './testing/raw-client.ts';

const MIB = 1024 * 1024;
const KIB = 1024;
const SIZE = 8 * MIB;

describe('NBD transmission', () => {
  let io: MemoryVolumeIo;
  let server: NbdServer;
  let port: number;
  const clients: RawNbdClient[] = [];

  beforeEach(async () => {
    io = new MemoryVolumeIo();
    io.createVolume('vol-a', SIZE);
    io.createVolume('vol-b', SIZE);
    server = new NbdServer({
      io,
      exports: staticExports([
        { name: 'alpha', volumeId: 'vol-a' },
        { name: 'beta', volumeId: 'vol-b', readOnly: true },
      ]),
      port: 0,
    });
    port = (await server.listen()).port;
  });

  afterEach(async () => {
    io.release();
    for (const client of clients.splice(0)) client.close();
    await server.close();
  });

  async function open(name = 'alpha', options: { structured?: boolean; baseAllocation?: boolean } = {}) {
    const opened = await RawNbdClient.open(port, name, options);
    clients.push(opened.client);
    return opened.client;
  }

  async function call(client: RawNbdClient, type: number, offset: number, length: number, options: { flags?: number; payload?: Buffer; handle?: bigint } = {}): Promise<Reply> {
    const handle = options.handle ?? 1n;
    client.request(type, handle, offset, length, options);
    const reply = await client.readReply(() => (type === C.CMD_READ ? length : 0));
    assert.equal(reply.handle, handle);
    return reply;
  }

  it('writes then reads back with simple replies', async () => {
    const client = await open();
    const data = randomBytes(64 * KIB);
    assert.equal((await call(client, C.CMD_WRITE, 12345, data.length, { payload: data })).error, 0);
    assert.deepEqual(io.contents('vol-a').subarray(12345, 12345 + data.length), data);
    const read = await call(client, C.CMD_READ, 12345, data.length);
    assert.equal(read.error, 0);
    assert.deepEqual(read.data, data);
  });

  it('receives a large write split across many TCP chunks', async () => {
    const client = await open();
    const data = randomBytes(4 * MIB);
    assert.equal((await call(client, C.CMD_WRITE, 0, data.length, { payload: data })).error, 0);
    assert.ok(io.contents('vol-a').subarray(0, data.length).equals(data));
  });

  it('passes FUA to the volume port', async () => {
    const client = await open();
    await call(client, C.CMD_WRITE, 0, 4096, { payload: Buffer.alloc(4096, 1), flags: C.FLAG_FUA });
    await call(client, C.CMD_WRITE, 4096, 4096, { payload: Buffer.alloc(4096, 1) });
    assert.equal(io.fuaCount, 1);
  });

  it('replies to FLUSH only after the port flushed', async () => {
    const client = await open();
    io.hold();
    client.request(C.CMD_FLUSH, 9n, 0, 0);
    const reply = client.readReply();
    let replied = false;
    void reply.then(() => (replied = true));
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(replied, false);
    assert.equal(io.flushCount, 0);
    io.release();
    assert.equal((await reply).error, 0);
    assert.equal(io.flushCount, 1);
  });

  it('FLUSH with a nonzero offset or length is EINVAL', async () => {
    const client = await open();
    assert.equal((await call(client, C.CMD_FLUSH, 0, 5)).error, C.EINVAL);
    assert.equal(io.flushCount, 0);
  });

  it('TRIM unmaps whole blocks, which then read as zeros', async () => {
    const client = await open();
    await call(client, C.CMD_WRITE, 0, 64 * KIB, { payload: Buffer.alloc(64 * KIB, 0xaa) });
    assert.equal(io.allocatedBlocks('vol-a'), 16);
    assert.equal((await call(client, C.CMD_TRIM, 16 * KIB, 32 * KIB)).error, 0);
    assert.equal(io.allocatedBlocks('vol-a'), 8);
    const read = await call(client, C.CMD_READ, 0, 64 * KIB);
    assert.ok(read.data!.subarray(16 * KIB, 48 * KIB).every((b) => b === 0));
    assert.ok(read.data!.subarray(0, 16 * KIB).every((b) => b === 0xaa));
  });

  it('WRITE_ZEROES trims whole blocks and zeroes partial edge blocks', async () => {
    const client = await open();
    await call(client, C.CMD_WRITE, 0, 64 * KIB, { payload: Buffer.alloc(64 * KIB, 0xaa) });
    // 1000 .. 50000: partial block 0, whole blocks 1..11, partial block 12.
    assert.equal((await call(client, C.CMD_WRITE_ZEROES, 1000, 49000)).error, 0);
    const contents = io.contents('vol-a');
    assert.ok(contents.subarray(0, 1000).every((b) => b === 0xaa));
    assert.ok(contents.subarray(1000, 50000).every((b) => b === 0));
    assert.ok(contents.subarray(50000, 64 * KIB).every((b) => b === 0xaa));
    assert.equal(io.allocatedBlocks('vol-a'), 16 - 11);
  });

  it('WRITE_ZEROES with NO_HOLE keeps the range allocated', async () => {
    const client = await open();
    assert.equal((await call(client, C.CMD_WRITE_ZEROES, 0, 3 * MIB, { flags: C.FLAG_NO_HOLE })).error, 0);
    assert.equal(io.allocatedBlocks('vol-a'), (3 * MIB) / 4096);
  });

  it('a read-only export refuses WRITE, TRIM and WRITE_ZEROES with EPERM but serves reads', async () => {
    const client = await open('beta');
    assert.equal((await call(client, C.CMD_WRITE, 0, 4096, { payload: Buffer.alloc(4096, 1) })).error, C.EPERM);
    assert.equal((await call(client, C.CMD_TRIM, 0, 4096)).error, C.EPERM);
    assert.equal((await call(client, C.CMD_WRITE_ZEROES, 0, 4096)).error, C.EPERM);
    assert.equal((await call(client, C.CMD_READ, 0, 4096)).error, 0);
    assert.equal(io.writeCount + io.trimCount, 0);
  });

  it('out-of-range requests: READ and TRIM get EINVAL, WRITE gets ENOSPC and its payload is skipped', async () => {
    const client = await open();
    assert.equal((await call(client, C.CMD_READ, SIZE - 100, 200)).error, C.EINVAL);
    assert.equal((await call(client, C.CMD_TRIM, SIZE, 4096)).error, C.EINVAL);
    assert.equal((await call(client, C.CMD_WRITE, SIZE - 1, 2, { payload: Buffer.from([1, 2]) })).error, C.ENOSPC);
    assert.equal((await call(client, C.CMD_WRITE_ZEROES, SIZE - 1, 2)).error, C.ENOSPC);
    // A 64-bit offset past 2^53 is out of range too, not rounded into range.
    client.request(C.CMD_READ, 5n, 0, 0);
    assert.equal((await client.readReply()).error, C.EINVAL); // zero length
    assert.equal((await call(client, C.CMD_READ, 2 ** 60, 512)).error, C.EINVAL);
    assert.equal((await call(client, C.CMD_READ, 0, 33 * MIB)).error, C.EINVAL);
    // The connection is still in step: a valid request works.
    assert.equal((await call(client, C.CMD_READ, 0, 512)).error, 0);
    assert.equal(io.readCount + io.writeCount + io.trimCount, 1);
  });

  it('an unknown command or flag is EINVAL', async () => {
    const client = await open();
    assert.equal((await call(client, 99, 0, 512)).error, C.EINVAL);
    assert.equal((await call(client, C.CMD_TRIM, 0, 512, { flags: C.FLAG_DF })).error, C.EINVAL);
    assert.equal((await call(client, C.CMD_READ, 0, 512, { flags: C.FLAG_DF })).error, C.EINVAL); // DF needs structured replies
  });

  it('CACHE succeeds without touching the port', async () => {
    const client = await open();
    assert.equal((await call(client, C.CMD_CACHE, 0, MIB)).error, 0);
    assert.equal(io.readCount, 0);
  });

  it('maps port errors: READ_ONLY to EPERM, NO_SPACE to ENOSPC, others to EIO', async () => {
    const client = await open();
    const payload = Buffer.alloc(512, 1);
    io.failWith('write', new ReadOnlyError('volume is a replication destination'));
    assert.equal((await call(client, C.CMD_WRITE, 0, 512, { payload })).error, C.EPERM);
    io.failWith('write', new DomainError('NO_SPACE', 'full'));
    assert.equal((await call(client, C.CMD_WRITE, 0, 512, { payload })).error, C.ENOSPC);
    io.failWith('write', new Error('disk on fire'));
    assert.equal((await call(client, C.CMD_WRITE, 0, 512, { payload })).error, C.EIO);
  });

  it('a volume that disappears under an open export gets EIO', async () => {
    const client = await open();
    io.deleteVolume('vol-a');
    assert.equal((await call(client, C.CMD_READ, 0, 512)).error, C.EIO);
    assert.equal((await call(client, C.CMD_WRITE, 0, 2, { payload: Buffer.from([1, 2]) })).error, C.EIO);
  });

  it('structured READ sends holes as OFFSET_HOLE chunks and data as OFFSET_DATA', async () => {
    const client = await open('alpha', { structured: true });
    const data = randomBytes(8 * KIB);
    await call(client, C.CMD_WRITE, 16 * KIB, data.length, { payload: data });
    const reply = await call(client, C.CMD_READ, 0, 32 * KIB);
    assert.equal(reply.error, 0);
    const chunks = reply.chunks!;
    assert.deepEqual(chunks.map((c) => c.type), [2, 1, 2]);
    assert.deepEqual(chunks.map((c) => c.flags), [0, 0, 1]);
    assert.deepEqual([Number(chunks[0]!.data.readBigUInt64BE(0)), chunks[0]!.data.readUInt32BE(8)], [0, 16 * KIB]);
    assert.equal(Number(chunks[1]!.data.readBigUInt64BE(0)), 16 * KIB);
    assert.deepEqual(chunks[1]!.data.subarray(8), data);
    assert.deepEqual([Number(chunks[2]!.data.readBigUInt64BE(0)), chunks[2]!.data.readUInt32BE(8)], [24 * KIB, 8 * KIB]);
    // An all-hole read never reaches the port's read().
    const readsBefore = io.readCount;
    const hole = await call(client, C.CMD_READ, MIB, MIB);
    assert.deepEqual(hole.chunks!.map((c) => [c.type, c.flags]), [[2, 1]]);
    assert.equal(io.readCount, readsBefore);
  });

  it('structured READ with DF sends one OFFSET_DATA chunk including the zeros', async () => {
    const client = await open('alpha', { structured: true });
    await call(client, C.CMD_WRITE, 4096, 4096, { payload: Buffer.alloc(4096, 7) });
    const reply = await call(client, C.CMD_READ, 0, 12 * KIB, { flags: C.FLAG_DF });
    assert.deepEqual(reply.chunks!.map((c) => [c.type, c.flags]), [[1, 1]]);
    const body = reply.chunks![0]!.data.subarray(8);
    assert.equal(body.length, 12 * KIB);
    assert.ok(body.subarray(0, 4096).every((b) => b === 0) && body.subarray(4096, 8192).every((b) => b === 7));
  });

  it('structured READ errors come as an ERROR chunk', async () => {
    const client = await open('alpha', { structured: true });
    const reply = await call(client, C.CMD_READ, SIZE, 512);
    assert.equal(reply.error, C.EINVAL);
    assert.equal(reply.chunks![0]!.type, 0x8001);
  });

  it('BLOCK_STATUS reports base:allocation extents and honours REQ_ONE', async () => {
    const client = await open('alpha', { structured: true, baseAllocation: true });
    await call(client, C.CMD_WRITE, 8 * KIB, 8 * KIB, { payload: Buffer.alloc(8 * KIB, 1) });
    const reply = await call(client, C.CMD_BLOCK_STATUS, 0, MIB);
    const status = decodeBlockStatus(reply.chunks![0]!);
    assert.equal(status.contextId, 1);
    assert.deepEqual(status.extents, [
      { lengthBytes: 8 * KIB, flags: 3 },
      { lengthBytes: 8 * KIB, flags: 0 },
      { lengthBytes: MIB - 16 * KIB, flags: 3 },
    ]);
    const one = await call(client, C.CMD_BLOCK_STATUS, 8 * KIB, MIB, { flags: C.FLAG_REQ_ONE });
    assert.deepEqual(decodeBlockStatus(one.chunks![0]!).extents, [{ lengthBytes: 8 * KIB, flags: 0 }]);
  });

  it('BLOCK_STATUS without a selected meta context is EINVAL', async () => {
    const client = await open('alpha', { structured: true });
    assert.equal((await call(client, C.CMD_BLOCK_STATUS, 0, MIB)).error, C.EINVAL);
  });

  it('drops the connection on a bad request magic', async () => {
    const client = await open();
    client.write(Buffer.alloc(28, 0x11));
    assert.equal(await client.waitClosed(), true);
  });

  it('drops the connection on a WRITE longer than the maximum payload', async () => {
    const client = await open();
    client.request(C.CMD_WRITE, 1n, 0, 64 * MIB);
    assert.equal(await client.waitClosed(), true);
  });

  it(`runs requests concurrently, at most ${NBD_INFLIGHT_MAX} at once, and replies out of order`, async () => {
    const client = await open();
    const count = NBD_INFLIGHT_MAX + 72;
    io.hold();
    for (let i = 0; i < count; i++) client.request(C.CMD_READ, BigInt(i), i * 4096, 4096);
    // Wait until the server has started as many requests as it may, then check it stopped there.
    while (io.concurrencyMax < NBD_INFLIGHT_MAX) await new Promise((resolve) => setImmediate(resolve));
    for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
    assert.equal(io.concurrencyMax, NBD_INFLIGHT_MAX);
    io.release();
    const seen = new Set<bigint>();
    for (let i = 0; i < count; i++) {
      const reply = await client.readReply(() => 4096);
      assert.equal(reply.error, 0);
      seen.add(reply.handle);
    }
    assert.equal(seen.size, count);
  });

  it('many concurrent writes from several connections all land', async () => {
    const a = await open();
    const b = await open();
    const blocks = 256;
    for (let i = 0; i < blocks; i++) {
      (i % 2 === 0 ? a : b).request(C.CMD_WRITE, BigInt(i), i * 4096, 4096, { payload: Buffer.alloc(4096, i & 0xff) });
    }
    for (let i = 0; i < blocks / 2; i++) {
      assert.equal((await a.readReply()).error, 0);
      assert.equal((await b.readReply()).error, 0);
    }
    for (let i = 0; i < blocks; i++) assert.equal(io.contents('vol-a')[i * 4096 + 100], i & 0xff);
  });

  it('DISC finishes outstanding requests, replies to them, then closes', async () => {
    const client = await open();
    io.hold();
    client.request(C.CMD_WRITE, 1n, 0, 4096, { payload: Buffer.alloc(4096, 3) });
    client.request(C.CMD_DISC, 2n, 0, 0);
    await new Promise((resolve) => setImmediate(resolve));
    io.release();
    const reply = await client.readReply();
    assert.deepEqual([reply.handle, reply.error], [1n, 0]);
    assert.equal(await client.waitClosed(), true);
    assert.equal(io.contents('vol-a')[0], 3);
  });

  it('disconnectExport closes only the connections on that export', async () => {
    const onAlpha = await open('alpha');
    const onBeta = await open('beta');
    assert.equal(server.connectionCount(), 2);
    server.disconnectExport('alpha');
    assert.equal(await onAlpha.waitClosed(), true);
    assert.equal((await call(onBeta, C.CMD_READ, 0, 512)).error, 0);
    assert.equal(server.connectionCount(), 1);
  });

  it('close() waits for requests in flight, flushes, and closes every connection', async () => {
    const client = await open();
    io.hold();
    client.request(C.CMD_WRITE, 1n, 0, 4096, { payload: Buffer.alloc(4096, 5) });
    while (io.concurrencyMax === 0) await new Promise((resolve) => setImmediate(resolve));
    const closing = server.close();
    io.release();
    await closing;
    assert.equal(io.contents('vol-a')[0], 5);
    assert.equal(io.flushCount, 1);
    assert.equal(await client.waitClosed(), true);
    assert.equal(server.connectionCount(), 0);
  });

  it('close() does not hang on clients still negotiating or idle, and refuses new connections', async () => {
    const { client: greeted } = await RawNbdClient.connect(port); // never sends client flags
    clients.push(greeted);
    const idle = await open();
    await server.close();
    assert.equal(await greeted.waitClosed(), true);
    assert.equal(await idle.waitClosed(), true);
    await assert.rejects(RawNbdClient.connect(port));
  });
});
