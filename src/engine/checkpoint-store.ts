// The checkpoint: map pages, the volume table and the replay position, in one SQLite file
// (dir/engine.db, WAL mode, synchronous=FULL so a committed checkpoint is durable when write()
// returns). Only what changed since the previous checkpoint is written: dirty pages by id (pages are
// shared between volumes, so a page is stored once), freed page ids are deleted, and a volume row
// (its slot array) is rewritten only when its slots or size changed.
//
// Page refcounts are not stored: they are recounted from the volume rows on load.

import Database from 'better-sqlite3';
import { endianness } from 'node:os';
import { MAP_PAGE_BLOCKS } from '../limits.ts';
import { invariant } from '../core/errors.ts';
import { MapPage, VolumeMap, nullSlots, pageCountFor } from './map.ts';
import type { ReplayPosition } from './write-pipeline.ts';
import { VolumeTable } from './volume-table.ts';

// Blobs are typed arrays' raw bytes; the format is defined as little-endian.
invariant(endianness() === 'LE', 'the checkpoint format assumes a little-endian host');

export interface LoadedCheckpoint {
  table: VolumeTable;
  lastSeq: number;
  replayFrom: ReplayPosition;
}

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value REAL NOT NULL);
  CREATE TABLE IF NOT EXISTS pages (page_id INTEGER PRIMARY KEY, entries BLOB NOT NULL);
  CREATE TABLE IF NOT EXISTS volumes (
    volume_id TEXT PRIMARY KEY, handle INTEGER NOT NULL UNIQUE, size_bytes INTEGER NOT NULL,
    page_refs BLOB NOT NULL
  );
`;

export class CheckpointStore {
  private readonly db: Database.Database;
  private readonly putMeta: Database.Statement;
  private readonly putPage: Database.Statement;
  private readonly deletePage: Database.Statement;
  private readonly putVolume: Database.Statement;
  private readonly deleteVolume: Database.Statement;

  constructor(path: string) {
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.exec(SCHEMA);
    this.putMeta = this.db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)');
    this.putPage = this.db.prepare('INSERT OR REPLACE INTO pages (page_id, entries) VALUES (?, ?)');
    this.deletePage = this.db.prepare('DELETE FROM pages WHERE page_id = ?');
    this.putVolume = this.db.prepare(
      'INSERT OR REPLACE INTO volumes (volume_id, handle, size_bytes, page_refs) VALUES (?, ?, ?, ?)',
    );
    this.deleteVolume = this.db.prepare('DELETE FROM volumes WHERE volume_id = ?');
  }

  /** The last checkpoint, or null when none was ever written. */
  load(): LoadedCheckpoint | null {
    const meta = new Map<string, number>();
    for (const row of this.db.prepare('SELECT key, value FROM meta').all() as { key: string; value: number }[]) {
      meta.set(row.key, row.value);
    }
    if (!meta.has('lastSeq')) return null;
    const table = new VolumeTable();
    const pages = this.loadPages();
    const volumeRows = this.db.prepare('SELECT * FROM volumes ORDER BY handle').all() as VolumeRow[];
    for (const row of volumeRows) table.addVolume(volumeFromRow(row, pages));
    table.nextHandle = Math.max(table.nextHandle, metaValue(meta, 'nextHandle'));
    table.nextPageId = metaValue(meta, 'nextPageId');
    table.clearDirty();
    for (const page of pages.values()) invariant(page.refCount > 0, `checkpoint holds orphan page ${page.pageId}`);
    return {
      table,
      lastSeq: metaValue(meta, 'lastSeq'),
      replayFrom: { segmentId: metaValue(meta, 'replaySegmentId'), offsetBytes: metaValue(meta, 'replayOffsetBytes') },
    };
  }

  /** Writes everything the table marks dirty, in one transaction; clears the marks. */
  write(table: VolumeTable, replayFrom: ReplayPosition, lastSeq: number): void {
    const commit = this.db.transaction(() => {
      for (const pageId of table.freedPageIds) this.deletePage.run(pageId);
      for (const page of table.dirtyPages) {
        if (!(page.refCount > 0)) invariant(false, `dirty page ${page.pageId} is unreferenced`);
        this.putPage.run(page.pageId, bytesOf(page.entries));
      }
      for (const volumeId of table.deletedVolumeIds) this.deleteVolume.run(volumeId);
      for (const volume of table.dirtyVolumes) {
        this.putVolume.run(volume.volumeId, volume.handle, volume.sizeBytes, encodePageRefs(volume));
      }
      this.putMeta.run('lastSeq', lastSeq);
      this.putMeta.run('replaySegmentId', replayFrom.segmentId);
      this.putMeta.run('replayOffsetBytes', replayFrom.offsetBytes);
      this.putMeta.run('nextHandle', table.nextHandle);
      this.putMeta.run('nextPageId', table.nextPageId);
    });
    commit();
    table.clearDirty();
  }

  close(): void {
    this.db.close();
  }

  private loadPages(): Map<number, MapPage> {
    const pages = new Map<number, MapPage>();
    const rows = this.db.prepare('SELECT page_id, entries FROM pages').iterate() as Iterable<PageRow>;
    for (const row of rows) {
      if (row.entries.length !== MAP_PAGE_BLOCKS * 8) {
        invariant(false, `page ${row.page_id} blob is ${row.entries.length} bytes`);
      }
      const entries = new Float64Array(MAP_PAGE_BLOCKS);
      new Uint8Array(entries.buffer).set(row.entries);
      pages.set(row.page_id, new MapPage(row.page_id, entries));
    }
    return pages;
  }
}

interface PageRow {
  page_id: number;
  entries: Buffer;
}

interface VolumeRow {
  volume_id: string;
  handle: number;
  size_bytes: number;
  page_refs: Buffer;
}

function metaValue(meta: Map<string, number>, key: string): number {
  const value = meta.get(key);
  invariant(value !== undefined, `checkpoint meta lacks ${key}`);
  return value;
}

function bytesOf(array: Float64Array | Uint32Array): Buffer {
  return Buffer.from(array.buffer, array.byteOffset, array.byteLength);
}

/** Slot arrays are stored sparse, as (slot index, page id) u32 pairs: an empty volume costs 0 bytes. */
function encodePageRefs(volume: VolumeMap): Buffer {
  let used = 0;
  for (const page of volume.pages) if (page !== null) used++;
  const pairs = new Uint32Array(used * 2);
  let at = 0;
  volume.pages.forEach((page, slot) => {
    if (page === null) return;
    pairs[at++] = slot;
    pairs[at++] = page.pageId;
  });
  return bytesOf(pairs);
}

function volumeFromRow(row: VolumeRow, pages: Map<number, MapPage>): VolumeMap {
  const slots = nullSlots(pageCountFor(row.size_bytes));
  const pairs = new Uint32Array(row.page_refs.length / 4);
  new Uint8Array(pairs.buffer).set(row.page_refs);
  for (let i = 0; i < pairs.length; i += 2) {
    const page = pages.get(pairs[i + 1]);
    if (!(page !== undefined)) invariant(false, `volume ${row.volume_id} references missing page ${pairs[i + 1]}`);
    if (!(pairs[i] < slots.length)) invariant(false, `volume ${row.volume_id} slot ${pairs[i]} past its size`);
    slots[pairs[i]] = page;
  }
  return new VolumeMap(row.volume_id, row.handle, row.size_bytes, slots);
}
