// The in-memory state every log record mutates: volumes by id and by numeric handle, the page
// allocator, and what changed since the last checkpoint. Live writes and recovery replay both go
// through these methods (apply.ts), so the state after replay is exactly the state before a crash.
//
// On hot paths the engine writes `if (!(ok)) invariant(false, `...`)` rather than
// `invariant(ok, `...`)`: a template message is built on every call otherwise, and one such
// message (a JSON of the record) once cost 15x of the whole write path.

import { BLOCK_BYTES, MAP_PAGE_BLOCKS } from '../limits.ts';
import { invariant } from '../core/errors.ts';
import { MapPage, VolumeMap, nullSlots, pageCountFor } from './map.ts';

export class VolumeTable {
  readonly byId = new Map<string, VolumeMap>();
  readonly byHandle = new Map<number, VolumeMap>();
  /** Handles are never reused, so a record naming a deleted handle can never hit a new volume. */
  nextHandle = 1;
  /** Page ids are never reused either: a stale row in the checkpoint can never alias a live page. */
  nextPageId = 1;
  /** Pages whose entries changed since the last checkpoint. */
  readonly dirtyPages = new Set<MapPage>();
  /** Ids of pages whose refcount reached zero since the last checkpoint (rows to delete). */
  readonly freedPageIds = new Set<number>();
  /** Volumes whose slot array or size changed since the last checkpoint. */
  readonly dirtyVolumes = new Set<VolumeMap>();
  readonly deletedVolumeIds = new Set<string>();
  /** Advanced by the engine's timer; a page not written for a whole epoch is cold (defrag.ts). */
  writeEpoch = 0;
  /**
   * Pages written or trimmed since defrag.ts last looked at them (not cleared by checkpoints).
   * Only writes add pages here, never GC's repointing, so rewriting is bounded by what was written.
   */
  readonly pagesToCheck = new Set<MapPage>();

  addVolume(volume: VolumeMap): void {
    invariant(!this.byId.has(volume.volumeId), `volume ${volume.volumeId} exists`);
    invariant(!this.byHandle.has(volume.handle), `handle ${volume.handle} in use`);
    this.byId.set(volume.volumeId, volume);
    this.byHandle.set(volume.handle, volume);
    this.nextHandle = Math.max(this.nextHandle, volume.handle + 1);
    for (const page of volume.pages) if (page !== null) page.refCount++;
    this.dirtyVolumes.add(volume);
  }

  createVolume(volumeId: string, handle: number, sizeBytes: number): void {
    this.addVolume(new VolumeMap(volumeId, handle, sizeBytes, nullSlots(pageCountFor(sizeBytes))));
  }

  deleteVolume(volume: VolumeMap): void {
    for (const page of volume.pages) if (page !== null) this.releasePage(page);
    volume.pages = [];
    this.byId.delete(volume.volumeId);
    this.byHandle.delete(volume.handle);
    this.dirtyVolumes.delete(volume);
    this.deletedVolumeIds.add(volume.volumeId);
  }

  /** A point-in-time copy sharing every page: O(pages), no entries copied. */
  snapshotVolume(source: VolumeMap, newId: string, newHandle: number): void {
    this.addVolume(new VolumeMap(newId, newHandle, source.sizeBytes, source.pages.slice()));
  }

  /** Replaces target's slots and size with source's, adjusting refcounts (acquire before release). */
  restoreVolume(target: VolumeMap, source: VolumeMap): void {
    const oldPages = target.pages;
    for (const page of source.pages) if (page !== null) page.refCount++;
    for (const page of oldPages) if (page !== null) this.releasePage(page);
    target.pages = source.pages.slice();
    target.sizeBytes = source.sizeBytes;
    this.dirtyVolumes.add(target);
  }

  resizeVolume(volume: VolumeMap, sizeBytes: number): void {
    invariant(sizeBytes % BLOCK_BYTES === 0, `resize to ${sizeBytes} is not whole blocks`);
    const oldSizeBlocks = volume.sizeBlocks;
    const newSizeBlocks = sizeBytes / BLOCK_BYTES;
    if (newSizeBlocks < oldSizeBlocks) {
      // Clear the tail of the last kept page so that growing again later reads zeros there.
      const keptPageEndBlocks = Math.min(oldSizeBlocks, pageCountFor(sizeBytes) * MAP_PAGE_BLOCKS);
      this.unmapBlocks(volume, newSizeBlocks, keptPageEndBlocks - newSizeBlocks);
    }
    const pageCount = pageCountFor(sizeBytes);
    for (let i = pageCount; i < volume.pages.length; i++) {
      const page = volume.pages[i];
      if (page !== null) this.releasePage(page);
    }
    if (pageCount < volume.pages.length) volume.pages.length = pageCount;
    while (volume.pages.length < pageCount) volume.pages.push(null);
    volume.sizeBytes = sizeBytes;
    this.dirtyVolumes.add(volume);
  }

  /** Points blocks [firstBlock, firstBlock+countBlocks) at consecutive 4 KiB locations. */
  mapBlocks(volume: VolumeMap, firstBlock: number, countBlocks: number, firstLocation: number): void {
    invariant(firstLocation > 0, 'mapBlocks needs a real location');
    if (!(firstBlock + countBlocks <= volume.sizeBlocks)) invariant(false, `map past end of ${volume.volumeId}`);
    let block = firstBlock;
    let location = firstLocation;
    const endBlock = firstBlock + countBlocks;
    while (block < endBlock) {
      const pageIndex = Math.floor(block / MAP_PAGE_BLOCKS);
      const page = this.writablePage(volume, pageIndex);
      const entries = page.entries;
      const stop = Math.min(endBlock, (pageIndex + 1) * MAP_PAGE_BLOCKS);
      let mapped = page.mappedBlocks;
      for (let i = block % MAP_PAGE_BLOCKS; block < stop; i++, block++) {
        if (entries[i] === 0) mapped++;
        entries[i] = location;
        location += BLOCK_BYTES;
      }
      page.mappedBlocks = mapped;
    }
  }

  /** Unmaps blocks; a page left with nothing mapped and owned by this volume alone is dropped. */
  unmapBlocks(volume: VolumeMap, firstBlock: number, countBlocks: number): void {
    const endBlock = firstBlock + countBlocks;
    if (!(endBlock <= volume.pages.length * MAP_PAGE_BLOCKS)) invariant(false, `unmap past end of ${volume.volumeId}`);
    let block = firstBlock;
    while (block < endBlock) {
      const pageIndex = Math.floor(block / MAP_PAGE_BLOCKS);
      const stop = Math.min(endBlock, (pageIndex + 1) * MAP_PAGE_BLOCKS);
      const current = volume.pages[pageIndex];
      if (current !== null && rangeHasMapped(current, block, stop)) {
        const page = this.writablePage(volume, pageIndex);
        for (let i = block % MAP_PAGE_BLOCKS, b = block; b < stop; i++, b++) {
          if (page.entries[i] !== 0) page.mappedBlocks--;
          page.entries[i] = 0;
        }
        if (page.mappedBlocks === 0) this.dropSlot(volume, pageIndex);
      }
      block = stop;
    }
  }

  /** Every distinct live page once (pages are shared between snapshots). */
  uniquePages(): Set<MapPage> {
    const pages = new Set<MapPage>();
    for (const volume of this.byId.values()) for (const page of volume.pages) if (page !== null) pages.add(page);
    return pages;
  }

  clearDirty(): void {
    this.dirtyPages.clear();
    this.freedPageIds.clear();
    this.dirtyVolumes.clear();
    this.deletedVolumeIds.clear();
  }

  /** The page at a slot, copied first if shared or created if absent: safe to modify in place. */
  private writablePage(volume: VolumeMap, pageIndex: number): MapPage {
    const current = volume.pages[pageIndex];
    if (current !== null && current.refCount === 1) {
      this.dirtyPages.add(current);
      this.noteWrite(current);
      return current;
    }
    const page = new MapPage(this.nextPageId++, current === null ? undefined : current.entries.slice());
    page.refCount = 1;
    this.noteWrite(page);
    if (current !== null) this.releasePage(current);
    volume.pages[pageIndex] = page;
    this.dirtyPages.add(page);
    this.dirtyVolumes.add(volume);
    return page;
  }

  private noteWrite(page: MapPage): void {
    page.lastWriteEpoch = this.writeEpoch;
    this.pagesToCheck.add(page);
  }

  private dropSlot(volume: VolumeMap, pageIndex: number): void {
    const page = volume.pages[pageIndex];
    invariant(page !== null && page.refCount === 1, 'only an exclusively owned page is dropped');
    this.releasePage(page);
    volume.pages[pageIndex] = null;
    this.dirtyVolumes.add(volume);
  }

  private releasePage(page: MapPage): void {
    if (!(page.refCount > 0)) invariant(false, `page ${page.pageId} released below zero`);
    page.refCount--;
    if (page.refCount === 0) {
      this.dirtyPages.delete(page);
      this.pagesToCheck.delete(page);
      this.freedPageIds.add(page.pageId);
    }
  }
}

function rangeHasMapped(page: MapPage, firstBlock: number, endBlock: number): boolean {
  if (page.mappedBlocks === 0) return false;
  const base = Math.floor(firstBlock / MAP_PAGE_BLOCKS) * MAP_PAGE_BLOCKS;
  for (let b = firstBlock; b < endBlock; b++) if (page.entries[b - base] !== 0) return true;
  return false;
}
