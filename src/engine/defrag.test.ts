// Goal: defragmentation (defrag.ts, through GC) rewrites a randomly rewritten volume so that it
// reads back in a few large preads, without changing what any volume reads: holes, trims, snapshots
// sharing pages, copy-on-write pages, data spread over many segments; and the result survives a
// reopen. Pages still being written are left alone until they have been cold for a whole epoch.
// Method: small segments (so rewritten pages cross segment boundaries), random 4 KiB overwrites,
// a model buffer per volume; fragmentation is read from the map pages (physicalRuns).

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BLOCK_BYTES, MAP_PAGE_BLOCKS } from '../limits.ts';
import { ManualClock } from '../core/clock.ts';
import { openBlockStore, type Engine } from './blockstore.ts';
import { DefragQueue, isFragmented, physicalRuns } from './defrag.ts';
import { MapPage } from './map.ts';
import { encodeLocation } from './location.ts';
import { VolumeTable } from './volume-table.ts';
import { patternBlocks, prng, tempDir } from './test-support.ts';

const SEGMENT_BYTES = 512 * 1024;
const PAGES = 3;
const VOLUME_BLOCKS = PAGES * MAP_PAGE_BLOCKS;

async function expectContents(store: Engine, id: string, expected: Buffer): Promise<void> {
  const data = await store.read(id, 0, expected.length);
  assert.ok(data.equals(expected), `contents of ${id}`);
  // Unaligned reads crossing page and run boundaries too.
  for (const [offsetBytes, lengthBytes] of [[BLOCK_BYTES * MAP_PAGE_BLOCKS - 1000, 9000], [123, BLOCK_BYTES * 300 + 7]]) {
    const part = await store.read(id, offsetBytes, lengthBytes);
    assert.ok(part.equals(expected.subarray(offsetBytes, offsetBytes + lengthBytes)), `range ${offsetBytes}+${lengthBytes} of ${id}`);
  }
}

/** Physical runs of every page of a volume, read through the engine's private table (tests only). */
function runsOf(store: Engine, id: string): number[] {
  const table = (store as unknown as { table: VolumeTable }).table;
  return table.byId.get(id)!.pages.map((page) => (page === null ? 0 : physicalRuns(page.entries)));
}

/** Fills `id` sequentially, then overwrites `count` random blocks one by one; returns the model. */
async function age(store: Engine, id: string, tag: number, count: number, seed: number): Promise<Buffer> {
  const expected = patternBlocks(tag, 0, VOLUME_BLOCKS, 1);
  for (let block = 0; block < VOLUME_BLOCKS; block += 64) await store.write(id, block * BLOCK_BYTES, expected.subarray(block * BLOCK_BYTES, (block + 64) * BLOCK_BYTES));
  const random = prng(seed);
  for (let i = 0; i < count; i++) {
    const block = Math.floor(random() * VOLUME_BLOCKS);
    const data = patternBlocks(tag, block, 1, 2 + (i % 60000));
    await store.write(id, block * BLOCK_BYTES, data);
    data.copy(expected, block * BLOCK_BYTES);
  }
  return expected;
}

describe('defragmentation', () => {
  it('rewrites fragmented pages in logical order; holes, trims and snapshots read the same, also after reopen', async () => {
    const tmp = tempDir();
    const store = await openBlockStore({ dir: tmp.dir, segmentBytesMax: SEGMENT_BYTES, autoGc: false });
    await store.createVolume('v', VOLUME_BLOCKS * BLOCK_BYTES);
    const expected = await age(store, 'v', 1, 3000, 7);
    // A snapshot shares every page; later writes copy pages on write, so versions share entries.
    await store.snapshotVolume('v', 'snap');
    const snapExpected = Buffer.from(expected);
    const random = prng(8);
    for (let i = 0; i < 1500; i++) {
      const block = Math.floor(random() * VOLUME_BLOCKS);
      const data = patternBlocks(1, block, 1, 5000 + i);
      await store.write('v', block * BLOCK_BYTES, data);
      data.copy(expected, block * BLOCK_BYTES);
    }
    // A trimmed range (a hole in the middle of a page) and a whole trimmed page.
    await store.trim('v', 100 * BLOCK_BYTES, 50 * BLOCK_BYTES);
    expected.fill(0, 100 * BLOCK_BYTES, 150 * BLOCK_BYTES);
    await store.trim('v', 2 * MAP_PAGE_BLOCKS * BLOCK_BYTES, MAP_PAGE_BLOCKS * BLOCK_BYTES);
    expected.fill(0, 2 * MAP_PAGE_BLOCKS * BLOCK_BYTES);
    const before = runsOf(store, 'v');
    assert.ok(before[0]! > 500 && before[1]! > 500, `aged pages are fragmented: ${before}`);
    assert.equal(before[2], 0, 'the trimmed page is gone');

    const segmentBytesBefore = store.stats().segmentBytes;
    let defragmented = 0;
    for (let run = 0; run < 10; run++) {
      const result = await store.collectGarbage({ defragment: true });
      defragmented += result.defragmentedPages;
      if (result.defragmentedPages === 0 && result.freedBytes === 0) break;
    }
    assert.ok(defragmented >= 4, `v's two pages and snap's two were rewritten (${defragmented})`);
    const after = runsOf(store, 'v');
    // 1024 blocks in RELOCATE records of (SEGMENT_BYTES - header) / 4 KiB blocks each, plus the hole.
    const recordBlocks = Math.floor((SEGMENT_BYTES - 48) / BLOCK_BYTES);
    for (const runs of after.slice(0, 2)) assert.ok(runs <= Math.ceil(MAP_PAGE_BLOCKS / recordBlocks) + 3, `v after: ${after}`);
    assert.ok(store.stats().segmentBytes < segmentBytesBefore, 'old copies were collected');
    assert.equal(store.stats().defragQueuedPages, 0);
    await expectContents(store, 'v', expected);
    await expectContents(store, 'snap', snapExpected);
    // Nothing written since: another pass finds nothing to do.
    assert.equal((await store.collectGarbage({ defragment: true })).defragmentedPages, 0);
    await store.close();

    const reopened = await openBlockStore({ dir: tmp.dir, segmentBytesMax: SEGMENT_BYTES, autoGc: false });
    await expectContents(reopened, 'v', expected);
    await expectContents(reopened, 'snap', snapExpected);
    assert.deepEqual(runsOf(reopened, 'v'), after);
    await reopened.close();
    tmp.remove();
  });

  it('copies the live blocks of collected segments in logical order, not in the order they sat in', async () => {
    const tmp = tempDir();
    const store = await openBlockStore({ dir: tmp.dir, segmentBytesMax: 64 * 1024, autoGc: false });
    await store.createVolume('v', MAP_PAGE_BLOCKS * BLOCK_BYTES);
    await store.createVolume('junk', MAP_PAGE_BLOCKS * BLOCK_BYTES);
    const blocks = 64;
    const expected = Buffer.alloc(blocks * BLOCK_BYTES);
    // v's blocks written back to front, each followed by two junk blocks that are deleted later:
    // every sealed segment is then a third live, with v's blocks in reverse order.
    for (let block = blocks - 1; block >= 0; block--) {
      const data = patternBlocks(1, block, 1, 1);
      await store.write('v', block * BLOCK_BYTES, data);
      data.copy(expected, block * BLOCK_BYTES);
      await store.write('junk', 2 * block * BLOCK_BYTES, patternBlocks(2, block, 2, 1));
    }
    await store.deleteVolume('junk');
    assert.equal(runsOf(store, 'v')[0], blocks);
    const result = await store.collectGarbage(); // no defragment: only victims' live blocks move
    assert.equal(result.defragmentedPages, 0);
    assert.ok(result.freedBytes > 0);
    const recordBlocks = Math.floor((64 * 1024 - 48) / BLOCK_BYTES);
    const runs = runsOf(store, 'v')[0]!;
    // Blocks still in the open segment stay where they are; the rest now sit in logical order.
    assert.ok(runs <= Math.ceil(blocks / recordBlocks) + 20, `v after GC: ${runs} runs`);
    assert.ok((await store.read('v', 0, expected.length)).equals(expected));
    await store.close();
    tmp.remove();
  });

  it('leaves a page alone while it is being written, and rewrites it once cold for a whole epoch', async () => {
    const tmp = tempDir();
    const clock = new ManualClock();
    const intervalMs = 1000;
    const store = await openBlockStore({ dir: tmp.dir, segmentBytesMax: SEGMENT_BYTES, clock, checkpointIntervalMs: intervalMs });
    await store.createVolume('v', VOLUME_BLOCKS * BLOCK_BYTES);
    const expected = await age(store, 'v', 3, 2000, 9);
    const tick = async () => {
      clock.advanceMs(intervalMs);
      while (store.gcInProgress) await store.collectGarbage(); // joins the background run
    };
    await tick(); // epoch 1: the pages were written in epoch 0, the one just ended
    assert.equal(store.stats().defragQueuedPages, 0, 'hot pages are not queued');
    assert.equal(store.stats().defragmentedPages, 0);
    // Page 0 written again in epoch 1: still hot at the next tick, pages 1 and 2 are cold.
    await store.write('v', 0, expected.subarray(0, BLOCK_BYTES));
    await tick();
    assert.equal(store.stats().defragmentedPages + store.stats().defragQueuedPages, 2, 'pages 1 and 2 are taken, page 0 is not');
    for (let i = 0; i < 4; i++) await tick();
    assert.equal(store.stats().defragmentedPages, 3, 'page 0 followed once cold');
    assert.equal(store.stats().defragQueuedPages, 0);
    const runs = runsOf(store, 'v');
    assert.ok(runs.every((r) => r <= 10), `runs after: ${runs}`);
    await expectContents(store, 'v', expected);
    await store.close();
    tmp.remove();
  });

  it('counts runs and picks fragmented pages; the queue takes pages in logical order within a budget', () => {
    const contiguous = new Float64Array(MAP_PAGE_BLOCKS);
    for (let i = 0; i < MAP_PAGE_BLOCKS; i++) contiguous[i] = encodeLocation(1, i * BLOCK_BYTES);
    assert.equal(physicalRuns(contiguous), 1);
    contiguous.fill(0, 10, 20); // a hole splits a run
    assert.equal(physicalRuns(contiguous), 2);
    const scattered = new Float64Array(MAP_PAGE_BLOCKS);
    for (let i = 0; i < MAP_PAGE_BLOCKS; i++) scattered[i] = encodeLocation(2 + (i % 3), i * BLOCK_BYTES);
    assert.equal(physicalRuns(scattered), MAP_PAGE_BLOCKS);
    assert.equal(isFragmented(new MapPage(1, contiguous)), false);
    assert.equal(isFragmented(new MapPage(2, scattered)), true);
    const few = new Float64Array(MAP_PAGE_BLOCKS);
    for (let i = 0; i < 8; i++) few[i * 100] = encodeLocation(1, i * 2 * BLOCK_BYTES);
    assert.equal(isFragmented(new MapPage(3, few)), false, 'eight stray blocks are not worth a rewrite');

    const table = new VolumeTable();
    table.createVolume('v', 1, 4 * MAP_PAGE_BLOCKS * BLOCK_BYTES);
    const v = table.byId.get('v')!;
    for (let pageIndex = 3; pageIndex >= 0; pageIndex--) {
      for (let i = 0; i < MAP_PAGE_BLOCKS; i += 2) table.mapBlocks(v, pageIndex * MAP_PAGE_BLOCKS + i, 1, encodeLocation(5, (pageIndex * MAP_PAGE_BLOCKS + i) * 2 * BLOCK_BYTES));
    }
    const queue = new DefragQueue();
    queue.scan(table);
    assert.equal(queue.size, 0, 'written in the current epoch: hot');
    table.writeEpoch += 2;
    queue.scan(table);
    assert.equal(queue.size, 4);
    const first = queue.take(table, MAP_PAGE_BLOCKS); // each page has 512 blocks mapped: two fit
    assert.deepEqual(first, [v.pages[0], v.pages[1]]);
    table.mapBlocks(v, 2 * MAP_PAGE_BLOCKS, 1, encodeLocation(6, 0)); // page 2 written again
    assert.deepEqual(queue.take(table, 10 * MAP_PAGE_BLOCKS), [v.pages[3]], 'the rewritten page waits for the next scan');
    assert.equal(queue.size, 0);
  });
});
