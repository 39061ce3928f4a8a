// Segment files on disk: naming, listing, creation (durable in the directory), the cache of open
// file descriptors used for reads, and deletion. A descriptor is never closed while a read is in
// flight: a pread on a closed (and possibly reused) fd number would read another file.

import * as fs from 'node:fs';
import { join } from 'node:path';
import { invariant } from '../core/errors.ts';
import { SEGMENT_ID_MAX } from './location.ts';

const SEGMENT_NAME = /^seg-(\d{6,})\.log$/;

export function segmentFileName(segmentId: number): string {
  return `seg-${String(segmentId).padStart(6, '0')}.log`;
}

export class SegmentFiles {
  /** Bytes on disk per segment; the open segment's entry is advanced as batches are cut. */
  readonly sizesBytes = new Map<number, number>();
  private readonly fds = new Map<number, number>();
  private readsInFlight = 0;
  private closeWhenIdle: number[] = [];
  private idleWaiters: (() => void)[] = [];

  constructor(readonly dir: string) {
    for (const name of fs.readdirSync(dir)) {
      const match = SEGMENT_NAME.exec(name);
      if (match) this.sizesBytes.set(Number(match[1]), fs.statSync(join(dir, name)).size);
    }
  }

  /** Segment ids present, ascending. */
  ids(): number[] {
    return [...this.sizesBytes.keys()].sort((a, b) => a - b);
  }

  path(segmentId: number): string {
    return join(this.dir, segmentFileName(segmentId));
  }

  totalBytes(): number {
    let total = 0;
    for (const bytes of this.sizesBytes.values()) total += bytes;
    return total;
  }

  /** Creates an empty segment, makes its directory entry durable, and returns a read/write fd. */
  create(segmentId: number): number {
    invariant(segmentId >= 1 && segmentId <= SEGMENT_ID_MAX, `segment id ${segmentId} out of range`);
    invariant(!this.sizesBytes.has(segmentId), `segment ${segmentId} already exists`);
    const fd = fs.openSync(this.path(segmentId), 'wx+');
    this.fsyncDir();
    this.fds.set(segmentId, fd);
    this.sizesBytes.set(segmentId, 0);
    return fd;
  }

  /** The cached fd of a segment, opened read-only on first use. */
  fd(segmentId: number): number {
    let fd = this.fds.get(segmentId);
    if (fd === undefined) {
      if (!(this.sizesBytes.has(segmentId))) invariant(false, `read from missing segment ${segmentId}`);
      fd = fs.openSync(this.path(segmentId), 'r');
      this.fds.set(segmentId, fd);
    }
    return fd;
  }

  /** Brackets every pread so deletion can defer closing descriptors. */
  readStarted(): void {
    this.readsInFlight++;
  }

  readFinished(): void {
    this.readsInFlight--;
    invariant(this.readsInFlight >= 0, 'read accounting went negative');
    if (this.readsInFlight === 0) {
      if (this.closeWhenIdle.length > 0) this.closePending();
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const wake of waiters) wake();
    }
  }

  whenReadsIdle(): Promise<void> {
    if (this.readsInFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  truncate(segmentId: number, sizeBytes: number): void {
    const fd = fs.openSync(this.path(segmentId), 'r+');
    try {
      fs.ftruncateSync(fd, sizeBytes);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    this.sizesBytes.set(segmentId, sizeBytes);
  }

  /** Unlinks a segment; its fd closes once no read is in flight. Callers batch fsyncDir. */
  delete(segmentId: number): void {
    invariant(this.sizesBytes.has(segmentId), `delete of missing segment ${segmentId}`);
    fs.unlinkSync(this.path(segmentId));
    this.sizesBytes.delete(segmentId);
    const fd = this.fds.get(segmentId);
    this.fds.delete(segmentId);
    if (fd !== undefined) this.closeWhenIdle.push(fd);
    if (this.readsInFlight === 0) this.closePending();
  }

  fsyncDir(): void {
    const dirFd = fs.openSync(this.dir, 'r');
    try {
      fs.fsyncSync(dirFd);
    } finally {
      fs.closeSync(dirFd);
    }
  }

  closeAll(): void {
    invariant(this.readsInFlight === 0, `closing with ${this.readsInFlight} reads in flight`);
    for (const fd of this.fds.values()) fs.closeSync(fd);
    this.fds.clear();
    this.closePending();
  }

  private closePending(): void {
    const fds = this.closeWhenIdle;
    this.closeWhenIdle = [];
    for (const fd of fds) fs.closeSync(fd);
  }
}
