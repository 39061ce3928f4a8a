// Goal: READ payloads read into pooled buffers (VolumeIo.readInto) are reused only once the socket
// is done with them: with many large reads in flight and a client that reads its replies late (so
// that Node queues the writes), every reply still carries its own bytes; holes inside a structured
// read keep their chunks; a client that hangs up with replies queued leaves nothing corrupt behind.
// Method: a real NbdServer over the real engine, driven by the raw test client; each block of the
// volume encodes (tag, block, version), so a payload from another read shows up as wrong blocks.

import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import { BLOCK_BYTES } from '../limits.ts';
import { openBlockStore, type Engine } from '../engine/blockstore.ts';
import { patternBlocks, prng, tempDir } from '../engine/test-support.ts';
import { NbdServer } from './server.ts';
import { staticExports } from './testing/memory-volume-io.ts';
import { C, RawNbdClient, type Reply } from './testing/raw-client.ts';

const KIB = 1024;
const MIB = 1024 * KIB;
const SIZE = 32 * MIB;
const HOLE = { offsetBytes: 5 * MIB + 64 * KIB, lengthBytes: 128 * KIB };

describe('NBD READ into pooled buffers', () => {
  const tmp = tempDir();
  let store: Engine;
  let server: NbdServer;
  let port: number;
  let expected: Buffer;

  before(async () => {
    store = await openBlockStore({ dir: tmp.dir, autoGc: false });
    await store.createVolume('v', SIZE);
    expected = patternBlocks(7, 0, SIZE / BLOCK_BYTES, 1);
    await store.write('v', 0, expected);
    await store.trim('v', HOLE.offsetBytes, HOLE.lengthBytes);
    expected.fill(0, HOLE.offsetBytes, HOLE.offsetBytes + HOLE.lengthBytes);
    server = new NbdServer({ io: store, exports: staticExports([{ name: 'v', volumeId: 'v' }]), port: 0 });
    port = (await server.listen()).port;
  });

  after(async () => {
    await server.close();
    await store.close();
    tmp.remove();
  });

  /**
   * Sends `count` reads at random 4 KiB-aligned offsets in two waves: the second only once the
   * first reply arrived, i.e. once the server has queued the first wave's replies (most of them
   * still in Node's write queue, the client reading nothing meanwhile), so the second wave's reads
   * take buffers while the first wave's are still being written. Checks every reply.
   */
  async function burst(client: RawNbdClient, structured: boolean, count: number, lengthBytes: number, seed: number): Promise<void> {
    const random = prng(seed);
    const asked = new Map<bigint, number>();
    const send = (from: number, to: number) => {
      for (let i = from; i < to; i++) {
        const offsetBytes = Math.floor(random() * ((SIZE - lengthBytes) / BLOCK_BYTES)) * BLOCK_BYTES;
        const handle = BigInt(i + 1);
        asked.set(handle, offsetBytes);
        client.request(C.CMD_READ, handle, offsetBytes, lengthBytes);
      }
    };
    const check = async () => {
      const reply: Reply = await client.readReply(() => lengthBytes);
      const offsetBytes = asked.get(reply.handle)!;
      assert.equal(reply.error, 0);
      const got = structured ? assemble(reply, offsetBytes, lengthBytes) : reply.data!;
      assert.ok(got.equals(expected.subarray(offsetBytes, offsetBytes + lengthBytes)), `read ${reply.handle} at ${offsetBytes}+${lengthBytes}`);
    };
    const half = Math.floor(count / 2);
    send(0, half);
    await check();
    send(half, count);
    for (let i = 1; i < count; i++) await check();
  }

  it('every reply carries its own bytes with many large reads queued behind a slow reader', async () => {
    for (const structured of [false, true]) {
      const { client } = await RawNbdClient.open(port, 'v', { structured });
      try {
        for (let round = 0; round < 3; round++) await burst(client, structured, 96, 256 * KIB, 100 * round + (structured ? 1 : 0));
        await burst(client, structured, 24, 1 * MIB, 5);
        await burst(client, structured, 32, 96 * KIB, 6); // not a size class: a view of a larger buffer
      } finally {
        client.close();
      }
    }
  });

  it('a structured read across a hole sends the hole as its own chunk', async () => {
    const { client } = await RawNbdClient.open(port, 'v', { structured: true });
    try {
      const offsetBytes = HOLE.offsetBytes - 64 * KIB;
      client.request(C.CMD_READ, 1n, offsetBytes, 256 * KIB);
      const reply = await client.readReply();
      assert.deepEqual(reply.chunks!.map((c) => c.type), [1, 2, 1]);
      assert.ok(assemble(reply, offsetBytes, 256 * KIB).equals(expected.subarray(offsetBytes, offsetBytes + 256 * KIB)));
    } finally {
      client.close();
    }
  });

  it('a client that hangs up with replies queued leaves the next client correct data', async () => {
    const { client: first } = await RawNbdClient.open(port, 'v');
    for (let i = 0; i < 64; i++) first.request(C.CMD_READ, BigInt(i + 1), i * 256 * KIB, 256 * KIB);
    first.close(); // without reading a reply
    const { client } = await RawNbdClient.open(port, 'v');
    try {
      await burst(client, false, 96, 256 * KIB, 42);
    } finally {
      client.close();
    }
  });
});

/** The bytes a structured READ reply describes: OFFSET_DATA chunks copied, OFFSET_HOLE left zero. */
function assemble(reply: Reply, offsetBytes: number, lengthBytes: number): Buffer {
  const out = Buffer.alloc(lengthBytes);
  for (const chunk of reply.chunks!) {
    const at = Number(chunk.data.readBigUInt64BE(0)) - offsetBytes;
    if (chunk.type === 1) chunk.data.subarray(8).copy(out, at);
    else assert.equal(chunk.type, 2, `unexpected chunk type ${chunk.type}`);
  }
  return out;
}
