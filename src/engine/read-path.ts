// Reads: walk the map entries of a block range, coalesce runs that are physically contiguous in one
// segment into one pread each, and zero-fill holes without I/O. A 4 KiB read is one pread into one
// allocUnsafe buffer; zeros are written only where the map is unmapped.

import * as fs from 'node:fs';
import { BLOCK_BYTES } from '../limits.ts';
import { invariant } from '../core/errors.ts';
import { locationOffsetBytes, locationSegmentId } from './location.ts';
import type { VolumeMap } from './map.ts';
import { InlineIoPolicy } from './inline-io-policy.ts';
import type { SegmentFiles } from './segment-files.ts';

/** Reads blocks [firstBlock, firstBlock+countBlocks) into a new buffer. */
export function readBlocks(
  files: SegmentFiles,
  volume: VolumeMap,
  firstBlock: number,
  countBlocks: number,
): Promise<Buffer> {
  const target = Buffer.allocUnsafe(countBlocks * BLOCK_BYTES);
  return readBlocksInto(files, volume, firstBlock, countBlocks, target, 0).then(() => target);
}

/**
 * Reads blocks [firstBlock, firstBlock+countBlocks) into `target` from `targetStartBytes` on, so
 * that a caller streaming much data (replication) can reuse its buffers instead of leaving one
 * large allocation per read to the garbage collector.
 */
export function readBlocksInto(
  files: SegmentFiles,
  volume: VolumeMap,
  firstBlock: number,
  countBlocks: number,
  target: Buffer,
  targetStartBytes: number,
): Promise<void> {
  invariant(targetStartBytes >= 0 && targetStartBytes + countBlocks * BLOCK_BYTES <= target.length, 'read target too small');
  const reads: Promise<void>[] = [];
  let block = firstBlock;
  const endBlock = firstBlock + countBlocks;
  const targetOffsetOf = (b: number) => targetStartBytes + (b - firstBlock) * BLOCK_BYTES;
  while (block < endBlock) {
    const location = volume.entryAt(block);
    const runStart = block;
    block++;
    if (location === 0) {
      while (block < endBlock && volume.entryAt(block) === 0) block++;
      target.fill(0, targetOffsetOf(runStart), targetOffsetOf(block));
      continue;
    }
    let next = location + BLOCK_BYTES;
    while (block < endBlock && volume.entryAt(block) === next) {
      block++;
      next += BLOCK_BYTES;
    }
    reads.push(preadFully(files, location, target, targetOffsetOf(runStart), (block - runStart) * BLOCK_BYTES));
  }
  if (reads.length === 0) return Promise.resolve();
  if (reads.length === 1) return reads[0]!;
  return Promise.all(reads).then(() => undefined);
}

/** One per process: the page cache and the thread pool are too. */
const inlineReads = new InlineIoPolicy();

/** One pread (retried on a short read, which only a truncated segment could cause). */
export function preadFully(
  files: SegmentFiles,
  location: number,
  target: Buffer,
  targetOffsetBytes: number,
  lengthBytes: number,
): Promise<void> {
  const segmentId = locationSegmentId(location);
  const fd = files.fd(segmentId);
  const positionBytes = locationOffsetBytes(location);
  files.readStarted();
  if (inlineReads.inline(lengthBytes, performance.now())) {
    const startMs = performance.now();
    try {
      for (let doneBytes = 0; doneBytes < lengthBytes; ) {
        const n = fs.readSync(fd, target, targetOffsetBytes + doneBytes, lengthBytes - doneBytes, positionBytes + doneBytes);
        if (n === 0) throw new Error(`segment ${segmentId} ends before ${positionBytes + doneBytes}`);
        doneBytes += n;
      }
      return Promise.resolve();
    } catch (error) {
      return Promise.reject(error);
    } finally {
      files.readFinished();
      const nowMs = performance.now();
      inlineReads.record((nowMs - startMs) * 1000, nowMs);
    }
  }
  return new Promise<void>((resolve, reject) => {
    const step = (doneBytes: number): void => {
      const at = targetOffsetBytes + doneBytes;
      fs.read(fd, target, at, lengthBytes - doneBytes, positionBytes + doneBytes, (error, n) => {
        if (error || n === 0) {
          files.readFinished();
          reject(error ?? new Error(`segment ${segmentId} ends before ${positionBytes + doneBytes}`));
          return;
        }
        if (doneBytes + n < lengthBytes) return step(doneBytes + n);
        files.readFinished();
        resolve();
      });
    };
    invariant(lengthBytes > 0, 'empty pread');
    step(0);
  });
}
