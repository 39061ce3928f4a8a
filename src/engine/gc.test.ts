// Goal: GC gives back the space of overwritten, trimmed and deleted data, never the space of live
// data (shared with snapshots or not), and everything reads the same after GC and after reopen.
// Method: tiny segments (64 KiB) so overwrites leave many mostly-dead sealed segments.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { BLOCK_BYTES } from '../limits.ts';
import { ManualClock } from '../core/clock.ts';
import { openBlockStore, type Engine } from './blockstore.ts';
import { MiB, patternBlocks, prng, tempDir } from './test-support.ts';

const SEGMENT_BYTES = 64 * 1024;

async function expectContents(store: Engine, id: string, expected: Buffer): Promise<void> {
  const data = await store.read(id, 0, expected.length);
  assert.ok(data.equals(expected), `contents of ${id}`);
}

describe('garbage collection', () => {
  it('frees overwritten and deleted data, keeps live and snapshot data, and survives reopen', async () => {
    const tmp = tempDir();
    const store = await openBlockStore({ dir: tmp.dir, segmentBytesMax: SEGMENT_BYTES, autoGc: false });
    await store.createVolume('v', 4 * MiB);
    await store.createVolume('tmp', 4 * MiB);
    const blocks = 64;
    for (let version = 1; version <= 4; version++) await store.write('v', 0, patternBlocks(1, 0, blocks, version));
    await store.snapshotVolume('v', 'snap'); // shares version 4
    const random = prng(11);
    const expected = patternBlocks(1, 0, blocks, 4);
    for (let i = 0; i < 40; i++) {
      const block = Math.floor(random() * blocks);
      const data = patternBlocks(1, block, 1, 10 + i);
      await store.write('v', block * BLOCK_BYTES, data);
      data.copy(expected, block * BLOCK_BYTES);
    }
    await store.write('tmp', 0, patternBlocks(2, 0, 128, 1));
    await store.deleteVolume('tmp');
    const before = store.stats();
    const { freedBytes } = await store.collectGarbage();
    const after = store.stats();
    assert.ok(freedBytes > 0);
    assert.ok(after.segmentBytes < before.segmentBytes, `${after.segmentBytes} < ${before.segmentBytes}`);
    // Live data: v (64 blocks, some rewritten) and snap (version 4, partly shared with v).
    assert.equal(after.liveBytes, before.liveBytes);
    assert.ok(after.segmentBytes < 3 * after.liveBytes, `dead space left: ${JSON.stringify(after)}`);
    await expectContents(store, 'v', expected);
    await expectContents(store, 'snap', patternBlocks(1, 0, blocks, 4));
    await store.close();

    const reopened = await openBlockStore({ dir: tmp.dir, segmentBytesMax: SEGMENT_BYTES });
    await expectContents(reopened, 'v', expected);
    await expectContents(reopened, 'snap', patternBlocks(1, 0, blocks, 4));
    await reopened.deleteVolume('snap');
    await reopened.deleteVolume('v');
    await reopened.collectGarbage();
    assert.equal(reopened.stats().liveBytes, 0);
    assert.ok(reopened.stats().segmentBytes < 2 * SEGMENT_BYTES, JSON.stringify(reopened.stats()));
    await reopened.close();
    tmp.remove();
  });

  it('writes racing a GC run are neither lost nor redirected to stale data', async () => {
    const tmp = tempDir();
    const store = await openBlockStore({ dir: tmp.dir, segmentBytesMax: SEGMENT_BYTES, autoGc: false });
    await store.createVolume('v', 4 * MiB);
    const blocks = 256;
    for (let version = 1; version <= 3; version++) await store.write('v', 0, patternBlocks(1, 0, blocks, version));
    const expected = patternBlocks(1, 0, blocks, 3);
    const gc = store.collectGarbage();
    const writes: Promise<void>[] = [];
    for (let block = 0; block < blocks; block += 3) {
      const data = patternBlocks(1, block, 1, 7);
      writes.push(store.write('v', block * BLOCK_BYTES, data));
      data.copy(expected, block * BLOCK_BYTES);
    }
    const snapshot = store.snapshotVolume('v', 'mid-gc');
    await Promise.all([gc, snapshot, ...writes]);
    await expectContents(store, 'v', expected);
    await store.collectGarbage();
    await expectContents(store, 'v', expected);
    await store.close();
    const reopened = await openBlockStore({ dir: tmp.dir });
    await expectContents(reopened, 'v', expected);
    await reopened.close();
    tmp.remove();
  });

  it('runs by itself after a periodic checkpoint once segments were sealed', async () => {
    const tmp = tempDir();
    const clock = new ManualClock();
    const store = await openBlockStore({ dir: tmp.dir, clock, checkpointIntervalMs: 1000, segmentBytesMax: SEGMENT_BYTES });
    await store.createVolume('v', 4 * MiB);
    for (let version = 1; version <= 6; version++) await store.write('v', 0, patternBlocks(1, 0, 32, version));
    const filesBefore = fs.readdirSync(tmp.dir).filter((n) => n.startsWith('seg-')).length;
    clock.advanceMs(1000);
    assert.equal(store.gcInProgress, true, 'the checkpoint timer started a GC run');
    await store.collectGarbage(); // joins the background run
    const filesAfter = fs.readdirSync(tmp.dir).filter((n) => n.startsWith('seg-')).length;
    assert.ok(filesAfter < filesBefore, `${filesAfter} < ${filesBefore}`);
    await expectContents(store, 'v', patternBlocks(1, 0, 32, 6));
    await store.close();
    tmp.remove();
  });
});
