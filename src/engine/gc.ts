// Garbage collection of segments, and defragmentation (defrag.ts) on the way.
//
// 1. Mark: count distinct live locations per segment (live-map.ts).
// 2. Pick sealed segments: those with no live data (just deleted) and those below half live (live
//    blocks copied out first), the emptiest first, within a byte budget so one run stays bounded.
//    What is left of the budget goes to fragmented cold map pages (defrag.ts), rewritten whole.
// 3. Copy the live blocks of the partial segments, and every block of those pages, to the open
//    segment as RELOCATE records through the normal pipeline (replay ignores them), remembering old
//    location -> new location. They are copied in logical order (volume, then block index), not in
//    the order they sit in the old segments: a randomly rewritten volume's live blocks are scattered
//    there, and copying them in that order would keep every 4 KiB of a sequential read its own pread.
// 4. In one synchronous turn: repoint every page entry that still holds a copied location (in place:
//    every sharer of the page sees new, identical data), checkpoint (fdatasync + SQLite commit), and
//    only then unlink the victims. A crash before the checkpoint leaves the maps pointing at the old
//    copies, which still exist; after it, nothing references them and replay starts past them. A
//    defragmented block's old copy outside the victims simply becomes dead space for a later run.
//
// Why repointing by table lookup over all pages is complete: while the copy runs, entries can only
// stop referencing copied locations (writes go to the open segment); snapshots, restores and
// copy-on-write only duplicate existing entries, all of which the mark saw. An entry in a victim
// segment that is missing from the table is therefore a bug, and asserted.

import { BLOCK_BYTES } from '../limits.ts';
import { invariant } from '../core/errors.ts';
import { encodeLocation, locationSegmentId } from './location.ts';
import { liveBlocksBySegment } from './live-map.ts';
import type { MapPage } from './map.ts';
import { preadFully } from './read-path.ts';
import { RecordType } from './record-codec.ts';
import type { SegmentFiles } from './segment-files.ts';
import type { VolumeTable } from './volume-table.ts';
import { newLogRecord, type WritePipeline } from './write-pipeline.ts';

/** Blocks per RELOCATE record: 1 MiB keeps each copy step short and reads well coalesced. */
const RELOCATE_RECORD_BLOCKS = 256;
/** A sealed segment with less than this fraction live is worth copying out. */
const LIVE_FRACTION_COLLECT_BELOW = 0.5;

export interface GcHost {
  table: VolumeTable;
  files: SegmentFiles;
  pipeline: WritePipeline;
  /** Makes the current maps durable (synchronous, see blockstore.ts). */
  checkpointNow(): void;
  /** Bound on live bytes copied per run. */
  relocateBytesMax: number;
  /** Largest payload one record may carry (a record never spans segments). */
  recordPayloadBytesMax: number;
  /** Fragmented cold pages to rewrite in this run, up to a budget of mapped blocks (defrag.ts). */
  takeDefragPages?(budgetBlocks: number): MapPage[];
}

export interface GcResult {
  freedBytes: number;
  /** Bytes copied to the open segment (live blocks of victims and defragmented pages). */
  relocatedBytes: number;
  defragmentedPages: number;
}

interface Victims {
  empty: number[];
  partial: number[];
  partialLiveBytes: number;
}

export async function collectGarbage(host: GcHost): Promise<GcResult> {
  const victims = chooseVictims(host);
  const budgetBlocks = Math.floor((host.relocateBytesMax - victims.partialLiveBytes) / BLOCK_BYTES);
  const defragPages = budgetBlocks > 0 && host.takeDefragPages ? host.takeDefragPages(budgetBlocks) : [];
  if (victims.empty.length === 0 && victims.partial.length === 0 && defragPages.length === 0) {
    return { freedBytes: 0, relocatedBytes: 0, defragmentedPages: 0 };
  }
  const locations = locationsInLogicalOrder(host.table, new Set(victims.partial), new Set(defragPages));
  const relocated = await relocate(host, locations);
  // From here to the end: one synchronous turn, so no write or GC can interleave.
  const victimIds = new Set([...victims.empty, ...victims.partial]);
  repoint(host.table, victimIds, relocated);
  host.checkpointNow();
  let freedBytes = 0;
  for (const segmentId of victimIds) {
    freedBytes += host.files.sizesBytes.get(segmentId) ?? 0;
    host.files.delete(segmentId);
  }
  if (victimIds.size > 0) host.files.fsyncDir();
  return { freedBytes, relocatedBytes: locations.length * BLOCK_BYTES, defragmentedPages: defragPages.length };
}

/**
 * The locations to copy, each once, in logical order: every mapped entry of a page being
 * defragmented, and the entries of other pages that sit in a partial victim. Pages are walked by
 * volume and slot; a page shared by several volumes is walked once, and a location shared by two
 * versions of a page (a snapshot and its copy-on-write successor) is taken at its first sight.
 */
function locationsInLogicalOrder(table: VolumeTable, partialIds: Set<number>, defragPages: Set<MapPage>): number[] {
  const locations: number[] = [];
  const taken = new Set<number>();
  const seenPages = new Set<MapPage>();
  for (const volume of table.byId.values()) {
    for (const page of volume.pages) {
      if (page === null || seenPages.has(page)) continue;
      seenPages.add(page);
      const entries = page.entries;
      const whole = defragPages.has(page);
      if (!whole && partialIds.size === 0) continue;
      for (let i = 0; i < entries.length; i++) {
        const location = entries[i];
        if (location === 0 || taken.has(location)) continue;
        if (!whole && !partialIds.has(locationSegmentId(location))) continue;
        taken.add(location);
        locations.push(location);
      }
    }
  }
  return locations;
}

function chooseVictims(host: GcHost): Victims {
  const live = liveBlocksBySegment(host.table);
  const openId = host.pipeline.openSegmentId;
  const candidates: { segmentId: number; liveBytes: number }[] = [];
  const empty: number[] = [];
  let partialLiveBytes = 0;
  for (const segmentId of host.files.ids()) {
    if (segmentId >= openId) continue; // only sealed segments; the open one is still being written
    const liveBytes = (live.get(segmentId) ?? 0) * BLOCK_BYTES;
    const sizeBytes = host.files.sizesBytes.get(segmentId) ?? 0;
    if (liveBytes === 0) empty.push(segmentId);
    else if (liveBytes < sizeBytes * LIVE_FRACTION_COLLECT_BELOW) candidates.push({ segmentId, liveBytes });
  }
  candidates.sort((a, b) => a.liveBytes - b.liveBytes);
  const partial: number[] = [];
  let budgetBytes = host.relocateBytesMax;
  for (const candidate of candidates) {
    if (candidate.liveBytes > budgetBytes) break;
    budgetBytes -= candidate.liveBytes;
    partialLiveBytes += candidate.liveBytes;
    partial.push(candidate.segmentId);
  }
  return { empty, partial, partialLiveBytes };
}

/** Copies blocks to the open segment; returns old location -> new location. */
async function relocate(host: GcHost, locations: number[]): Promise<Map<number, number>> {
  const relocated = new Map<number, number>();
  const recordBlocks = Math.min(RELOCATE_RECORD_BLOCKS, host.recordPayloadBytesMax / BLOCK_BYTES);
  for (let first = 0; first < locations.length; first += recordBlocks) {
    const chunk = locations.slice(first, first + recordBlocks);
    const payload = Buffer.allocUnsafe(chunk.length * BLOCK_BYTES);
    await readLocations(host.files, chunk, payload);
    const record = newLogRecord(RecordType.RELOCATE, 0, 0, chunk.length, 0, payload, false);
    await host.pipeline.submit(record);
    chunk.forEach((oldLocation, i) => {
      relocated.set(oldLocation, encodeLocation(record.segmentId, record.dataOffsetBytes + i * BLOCK_BYTES));
    });
  }
  return relocated;
}

/** Reads locations into payload, one pread per physically contiguous run of them. */
function readLocations(files: SegmentFiles, locations: number[], payload: Buffer): Promise<void[]> {
  const reads: Promise<void>[] = [];
  let runStart = 0;
  for (let i = 1; i <= locations.length; i++) {
    if (i < locations.length && locations[i] === locations[i - 1] + BLOCK_BYTES) continue;
    reads.push(preadFully(files, locations[runStart], payload, runStart * BLOCK_BYTES, (i - runStart) * BLOCK_BYTES));
    runStart = i;
  }
  return Promise.all(reads);
}

function repoint(table: VolumeTable, victimIds: Set<number>, relocated: Map<number, number>): void {
  // Segments anything was copied from: entries elsewhere are skipped without a map lookup.
  const sourceIds = new Set(victimIds);
  for (const location of relocated.keys()) sourceIds.add(locationSegmentId(location));
  for (const page of table.uniquePages()) {
    const entries = page.entries;
    let changed = false;
    for (let i = 0; i < entries.length; i++) {
      const location = entries[i];
      if (location === 0) continue;
      const segmentId = locationSegmentId(location);
      if (!sourceIds.has(segmentId)) continue;
      const moved = relocated.get(location);
      if (moved === undefined) {
        if (victimIds.has(segmentId)) invariant(false, `page ${page.pageId} references uncopied location ${location} in a victim`);
        continue;
      }
      entries[i] = moved;
      changed = true;
    }
    if (changed) table.dirtyPages.add(page);
  }
}
