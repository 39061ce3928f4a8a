// Goal: snapshots, clones, restore and diff behave as point-in-time copies that share map pages.
// Method: write recognizable block patterns, take snapshots, keep writing, and compare every
// volume's contents and diffs against what they must be; count pages compared by diff.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BLOCK_BYTES, MAP_PAGE_BLOCKS, MAP_PAGE_BYTES } from '../limits.ts';
import { ValidationError } from '../core/errors.ts';
import { openBlockStore, type Engine } from './blockstore.ts';
import { MiB, patternBlocks, tempDir } from './test-support.ts';

describe('snapshots, clones, restore and diff', () => {
  const tmp = tempDir();
  let store: Engine;

  before(async () => {
    store = await openBlockStore({ dir: tmp.dir, autoGc: false });
  });
  after(async () => {
    await store.close();
    tmp.remove();
  });

  async function readAll(id: string): Promise<Buffer> {
    return store.read(id, 0, store.sizeBytes(id));
  }

  it('a snapshot keeps its contents while the source changes; snapshots of snapshots too', async () => {
    await store.createVolume('src', 8 * MiB);
    await store.write('src', 0, patternBlocks(1, 0, 64, 1));
    const atSnap1 = await readAll('src');
    await store.snapshotVolume('src', 'snap1');
    await store.write('src', 0, patternBlocks(1, 0, 8, 2));
    await store.trim('src', 32 * BLOCK_BYTES, 8 * BLOCK_BYTES);
    await store.snapshotVolume('snap1', 'snap1b');
    assert.ok((await readAll('snap1')).equals(atSnap1));
    assert.ok((await readAll('snap1b')).equals(atSnap1));
    assert.ok(!(await readAll('src')).equals(atSnap1));
    assert.equal(store.mappedBytes('snap1'), 64 * BLOCK_BYTES);
    assert.equal(store.mappedBytes('src'), 56 * BLOCK_BYTES);
  });

  it('a clone (snapshot then write to it) is independent of its source', async () => {
    await store.createVolume('base', 8 * MiB);
    await store.write('base', 0, patternBlocks(2, 0, 16, 1));
    await store.snapshotVolume('base', 'clone');
    await store.write('clone', 0, patternBlocks(2, 0, 4, 9));
    await store.write('base', 4 * BLOCK_BYTES, patternBlocks(2, 4, 4, 5));
    const expectedClone = patternBlocks(2, 0, 16, 1);
    patternBlocks(2, 0, 4, 9).copy(expectedClone, 0);
    const expectedBase = patternBlocks(2, 0, 16, 1);
    patternBlocks(2, 4, 4, 5).copy(expectedBase, 4 * BLOCK_BYTES);
    assert.ok((await store.read('clone', 0, 16 * BLOCK_BYTES)).equals(expectedClone));
    assert.ok((await store.read('base', 0, 16 * BLOCK_BYTES)).equals(expectedBase));
  });

  it('restore replaces contents and size with the source, and later writes diverge again', async () => {
    await store.createVolume('r', 8 * MiB);
    await store.write('r', 0, patternBlocks(3, 0, 8, 1));
    await store.snapshotVolume('r', 'r-snap');
    await store.write('r', 0, patternBlocks(3, 0, 8, 2));
    await store.resizeVolume('r', 12 * MiB);
    await store.restoreVolume('r', 'r-snap');
    assert.equal(store.sizeBytes('r'), 8 * MiB);
    assert.ok((await store.read('r', 0, 8 * BLOCK_BYTES)).equals(patternBlocks(3, 0, 8, 1)));
    await store.write('r', 0, patternBlocks(3, 0, 1, 3));
    assert.ok((await store.read('r-snap', 0, 8 * BLOCK_BYTES)).equals(patternBlocks(3, 0, 8, 1)));
  });

  it('deleting the source keeps its snapshot readable', async () => {
    await store.createVolume('gone', 8 * MiB);
    await store.write('gone', MAP_PAGE_BYTES, patternBlocks(4, MAP_PAGE_BLOCKS, 32, 1));
    await store.snapshotVolume('gone', 'kept');
    await store.deleteVolume('gone');
    assert.equal(store.hasVolume('gone'), false);
    assert.ok((await store.read('kept', MAP_PAGE_BYTES, 32 * BLOCK_BYTES)).equals(patternBlocks(4, MAP_PAGE_BLOCKS, 32, 1)));
  });

  it('diff returns exactly the changed extents and scans only the pages that changed', async () => {
    const sizeBytes = 256 * MiB; // 64 pages
    await store.createVolume('d', sizeBytes);
    for (let page = 0; page < 64; page++) await store.write('d', page * MAP_PAGE_BYTES, patternBlocks(5, page * MAP_PAGE_BLOCKS, 4, 1));
    await store.snapshotVolume('d', 'd1');
    await store.write('d', 10 * MAP_PAGE_BYTES + 2 * BLOCK_BYTES, patternBlocks(5, 0, 3, 2)); // rewrite 3 blocks
    await store.trim('d', 20 * MAP_PAGE_BYTES, 4 * BLOCK_BYTES); // unmap 4 blocks (whole page goes null)
    await store.write('d', 30 * MAP_PAGE_BYTES + 100 * BLOCK_BYTES, patternBlocks(5, 0, 1, 2)); // new block
    await store.snapshotVolume('d', 'd2');
    const before = store.diffCounters.pagesScanned;
    const extents = store.diff('d1', 'd2');
    assert.equal(store.diffCounters.pagesScanned - before, 3);
    assert.deepEqual(extents, [
      { offsetBytes: 10 * MAP_PAGE_BYTES + 2 * BLOCK_BYTES, lengthBytes: 3 * BLOCK_BYTES, kind: 'data' },
      { offsetBytes: 20 * MAP_PAGE_BYTES, lengthBytes: 4 * BLOCK_BYTES, kind: 'zero' },
      { offsetBytes: 30 * MAP_PAGE_BYTES + 100 * BLOCK_BYTES, lengthBytes: BLOCK_BYTES, kind: 'data' },
    ]);
    assert.deepEqual(store.diff('d2', 'd2'), []);
    const full = store.diff(null, 'd1');
    assert.equal(full.length, 64);
    assert.ok(full.every((e) => e.kind === 'data' && e.lengthBytes === 4 * BLOCK_BYTES));
  });

  it('diff over a range visits only the pages in it and clips extents to it, at any alignment', async () => {
    await store.createVolume('rg', 64 * MiB); // 16 pages
    for (let page = 0; page < 16; page++) await store.write('rg', page * MAP_PAGE_BYTES, patternBlocks(8, page * MAP_PAGE_BLOCKS, 8, 1));
    await store.snapshotVolume('rg', 'rg1');
    for (const page of [1, 5, 9, 13]) await store.write('rg', page * MAP_PAGE_BYTES + 4 * BLOCK_BYTES, patternBlocks(8, 0, 4, 2));
    await store.snapshotVolume('rg', 'rg2');
    const whole = store.diff('rg1', 'rg2');
    assert.equal(whole.length, 4);
    const before = store.diffCounters.pagesScanned;
    const part = store.diff('rg1', 'rg2', { offsetBytes: 4 * MAP_PAGE_BYTES, lengthBytes: 6 * MAP_PAGE_BYTES });
    assert.equal(store.diffCounters.pagesScanned - before, 2); // pages 5 and 9; 4, 6, 7, 8 are shared
    assert.deepEqual(part, [whole[1], whole[2]]);
    // A range cutting through a changed run (not block aligned) gets exactly the overlap.
    const cut = store.diff('rg1', 'rg2', { offsetBytes: MAP_PAGE_BYTES + 5 * BLOCK_BYTES + 512, lengthBytes: BLOCK_BYTES });
    assert.deepEqual(cut, [{ offsetBytes: MAP_PAGE_BYTES + 5 * BLOCK_BYTES + 512, lengthBytes: BLOCK_BYTES, kind: 'data' }]);
    assert.deepEqual(store.diff('rg1', 'rg2', { offsetBytes: 2 * MAP_PAGE_BYTES, lengthBytes: 3 * MAP_PAGE_BYTES }), []);
    assert.deepEqual(store.diff('rg1', 'rg2', { offsetBytes: 0, lengthBytes: 0 }), []);
    // Against nothing: the mapped blocks inside the range only.
    assert.deepEqual(store.diff(null, 'rg1', { offsetBytes: 3 * MAP_PAGE_BYTES + 6 * BLOCK_BYTES, lengthBytes: MAP_PAGE_BYTES }), [
      { offsetBytes: 3 * MAP_PAGE_BYTES + 6 * BLOCK_BYTES, lengthBytes: 2 * BLOCK_BYTES, kind: 'data' },
      { offsetBytes: 4 * MAP_PAGE_BYTES, lengthBytes: 6 * BLOCK_BYTES, kind: 'data' },
    ]);
    assert.throws(() => store.diff('rg1', 'rg2', { offsetBytes: 60 * MiB, lengthBytes: 8 * MiB }), ValidationError);
  });

  it('diff between volumes of different sizes compares up to the target size', async () => {
    await store.createVolume('small', 4 * MiB);
    await store.write('small', 0, patternBlocks(6, 0, 2, 1));
    await store.snapshotVolume('small', 'grown');
    await store.resizeVolume('grown', 8 * MiB);
    await store.write('grown', 5 * MiB, patternBlocks(6, 1280, 1, 1));
    assert.deepEqual(store.diff('small', 'grown'), [{ offsetBytes: 5 * MiB, lengthBytes: BLOCK_BYTES, kind: 'data' }]);
    assert.deepEqual(store.diff('grown', 'small'), []);
  });

  it('a snapshot shares every page; the first write to it copies just one page', async () => {
    await store.createVolume('full', 64 * MiB);
    await store.write('full', 0, patternBlocks(7, 0, 16384, 1));
    assert.equal(store.mappedBytes('full'), 64 * MiB);
    const pagesBefore = store.livePageCount();
    await store.snapshotVolume('full', 'full-s');
    assert.equal(store.livePageCount(), pagesBefore);
    await store.write('full-s', 60 * MiB, patternBlocks(7, 15360, 1, 2));
    assert.equal(store.livePageCount(), pagesBefore + 1);
    assert.ok((await store.read('full', 60 * MiB, BLOCK_BYTES)).equals(patternBlocks(7, 15360, 1, 1)));
    assert.ok((await store.read('full-s', 60 * MiB, BLOCK_BYTES)).equals(patternBlocks(7, 15360, 1, 2)));
  });
});
