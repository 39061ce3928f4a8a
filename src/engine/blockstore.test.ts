// Goal: the data path of the engine returns what was written, at any alignment, across map-page
// and segment boundaries; holes read as zeros; trims unmap; block status reports exactly the
// requested range; arguments are checked; concurrent I/O never corrupts.
// Method: a real engine on a temp dir with tiny segments (64 KiB) so that rollover happens often.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BLOCK_BYTES, MAP_PAGE_BYTES } from '../limits.ts';
import { NotFoundError, ValidationError, NameInUseError } from '../core/errors.ts';
import { openBlockStore, type Engine } from './blockstore.ts';
import { MiB, patternBlocks, prng, tempDir } from './test-support.ts';

const SEGMENT_BYTES = 64 * 1024;

describe('block store data path', () => {
  const tmp = tempDir();
  let store: Engine;

  before(async () => {
    store = await openBlockStore({ dir: tmp.dir, segmentBytesMax: SEGMENT_BYTES, autoGc: false });
  });
  after(async () => {
    await store.close();
    tmp.remove();
  });

  it('reads zeros from a new volume and reports it as one hole', async () => {
    await store.createVolume('empty', 16 * MiB);
    const data = await store.read('empty', 5 * MiB, 64 * 1024);
    assert.ok(data.equals(Buffer.alloc(64 * 1024)));
    assert.deepEqual(store.blockStatus('empty', 0, 16 * MiB), [{ offsetBytes: 0, lengthBytes: 16 * MiB, kind: 'zero' }]);
    assert.equal(store.mappedBytes('empty'), 0);
  });

  it('round-trips aligned writes across a map page boundary and several segments', async () => {
    await store.createVolume('v1', 16 * MiB);
    const offsetBytes = MAP_PAGE_BYTES - 40 * BLOCK_BYTES; // straddles page 0 and page 1
    const data = patternBlocks(1, offsetBytes / BLOCK_BYTES, 80, 1); // 320 KiB: 5+ segments of 64 KiB
    await store.write('v1', offsetBytes, data);
    assert.ok((await store.read('v1', offsetBytes, data.length)).equals(data));
    assert.equal(store.mappedBytes('v1'), data.length);
    assert.ok(store.stats().segmentBytes >= data.length);
  });

  it('reads into a caller buffer what read returns, holes as zeros, aligned or not', async () => {
    await store.createVolume('into', 4 * MiB);
    const data = patternBlocks(9, 16, 40, 1);
    await store.write('into', 16 * BLOCK_BYTES, data);
    // From 8 blocks before the data (a hole) to 8 blocks after it, over stale bytes in the target.
    const target = Buffer.alloc(56 * BLOCK_BYTES + 100, 0xee);
    const window = target.subarray(0, 56 * BLOCK_BYTES);
    await store.readInto('into', 8 * BLOCK_BYTES, window);
    assert.ok(window.equals(await store.read('into', 8 * BLOCK_BYTES, 56 * BLOCK_BYTES)));
    assert.ok(window.subarray(0, 8 * BLOCK_BYTES).equals(Buffer.alloc(8 * BLOCK_BYTES)));
    assert.ok(target.subarray(56 * BLOCK_BYTES).equals(Buffer.alloc(100, 0xee)), 'bytes past the window are left alone');
    const odd = Buffer.alloc(5000);
    await store.readInto('into', 16 * BLOCK_BYTES + 10, odd);
    assert.ok(odd.equals(data.subarray(10, 5010)));
    await assert.rejects(store.readInto('into', 4 * MiB - BLOCK_BYTES, Buffer.alloc(2 * BLOCK_BYTES)), ValidationError);
  });

  it('round-trips unaligned writes and reads (read-modify-write of edge blocks)', async () => {
    await store.createVolume('u', 1 * MiB);
    const base = patternBlocks(2, 0, 4, 1);
    await store.write('u', 0, base);
    const expected = Buffer.from(base);
    const piece = Buffer.from('unaligned bytes crossing a block edge'.repeat(200)); // 7400 bytes
    await store.write('u', 1000, piece);
    piece.copy(expected, 1000);
    assert.ok((await store.read('u', 0, 4 * BLOCK_BYTES)).equals(expected));
    assert.ok((await store.read('u', 999, 513)).equals(expected.subarray(999, 1512)));
    const small = Buffer.from('x');
    await store.write('u', 3 * BLOCK_BYTES + 17, small); // inside one block
    expected[3 * BLOCK_BYTES + 17] = 'x'.charCodeAt(0);
    assert.ok((await store.read('u', 0, 4 * BLOCK_BYTES)).equals(expected));
  });

  it('serializes concurrent sub-block writes to one block without lost updates', async () => {
    await store.createVolume('rmw', 1 * MiB);
    const writes = [];
    for (let i = 0; i < 64; i++) writes.push(store.write('rmw', 8192 + i * 64, Buffer.alloc(64, i + 1)));
    await Promise.all(writes);
    const block = await store.read('rmw', 8192, BLOCK_BYTES);
    for (let i = 0; i < 64; i++) assert.ok(block.subarray(i * 64, (i + 1) * 64).equals(Buffer.alloc(64, i + 1)), `slice ${i}`);
  });

  it('trims whole blocks to holes and zeroes partial edges', async () => {
    await store.createVolume('t', 1 * MiB);
    await store.write('t', 0, patternBlocks(3, 0, 16, 1));
    await store.trim('t', 4 * BLOCK_BYTES, 4 * BLOCK_BYTES);
    await store.trim('t', 10 * BLOCK_BYTES + 100, BLOCK_BYTES); // partial: zeros, stays mapped
    const data = await store.read('t', 0, 16 * BLOCK_BYTES);
    const expected = patternBlocks(3, 0, 16, 1);
    expected.fill(0, 4 * BLOCK_BYTES, 8 * BLOCK_BYTES);
    expected.fill(0, 10 * BLOCK_BYTES + 100, 11 * BLOCK_BYTES + 100);
    assert.ok(data.equals(expected));
    assert.deepEqual(store.blockStatus('t', 0, 20 * BLOCK_BYTES), [
      { offsetBytes: 0, lengthBytes: 4 * BLOCK_BYTES, kind: 'data' },
      { offsetBytes: 4 * BLOCK_BYTES, lengthBytes: 4 * BLOCK_BYTES, kind: 'zero' },
      { offsetBytes: 8 * BLOCK_BYTES, lengthBytes: 8 * BLOCK_BYTES, kind: 'data' },
      { offsetBytes: 16 * BLOCK_BYTES, lengthBytes: 4 * BLOCK_BYTES, kind: 'zero' },
    ]);
    assert.equal(store.mappedBytes('t'), 12 * BLOCK_BYTES);
  });

  it('trimming a whole page drops the page so the volume is thin again', async () => {
    await store.createVolume('tp', 8 * MiB);
    await store.write('tp', MAP_PAGE_BYTES, patternBlocks(4, 0, 8, 1));
    await store.trim('tp', 0, 8 * MiB);
    assert.equal(store.mappedBytes('tp'), 0);
    assert.deepEqual(store.blockStatus('tp', 0, 8 * MiB), [{ offsetBytes: 0, lengthBytes: 8 * MiB, kind: 'zero' }]);
  });

  it('block status covers exactly an unaligned range', async () => {
    await store.createVolume('bs', 1 * MiB);
    await store.write('bs', BLOCK_BYTES, patternBlocks(5, 1, 1, 1));
    assert.deepEqual(store.blockStatus('bs', 100, 2 * BLOCK_BYTES), [
      { offsetBytes: 100, lengthBytes: BLOCK_BYTES - 100, kind: 'zero' },
      { offsetBytes: BLOCK_BYTES, lengthBytes: BLOCK_BYTES, kind: 'data' },
      { offsetBytes: 2 * BLOCK_BYTES, lengthBytes: 100, kind: 'zero' },
    ]);
    assert.deepEqual(store.blockStatus('bs', 5000, 10), [{ offsetBytes: 5000, lengthBytes: 10, kind: 'data' }]);
  });

  it('rejects unknown ids, out-of-range I/O, bad sizes and taken names with typed errors', async () => {
    await assert.rejects(store.read('nope', 0, 4096), NotFoundError);
    await assert.rejects(store.write('nope', 0, Buffer.alloc(4096)), NotFoundError);
    await store.createVolume('small', 1 * MiB);
    await assert.rejects(store.read('small', MiB - 4096, 8192), ValidationError);
    await assert.rejects(store.write('small', -4096, Buffer.alloc(4096)), ValidationError);
    await assert.rejects(store.trim('small', 0.5, 10), ValidationError);
    assert.throws(() => store.blockStatus('small', 0, 2 * MiB), ValidationError);
    await assert.rejects(store.createVolume('bad', 1000), ValidationError);
    await assert.rejects(store.createVolume('small', MiB), NameInUseError);
    await assert.rejects(store.snapshotVolume('nope', 'x'), NotFoundError);
    await assert.rejects(store.deleteVolume('nope'), NotFoundError);
    assert.throws(() => store.diff('nope', 'small'), NotFoundError);
  });

  it('resize grows with zeros and shrink drops mappings past the end', async () => {
    await store.createVolume('rs', 8 * MiB);
    const firstBlock = (4 * MiB - 64 * 1024) / BLOCK_BYTES; // 16 blocks before and 16 after page 1 starts
    await store.write('rs', firstBlock * BLOCK_BYTES, patternBlocks(6, firstBlock, 32, 1));
    await store.write('rs', 6 * MiB, patternBlocks(6, 1536, 4, 1));
    await store.resizeVolume('rs', 4 * MiB + 8192);
    assert.equal(store.sizeBytes('rs'), 4 * MiB + 8192);
    await assert.rejects(store.read('rs', 6 * MiB, 4096), ValidationError);
    await store.resizeVolume('rs', 8 * MiB);
    const data = await store.read('rs', 0, 8 * MiB);
    const expected = Buffer.alloc(8 * MiB);
    patternBlocks(6, firstBlock, 18, 1).copy(expected, firstBlock * BLOCK_BYTES);
    assert.ok(data.equals(expected));
    assert.equal(store.mappedBytes('rs'), 18 * BLOCK_BYTES);
  });

  it('keeps data intact under many concurrent writes, reads and flushes', async () => {
    await store.createVolume('cc', 4 * MiB);
    const random = prng(7);
    const blocks = 1024;
    const versions = new Array<number>(blocks).fill(0);
    const ops: Promise<unknown>[] = [];
    for (let i = 0; i < 2000; i++) {
      const block = Math.floor(random() * blocks);
      const r = random();
      if (r < 0.6) {
        versions[block]++;
        ops.push(store.write('cc', block * BLOCK_BYTES, patternBlocks(7, block, 1, versions[block]), { fua: r < 0.05 }));
      } else if (r < 0.95) {
        const expectedVersion = versions[block];
        // A read issued now sees at least every write that completed before it; check the shape.
        ops.push(store.read('cc', block * BLOCK_BYTES, BLOCK_BYTES).then((data) => {
          if (data.equals(Buffer.alloc(BLOCK_BYTES))) return;
          assert.equal(data.readUInt32LE(2), block);
          assert.ok(data.readUInt16LE(6) <= expectedVersion);
        }));
      } else {
        ops.push(store.flush());
      }
    }
    await Promise.all(ops);
    const all = await store.read('cc', 0, blocks * BLOCK_BYTES);
    for (let block = 0; block < blocks; block++) {
      const got = all.subarray(block * BLOCK_BYTES, (block + 1) * BLOCK_BYTES);
      const want = versions[block] === 0 ? Buffer.alloc(BLOCK_BYTES) : patternBlocks(7, block, 1, versions[block]);
      assert.ok(got.equals(want), `block ${block}`);
    }
  });
});
