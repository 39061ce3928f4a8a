// Goal: the shipper sends every byte of a diff exactly once, in batches within the limits, with
// the right data even though workers reuse their buffers, and stops on the first failed call.
// Method: planBatches on hand-made extents; shipExtents against a fake store (bytes derived from
// the offset) and a fake transport that copies each payload when the call is answered, as the
// real receiver has read it by then.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import type { BlockStore, Extent } from '../core/ports.ts';
import { SHIP_BATCH_BYTES_MAX, SHIP_BATCH_EXTENTS_MAX } from './limits.ts';
import { planBatches, shipExtents, type ShipTarget } from './shipper.ts';
import type { PeerTransport } from './transport.ts';

const KiB = 1024;
const MiB = 1024 * KiB;

/** The byte at an offset of the fake snapshot: any misplaced or stale byte shows. */
const byteAt = (offsetBytes: number) => (offsetBytes * 7 + (offsetBytes >>> 12)) & 0xff;

function fakeStore(): BlockStore {
  const readInto = async (_id: string, offsetBytes: number, target: Buffer) => {
    await new Promise((resolve) => setImmediate(resolve));
    for (let i = 0; i < target.length; i++) target[i] = byteAt(offsetBytes + i);
  };
  return { readInto } as unknown as BlockStore;
}

interface Received {
  extents: Extent[];
  payload: Buffer | null;
}

function fakeTarget(received: Received[], failOnCall: number | null = null): ShipTarget {
  let calls = 0;
  const transport = {
    call: async (_peer: string, _method: string, params: { extents: Extent[] }, options?: { payload?: Buffer }) => {
      const call = ++calls;
      await new Promise((resolve) => setTimeout(resolve, call % 3));
      if (call === failOnCall) throw new Error('link cut');
      received.push({ extents: params.extents, payload: options?.payload ? Buffer.from(options.payload) : null });
      return { result: {}, payload: null };
    },
  } as unknown as PeerTransport;
  return { transport, peerSystemId: 'b', sessionId: 's', cycle: 1, remoteVolumeId: 'v' };
}

describe('shipper', () => {
  it('cuts long extents at the batch size and keeps zero extents in order', () => {
    const extents: Extent[] = [
      { offsetBytes: 0, lengthBytes: SHIP_BATCH_BYTES_MAX + 8 * KiB, kind: 'data' },
      { offsetBytes: SHIP_BATCH_BYTES_MAX + 8 * KiB, lengthBytes: 4 * KiB, kind: 'zero' },
      { offsetBytes: 64 * MiB, lengthBytes: SHIP_BATCH_BYTES_MAX, kind: 'data' },
    ];
    const batches = [...planBatches(extents)];
    assert.deepEqual(batches.map((b) => b.dataBytes), [SHIP_BATCH_BYTES_MAX, SHIP_BATCH_BYTES_MAX, 8 * KiB]);
    assert.deepEqual(batches[1]!.extents, [
      { offsetBytes: SHIP_BATCH_BYTES_MAX, lengthBytes: 8 * KiB, kind: 'data' },
      { offsetBytes: SHIP_BATCH_BYTES_MAX + 8 * KiB, lengthBytes: 4 * KiB, kind: 'zero' },
      { offsetBytes: 64 * MiB, lengthBytes: SHIP_BATCH_BYTES_MAX - 8 * KiB, kind: 'data' },
    ]);
  });

  it('bounds the extents of a batch, zero extents included', () => {
    // One data block in eight: a full batch of extents holds well under SHIP_BATCH_BYTES_MAX.
    const extents: Extent[] = Array.from({ length: SHIP_BATCH_EXTENTS_MAX * 2 + 3 }, (_, i) => ({ offsetBytes: i * 8 * KiB, lengthBytes: 4 * KiB, kind: i % 8 ? 'zero' : 'data' }));
    const batches = [...planBatches(extents)];
    assert.deepEqual(batches.map((b) => b.extents.length), [SHIP_BATCH_EXTENTS_MAX, SHIP_BATCH_EXTENTS_MAX, 3]);
    assert.ok(batches.every((b) => b.dataBytes === b.extents.filter((e) => e.kind === 'data').length * 4 * KiB));
  });

  it('ships every byte once with the right data while workers reuse their buffers', async () => {
    // Batches of several sizes, so a buffer first used for a small batch grows for a big one.
    const extents: Extent[] = [
      { offsetBytes: 0, lengthBytes: 12 * KiB, kind: 'data' },
      { offsetBytes: 12 * KiB, lengthBytes: MiB, kind: 'zero' },
      { offsetBytes: 2 * MiB, lengthBytes: 5 * SHIP_BATCH_BYTES_MAX + 20 * KiB, kind: 'data' },
      ...Array.from({ length: 300 }, (_, i): Extent => ({ offsetBytes: 64 * MiB + i * 16 * KiB, lengthBytes: 4 * KiB, kind: 'data' })),
    ];
    const received: Received[] = [];
    let reported = 0;
    const shipped = await shipExtents(fakeStore(), 'snap', extents, fakeTarget(received), (bytes) => (reported += bytes), () => false);
    const dataBytes = extents.filter((e) => e.kind === 'data').reduce((sum, e) => sum + e.lengthBytes, 0);
    assert.equal(shipped, dataBytes);
    assert.equal(reported, dataBytes);
    const seen: Extent[] = [];
    for (const { extents: sent, payload } of received) {
      let at = 0;
      for (const e of sent) {
        seen.push(e);
        if (e.kind === 'zero') continue;
        for (let i = 0; i < e.lengthBytes; i += 4093) assert.equal(payload![at + i], byteAt(e.offsetBytes + i), `byte ${e.offsetBytes + i}`);
        at += e.lengthBytes;
      }
      assert.equal(at, payload?.length ?? 0, 'the payload holds exactly the data extents');
    }
    seen.sort((x, y) => x.offsetBytes - y.offsetBytes);
    for (let i = 1; i < seen.length; i++) assert.ok(seen[i - 1]!.offsetBytes + seen[i - 1]!.lengthBytes <= seen[i]!.offsetBytes, 'no byte twice');
    assert.equal(seen.reduce((sum, e) => sum + e.lengthBytes, 0), extents.reduce((sum, e) => sum + e.lengthBytes, 0));
  });

  it('fails with the first failed call and starts no new batch after it', async () => {
    const extents: Extent[] = [{ offsetBytes: 0, lengthBytes: 64 * SHIP_BATCH_BYTES_MAX, kind: 'data' }];
    const received: Received[] = [];
    await assert.rejects(shipExtents(fakeStore(), 'snap', extents, fakeTarget(received, 3), () => undefined, () => false), /link cut/);
    assert.ok(received.length < 64 - 8, `only the batches already under way finish (${received.length})`);
  });

  it('stops when the cycle is cancelled', async () => {
    const received: Received[] = [];
    let cancelled = false;
    const extents: Extent[] = [{ offsetBytes: 0, lengthBytes: 64 * SHIP_BATCH_BYTES_MAX, kind: 'data' }];
    const shipping = shipExtents(fakeStore(), 'snap', extents, fakeTarget(received), () => (cancelled = true), () => cancelled);
    await assert.rejects(shipping, /the cycle was cancelled/);
    assert.ok(received.length < 64);
  });

  it('does not wait for the batches in flight once the session is to stop (a thin link would hold it for minutes)', { timeout: 10_000 }, async () => {
    // Calls that are never answered, as on a link far slower than the window in flight.
    let calls = 0;
    const hanging = { transport: { call: () => (calls++, new Promise(() => undefined)) } as unknown as PeerTransport, peerSystemId: 'b', sessionId: 's', cycle: 1, remoteVolumeId: 'v' };
    let stop!: () => void;
    const cancelled = new Promise<void>((resolve) => (stop = resolve));
    const extents: Extent[] = [{ offsetBytes: 0, lengthBytes: 64 * SHIP_BATCH_BYTES_MAX, kind: 'data' }];
    const shipping = shipExtents(fakeStore(), 'snap', extents, hanging, () => undefined, () => false, cancelled);
    while (calls === 0) await new Promise((resolve) => setImmediate(resolve));
    stop();
    await assert.rejects(shipping, /the cycle was cancelled/);
    assert.ok(calls <= 16, `no batch is sent after the stop (${calls})`);
  });
});
