// Defragmentation. Redirect-on-write puts every write at the end of the log, so a volume whose
// blocks were rewritten at random ends up scattered over the segments: a sequential read of it
// becomes one pread per 4 KiB block (issue 14: nbdcopy at 0.23-0.41x qemu-nbd on a raw file).
// GC (gc.ts) already copies blocks; it copies them in logical order, and rewrites whole map pages
// found fragmented and cold here, so that they read back as a few large preads.
//
// Which pages: only pages that writes touched (VolumeTable.pagesToCheck; GC's own repointing never
// adds a page, so the work is bounded by what clients wrote and cannot feed itself), once they have
// not been written for a whole timer epoch (a page still being rewritten at random would only be
// scattered again), and only when their mapped blocks sit in short physical runs.

import { BLOCK_BYTES } from '../limits.ts';
import type { MapPage } from './map.ts';
import type { VolumeTable } from './volume-table.ts';

/** A page whose mapped blocks sit in runs averaging fewer blocks than this is fragmented. */
export const DEFRAG_RUN_BLOCKS_MIN = 16;
/** ...provided it has more runs than this (a few stray writes on a filled page are not worth a rewrite). */
export const DEFRAG_RUNS_MIN = 8;
/** Pages looked at per scan (one scan per timer tick): ~1 ms of run counting, so a tick stays short however much was written. */
export const DEFRAG_SCAN_PAGES_MAX = 1024;

/** Physically contiguous runs among a page's mapped entries (a hole ends a run). */
export function physicalRuns(entries: Float64Array): number {
  let runs = 0;
  let expected = -1;
  for (let i = 0; i < entries.length; i++) {
    const location = entries[i];
    if (location !== 0 && location !== expected) runs++;
    expected = location === 0 ? -1 : location + BLOCK_BYTES;
  }
  return runs;
}

export function isFragmented(page: MapPage): boolean {
  const runs = physicalRuns(page.entries);
  return runs > DEFRAG_RUNS_MIN && runs * DEFRAG_RUN_BLOCKS_MIN > page.mappedBlocks;
}

export class DefragQueue {
  private readonly queued = new Set<MapPage>();

  get size(): number {
    return this.queued.size;
  }

  /**
   * Looks at up to `pagesMax` cold pages of table.pagesToCheck and queues the fragmented ones.
   * Pages still hot move to the back of the set. `ignoreCold` (an explicit request) takes every page.
   */
  scan(table: VolumeTable, options: { ignoreCold?: boolean; pagesMax?: number } = {}): void {
    const pagesMax = options.pagesMax ?? DEFRAG_SCAN_PAGES_MAX;
    const hotFrom = table.writeEpoch - 1;
    let visited = 0;
    for (const page of table.pagesToCheck) {
      if (visited++ >= pagesMax) break;
      table.pagesToCheck.delete(page);
      if (page.refCount === 0) continue;
      if (options.ignoreCold !== true && page.lastWriteEpoch >= hotFrom) {
        table.pagesToCheck.add(page); // to the back: look again at a later scan
        continue;
      }
      if (isFragmented(page)) this.queued.add(page);
    }
  }

  /**
   * Takes queued pages, in logical order (volumes, then slots), up to `budgetBlocks` mapped blocks
   * (at least one page when any is queued). Pages freed or written since they were queued are dropped.
   */
  take(table: VolumeTable, budgetBlocks: number): MapPage[] {
    const taken: MapPage[] = [];
    if (this.queued.size === 0) return taken;
    let blocks = 0;
    for (const volume of table.byId.values()) {
      for (const page of volume.pages) {
        if (this.queued.size === 0) return taken;
        if (page === null || !this.queued.has(page)) continue;
        if (taken.length > 0 && blocks + page.mappedBlocks > budgetBlocks) return taken;
        this.queued.delete(page);
        if (table.pagesToCheck.has(page)) continue; // written again since: the next scan decides
        taken.push(page);
        blocks += page.mappedBlocks;
      }
    }
    this.queued.clear(); // what is left belongs to no live volume
    return taken;
  }
}
