// Goal: option negotiation answers every option the spec requires, refuses what it must, and drops
// connections that break the rules. Method: a real NbdServer on 127.0.0.1 port 0 backed by the
// in-memory VolumeIo, driven by the raw test client byte by byte.

import { strict as assert } from 'node:assert';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { NBD_OPTIONS_MAX, NBD_OPTIONS_PER_EXPORT } from '../limits.ts';
import { NbdServer } from './server.ts';
import { MemoryVolumeIo, staticExports } from './testing/memory-volume-io.ts';
import { C, RawNbdClient, infoData, metaContextData, u32 } from './testing/raw-client.ts';

const MIB = 1024 * 1024;

describe('NBD handshake', () => {
  let io: MemoryVolumeIo;
  let server: NbdServer;
  let port: number;
  const clients: RawNbdClient[] = [];

  beforeEach(async () => {
    io = new MemoryVolumeIo();
    io.createVolume('vol-a', 8 * MIB);
    io.createVolume('vol-b', 4 * MIB);
    server = new NbdServer({
      io,
      exports: staticExports([
        { name: 'alpha', volumeId: 'vol-a', description: 'first volume' },
        { name: 'beta', volumeId: 'vol-b', readOnly: true },
        { name: 'ghost', volumeId: 'vol-missing' },
      ]),
      port: 0,
    });
    port = (await server.listen()).port;
  });

  afterEach(async () => {
    for (const client of clients.splice(0)) client.close();
    await server.close();
  });

  async function negotiating(clientFlags = 3): Promise<RawNbdClient> {
    const { client } = await RawNbdClient.connect(port);
    clients.push(client);
    client.write(u32(clientFlags));
    return client;
  }

  it('greets with NBDMAGIC, IHAVEOPT and FIXED_NEWSTYLE|NO_ZEROES', async () => {
    const { client, magic, handshakeFlags } = await RawNbdClient.connect(port);
    clients.push(client);
    assert.equal(magic.toString('latin1'), 'NBDMAGICIHAVEOPT');
    assert.equal(handshakeFlags, 3);
  });

  it('drops a client that sends unknown client flags', async () => {
    const client = await negotiating(0x4 | 1);
    assert.equal(await client.waitClosed(), true);
  });

  it('LIST names every export with its description, then ACK', async () => {
    const client = await negotiating();
    client.sendOption(C.OPT_LIST, Buffer.alloc(0));
    const replies = await client.readOptionReplies();
    assert.deepEqual(replies.map((r) => r.type), [C.REP_SERVER, C.REP_SERVER, C.REP_SERVER, C.REP_ACK]);
    const first = replies[0]!.data;
    const nameBytes = first.readUInt32BE(0);
    assert.equal(first.toString('utf8', 4, 4 + nameBytes), 'alpha');
    assert.equal(first.toString('utf8', 4 + nameBytes), 'first volume');
  });

  it('INFO reports size, flags, name, description and block sizes, and stays in negotiation', async () => {
    const client = await negotiating();
    client.sendOption(C.OPT_INFO, infoData('alpha', [1, 2, 3]));
    const replies = await client.readOptionReplies();
    assert.equal(replies.at(-1)!.type, C.REP_ACK);
    const byInfo = new Map(replies.filter((r) => r.type === C.REP_INFO).map((r) => [r.data.readUInt16BE(0), r.data]));
    const exportInfo = byInfo.get(0)!;
    assert.equal(Number(exportInfo.readBigUInt64BE(2)), 8 * MIB);
    const flags = exportInfo.readUInt16BE(10);
    // HAS_FLAGS, FLUSH, FUA, TRIM, WRITE_ZEROES, DF, MULTI_CONN, CACHE; not READ_ONLY.
    assert.equal(flags, 0x1 | 0x4 | 0x8 | 0x20 | 0x40 | 0x80 | 0x100 | 0x400);
    assert.equal(byInfo.get(1)!.toString('utf8', 2), 'alpha');
    assert.equal(byInfo.get(2)!.toString('utf8', 2), 'first volume');
    const blockSize = byInfo.get(3)!;
    assert.deepEqual([blockSize.readUInt32BE(2), blockSize.readUInt32BE(6), blockSize.readUInt32BE(10)], [1, 4096, 32 * MIB]);
    // Still negotiating: another option gets an answer.
    client.sendOption(C.OPT_LIST, Buffer.alloc(0));
    assert.equal((await client.readOptionReplies()).at(-1)!.type, C.REP_ACK);
  });

  it('INFO and GO for an unknown export (or one whose volume is gone) answer ERR_UNKNOWN', async () => {
    const client = await negotiating();
    for (const option of [C.OPT_INFO, C.OPT_GO]) {
      for (const name of ['nope', 'ghost']) {
        client.sendOption(option, infoData(name, []));
        const replies = await client.readOptionReplies();
        assert.deepEqual(replies.map((r) => r.type), [C.REP_ERR_UNKNOWN]);
      }
    }
  });

  it('marks read-only exports READ_ONLY', async () => {
    const { client, transmissionFlags } = await RawNbdClient.open(port, 'beta');
    clients.push(client);
    // HAS_FLAGS, READ_ONLY, FLUSH, DF, MULTI_CONN, CACHE; no FUA, TRIM or WRITE_ZEROES.
    assert.equal(transmissionFlags, 0x1 | 0x2 | 0x4 | 0x80 | 0x100 | 0x400);
  });

  it('answers malformed INFO data with ERR_INVALID', async () => {
    const client = await negotiating();
    client.sendOption(C.OPT_GO, Buffer.from([0, 0, 0, 9, 1]));
    assert.deepEqual((await client.readOptionReplies()).map((r) => r.type), [C.REP_ERR_INVALID]);
  });

  it('answers STARTTLS with ERR_POLICY and unknown options with ERR_UNSUP', async () => {
    const client = await negotiating();
    client.sendOption(C.OPT_STARTTLS, Buffer.alloc(0));
    assert.deepEqual((await client.readOptionReplies()).map((r) => r.type), [C.REP_ERR_POLICY]);
    client.sendOption(11, Buffer.alloc(0)); // EXTENDED_HEADERS
    assert.deepEqual((await client.readOptionReplies()).map((r) => r.type), [C.REP_ERR_UNSUP]);
    client.sendOption(4242, Buffer.from('xyz'));
    assert.deepEqual((await client.readOptionReplies()).map((r) => r.type), [C.REP_ERR_UNSUP]);
  });

  it('ABORT is acknowledged and the connection closed', async () => {
    const client = await negotiating();
    client.sendOption(C.OPT_ABORT, Buffer.alloc(0));
    assert.equal((await client.readOptionReply()).type, C.REP_ACK);
    assert.equal(await client.waitClosed(), true);
  });

  it('drops a client whose option magic is wrong', async () => {
    const client = await negotiating();
    client.write(Buffer.concat([Buffer.from('IHAVEOPX'), u32(C.OPT_LIST), u32(0)]));
    assert.equal(await client.waitClosed(), true);
  });

  it(`drops a client after ${NBD_OPTIONS_MAX} options and ${NBD_OPTIONS_PER_EXPORT} more per export`, async () => {
    const client = await negotiating();
    for (let i = 0; i < NBD_OPTIONS_MAX + NBD_OPTIONS_PER_EXPORT * 3; i++) {
      client.sendOption(C.OPT_STRUCTURED_REPLY, Buffer.alloc(0));
      assert.equal((await client.readOptionReply()).type, C.REP_ACK);
    }
    client.sendOption(C.OPT_STRUCTURED_REPLY, Buffer.alloc(0));
    assert.equal(await client.waitClosed(), true);
  });

  it('drops a client whose option data is longer than the bound', async () => {
    const client = await negotiating();
    client.write(Buffer.concat([C.IHAVEOPT, u32(C.OPT_LIST), u32(1024 * 1024)]));
    assert.equal(await client.waitClosed(), true);
  });

  it('meta contexts need structured replies first, then list and select base:allocation', async () => {
    const client = await negotiating();
    client.sendOption(C.OPT_SET_META_CONTEXT, metaContextData('alpha', ['base:allocation']));
    assert.deepEqual((await client.readOptionReplies()).map((r) => r.type), [C.REP_ERR_INVALID]);
    client.sendOption(C.OPT_STRUCTURED_REPLY, Buffer.alloc(0));
    assert.equal((await client.readOptionReply()).type, C.REP_ACK);

    client.sendOption(C.OPT_LIST_META_CONTEXT, metaContextData('alpha', []));
    const listed = await client.readOptionReplies();
    assert.deepEqual(listed.map((r) => r.type), [C.REP_META_CONTEXT, C.REP_ACK]);
    assert.equal(listed[0]!.data.toString('utf8', 4), 'base:allocation');

    client.sendOption(C.OPT_SET_META_CONTEXT, metaContextData('alpha', ['qemu:dirty-bitmap:x', 'base:allocation']));
    const set = await client.readOptionReplies();
    assert.deepEqual(set.map((r) => r.type), [C.REP_META_CONTEXT, C.REP_ACK]);
    assert.equal(set[0]!.data.readUInt32BE(0), 1);

    client.sendOption(C.OPT_SET_META_CONTEXT, metaContextData('alpha', ['qemu:dirty-bitmap:x']));
    assert.deepEqual((await client.readOptionReplies()).map((r) => r.type), [C.REP_ACK]);

    client.sendOption(C.OPT_SET_META_CONTEXT, metaContextData('nope', ['base:allocation']));
    assert.deepEqual((await client.readOptionReplies()).map((r) => r.type), [C.REP_ERR_UNKNOWN]);
  });

  it('EXPORT_NAME enters transmission with size, flags and no zero padding under NO_ZEROES', async () => {
    const client = await negotiating();
    client.sendOption(C.OPT_EXPORT_NAME, Buffer.from('alpha'));
    const reply = await client.read(10);
    assert.equal(Number(reply.readBigUInt64BE(0)), 8 * MIB);
    assert.equal(reply.readUInt16BE(8) & 0x1, 1);
    client.request(C.CMD_FLUSH, 7n, 0, 0);
    const flush = await client.readReply();
    assert.deepEqual([flush.handle, flush.error], [7n, 0]);
  });

  it('EXPORT_NAME pads with 124 zeros without NO_ZEROES', async () => {
    const client = await negotiating(1);
    client.sendOption(C.OPT_EXPORT_NAME, Buffer.from('alpha'));
    const reply = await client.read(10 + 124);
    assert.ok(reply.subarray(10).every((b) => b === 0));
    client.request(C.CMD_FLUSH, 8n, 0, 0);
    assert.equal((await client.readReply()).handle, 8n);
  });

  it('EXPORT_NAME for an unknown export disconnects', async () => {
    const client = await negotiating();
    client.sendOption(C.OPT_EXPORT_NAME, Buffer.from('nope'));
    assert.equal(await client.waitClosed(), true);
  });
});
