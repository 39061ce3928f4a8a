// The simulation's in-memory engine keeps the BlockStore contract and the real engine's crash
// semantics; the virtual clock orders timers and immediates by due time, then arming order.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BLOCK_BYTES } from '../../src/limits.ts';
import { MemoryDisk } from './memory-block-store.ts';
import { Rng } from '../helpers/rng.ts';
import { SimScheduler } from './sim-scheduler.ts';

const block = (fill: number, blocks = 1) => Buffer.alloc(blocks * BLOCK_BYTES, fill);

test('flushed writes survive a crash; of the unflushed ones a prefix does', async () => {
  for (let seed = 1; seed <= 20; seed++) {
    const disk = new MemoryDisk();
    const store = disk.open();
    await store.createVolume('v', 16 * BLOCK_BYTES);
    await store.write('v', 0, block(1));
    await store.flush();
    await store.write('v', BLOCK_BYTES, block(2));
    await store.write('v', 2 * BLOCK_BYTES, block(3));
    const { keptWrites } = disk.crash(new Rng(seed));
    await assert.rejects(store.read('v', 0, BLOCK_BYTES), /engine crashed/);
    const reopened = disk.open();
    const bytes = await reopened.read('v', 0, 3 * BLOCK_BYTES);
    assert.ok(bytes.subarray(0, BLOCK_BYTES).equals(block(1)));
    assert.ok(bytes.subarray(BLOCK_BYTES, 2 * BLOCK_BYTES).equals(keptWrites >= 1 ? block(2) : block(0)));
    assert.ok(bytes.subarray(2 * BLOCK_BYTES).equals(keptWrites >= 2 ? block(3) : block(0)));
  }
});

test('a metadata operation makes the writes before it durable; fua makes its write durable', async () => {
  const disk = new MemoryDisk();
  const store = disk.open();
  await store.createVolume('v', 8 * BLOCK_BYTES);
  await store.write('v', 0, block(7));
  await store.snapshotVolume('v', 'snap');
  await store.write('v', BLOCK_BYTES, block(8), { fua: true });
  await store.write('v', 2 * BLOCK_BYTES, block(9));
  const { keptWrites, lostWrites } = disk.crash(new Rng(3));
  assert.equal(keptWrites + lostWrites, 1, 'only the last write was not durable');
  const reopened = disk.open();
  assert.ok((await reopened.read('snap', 0, BLOCK_BYTES)).equals(block(7)));
  assert.ok((await reopened.read('v', 0, 3 * BLOCK_BYTES)).equals(Buffer.concat([block(7), block(8), keptWrites === 1 ? block(9) : block(0)])));
});

test('diff and blockStatus report changed and unmapped blocks, coalesced', async () => {
  const store = new MemoryDisk().open();
  await store.createVolume('v', 8 * BLOCK_BYTES);
  await store.write('v', 0, block(1, 2));
  await store.snapshotVolume('v', 'base');
  await store.write('v', 2 * BLOCK_BYTES, block(2));
  await store.write('v', 3 * BLOCK_BYTES, block(2));
  await store.trim('v', 0, BLOCK_BYTES);
  await store.write('v', 5 * BLOCK_BYTES, block(1)); // new data
  assert.deepEqual(store.diff('base', 'v'), [
    { offsetBytes: 0, lengthBytes: BLOCK_BYTES, kind: 'zero' },
    { offsetBytes: 2 * BLOCK_BYTES, lengthBytes: 2 * BLOCK_BYTES, kind: 'data' },
    { offsetBytes: 5 * BLOCK_BYTES, lengthBytes: BLOCK_BYTES, kind: 'data' },
  ]);
  assert.deepEqual(store.diff(null, 'base'), [{ offsetBytes: 0, lengthBytes: 2 * BLOCK_BYTES, kind: 'data' }]);
  assert.deepEqual(store.blockStatus('v', 0, 3 * BLOCK_BYTES), [
    { offsetBytes: 0, lengthBytes: BLOCK_BYTES, kind: 'zero' },
    { offsetBytes: BLOCK_BYTES, lengthBytes: 2 * BLOCK_BYTES, kind: 'data' },
  ]);
  await store.restoreVolume('v', 'base');
  assert.deepEqual(store.diff('base', 'v'), []);
});

test('the virtual clock runs entries by due time, then arming order; a killed owner runs nothing more', async () => {
  const scheduler = new SimScheduler(0);
  const order: string[] = [];
  const a = scheduler.clockFor('a');
  const b = scheduler.clockFor('b');
  a.setTimer(10, () => order.push('a10'));
  b.setTimer(5, () => order.push('b5'));
  a.immediate(() => order.push('a-now'));
  b.setTimer(10, () => order.push('b10'));
  const cancelled = a.setTimer(7, () => order.push('a7'));
  cancelled.cancel();
  b.setTimer(20, () => order.push('b20'));
  await scheduler.runUntil(15);
  assert.deepEqual(order, ['a-now', 'b5', 'a10', 'b10']);
  scheduler.killOwner('b');
  b.setTimer(1, () => order.push('b-after-death'));
  await scheduler.runUntil(100);
  assert.deepEqual(order, ['a-now', 'b5', 'a10', 'b10']);
  assert.equal(scheduler.nowMs(), 100);
});
