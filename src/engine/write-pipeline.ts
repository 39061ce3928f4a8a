// The append pipeline: every record (data or metadata) enters here, in seq order.
//
// Records submitted while a batch is in flight (or in the same task, when idle) are
// written together with one fs.writev at the tracked end of the open segment; only one batch is in
// flight, so the next batch accumulates meanwhile. When a batch's syscall completes, its records are
// applied to the maps in seq order and their promises resolve: a read issued after a write resolved
// sees it. Durability is separate (group commit): sync(seq) waits for one fdatasync that started
// after record `seq` was written; concurrent callers share it. A record whose whole batch is written
// is in the page cache, so a process kill loses nothing; an fdatasync covers a power loss.

import * as fs from 'node:fs';
import { invariant } from '../core/errors.ts';
import { RECORD_HEADER_BYTES, encodeRecordHeader, type RecordHeader, type RecordTypeCode } from './record-codec.ts';
import { InlineIoPolicy } from './inline-io-policy.ts';
import type { SegmentFiles } from './segment-files.ts';

/** Bound on one writev: large enough to amortize the syscall, small enough to keep latency flat. */
const BATCH_BYTES_MAX = 16 * 1024 * 1024;
/**
 * A batch at most this big is written with writevSync on the event loop instead of on the thread
 * pool. Copying 64 KiB into the page cache takes a few µs; the pool's hand-off and the wake-up of
 * the loop afterwards cost tens of µs on these VMs, which is most of a QD1 write's latency and
 * all of it for a synchronous-replication peer waiting to answer (BENCHMARKS.md, sync).
 */
const INLINE_WRITE_BYTES_MAX = 64 * 1024;
/** Inline writes go back to the thread pool for a while when slow ones become frequent. */
const inlineWrites = new InlineIoPolicy(INLINE_WRITE_BYTES_MAX);

interface Waiter {
  seq: number;
  resolve: () => void;
  reject: (error: Error) => void;
}

export interface LogRecord extends RecordHeader, Waiter {
  payload: Buffer | null;
  /** Resolve only after an fdatasync covers the record (FUA, metadata operations). */
  syncAfterWrite: boolean;
  /** Assigned when the record is put in a batch: where its payload lands. */
  segmentId: number;
  dataOffsetBytes: number;
}

export interface ReplayPosition {
  segmentId: number;
  offsetBytes: number;
}

export interface PipelineStart {
  /** Seq of the last record already in the log (0 for an empty log). */
  lastSeq: number;
  /** A freshly created, empty segment to append to. */
  segmentId: number;
  fd: number;
}

export type ApplyRecord = (record: LogRecord) => Error | null;

export function newLogRecord(
  type: RecordTypeCode,
  handle: number,
  firstBlock: number,
  countBlocks: number,
  aux: number,
  payload: Buffer | null,
  syncAfterWrite: boolean,
): LogRecord {
  return {
    seq: 0, type, handle, firstBlock, countBlocks, aux, payload,
    payloadBytes: payload === null ? 0 : payload.length,
    syncAfterWrite, segmentId: 0, dataOffsetBytes: 0, resolve: noop, reject: noop,
  };
}

function noop(): void {}

export class WritePipeline {
  private pending: LogRecord[] = [];
  private batchInFlight = false;
  private kickScheduled = false;
  private syncInFlight = false;
  private syncWaiters: Waiter[] = [];
  private writtenWaiters: Waiter[] = [];
  private failure: Error | null = null;
  private lastAssignedSeq: number;
  /** Every record with seq <= writtenSeq has been written and applied. */
  private writtenSeq: number;
  /** Every record with seq <= syncedSeq is durable. */
  private syncedSeq: number;
  private openFd: number;
  openSegmentId: number;
  private openOffsetBytes = 0;
  /** Bytes appended since open (GC uses it to decide when dead space may have grown). */
  appendedBytes = 0;
  /** End of the last applied record: where replay would resume if the maps were checkpointed now. */
  appliedPosition: ReplayPosition;

  constructor(
    private readonly files: SegmentFiles,
    private readonly segmentBytesMax: number,
    private readonly applyRecord: ApplyRecord,
    start: PipelineStart,
  ) {
    this.lastAssignedSeq = start.lastSeq;
    this.writtenSeq = start.lastSeq;
    this.syncedSeq = start.lastSeq;
    this.openSegmentId = start.segmentId;
    this.openFd = start.fd;
    this.appliedPosition = { segmentId: start.segmentId, offsetBytes: 0 };
  }

  get appliedSeq(): number {
    return this.writtenSeq;
  }

  /** Queues a record; resolves once applied (and durable when syncAfterWrite). */
  submit(record: LogRecord): Promise<void> {
    if (this.failure !== null) return Promise.reject(this.failure);
    invariant(RECORD_HEADER_BYTES + record.payloadBytes <= this.segmentBytesMax, 'record larger than a segment');
    record.seq = ++this.lastAssignedSeq;
    this.pending.push(record);
    const done = new Promise<void>((resolve, reject) => {
      record.resolve = resolve;
      record.reject = reject;
    });
    if (!this.batchInFlight && !this.kickScheduled) {
      // Wait for the rest of this task to join the batch: NBD starts every request of one socket
      // read, and the lane every frame of one chunk, before microtasks run. A microtask rather
      // than setImmediate: a QD1 write would otherwise wait a whole loop iteration (~20 µs here).
      this.kickScheduled = true;
      queueMicrotask(this.kick);
    }
    return done;
  }

  /** Resolves when everything submitted so far is durable: one fdatasync shared by all callers. */
  sync(): Promise<void> {
    if (this.failure !== null) return Promise.reject(this.failure);
    const seq = this.lastAssignedSeq;
    if (seq <= this.syncedSeq) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.syncWaiters.push({ seq, resolve, reject });
      this.startSyncIfDue();
    });
  }

  /** Resolves when everything submitted so far has been written and applied. */
  drain(): Promise<void> {
    if (this.failure !== null) return Promise.reject(this.failure);
    const seq = this.lastAssignedSeq;
    if (seq <= this.writtenSeq) return Promise.resolve();
    return new Promise<void>((resolve, reject) => this.writtenWaiters.push({ seq, resolve, reject }));
  }

  /**
   * Synchronously makes every applied record durable (checkpoints need that in the same turn as
   * they read the maps). Segments before the open one were synced when they were sealed.
   */
  syncAppliedNow(): void {
    if (this.failure !== null) throw this.failure;
    fs.fdatasyncSync(this.openFd);
    this.syncedSeq = Math.max(this.syncedSeq, this.writtenSeq);
    this.syncWaiters = settleDue(this.syncWaiters, this.syncedSeq);
  }

  get failed(): Error | null {
    return this.failure;
  }

  private readonly kick = (): void => {
    this.kickScheduled = false;
    if (this.batchInFlight || this.pending.length === 0 || this.failure !== null) return;
    const first = this.pending[0];
    if (this.openOffsetBytes + RECORD_HEADER_BYTES + first.payloadBytes > this.segmentBytesMax) {
      this.batchInFlight = true;
      this.rollover().then(() => {
        this.batchInFlight = false;
        this.kick();
      }, (error: unknown) => this.fail(asError(error)));
      return;
    }
    this.writeBatch(this.cutBatch());
  };

  /** Takes the longest prefix of pending records that fits the segment and the batch bound. */
  private cutBatch(): LogRecord[] {
    let offsetBytes = this.openOffsetBytes;
    let count = 0;
    for (const record of this.pending) {
      const recordBytes = RECORD_HEADER_BYTES + record.payloadBytes;
      if (offsetBytes + recordBytes > this.segmentBytesMax) break;
      if (count > 0 && offsetBytes + recordBytes - this.openOffsetBytes > BATCH_BYTES_MAX) break;
      record.segmentId = this.openSegmentId;
      record.dataOffsetBytes = offsetBytes + RECORD_HEADER_BYTES;
      offsetBytes += recordBytes;
      count++;
    }
    invariant(count > 0, 'a batch holds at least one record');
    if (count === this.pending.length) {
      const batch = this.pending;
      this.pending = [];
      return batch;
    }
    return this.pending.splice(0, count);
  }

  private writeBatch(batch: LogRecord[]): void {
    const headers = Buffer.allocUnsafe(batch.length * RECORD_HEADER_BYTES);
    const buffers: Buffer[] = [];
    for (let i = 0; i < batch.length; i++) {
      const record = batch[i];
      encodeRecordHeader(headers, i * RECORD_HEADER_BYTES, record, record.payload);
      buffers.push(headers.subarray(i * RECORD_HEADER_BYTES, (i + 1) * RECORD_HEADER_BYTES));
      if (record.payload !== null && record.payload.length > 0) buffers.push(record.payload);
    }
    const positionBytes = this.openOffsetBytes;
    const last = batch[batch.length - 1];
    const endBytes = last.dataOffsetBytes + last.payloadBytes;
    this.openOffsetBytes = endBytes;
    this.batchInFlight = true;
    if (inlineWrites.inline(endBytes - positionBytes, performance.now())) {
      let bytesWritten: number;
      const startMs = performance.now();
      try {
        bytesWritten = fs.writevSync(this.openFd, buffers, positionBytes);
        const nowMs = performance.now();
        inlineWrites.record((nowMs - startMs) * 1000, nowMs);
      } catch (error) {
        this.batchInFlight = false;
        this.fail(asError(error));
        for (const record of batch) record.reject(this.failure ?? asError(error));
        return;
      }
      this.batchInFlight = false;
      if (!(bytesWritten === endBytes - positionBytes)) invariant(false, `short writev: ${bytesWritten} bytes`);
      this.onBatchWritten(batch, endBytes);
      return;
    }
    fs.writev(this.openFd, buffers, positionBytes, (error, bytesWritten) => {
      this.batchInFlight = false;
      if (error) {
        this.fail(error);
        for (const record of batch) record.reject(this.failure ?? error);
        return;
      }
      if (!(bytesWritten === endBytes - positionBytes)) invariant(false, `short writev: ${bytesWritten} bytes`);
      this.onBatchWritten(batch, endBytes);
    });
  }

  private onBatchWritten(batch: LogRecord[], endBytes: number): void {
    this.appendedBytes += endBytes - (this.files.sizesBytes.get(this.openSegmentId) ?? 0);
    this.files.sizesBytes.set(this.openSegmentId, endBytes);
    for (const record of batch) {
      const error = this.applyRecord(record);
      this.writtenSeq = record.seq;
      if (error !== null) record.reject(error);
      else if (record.syncAfterWrite) this.syncWaiters.push(record);
      else record.resolve();
      record.payload = null; // the caller's buffer is no longer needed by the engine
    }
    this.appliedPosition = { segmentId: this.openSegmentId, offsetBytes: endBytes };
    this.writtenWaiters = settleDue(this.writtenWaiters, this.writtenSeq);
    this.startSyncIfDue();
    if (this.pending.length > 0) this.kick();
  }

  /** Starts an fdatasync when some waiter's records are written and none is running. */
  private startSyncIfDue(): void {
    if (this.syncInFlight || this.failure !== null) return;
    if (!this.syncWaiters.some((w) => w.seq <= this.writtenSeq)) return;
    const coveredSeq = this.writtenSeq;
    this.syncInFlight = true;
    fs.fdatasync(this.openFd, (error) => {
      this.syncInFlight = false;
      if (error) return this.fail(error);
      this.syncedSeq = Math.max(this.syncedSeq, coveredSeq);
      this.syncWaiters = settleDue(this.syncWaiters, this.syncedSeq);
      this.startSyncIfDue();
    });
  }

  /** Seals the open segment (durable before any record lands in the next) and opens the next. */
  private async rollover(): Promise<void> {
    await new Promise<void>((resolve, reject) => fs.fdatasync(this.openFd, (e) => (e ? reject(e) : resolve())));
    const segmentId = this.openSegmentId + 1;
    this.openFd = this.files.create(segmentId);
    this.openSegmentId = segmentId;
    this.openOffsetBytes = 0;
  }

  /** An I/O error leaves the log's tail unknown: fail everything, and every later call. */
  private fail(error: Error): void {
    if (this.failure !== null) return;
    this.failure = new Error(`segment log failed, engine stopped: ${error.message}`, { cause: error });
    const waiting = [...this.pending, ...this.syncWaiters, ...this.writtenWaiters];
    this.pending = [];
    this.syncWaiters = [];
    this.writtenWaiters = [];
    for (const waiter of waiting) waiter.reject(this.failure);
  }
}

/** Resolves waiters with seq <= doneSeq and returns the rest. */
function settleDue(waiters: Waiter[], doneSeq: number): Waiter[] {
  if (waiters.length === 0) return waiters;
  const rest: Waiter[] = [];
  for (const waiter of waiters) {
    if (waiter.seq <= doneSeq) waiter.resolve();
    else rest.push(waiter);
  }
  return rest;
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
