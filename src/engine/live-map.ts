// Enumerates every distinct live location once. Snapshots share pages, and a page copied on write
// keeps the entries it did not change, so one location can appear in several pages — but always at
// the same block index (snapshot, restore and copy-on-write never move an entry to another index).
// So pages are grouped by slot index, and within a group an entry counts only if no earlier page
// of the group holds the same value at that index. Cost: O(live pages × 1024), plus a small
// quadratic term in the number of distinct page versions at one slot.

import { MAP_PAGE_BLOCKS } from '../limits.ts';
import { locationSegmentId } from './location.ts';
import type { MapPage } from './map.ts';
import type { VolumeTable } from './volume-table.ts';

export function forEachLiveLocation(table: VolumeTable, visit: (location: number) => void): void {
  for (const group of pagesBySlot(table).values()) {
    if (group.length === 1) {
      const entries = group[0].entries;
      for (let i = 0; i < MAP_PAGE_BLOCKS; i++) if (entries[i] !== 0) visit(entries[i]);
      continue;
    }
    for (let i = 0; i < MAP_PAGE_BLOCKS; i++) visitDistinctAt(group, i, visit);
  }
}

function visitDistinctAt(group: MapPage[], index: number, visit: (location: number) => void): void {
  for (let p = 0; p < group.length; p++) {
    const value = group[p].entries[index];
    if (value === 0) continue;
    let seen = false;
    for (let q = 0; q < p && !seen; q++) seen = group[q].entries[index] === value;
    if (!seen) visit(value);
  }
}

function pagesBySlot(table: VolumeTable): Map<number, MapPage[]> {
  const seen = new Set<MapPage>();
  const groups = new Map<number, MapPage[]>();
  for (const volume of table.byId.values()) {
    volume.pages.forEach((page, slot) => {
      if (page === null || seen.has(page)) return;
      seen.add(page);
      const group = groups.get(slot);
      if (group === undefined) groups.set(slot, [page]);
      else group.push(page);
    });
  }
  return groups;
}

/** Live 4 KiB blocks per segment id. */
export function liveBlocksBySegment(table: VolumeTable): Map<number, number> {
  const live = new Map<number, number>();
  forEachLiveLocation(table, (location) => {
    const segmentId = locationSegmentId(location);
    live.set(segmentId, (live.get(segmentId) ?? 0) + 1);
  });
  return live;
}
