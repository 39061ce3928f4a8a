// Wiring of the storage engine: opens the directory (checkpoint + replay), routes BlockStore calls
// to the write pipeline, the read path and the map queries, and runs checkpoints and GC.
//
// Everything that changes a map is a log record applied in seq order when its batch is written
// (write-pipeline.ts, apply.ts). Metadata operations are serialized among themselves (so their
// validation sees the state every earlier one produced) and resolve only once durable. Data
// writes are not serialized: they batch freely, and are durable after flush() or with fua.

import * as fs from 'node:fs';
import { join } from 'node:path';
import { BLOCK_BYTES, NBD_REQUEST_BYTES_MAX, SEGMENT_BYTES_MAX } from '../limits.ts';
import { NameInUseError, StateError, invariant } from '../core/errors.ts';
import { systemClock, type Clock, type TimerHandle } from '../core/clock.ts';
import type { BlockStore, ByteRange, Extent } from '../core/ports.ts';
import { applyRecord } from './apply.ts';
import { BlockLocks } from './block-locks.ts';
import { CheckpointStore } from './checkpoint-store.ts';
import { lockDirectory } from './dir-lock.ts';
import { blockStatusExtents, diffExtents, type DiffCounters } from './extents.ts';
import { collectGarbage } from './gc.ts';
import { liveBlocksBySegment } from './live-map.ts';
import type { VolumeMap } from './map.ts';
import { readBlocks, readBlocksInto } from './read-path.ts';
import { RECORD_HEADER_BYTES, RecordType, encodeJsonPayload } from './record-codec.ts';
import { recover, type RecoveryResult } from './recovery.ts';
import { SegmentFiles } from './segment-files.ts';
import { checkRange, checkSizeBytes, checkVolumeId, requireVolume } from './validate.ts';
import type { VolumeTable } from './volume-table.ts';
import { WritePipeline, newLogRecord, type LogRecord } from './write-pipeline.ts';

export interface BlockStoreOptions {
  dir: string;
  clock?: Clock;
  /** Period of automatic checkpoints; each bounds how much log a recovery replays. */
  checkpointIntervalMs?: number;
  /** Segment size before rollover; small values make tests cross segment boundaries. */
  segmentBytesMax?: number;
  /** Run GC after a periodic checkpoint when a segment was sealed since the last run (default true). */
  autoGc?: boolean;
}

const CHECKPOINT_INTERVAL_MS_DEFAULT = 5000;
/** The smallest segment that still holds a header and one block. */
const SEGMENT_BYTES_MIN = RECORD_HEADER_BYTES + BLOCK_BYTES;
/** Offsets live in the low 32 bits of a location; leave room so offset + one block never carries. */
const SEGMENT_BYTES_LIMIT = 2 ** 32 - 2 ** 20;
/** TRIM records count blocks in a u32; split larger trims (2^30 blocks = 4 TiB each). */
const TRIM_RECORD_BLOCKS_MAX = 2 ** 30;

export async function openBlockStore(options: BlockStoreOptions): Promise<Engine> {
  const segmentBytesMax = options.segmentBytesMax ?? SEGMENT_BYTES_MAX;
  invariant(segmentBytesMax >= SEGMENT_BYTES_MIN && segmentBytesMax <= SEGMENT_BYTES_LIMIT,
    `segmentBytesMax ${segmentBytesMax} outside ${SEGMENT_BYTES_MIN}..${SEGMENT_BYTES_LIMIT}`);
  fs.mkdirSync(options.dir, { recursive: true });
  const unlock = lockDirectory(options.dir);
  let store: CheckpointStore | null = null;
  try {
    store = new CheckpointStore(join(options.dir, 'engine.db'));
    const files = new SegmentFiles(options.dir);
    const checkpoint = store.load();
    const recovery = recover(files, checkpoint);
    const engine = new Engine(options, segmentBytesMax, store, files, recovery, unlock);
    // Settle what replay rebuilt (and any cut tail) so the next recovery starts past it.
    if (checkpoint === null || recovery.replayedRecords > 0 || recovery.truncatedAt !== null) engine.checkpointNow();
    return engine;
  } catch (error) {
    store?.close();
    unlock();
    throw error;
  }
}

/** Maintenance totals since open, for metrics (read at scrape time). Durations are wall time. */
export interface MaintenanceCounters {
  checkpointsCount: number;
  checkpointSecondsTotal: number;
  lastCheckpointSeconds: number | null;
  gcRunsCount: number;
  gcSecondsTotal: number;
  gcFreedBytesTotal: number;
}

export class Engine implements BlockStore {
  readonly diffCounters: DiffCounters = { pagesScanned: 0 };
  readonly maintenance: MaintenanceCounters = {
    checkpointsCount: 0,
    checkpointSecondsTotal: 0,
    lastCheckpointSeconds: null,
    gcRunsCount: 0,
    gcSecondsTotal: 0,
    gcFreedBytesTotal: 0,
  };
  /** What the last open found in the log (tests and diagnostics). */
  readonly recovery: Omit<RecoveryResult, 'table'>;
  private readonly table: VolumeTable;
  private readonly files: SegmentFiles;
  private readonly pipeline: WritePipeline;
  private readonly locks = new BlockLocks();
  private readonly clock: Clock;
  private readonly checkpointIntervalMs: number;
  private readonly recordPayloadBytesMax: number;
  private readonly autoGc: boolean;
  private metadataChain: Promise<void> = Promise.resolve();
  private gcRun: Promise<{ freedBytes: number }> | null = null;
  /** pipeline.appendedBytes when the last GC run started. */
  private gcAppendedBytes = 0;
  /** Upper bound of bytes unreferenced without appending (delete, restore, shrink, trim) since then. */
  private gcDroppedBytes = 0;
  private checkpointSeq = -1;
  private timer: TimerHandle | null = null;
  private state: 'open' | 'closing' | 'closed' = 'open';

  constructor(
    options: BlockStoreOptions,
    private readonly segmentBytesMax: number,
    private readonly store: CheckpointStore,
    files: SegmentFiles,
    recovery: RecoveryResult,
    private readonly unlock: () => void,
  ) {
    const { table, ...summary } = recovery;
    this.table = table;
    this.recovery = summary;
    this.files = files;
    this.clock = options.clock ?? systemClock;
    this.checkpointIntervalMs = options.checkpointIntervalMs ?? CHECKPOINT_INTERVAL_MS_DEFAULT;
    this.autoGc = options.autoGc ?? true;
    const wholeBlocks = Math.floor((segmentBytesMax - RECORD_HEADER_BYTES) / BLOCK_BYTES) * BLOCK_BYTES;
    this.recordPayloadBytesMax = Math.min(NBD_REQUEST_BYTES_MAX, wholeBlocks);
    const ids = files.ids();
    const segmentId = (ids.length === 0 ? 0 : ids[ids.length - 1]) + 1;
    const fd = files.create(segmentId); // never append after a tail this process did not write
    this.pipeline = new WritePipeline(files, segmentBytesMax, this.applyLogRecord, {
      lastSeq: recovery.lastSeq, segmentId, fd,
    });
    this.armTimer();
  }

  // ---- metadata operations: serialized, durable on return ----

  createVolume(id: string, sizeBytes: number): Promise<void> {
    return this.metadataOp(() => {
      checkVolumeId(id);
      checkSizeBytes(sizeBytes);
      if (this.table.byId.has(id)) throw new NameInUseError('volume', id);
      return newLogRecord(RecordType.CREATE, this.table.nextHandle, 0, 0, sizeBytes, encodeJsonPayload({ id }), true);
    });
  }

  deleteVolume(id: string): Promise<void> {
    return this.metadataOp(() => {
      const volume = requireVolume(this.table, id);
      this.gcDroppedBytes += volume.mappedBlocks() * BLOCK_BYTES;
      return newLogRecord(RecordType.DELETE, volume.handle, 0, 0, 0, null, true);
    });
  }

  resizeVolume(id: string, sizeBytes: number): Promise<void> {
    return this.metadataOp(() => {
      const volume = requireVolume(this.table, id);
      checkSizeBytes(sizeBytes);
      this.gcDroppedBytes += Math.max(0, volume.sizeBytes - sizeBytes);
      return newLogRecord(RecordType.RESIZE, volume.handle, 0, 0, sizeBytes, encodeJsonPayload({}), true);
    });
  }

  snapshotVolume(sourceId: string, newId: string): Promise<void> {
    return this.metadataOp(() => {
      const source = requireVolume(this.table, sourceId);
      checkVolumeId(newId);
      if (this.table.byId.has(newId)) throw new NameInUseError('volume', newId);
      const payload = encodeJsonPayload({ id: newId });
      return newLogRecord(RecordType.SNAPSHOT, this.table.nextHandle, 0, 0, source.handle, payload, true);
    });
  }

  restoreVolume(targetId: string, sourceId: string): Promise<void> {
    return this.metadataOp(() => {
      const target = requireVolume(this.table, targetId);
      const source = requireVolume(this.table, sourceId);
      this.gcDroppedBytes += target.mappedBlocks() * BLOCK_BYTES;
      return newLogRecord(RecordType.RESTORE, target.handle, 0, 0, source.handle, encodeJsonPayload({}), true);
    });
  }

  hasVolume(id: string): boolean {
    return this.table.byId.has(id);
  }

  volumeIds(): string[] {
    return [...this.table.byId.keys()];
  }

  sizeBytes(id: string): number {
    return requireVolume(this.table, id).sizeBytes;
  }

  // ---- data path ----

  read(id: string, offsetBytes: number, lengthBytes: number): Promise<Buffer> {
    try {
      this.assertOpen();
      const volume = requireVolume(this.table, id);
      checkRange(volume, offsetBytes, lengthBytes);
      if (lengthBytes === 0) return Promise.resolve(Buffer.alloc(0));
      const firstBlock = Math.floor(offsetBytes / BLOCK_BYTES);
      const endBlock = Math.ceil((offsetBytes + lengthBytes) / BLOCK_BYTES);
      const blocks = readBlocks(this.files, volume, firstBlock, endBlock - firstBlock);
      const skipBytes = offsetBytes - firstBlock * BLOCK_BYTES;
      if (skipBytes === 0 && lengthBytes % BLOCK_BYTES === 0) return blocks;
      return blocks.then((buffer) => buffer.subarray(skipBytes, skipBytes + lengthBytes));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  readInto(id: string, offsetBytes: number, target: Buffer): Promise<void> {
    try {
      this.assertOpen();
      const volume = requireVolume(this.table, id);
      checkRange(volume, offsetBytes, target.length);
      if (target.length === 0) return Promise.resolve();
      if (offsetBytes % BLOCK_BYTES !== 0 || target.length % BLOCK_BYTES !== 0) {
        // Not a whole number of blocks: read them into a buffer of their own and copy the part.
        return this.read(id, offsetBytes, target.length).then((data) => void data.copy(target));
      }
      return readBlocksInto(this.files, volume, offsetBytes / BLOCK_BYTES, target.length / BLOCK_BYTES, target, 0);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** The engine keeps a reference to `data` until the promise settles; do not modify it before. */
  write(id: string, offsetBytes: number, data: Buffer, options?: { fua?: boolean }): Promise<void> {
    try {
      this.assertOpen();
      const volume = requireVolume(this.table, id);
      checkRange(volume, offsetBytes, data.length);
      const fua = options?.fua === true;
      if (data.length === 0) return fua ? this.flush() : Promise.resolve();
      if (offsetBytes % BLOCK_BYTES !== 0 || data.length % BLOCK_BYTES !== 0) {
        return this.writeUnaligned(volume, offsetBytes, data, fua);
      }
      return this.writeAligned(volume.handle, offsetBytes / BLOCK_BYTES, data, fua);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  trim(id: string, offsetBytes: number, lengthBytes: number, options?: { fua?: boolean }): Promise<void> {
    try {
      this.assertOpen();
      const volume = requireVolume(this.table, id);
      checkRange(volume, offsetBytes, lengthBytes);
      this.gcDroppedBytes += lengthBytes;
      return this.trimRange(volume, offsetBytes, lengthBytes, options?.fua === true);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  flush(): Promise<void> {
    if (this.state === 'closed') return Promise.reject(new StateError('block store is closed'));
    return this.pipeline.sync();
  }

  // ---- queries ----

  blockStatus(id: string, offsetBytes: number, lengthBytes: number): Extent[] {
    const volume = requireVolume(this.table, id);
    checkRange(volume, offsetBytes, lengthBytes);
    return blockStatusExtents(volume, offsetBytes, lengthBytes);
  }

  diff(baseId: string | null, targetId: string, range?: ByteRange): Extent[] {
    const base = baseId === null ? null : requireVolume(this.table, baseId);
    const target = requireVolume(this.table, targetId);
    if (range !== undefined) checkRange(target, range.offsetBytes, range.lengthBytes);
    return diffExtents(base, target, this.diffCounters, range);
  }

  mappedBytes(id: string): number {
    return requireVolume(this.table, id).mappedBlocks() * BLOCK_BYTES;
  }

  // ---- maintenance ----

  collectGarbage(): Promise<{ freedBytes: number }> {
    try {
      this.assertOpen();
    } catch (error) {
      return Promise.reject(error);
    }
    if (this.gcRun === null) {
      this.gcAppendedBytes = this.pipeline.appendedBytes;
      this.gcDroppedBytes = 0;
      const startedMs = performance.now();
      this.gcRun = collectGarbage({
        table: this.table,
        files: this.files,
        pipeline: this.pipeline,
        checkpointNow: () => this.checkpointNow(),
        relocateBytesMax: Math.max(4 * this.segmentBytesMax, 256 * 1024 * 1024),
        recordPayloadBytesMax: this.recordPayloadBytesMax,
      })
        .then((result) => {
          this.maintenance.gcRunsCount += 1;
          this.maintenance.gcSecondsTotal += (performance.now() - startedMs) / 1000;
          this.maintenance.gcFreedBytesTotal += result.freedBytes;
          return result;
        })
        .finally(() => (this.gcRun = null));
    }
    return this.gcRun;
  }

  async checkpoint(): Promise<void> {
    this.assertOpen();
    await this.pipeline.drain();
    this.checkpointNow();
  }

  /**
   * In one synchronous turn: fdatasync the open segment (every map entry then points at durable
   * data) and commit the dirty maps with the replay position just after the last applied record.
   */
  checkpointNow(): void {
    const startedMs = performance.now();
    this.pipeline.syncAppliedNow();
    this.store.write(this.table, this.pipeline.appliedPosition, this.pipeline.appliedSeq);
    this.checkpointSeq = this.pipeline.appliedSeq;
    const seconds = (performance.now() - startedMs) / 1000;
    this.maintenance.checkpointsCount += 1;
    this.maintenance.checkpointSecondsTotal += seconds;
    this.maintenance.lastCheckpointSeconds = seconds;
  }

  stats(): { segmentBytes: number; liveBytes: number; volumes: number } {
    let liveBlocks = 0;
    for (const blocks of liveBlocksBySegment(this.table).values()) liveBlocks += blocks;
    return {
      segmentBytes: this.files.totalBytes(),
      liveBytes: liveBlocks * BLOCK_BYTES,
      volumes: this.table.byId.size,
    };
  }

  /** Free space available to this process on the file system of the segment directory. */
  freeBytes(): number {
    const fsStats = fs.statfsSync(this.files.dir);
    return fsStats.bavail * fsStats.bsize;
  }

  /** True while a GC run (manual or automatic) is copying or deleting. */
  get gcInProgress(): boolean {
    return this.gcRun !== null;
  }

  /** Distinct live map pages (diagnostics; tests use it to see that snapshots share pages). */
  livePageCount(): number {
    return this.table.uniquePages().size;
  }

  async close(): Promise<void> {
    if (this.state !== 'open') return;
    this.state = 'closing';
    this.timer?.cancel();
    await this.metadataChain;
    await this.gcRun?.catch(() => undefined);
    await this.pipeline.drain().catch(() => undefined);
    await this.files.whenReadsIdle();
    if (this.pipeline.failed === null) this.checkpointNow();
    this.files.closeAll();
    this.store.close();
    this.unlock();
    this.state = 'closed';
  }

  // ---- internals ----

  private readonly applyLogRecord = (record: LogRecord): Error | null =>
    applyRecord(this.table, record, record.segmentId, record.dataOffsetBytes, record.payload);

  private metadataOp(build: () => LogRecord): Promise<void> {
    const run = this.metadataChain.then(() => {
      this.assertOpen();
      return this.pipeline.submit(build());
    });
    this.metadataChain = run.catch(() => undefined);
    return run;
  }

  private writeAligned(handle: number, firstBlock: number, data: Buffer, fua: boolean): Promise<void> {
    const maxBytes = this.recordPayloadBytesMax;
    if (data.length <= maxBytes) {
      const countBlocks = data.length / BLOCK_BYTES;
      return this.pipeline.submit(newLogRecord(RecordType.WRITE, handle, firstBlock, countBlocks, 0, data, fua));
    }
    const parts: Promise<void>[] = [];
    for (let startBytes = 0; startBytes < data.length; startBytes += maxBytes) {
      const part = data.subarray(startBytes, startBytes + maxBytes);
      const partFirstBlock = firstBlock + startBytes / BLOCK_BYTES;
      parts.push(this.pipeline.submit(
        newLogRecord(RecordType.WRITE, handle, partFirstBlock, part.length / BLOCK_BYTES, 0, part, fua),
      ));
    }
    return Promise.all(parts).then(() => undefined);
  }

  /** Read-modify-write of the partial edge blocks, serialized per block (block-locks.ts). */
  private writeUnaligned(volume: VolumeMap, offsetBytes: number, data: Buffer, fua: boolean): Promise<void> {
    const firstBlock = Math.floor(offsetBytes / BLOCK_BYTES);
    const endBlock = Math.ceil((offsetBytes + data.length) / BLOCK_BYTES);
    const edges: number[] = [];
    if (offsetBytes % BLOCK_BYTES !== 0) edges.push(firstBlock);
    if ((offsetBytes + data.length) % BLOCK_BYTES !== 0 && !edges.includes(endBlock - 1)) edges.push(endBlock - 1);
    const keys = edges.map((block) => `${volume.handle}:${block}`);
    return this.locks.withLocks(keys, async () => {
      if (this.table.byHandle.get(volume.handle) !== volume || endBlock > volume.sizeBlocks) {
        const message = `volume ${volume.volumeId} changed before a partial-block write`;
        throw new StateError(message, 'volume', volume.volumeId);
      }
      const merged = Buffer.allocUnsafe((endBlock - firstBlock) * BLOCK_BYTES);
      for (const block of edges) {
        const old = await readBlocks(this.files, volume, block, 1);
        old.copy(merged, (block - firstBlock) * BLOCK_BYTES);
      }
      data.copy(merged, offsetBytes - firstBlock * BLOCK_BYTES);
      await this.writeAligned(volume.handle, firstBlock, merged, fua);
    });
  }

  /** Whole blocks are unmapped; partial edge blocks get zeros written (they must read as zeros). */
  private trimRange(volume: VolumeMap, offsetBytes: number, lengthBytes: number, fua: boolean): Promise<void> {
    if (lengthBytes === 0) return fua ? this.flush() : Promise.resolve();
    const endBytes = offsetBytes + lengthBytes;
    const firstWholeBlock = Math.ceil(offsetBytes / BLOCK_BYTES);
    const endWholeBlock = Math.floor(endBytes / BLOCK_BYTES);
    if (firstWholeBlock >= endWholeBlock) {
      return this.writeUnaligned(volume, offsetBytes, Buffer.alloc(lengthBytes), fua);
    }
    const parts: Promise<void>[] = [];
    const headEndBytes = firstWholeBlock * BLOCK_BYTES;
    if (offsetBytes < headEndBytes) {
      parts.push(this.writeUnaligned(volume, offsetBytes, Buffer.alloc(headEndBytes - offsetBytes), fua));
    }
    for (let block = firstWholeBlock; block < endWholeBlock; block += TRIM_RECORD_BLOCKS_MAX) {
      const countBlocks = Math.min(TRIM_RECORD_BLOCKS_MAX, endWholeBlock - block);
      parts.push(this.pipeline.submit(newLogRecord(RecordType.TRIM, volume.handle, block, countBlocks, 0, null, fua)));
    }
    const tailStartBytes = endWholeBlock * BLOCK_BYTES;
    if (tailStartBytes < endBytes) {
      parts.push(this.writeUnaligned(volume, tailStartBytes, Buffer.alloc(endBytes - tailStartBytes), fua));
    }
    return Promise.all(parts).then(() => undefined);
  }

  private assertOpen(): void {
    if (this.state !== 'open') throw new StateError(`block store is ${this.state}`);
  }

  private armTimer(): void {
    this.timer = this.clock.setTimer(this.checkpointIntervalMs, this.onTimer);
  }

  private readonly onTimer = (): void => {
    if (this.state !== 'open' || this.pipeline.failed !== null) return;
    this.armTimer();
    try {
      if (this.pipeline.appliedSeq !== this.checkpointSeq) this.checkpointNow();
    } catch (error) {
      // The log still holds everything; a failed checkpoint only lengthens the next replay.
      process.emitWarning(`engine: periodic checkpoint failed: ${String(error)}`);
      return;
    }
    if (this.autoGc && this.gcRun === null && this.gcDue()) {
      this.collectGarbage().catch((error: unknown) => {
        if (this.state === 'open') process.emitWarning(`engine: background GC failed: ${String(error)}`);
      });
    }
  };

  /**
   * Automatic GC marks every live entry, so it runs only once dead space can have grown by a
   * quarter of the log (bytes appended or unreferenced since the last run): the mark cost stays
   * proportional to the bytes changed in between.
   */
  private gcDue(): boolean {
    if (this.files.ids().length < 2) return false; // nothing sealed yet
    const changedBytes = this.pipeline.appendedBytes - this.gcAppendedBytes + this.gcDroppedBytes;
    return changedBytes >= Math.max(this.segmentBytesMax, this.files.totalBytes() / 4);
  }
}
