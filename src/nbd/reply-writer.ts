// Batches replies for one connection into as few socket writes as possible. Headers (and small
// payloads) are written into a preallocated slab; consecutive slab bytes go out as one Buffer, large
// payloads by reference. Everything queued during one turn of the event loop leaves in a single
// cork()/uncork() (one writev) from a setImmediate callback, which runs right after the poll phase
// in which the I/O completed, so batching adds no timer latency (research/dataplane.md §1.8).

import type { Socket } from 'node:net';

/** Slab size: holds the headers of hundreds of replies, or ~60 copied 4 KiB read payloads. */
const SLAB_BYTES = 256 * 1024;
/** Payloads up to this size are copied into the slab: a 16 KiB memcpy is cheaper than a writev entry. */
const PAYLOAD_COPY_BYTES_MAX = 16 * 1024;
/**
 * Replies buffered in the socket before the connection stops reading requests. 'drain' only fires
 * once the buffer is empty, so pausing costs a pipeline bubble: the bound sits above what real
 * clients keep in flight (nbdcopy 64 × 256 KiB = 16 MiB per connection, qemu 16 × 2 MiB) and only
 * stops a client that sends requests without reading replies.
 */
export const SOCKET_BUFFERED_BYTES_MAX = 32 * 1024 * 1024;

export class ReplyWriter {
  /** The buffer reserve() returned an offset into; read it after each reserve(). */
  slab: Buffer = Buffer.allocUnsafeSlow(SLAB_BYTES);
  private slabUsedBytes = 0;
  private regionStart = 0; // start of the slab bytes not yet handed to `pending`
  private pending: Buffer[] = [];
  /** Called once the socket is done with a pending payload (by index into `pending`). */
  private releases: (((error?: Error | null) => void) | undefined)[] = [];
  private scheduled = false;
  private discarded = false;
  /** True while the socket holds more than SOCKET_BUFFERED_BYTES_MAX; cleared on 'drain'. */
  blocked = false;

  constructor(
    private readonly socket: Socket,
    private readonly onUnblocked: () => void,
  ) {
    socket.on('drain', () => {
      this.blocked = false;
      this.onUnblocked();
    });
  }

  /** Reserves `n` bytes in `this.slab` for the caller to fill; returns their offset. */
  reserve(n: number): number {
    if (this.slab.length - this.slabUsedBytes < n) {
      this.closeRegion();
      this.slab = Buffer.allocUnsafeSlow(Math.max(SLAB_BYTES, n));
      this.slabUsedBytes = 0;
      this.regionStart = 0;
    }
    const at = this.slabUsedBytes;
    this.slabUsedBytes += n;
    this.schedule();
    return at;
  }

  /**
   * Queues a payload after the bytes reserved so far. The buffer must not change afterwards;
   * `release`, when given, is called once nothing refers to it any more (copied into the slab, taken
   * by the kernel, or dropped with the connection), so that it can be reused.
   */
  payload(data: Buffer, release?: () => void): void {
    if (data.length <= PAYLOAD_COPY_BYTES_MAX) {
      const at = this.reserve(data.length);
      data.copy(this.slab, at);
      release?.();
      return;
    }
    this.closeRegion();
    if (this.discarded) {
      release?.();
      return;
    }
    this.pending.push(data);
    this.releases[this.pending.length - 1] = release;
    this.schedule();
  }

  /** Writes everything queued now (used before ending the socket). */
  flush(): void {
    this.scheduled = false;
    this.closeRegion();
    const pending = this.pending;
    const releases = this.releases;
    this.pending = [];
    this.releases = [];
    if (pending.length === 0 || this.discarded || this.socket.destroyed) {
      for (const release of releases) release?.();
      return;
    }
    // A write callback runs once the socket is done with the chunk (written, or failed).
    if (pending.length === 1) {
      this.socket.write(pending[0]!, releases[0]);
    } else {
      this.socket.cork();
      for (let i = 0; i < pending.length; i++) this.socket.write(pending[i]!, releases[i]);
      this.socket.uncork();
    }
    // 'drain' follows whenever the buffer passed Node's high-water mark, so blocked is cleared.
    if (this.socket.writableLength > SOCKET_BUFFERED_BYTES_MAX) this.blocked = true;
  }

  /** Drops queued replies and ignores later ones: the connection is being torn down. */
  discard(): void {
    this.discarded = true;
    const releases = this.releases;
    this.pending = [];
    this.releases = [];
    for (const release of releases) release?.();
    this.regionStart = this.slabUsedBytes;
  }

  private closeRegion(): void {
    if (this.slabUsedBytes > this.regionStart) {
      this.releases[this.pending.length] = undefined;
      this.pending.push(this.slab.subarray(this.regionStart, this.slabUsedBytes));
      this.regionStart = this.slabUsedBytes;
    }
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(flushWriter, this);
  }
}

function flushWriter(writer: ReplyWriter): void {
  writer.flush();
}
