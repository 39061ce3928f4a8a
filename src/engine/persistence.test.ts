// Goal: everything survives close + reopen; a copy of the directory taken while the engine runs
// (no close, as after a crash) recovers every flushed write and completed metadata operation; a torn
// or garbled tail stops replay there and keeps earlier data; thin volumes cost almost nothing.
// Method: real engines on temp dirs; tails are damaged by truncating or flipping bytes in the
// newest segment file.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { BLOCK_BYTES } from '../limits.ts';
import { ManualClock } from '../core/clock.ts';
import { StateError } from '../core/errors.ts';
import { openBlockStore } from './blockstore.ts';
import { RECORD_HEADER_BYTES } from './record-codec.ts';
import { MiB, patternBlocks, tempDir } from './test-support.ts';

function segmentFiles(dir: string): string[] {
  return fs.readdirSync(dir).filter((name) => name.startsWith('seg-')).sort();
}

/** The newest segment that has any bytes (a fresh empty one may follow it). */
function lastWrittenSegment(dir: string): string {
  const written = segmentFiles(dir).filter((name) => fs.statSync(join(dir, name)).size > 0);
  return join(dir, written[written.length - 1]);
}

describe('persistence and recovery', () => {
  it('close and reopen keep volumes, sizes, snapshots and data', async () => {
    const tmp = tempDir();
    const first = await openBlockStore({ dir: tmp.dir, segmentBytesMax: 256 * 1024 });
    await first.createVolume('a', 8 * MiB);
    await first.write('a', 0, patternBlocks(1, 0, 300, 1));
    await first.snapshotVolume('a', 'a-snap');
    await first.write('a', 0, patternBlocks(1, 0, 10, 2));
    await first.resizeVolume('a', 12 * MiB);
    await first.createVolume('doomed', 4 * MiB);
    await first.deleteVolume('doomed');
    await first.close();

    const second = await openBlockStore({ dir: tmp.dir, segmentBytesMax: 256 * 1024 });
    assert.equal(second.recovery.replayedRecords, 0, 'close checkpointed everything');
    assert.deepEqual(second.volumeIds().sort(), ['a', 'a-snap']);
    assert.equal(second.sizeBytes('a'), 12 * MiB);
    const expected = patternBlocks(1, 0, 300, 1);
    patternBlocks(1, 0, 10, 2).copy(expected);
    assert.ok((await second.read('a', 0, 300 * BLOCK_BYTES)).equals(expected));
    assert.ok((await second.read('a-snap', 0, 300 * BLOCK_BYTES)).equals(patternBlocks(1, 0, 300, 1)));
    // The reopened store keeps working and persists again.
    await second.write('a', 11 * MiB, patternBlocks(1, 2816, 1, 3));
    await second.close();
    const third = await openBlockStore({ dir: tmp.dir });
    assert.ok((await third.read('a', 11 * MiB, BLOCK_BYTES)).equals(patternBlocks(1, 2816, 1, 3)));
    await third.close();
    tmp.remove();
  });

  it('recovers from a copy taken without close: checkpoint plus replay of the log after it', async () => {
    const tmp = tempDir();
    const clock = new ManualClock();
    const live = await openBlockStore({ dir: tmp.dir, clock, checkpointIntervalMs: 1000, segmentBytesMax: 128 * 1024 });
    await live.createVolume('v', 8 * MiB);
    await live.write('v', 0, patternBlocks(2, 0, 100, 1));
    clock.advanceMs(1000); // periodic checkpoint
    await live.write('v', 0, patternBlocks(2, 0, 50, 2)); // after the checkpoint: replayed
    await live.snapshotVolume('v', 'snap'); // durable on return
    await live.trim('v', 90 * BLOCK_BYTES, 10 * BLOCK_BYTES);
    await live.flush();
    const copy = tempDir();
    fs.cpSync(tmp.dir, copy.dir, { recursive: true });

    const recovered = await openBlockStore({ dir: copy.dir });
    assert.ok(recovered.recovery.replayedRecords >= 3, `replayed ${recovered.recovery.replayedRecords}`);
    const expected = patternBlocks(2, 0, 100, 1);
    patternBlocks(2, 0, 50, 2).copy(expected);
    assert.ok((await recovered.read('snap', 0, 100 * BLOCK_BYTES)).equals(expected));
    expected.fill(0, 90 * BLOCK_BYTES);
    assert.ok((await recovered.read('v', 0, 100 * BLOCK_BYTES)).equals(expected));
    await recovered.close();
    await live.close();
    tmp.remove();
    copy.remove();
  });

  it('replays a volume deletion in the log tail (a record without payload)', async () => {
    // Regression: replay handed DELETE an empty payload and failed to parse it as JSON, leaving
    // a store killed within a checkpoint interval of a deletion unable to open.
    const tmp = tempDir();
    const clock = new ManualClock();
    const live = await openBlockStore({ dir: tmp.dir, clock, checkpointIntervalMs: 60_000 });
    await live.createVolume('keep', 4 * MiB);
    await live.createVolume('gone', 4 * MiB);
    await live.write('keep', 0, patternBlocks(4, 0, 4, 1));
    await live.snapshotVolume('gone', 'gone-snap');
    await live.deleteVolume('gone-snap');
    await live.deleteVolume('gone');
    const copy = tempDir();
    fs.cpSync(tmp.dir, copy.dir, { recursive: true });

    const recovered = await openBlockStore({ dir: copy.dir });
    assert.equal(recovered.hasVolume('gone'), false);
    assert.equal(recovered.hasVolume('gone-snap'), false);
    assert.ok((await recovered.read('keep', 0, 4 * BLOCK_BYTES)).equals(patternBlocks(4, 0, 4, 1)));
    await recovered.close();
    await live.close();
    tmp.remove();
    copy.remove();
  });

  for (const damage of ['truncate', 'garble'] as const) {
    it(`a ${damage}d last record stops replay there and keeps earlier data`, async () => {
      const tmp = tempDir();
      const live = await openBlockStore({ dir: tmp.dir });
      await live.createVolume('v', 4 * MiB);
      await live.write('v', 0, patternBlocks(3, 0, 4, 1));
      await live.write('v', 4 * BLOCK_BYTES, patternBlocks(3, 4, 4, 1));
      await live.flush();
      await live.write('v', 0, patternBlocks(3, 0, 1, 2)); // the victim: last record of the segment
      await live.flush();
      const copy = tempDir();
      fs.cpSync(tmp.dir, copy.dir, { recursive: true });
      await live.close();

      const segment = lastWrittenSegment(copy.dir);
      const sizeBytes = fs.statSync(segment).size;
      const lastRecordBytes = RECORD_HEADER_BYTES + BLOCK_BYTES;
      if (damage === 'truncate') {
        fs.truncateSync(segment, sizeBytes - 1000);
      } else {
        const fd = fs.openSync(segment, 'r+');
        fs.writeSync(fd, Buffer.from([0xff, 0x00, 0xff]), 0, 3, sizeBytes - 2000);
        fs.closeSync(fd);
      }
      const recovered = await openBlockStore({ dir: copy.dir });
      assert.deepEqual(recovered.recovery.truncatedAt?.offsetBytes, sizeBytes - lastRecordBytes);
      assert.ok((await recovered.read('v', 0, 8 * BLOCK_BYTES)).equals(patternBlocks(3, 0, 8, 1)));
      // New writes go to a fresh segment and survive another reopen.
      await recovered.write('v', 0, patternBlocks(3, 0, 1, 5));
      await recovered.close();
      const again = await openBlockStore({ dir: copy.dir });
      assert.equal(again.recovery.truncatedAt, null);
      const expected = patternBlocks(3, 0, 8, 1);
      patternBlocks(3, 0, 1, 5).copy(expected);
      assert.ok((await again.read('v', 0, 8 * BLOCK_BYTES)).equals(expected));
      await again.close();
      tmp.remove();
      copy.remove();
    });
  }

  it('refuses a second engine on a directory that is open', async () => {
    const tmp = tempDir();
    const store = await openBlockStore({ dir: tmp.dir });
    await assert.rejects(openBlockStore({ dir: tmp.dir }), StateError);
    await store.close();
    const again = await openBlockStore({ dir: tmp.dir });
    await again.close();
    tmp.remove();
  });

  it('a 1 TiB thin volume costs almost no memory or disk', async () => {
    const tmp = tempDir();
    const store = await openBlockStore({ dir: tmp.dir });
    global.gc?.();
    const heapBefore = process.memoryUsage().heapUsed;
    await store.createVolume('huge', 1024 ** 4);
    await store.write('huge', 1024 ** 4 - BLOCK_BYTES, patternBlocks(4, 0, 1, 1));
    const heapGrowth = process.memoryUsage().heapUsed - heapBefore;
    assert.ok(heapGrowth < 8 * MiB, `heap grew ${heapGrowth} bytes`); // 262,144 slots × 8 B = 2 MiB
    assert.ok((await store.read('huge', 512 * 1024 ** 3, BLOCK_BYTES)).equals(Buffer.alloc(BLOCK_BYTES)));
    assert.equal(store.mappedBytes('huge'), BLOCK_BYTES);
    await store.close();
    let diskBytes = 0;
    for (const name of fs.readdirSync(tmp.dir)) diskBytes += fs.statSync(join(tmp.dir, name)).size;
    assert.ok(diskBytes < 1 * MiB, `directory holds ${diskBytes} bytes`);
    const reopened = await openBlockStore({ dir: tmp.dir });
    assert.ok((await reopened.read('huge', 1024 ** 4 - BLOCK_BYTES, BLOCK_BYTES)).equals(patternBlocks(4, 0, 1, 1)));
    await reopened.close();
    tmp.remove();
  });
});
