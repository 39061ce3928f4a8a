// A queue of received socket chunks. Parsers look at fixed-size headers in place and take payloads
// by slicing the chunk they arrived in; bytes are copied only when a header or payload straddles
// two chunks (research/dataplane.md §1.8: no Buffer.concat per packet).

/** Compact the chunk array once this many consumed entries sit at its front. */
const CONSUMED_CHUNKS_COMPACT_MIN = 64;

export class ReceiveQueue {
  private chunks: Buffer[] = [];
  private head = 0; // index of the first chunk with unread bytes
  private headOffset = 0; // bytes already consumed from chunks[head]
  private lengthBytes = 0;
  private readonly scratch: Buffer;

  /** `headerBytesMax` is the largest span peek() will be asked for. */
  constructor(headerBytesMax: number) {
    this.scratch = Buffer.allocUnsafe(headerBytesMax);
  }

  get length(): number {
    return this.lengthBytes;
  }

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.lengthBytes += chunk.length;
  }

  /**
   * Returns a buffer and position where the next `n` bytes lie contiguously, without consuming
   * them. The result is valid until the next call on the queue (it may be the shared scratch).
   */
  peek(n: number): { buf: Buffer; at: number } {
    if (n > this.lengthBytes || n > this.scratch.length) {
      throw new Error(`receive queue: peek of ${n} bytes with ${this.lengthBytes} queued`);
    }
    const first = this.chunks[this.head]!;
    if (first.length - this.headOffset >= n) return { buf: first, at: this.headOffset };
    this.copyOut(this.scratch, n);
    return { buf: this.scratch, at: 0 };
  }

  /**
   * Consumes `n` bytes and returns them, as a slice of the received chunk when it holds them all,
   * else copied into a buffer from `allocate`.
   */
  take(n: number, allocate: (bytes: number) => Buffer = Buffer.allocUnsafe): Buffer {
    if (n > this.lengthBytes) throw new Error(`receive queue: take of ${n} bytes with ${this.lengthBytes} queued`);
    if (n === 0) return EMPTY;
    const first = this.chunks[this.head]!;
    if (first.length - this.headOffset >= n) {
      const out = first.subarray(this.headOffset, this.headOffset + n);
      this.skip(n);
      return out;
    }
    const out = allocate(n);
    this.copyOut(out, n);
    this.skip(n);
    return out;
  }

  /** Drops `n` bytes. */
  skip(n: number): void {
    if (n > this.lengthBytes) throw new Error(`receive queue: skip of ${n} bytes with ${this.lengthBytes} queued`);
    this.lengthBytes -= n;
    let left = n;
    while (left > 0) {
      const first = this.chunks[this.head]!;
      const available = first.length - this.headOffset;
      if (available > left) {
        this.headOffset += left;
        return;
      }
      left -= available;
      this.chunks[this.head] = EMPTY; // release the chunk for the collector
      this.head += 1;
      this.headOffset = 0;
    }
    this.compact();
  }

  clear(): void {
    this.chunks = [];
    this.head = 0;
    this.headOffset = 0;
    this.lengthBytes = 0;
  }

  private copyOut(target: Buffer, n: number): void {
    let copied = 0;
    let index = this.head;
    let offset = this.headOffset;
    while (copied < n) {
      const chunk = this.chunks[index]!;
      const count = Math.min(chunk.length - offset, n - copied);
      chunk.copy(target, copied, offset, offset + count);
      copied += count;
      index += 1;
      offset = 0;
    }
  }

  private compact(): void {
    if (this.head === this.chunks.length) {
      this.chunks.length = 0;
      this.head = 0;
    } else if (this.head >= CONSUMED_CHUNKS_COMPACT_MIN) {
      this.chunks = this.chunks.slice(this.head);
      this.head = 0;
    }
  }
}

const EMPTY = Buffer.alloc(0);
