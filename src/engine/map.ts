// Volume maps: an array of references to shared map pages, one slot per MAP_PAGE_BLOCKS blocks.
// A page is a Float64Array of packed locations (location.ts) plus a refcount: the number of volume
// map slots referencing it. A null slot is a page with nothing mapped, so an empty 1 TiB volume
// costs 262,144 null slots and nothing else. Snapshots copy the slot array and bump refcounts;
// the first write to a page with refCount > 1 copies it (copy-on-write on metadata).

import { BLOCK_BYTES, MAP_PAGE_BLOCKS } from '../limits.ts';
import { invariant } from '../core/errors.ts';

export class MapPage {
  /** Number of volume-map slots that reference this page; 0 means the page is garbage. */
  refCount = 0;
  /** Count of non-zero entries, kept up to date so mappedBytes and trims are O(pages). */
  mappedBlocks: number;
  /** VolumeTable.writeEpoch of the last write or trim applied to this page (defrag.ts: coldness). */
  lastWriteEpoch = 0;

  constructor(
    readonly pageId: number,
    readonly entries: Float64Array = new Float64Array(MAP_PAGE_BLOCKS),
  ) {
    if (!(pageId >= 1)) invariant(false, `page id must be positive, got ${pageId}`);
    if (!(entries.length === MAP_PAGE_BLOCKS)) invariant(false, `page ${pageId} has ${entries.length} entries`);
    this.mappedBlocks = countMapped(entries);
  }
}

export function countMapped(entries: Float64Array): number {
  let mapped = 0;
  for (let i = 0; i < entries.length; i++) if (entries[i] !== 0) mapped++;
  return mapped;
}

export class VolumeMap {
  constructor(
    readonly volumeId: string,
    readonly handle: number,
    public sizeBytes: number,
    /** One slot per page of address space; null = nothing mapped there. */
    public pages: (MapPage | null)[],
  ) {
    invariant(sizeBytes % BLOCK_BYTES === 0, `volume ${volumeId} size ${sizeBytes} is not whole blocks`);
    invariant(pages.length === pageCountFor(sizeBytes), `volume ${volumeId} has ${pages.length} page slots`);
  }

  get sizeBlocks(): number {
    return this.sizeBytes / BLOCK_BYTES;
  }

  /** The packed location of one block, 0 when unmapped. */
  entryAt(blockIndex: number): number {
    const page = this.pages[Math.floor(blockIndex / MAP_PAGE_BLOCKS)];
    // A missing slot (past a shrunk end) reads as unmapped, like a null one.
    return page === null || page === undefined ? 0 : page.entries[blockIndex % MAP_PAGE_BLOCKS];
  }

  mappedBlocks(): number {
    let mapped = 0;
    for (const page of this.pages) if (page !== null) mapped += page.mappedBlocks;
    return mapped;
  }
}

export function pageCountFor(sizeBytes: number): number {
  return Math.ceil(sizeBytes / BLOCK_BYTES / MAP_PAGE_BLOCKS);
}

export function nullSlots(count: number): (MapPage | null)[] {
  return new Array<MapPage | null>(count).fill(null);
}
