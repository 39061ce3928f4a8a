// Transmission phase (proto.md "Transmission"): parses requests from the receive queue, validates
// each at the edge, runs it against the volume port, and replies as each completes (out of order).
// At most NBD_INFLIGHT_MAX requests (and INFLIGHT_BYTES_MAX of payload) are in flight per
// connection; past that the connection stops reading the socket, which pushes back on the client.

import { BufferPool } from '../buffer-pool.ts';
import { BLOCK_BYTES, NBD_INFLIGHT_MAX, NBD_REQUEST_BYTES_MAX } from '../limits.ts';
import type { Extent, VolumeIo } from '../core/ports.ts';
import { nbdErrnoFor } from './errors.ts';
import type { NbdIoStats, VolumeIoCounters } from './io-stats.ts';
import type { NegotiatedSession } from './handshake.ts';
import {
  BLOCK_STATUS_DESCRIPTORS_MAX,
  CHUNK_HEADER_BYTES,
  CMD,
  CMD_FLAG,
  META_CONTEXT_BASE_ALLOCATION_ID,
  NBD_ERR,
  REPLY_FLAG_DONE,
  REPLY_TYPE,
  REQUEST_HEADER_BYTES,
  REQUEST_MAGIC,
  SIMPLE_REPLY_BYTES,
  SIMPLE_REPLY_MAGIC,
  STATE_HOLE,
  STATE_ZERO,
  STRUCTURED_REPLY_MAGIC,
  readU64,
  writeU64,
} from './protocol.ts';
import type { ReceiveQueue } from './receive-queue.ts';
import type { ReplyWriter } from './reply-writer.ts';

/**
 * Payload bytes in flight per connection before reading stops: two maximum-size requests. Typical
 * clients stay far below (nbdcopy 64 × 256 KiB = 16 MiB, qemu-img 16 × 2 MiB = 32 MiB).
 */
export const INFLIGHT_BYTES_MAX = 2 * NBD_REQUEST_BYTES_MAX;
/** WRITE_ZEROES with NO_HOLE writes zeros in pieces of this size from one shared zero buffer. */
const ZERO_WRITE_BYTES = 1024 * 1024;
const ZEROES = Buffer.alloc(ZERO_WRITE_BYTES);

/** Flags each command accepts; FUA is accepted everywhere (ignored where nothing is written). */
const FLAGS_ALLOWED: Record<number, number> = {
  [CMD.READ]: CMD_FLAG.FUA | CMD_FLAG.DF,
  [CMD.WRITE]: CMD_FLAG.FUA,
  [CMD.DISC]: CMD_FLAG.FUA,
  [CMD.FLUSH]: CMD_FLAG.FUA,
  [CMD.TRIM]: CMD_FLAG.FUA,
  [CMD.CACHE]: CMD_FLAG.FUA,
  [CMD.WRITE_ZEROES]: CMD_FLAG.FUA | CMD_FLAG.NO_HOLE,
  [CMD.BLOCK_STATUS]: CMD_FLAG.FUA | CMD_FLAG.REQ_ONE,
};

/** One parsed request header. The handle is opaque; it is echoed as two 32-bit halves. */
class Request {
  constructor(
    readonly handleHi: number,
    readonly handleLo: number,
    readonly type: number,
    readonly flags: number,
    readonly offsetBytes: number, // Infinity when the wire value is not a safe integer
    readonly lengthBytes: number,
  ) {}
}

export interface TransmissionHooks {
  pauseReading(): void;
  resumeReading(): void;
  /** Hard disconnect: a protocol violation we cannot answer. */
  abort(reason: string): void;
  /** Soft disconnect after DISC: every reply has been queued. */
  finish(): void;
}

export class Transmission {
  private inflightCount = 0;
  private inflightBytes = 0;
  private pendingWrite: Request | null = null; // header parsed, payload not yet complete
  private stopped = false; // DISC received, shutting down, or aborted: parse nothing more
  private paused = false;
  private idleWaiters: Array<() => void> = [];
  private readonly volumeId: string;
  private readonly sizeBytes: number;
  private readonly readOnly: boolean;
  private readonly structured: boolean;
  /** This volume's counters, looked up once; null when metrics are off. */
  private readonly counters: VolumeIoCounters | null;

  constructor(
    private readonly session: NegotiatedSession,
    private readonly io: VolumeIo,
    private readonly queue: ReceiveQueue,
    private readonly writer: ReplyWriter,
    private readonly hooks: TransmissionHooks,
    private readonly stats: NbdIoStats | null = null,
  ) {
    this.volumeId = session.export.volumeId;
    this.counters = stats === null ? null : stats.forVolume(this.volumeId);
    this.sizeBytes = session.sizeBytes;
    this.readOnly = session.export.readOnly;
    this.structured = session.structuredReplies;
  }

  get inflight(): number {
    return this.inflightCount;
  }

  /** Parses and starts every complete request queued, until a limit stops it. */
  pump(): void {
    const queue = this.queue;
    while (!this.stopped) {
      const write = this.pendingWrite;
      if (write !== null) {
        if (queue.length < write.lengthBytes) return;
        this.pendingWrite = null;
        this.start(write, queue.take(write.lengthBytes, payloadPool.take));
        continue;
      }
      if (this.full()) {
        this.pause();
        return;
      }
      if (queue.length < REQUEST_HEADER_BYTES) return;
      const { buf, at } = queue.peek(REQUEST_HEADER_BYTES);
      if (buf.readUInt32BE(at) !== REQUEST_MAGIC) return this.abort('bad request magic');
      const request = new Request(
        buf.readUInt32BE(at + 8),
        buf.readUInt32BE(at + 12),
        buf.readUInt16BE(at + 6),
        buf.readUInt16BE(at + 4),
        readU64(buf, at + 16),
        buf.readUInt32BE(at + 24),
      );
      queue.skip(REQUEST_HEADER_BYTES);
      if (request.type === CMD.WRITE) {
        // The payload follows the header; past the maximum we cannot afford to read and discard it.
        if (request.lengthBytes > NBD_REQUEST_BYTES_MAX) {
          return this.abort(`WRITE of ${request.lengthBytes} bytes exceeds ${NBD_REQUEST_BYTES_MAX}`);
        }
        this.pendingWrite = request;
        continue;
      }
      if (request.type === CMD.DISC) {
        this.stopped = true;
        this.finishWhenIdle();
        return;
      }
      this.start(request, null);
    }
  }

  /** Stops parsing; resolves once every request in flight has replied (or failed). */
  stop(): Promise<void> {
    this.stopped = true;
    if (this.inflightCount === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Called when the socket can take more replies. */
  unblocked(): void {
    this.maybeResume();
  }

  private abort(reason: string): void {
    this.stopped = true;
    this.hooks.abort(reason);
  }

  private full(): boolean {
    return this.inflightCount >= NBD_INFLIGHT_MAX || this.inflightBytes >= INFLIGHT_BYTES_MAX || this.writer.blocked;
  }

  private pause(): void {
    if (this.paused) return;
    this.paused = true;
    this.hooks.pauseReading();
  }

  private maybeResume(): void {
    if (!this.paused || this.stopped || this.full()) return;
    this.paused = false;
    this.hooks.resumeReading();
    this.pump();
  }

  private finishWhenIdle(): void {
    void this.stop().then(() => this.hooks.finish());
  }

  private start(request: Request, payload: Buffer | null): void {
    const errno = this.validate(request);
    if (errno !== 0) return this.replyError(request, errno);
    const bytes = request.type === CMD.READ || request.type === CMD.WRITE ? request.lengthBytes : 0;
    this.inflightCount += 1;
    this.inflightBytes += bytes;
    const startedMs = this.counters === null ? 0 : performance.now();
    this.execute(request, payload).then(
      () => {
        // The write is done everywhere it goes (engine, synchronous peer): its buffer is free.
        if (payload !== null) payloadPool.give(payload);
        if (this.counters !== null) this.count(request, startedMs, true);
        this.settle(bytes);
      },
      (error: unknown) => {
        this.replyError(request, nbdErrnoFor(error));
        if (this.counters !== null) this.count(request, startedMs, false);
        this.settle(bytes);
      },
    );
  }

  /** Metrics of one finished request: plain increments and one histogram bucket (io-stats.ts). */
  private count(request: Request, startedMs: number, ok: boolean): void {
    const counters = this.counters!;
    const latency = this.stats!.latency;
    const seconds = (performance.now() - startedMs) / 1000;
    if (!ok) counters.errors += 1;
    switch (request.type) {
      case CMD.READ:
        if (ok) {
          counters.readOps += 1;
          counters.readBytes += request.lengthBytes;
        }
        return latency.read.observe(seconds);
      case CMD.WRITE:
        if (ok) {
          counters.writeOps += 1;
          counters.writeBytes += request.lengthBytes;
        }
        return latency.write.observe(seconds);
      case CMD.FLUSH:
        return latency.flush.observe(seconds);
      case CMD.TRIM:
      case CMD.WRITE_ZEROES:
        return latency.trim.observe(seconds);
      default:
        return latency.other.observe(seconds);
    }
  }

  private settle(bytes: number): void {
    this.inflightCount -= 1;
    this.inflightBytes -= bytes;
    if (this.inflightCount === 0 && this.idleWaiters.length > 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
    this.maybeResume();
  }

  /** Edge validation (nbdkit's validate_request): returns 0 or the NBD error to reply with. */
  private validate(request: Request): number {
    const type = request.type;
    const allowed = FLAGS_ALLOWED[type];
    if (allowed === undefined) return NBD_ERR.EINVAL; // unknown command
    if ((request.flags & ~allowed) !== 0) return NBD_ERR.EINVAL;
    if (type === CMD.FLUSH) return request.offsetBytes === 0 && request.lengthBytes === 0 ? 0 : NBD_ERR.EINVAL;
    const writes = type === CMD.WRITE || type === CMD.TRIM || type === CMD.WRITE_ZEROES;
    if (writes && this.readOnly) return NBD_ERR.EPERM;
    if (request.lengthBytes === 0) return NBD_ERR.EINVAL;
    if (request.offsetBytes + request.lengthBytes > this.sizeBytes) {
      return type === CMD.WRITE || type === CMD.WRITE_ZEROES ? NBD_ERR.ENOSPC : NBD_ERR.EINVAL;
    }
    if (type === CMD.READ) {
      if (request.lengthBytes > NBD_REQUEST_BYTES_MAX) return NBD_ERR.EINVAL;
      if ((request.flags & CMD_FLAG.DF) !== 0 && !this.structured) return NBD_ERR.EINVAL;
    }
    if (type === CMD.BLOCK_STATUS && !this.session.baseAllocation) return NBD_ERR.EINVAL;
    return 0;
  }

  private async execute(request: Request, payload: Buffer | null): Promise<void> {
    const fua = (request.flags & CMD_FLAG.FUA) !== 0 ? FUA : undefined;
    switch (request.type) {
      case CMD.READ:
        return this.structured ? this.readStructured(request) : this.readSimple(request);
      case CMD.WRITE:
        await this.io.write(this.volumeId, request.offsetBytes, payload!, fua);
        return this.replyOk(request);
      case CMD.FLUSH:
        await this.io.flush();
        return this.replyOk(request);
      case CMD.TRIM:
        await this.io.trim(this.volumeId, request.offsetBytes, request.lengthBytes, fua);
        return this.replyOk(request);
      case CMD.WRITE_ZEROES:
        await this.writeZeroes(request, fua);
        return this.replyOk(request);
      case CMD.CACHE:
        return this.replyOk(request); // a prefetch hint: the engine has no cache to warm
      case CMD.BLOCK_STATUS:
        return this.blockStatus(request);
      default:
        throw new Error(`transmission: command ${request.type} passed validation`);
    }
  }

  private async readSimple(request: Request): Promise<void> {
    const data = await this.io.read(this.volumeId, request.offsetBytes, request.lengthBytes);
    checkReadLength(data, request);
    const writer = this.writer;
    const at = writer.reserve(SIMPLE_REPLY_BYTES);
    writeSimpleHeader(writer.slab, at, request, 0);
    writer.payload(data);
  }

  /** Structured READ: holes go out as OFFSET_HOLE chunks, not zeros, unless DF asks for one chunk. */
  private async readStructured(request: Request): Promise<void> {
    const extents = normalizeExtents(this.io.blockStatus(this.volumeId, request.offsetBytes, request.lengthBytes), request);
    const allHole = extents !== null && extents.length === 1 && extents[0]!.kind === 'zero';
    if (allHole) return this.holeChunk(request, request.offsetBytes, request.lengthBytes, REPLY_FLAG_DONE);
    const data = await this.io.read(this.volumeId, request.offsetBytes, request.lengthBytes);
    checkReadLength(data, request);
    if (extents === null || extents.length === 1 || (request.flags & CMD_FLAG.DF) !== 0) {
      return this.dataChunk(request, request.offsetBytes, data, REPLY_FLAG_DONE);
    }
    const last = extents.length - 1;
    for (let i = 0; i <= last; i++) {
      const extent = extents[i]!;
      const done = i === last ? REPLY_FLAG_DONE : 0;
      if (extent.kind === 'zero') {
        this.holeChunk(request, extent.offsetBytes, extent.lengthBytes, done);
      } else {
        const from = extent.offsetBytes - request.offsetBytes;
        this.dataChunk(request, extent.offsetBytes, data.subarray(from, from + extent.lengthBytes), done);
      }
    }
  }

  private dataChunk(request: Request, offsetBytes: number, data: Buffer, flags: number): void {
    const writer = this.writer;
    const at = writer.reserve(CHUNK_HEADER_BYTES + 8);
    writeChunkHeader(writer.slab, at, request, flags, REPLY_TYPE.OFFSET_DATA, 8 + data.length);
    writeU64(writer.slab, offsetBytes, at + CHUNK_HEADER_BYTES);
    writer.payload(data);
  }

  private holeChunk(request: Request, offsetBytes: number, lengthBytes: number, flags: number): void {
    const writer = this.writer;
    const at = writer.reserve(CHUNK_HEADER_BYTES + 12);
    writeChunkHeader(writer.slab, at, request, flags, REPLY_TYPE.OFFSET_HOLE, 12);
    writeU64(writer.slab, offsetBytes, at + CHUNK_HEADER_BYTES);
    writer.slab.writeUInt32BE(lengthBytes, at + CHUNK_HEADER_BYTES + 8);
  }

  /**
   * Whole blocks inside the range are trimmed (they read as zeros and free space); partial blocks
   * at the edges get zeros written. NO_HOLE asks that the range stay allocated: write zeros.
   */
  private async writeZeroes(request: Request, fua: { fua: boolean } | undefined): Promise<void> {
    const start = request.offsetBytes;
    const end = start + request.lengthBytes;
    if ((request.flags & CMD_FLAG.NO_HOLE) !== 0) return this.writeZeroBytes(start, end, fua);
    const wholeStart = Math.ceil(start / BLOCK_BYTES) * BLOCK_BYTES;
    const wholeEnd = Math.floor(end / BLOCK_BYTES) * BLOCK_BYTES;
    if (wholeEnd <= wholeStart) return this.writeZeroBytes(start, end, fua);
    await this.writeZeroBytes(start, wholeStart, fua);
    await this.io.trim(this.volumeId, wholeStart, wholeEnd - wholeStart, fua);
    await this.writeZeroBytes(wholeEnd, end, fua);
  }

  private async writeZeroBytes(start: number, end: number, fua: { fua: boolean } | undefined): Promise<void> {
    for (let at = start; at < end; at += ZERO_WRITE_BYTES) {
      const count = Math.min(ZERO_WRITE_BYTES, end - at);
      await this.io.write(this.volumeId, at, ZEROES.subarray(0, count), fua);
    }
  }

  private blockStatus(request: Request): void {
    const extents = normalizeExtents(this.io.blockStatus(this.volumeId, request.offsetBytes, request.lengthBytes), request);
    if (extents === null) throw new Error(`blockStatus did not cover ${request.offsetBytes}+${request.lengthBytes}`);
    const reqOne = (request.flags & CMD_FLAG.REQ_ONE) !== 0;
    const count = Math.min(extents.length, reqOne ? 1 : BLOCK_STATUS_DESCRIPTORS_MAX);
    const payloadBytes = 4 + 8 * count;
    const writer = this.writer;
    const at = writer.reserve(CHUNK_HEADER_BYTES + payloadBytes);
    const slab = writer.slab;
    writeChunkHeader(slab, at, request, REPLY_FLAG_DONE, REPLY_TYPE.BLOCK_STATUS, payloadBytes);
    slab.writeUInt32BE(META_CONTEXT_BASE_ALLOCATION_ID, at + CHUNK_HEADER_BYTES);
    let cursor = at + CHUNK_HEADER_BYTES + 4;
    for (let i = 0; i < count; i++) {
      const extent = extents[i]!;
      slab.writeUInt32BE(extent.lengthBytes, cursor);
      slab.writeUInt32BE(extent.kind === 'zero' ? STATE_HOLE | STATE_ZERO : 0, cursor + 4);
      cursor += 8;
    }
  }

  private replyOk(request: Request): void {
    const writer = this.writer;
    const at = writer.reserve(SIMPLE_REPLY_BYTES);
    writeSimpleHeader(writer.slab, at, request, 0);
  }

  /** Errors for READ and BLOCK_STATUS use an ERROR chunk once structured replies are on. */
  private replyError(request: Request, errno: number): void {
    const writer = this.writer;
    const structuredOnly = request.type === CMD.READ || request.type === CMD.BLOCK_STATUS;
    if (this.structured && structuredOnly) {
      const at = writer.reserve(CHUNK_HEADER_BYTES + 6);
      writeChunkHeader(writer.slab, at, request, REPLY_FLAG_DONE, REPLY_TYPE.ERROR, 6);
      writer.slab.writeUInt32BE(errno, at + CHUNK_HEADER_BYTES);
      writer.slab.writeUInt16BE(0, at + CHUNK_HEADER_BYTES + 4); // no message
      return;
    }
    const at = writer.reserve(SIMPLE_REPLY_BYTES);
    writeSimpleHeader(writer.slab, at, request, errno);
  }
}

const FUA = { fua: true };

function writeSimpleHeader(buf: Buffer, at: number, request: Request, errno: number): void {
  buf.writeUInt32BE(SIMPLE_REPLY_MAGIC, at);
  buf.writeUInt32BE(errno, at + 4);
  buf.writeUInt32BE(request.handleHi, at + 8);
  buf.writeUInt32BE(request.handleLo, at + 12);
}

function writeChunkHeader(buf: Buffer, at: number, request: Request, flags: number, type: number, lengthBytes: number): void {
  buf.writeUInt32BE(STRUCTURED_REPLY_MAGIC, at);
  buf.writeUInt16BE(flags, at + 4);
  buf.writeUInt16BE(type, at + 6);
  buf.writeUInt32BE(request.handleHi, at + 8);
  buf.writeUInt32BE(request.handleLo, at + 12);
  buf.writeUInt32BE(lengthBytes, at + 16);
}

/** The port must return exactly the bytes asked for; anything else is a bug behind the port. */
function checkReadLength(data: Buffer, request: Request): void {
  if (data.length !== request.lengthBytes) {
    throw new Error(`read returned ${data.length} bytes for a request of ${request.lengthBytes}`);
  }
}

/**
 * Clips the port's extents to the request, drops empty ones and merges neighbours of one kind.
 * Returns null unless they cover the request exactly, in order: the wire must never overrun or
 * leave gaps, whatever the port returned.
 */
export function normalizeExtents(extents: Extent[], request: { offsetBytes: number; lengthBytes: number }): Extent[] | null {
  const end = request.offsetBytes + request.lengthBytes;
  if (extents.length === 1) {
    const only = extents[0]!;
    if (only.offsetBytes <= request.offsetBytes && only.offsetBytes + only.lengthBytes >= end) {
      return only.offsetBytes === request.offsetBytes && only.lengthBytes === request.lengthBytes
        ? extents
        : [{ offsetBytes: request.offsetBytes, lengthBytes: request.lengthBytes, kind: only.kind }];
    }
  }
  const out: Extent[] = [];
  let cursor = request.offsetBytes;
  for (const extent of extents) {
    const start = Math.max(extent.offsetBytes, cursor);
    const stop = Math.min(extent.offsetBytes + extent.lengthBytes, end);
    if (stop <= start) continue;
    if (start !== cursor) return null; // a gap
    const previous = out[out.length - 1];
    if (previous !== undefined && previous.kind === extent.kind) {
      out[out.length - 1] = { offsetBytes: previous.offsetBytes, lengthBytes: stop - previous.offsetBytes, kind: extent.kind };
    } else {
      out.push({ offsetBytes: start, lengthBytes: stop - start, kind: extent.kind });
    }
    cursor = stop;
  }
  return cursor === end ? out : null;
}

/**
 * WRITE payloads that straddle socket chunks (most: nbdcopy and qemu write 256 KiB–2 MiB, Node
 * reads the socket 64 KiB at a time). One pool per process: every connection draws on it.
 */
const payloadPool = new BufferPool({ pooledFromBytes: 64 * 1024, pooledToBytes: 4 * 1024 * 1024, keptBytesMax: 64 * 1024 * 1024 });
