// Allocation queries over volume maps: block status (data vs hole for a range) and diff (where a
// target differs from a base). Both walk page slots first: a null slot is a whole-page hole with no
// scan, and in diff an identical page reference on both sides is skipped with no scan — which is
// what makes diff cost proportional to the pages that changed.

import { BLOCK_BYTES, MAP_PAGE_BLOCKS } from '../limits.ts';
import type { ByteRange, Extent } from '../core/ports.ts';
import type { MapPage, VolumeMap } from './map.ts';

/** Collects extents in block units, merging a new run into the previous one of the same kind. */
export class ExtentBuilder {
  readonly extents: Extent[] = [];

  add(firstBlock: number, countBlocks: number, kind: Extent['kind']): void {
    if (countBlocks <= 0) return;
    const offsetBytes = firstBlock * BLOCK_BYTES;
    const lengthBytes = countBlocks * BLOCK_BYTES;
    const last = this.extents[this.extents.length - 1];
    if (last !== undefined && last.kind === kind && last.offsetBytes + last.lengthBytes === offsetBytes) {
      last.lengthBytes += lengthBytes;
    } else {
      this.extents.push({ offsetBytes, lengthBytes, kind });
    }
  }
}

/** Data/zero extents covering exactly [offsetBytes, offsetBytes+lengthBytes), any alignment. */
export function blockStatusExtents(volume: VolumeMap, offsetBytes: number, lengthBytes: number): Extent[] {
  if (lengthBytes === 0) return [];
  const firstBlock = Math.floor(offsetBytes / BLOCK_BYTES);
  const endBlock = Math.ceil((offsetBytes + lengthBytes) / BLOCK_BYTES);
  const builder = new ExtentBuilder();
  let block = firstBlock;
  while (block < endBlock) {
    const pageIndex = Math.floor(block / MAP_PAGE_BLOCKS);
    const stop = Math.min(endBlock, (pageIndex + 1) * MAP_PAGE_BLOCKS);
    const page = volume.pages[pageIndex];
    if (page === null || page.mappedBlocks === 0) {
      builder.add(block, stop - block, 'zero');
    } else {
      addPageRuns(builder, page, block, stop);
    }
    block = stop;
  }
  return clipExtents(builder.extents, offsetBytes, offsetBytes + lengthBytes);
}

function addPageRuns(builder: ExtentBuilder, page: MapPage, firstBlock: number, endBlock: number): void {
  const base = Math.floor(firstBlock / MAP_PAGE_BLOCKS) * MAP_PAGE_BLOCKS;
  let runStart = firstBlock;
  let runMapped = page.entries[firstBlock - base] !== 0;
  for (let block = firstBlock + 1; block < endBlock; block++) {
    const mapped = page.entries[block - base] !== 0;
    if (mapped === runMapped) continue;
    builder.add(runStart, block - runStart, runMapped ? 'data' : 'zero');
    runStart = block;
    runMapped = mapped;
  }
  builder.add(runStart, endBlock - runStart, runMapped ? 'data' : 'zero');
}

/** Trims block-aligned extents to an unaligned byte range. */
function clipExtents(extents: Extent[], startBytes: number, endBytes: number): Extent[] {
  const first = extents[0];
  const last = extents[extents.length - 1];
  const lastEndBytes = last.offsetBytes + last.lengthBytes;
  first.lengthBytes -= startBytes - first.offsetBytes;
  first.offsetBytes = startBytes;
  last.lengthBytes -= lastEndBytes - endBytes;
  return extents;
}

export interface DiffCounters {
  /** Pages whose entries were compared one by one (identical references are not counted). */
  pagesScanned: number;
}

/**
 * Where target differs from base, up to target's size: 'data' where target is mapped to another
 * location than base, 'zero' where target is unmapped and base was mapped. Past base's end, base
 * counts as unmapped. A null base is an empty volume. With a range, only the page slots that
 * overlap it are visited and the extents are clipped to it, so the cost is that of the pages in
 * the range that differ, whatever the volume's size.
 */
export function diffExtents(base: VolumeMap | null, target: VolumeMap, counters?: DiffCounters, range?: ByteRange): Extent[] {
  const builder = new ExtentBuilder();
  const targetSizeBlocks = target.sizeBlocks;
  const baseSizeBlocks = base === null ? 0 : base.sizeBlocks;
  const startBytes = range === undefined ? 0 : range.offsetBytes;
  const endBytes = range === undefined ? target.sizeBytes : Math.min(target.sizeBytes, range.offsetBytes + range.lengthBytes);
  if (endBytes <= startBytes) return [];
  const rangeFirstBlock = Math.floor(startBytes / BLOCK_BYTES);
  const rangeEndBlock = Math.min(targetSizeBlocks, Math.ceil(endBytes / BLOCK_BYTES));
  const firstPage = Math.floor(rangeFirstBlock / MAP_PAGE_BLOCKS);
  const endPage = Math.ceil(rangeEndBlock / MAP_PAGE_BLOCKS);
  for (let pageIndex = firstPage; pageIndex < endPage; pageIndex++) {
    const targetPage = target.pages[pageIndex];
    const basePage = base !== null && pageIndex < base.pages.length ? base.pages[pageIndex] : null;
    const pageFirstBlock = pageIndex * MAP_PAGE_BLOCKS;
    const pageEndBlock = Math.min(targetSizeBlocks, pageFirstBlock + MAP_PAGE_BLOCKS);
    // Same page object: identical entries. Both checks below are O(1).
    if (targetPage === basePage && pageEndBlock <= baseSizeBlocks) continue;
    if (targetPage === null && basePage === null) continue;
    if (counters) counters.pagesScanned++;
    const firstBlock = Math.max(pageFirstBlock, rangeFirstBlock);
    const endBlock = Math.min(pageEndBlock, rangeEndBlock);
    diffPage(builder, basePage, targetPage, pageFirstBlock, firstBlock, endBlock, baseSizeBlocks);
  }
  return range === undefined ? builder.extents : clipToRange(builder.extents, startBytes, endBytes);
}

/** Drops the parts of block-aligned extents outside [startBytes, endBytes). */
function clipToRange(extents: Extent[], startBytes: number, endBytes: number): Extent[] {
  const first = extents[0];
  if (first !== undefined && first.offsetBytes < startBytes) {
    first.lengthBytes -= startBytes - first.offsetBytes;
    first.offsetBytes = startBytes;
  }
  const last = extents[extents.length - 1];
  if (last !== undefined && last.offsetBytes + last.lengthBytes > endBytes) last.lengthBytes = endBytes - last.offsetBytes;
  return extents.filter((e) => e.lengthBytes > 0);
}

function diffPage(
  builder: ExtentBuilder,
  basePage: MapPage | null,
  targetPage: MapPage | null,
  pageFirstBlock: number,
  firstBlock: number,
  endBlock: number,
  baseSizeBlocks: number,
): void {
  let runStart = firstBlock;
  let runKind: Extent['kind'] | null = null;
  for (let block = firstBlock; block < endBlock; block++) {
    const i = block - pageFirstBlock;
    const t = targetPage === null ? 0 : targetPage.entries[i];
    const b = basePage === null || block >= baseSizeBlocks ? 0 : basePage.entries[i];
    const kind: Extent['kind'] | null = t === b ? null : t !== 0 ? 'data' : 'zero';
    if (kind === runKind) continue;
    if (runKind !== null) builder.add(runStart, block - runStart, runKind);
    runStart = block;
    runKind = kind;
  }
  if (runKind !== null) builder.add(runStart, endBlock - runStart, runKind);
}
