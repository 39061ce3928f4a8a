// Goal: measure how fast the peer link ships replication-sized payloads, and check every byte
// arrives. Method: 1 GiB as 256 calls of 4 MiB, 8 in flight, between two endpoints on loopback.
// The figure is printed, never asserted: timing depends on the machine, correctness does not.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { systemClock } from '../core/clock.ts';
import { startSystem, trustEachOther } from './testing/pair.ts';

const MIB = 1024 * 1024;
const BATCH_BYTES = 4 * MIB;
const BATCHES_COUNT = 256;
const INFLIGHT_MAX = 8;

describe('peer link throughput', () => {
  it('ships 1 GiB as 256 calls of 4 MiB with 8 in flight', { timeout: 120_000 }, async () => {
    const a = await startSystem('sys-a', systemClock);
    const b = await startSystem('sys-b', systemClock);
    try {
      trustEachOther(a, b);
      const received = new Map<number, string>();
      b.endpoint.handle('extent.ship', async ({ params, payload }) => {
        assert.ok(payload);
        const { index } = params as { index: number };
        // Cheap per-batch fingerprint: hashing 1 GiB would measure SHA-256, not the link.
        received.set(index, `${payload.length}:${payload.readUInt32LE(0)}:${payload.readUInt32LE(payload.length - 4)}`);
        return { result: { index, bytes: payload.length } };
      });
      const batch = Buffer.alloc(BATCH_BYTES);
      const client = a.endpoint.peer('sys-b');
      await client.call('peer.ping', {}); // connect outside the timed part

      let next = 0;
      const startMs = performance.now();
      const worker = async (): Promise<void> => {
        while (next < BATCHES_COUNT) {
          const index = next++;
          batch.writeUInt32LE(index, 0);
          batch.writeUInt32LE(index ^ 0xffff, BATCH_BYTES - 4);
          const payload = Buffer.from(batch); // each call owns its bytes, as an extent read would
          const { result } = await client.call<{ index: number; bytes: number }>('extent.ship', { index }, { payload });
          assert.equal(result.index, index);
        }
      };
      await Promise.all(Array.from({ length: INFLIGHT_MAX }, worker));
      const elapsedS = (performance.now() - startMs) / 1000;

      assert.equal(received.size, BATCHES_COUNT);
      for (const [index, seen] of received) assert.equal(seen, `${BATCH_BYTES}:${index}:${index ^ 0xffff}`);
      const mibPerS = (BATCHES_COUNT * BATCH_BYTES) / MIB / elapsedS;
      console.log(`peer link throughput: ${mibPerS.toFixed(0)} MiB/s (1 GiB in ${elapsedS.toFixed(2)} s, 4 MiB × 256, 8 in flight)`);
    } finally {
      await Promise.all([a.endpoint.close(), b.endpoint.close()]);
    }
  });
});
