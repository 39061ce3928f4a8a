// Reusable buffers for large bodies that arrive in pieces and must be joined: NBD WRITE payloads
// that straddle socket chunks (nbd/transmission.ts) and large peer call bodies (peer/server.ts).
// A fresh buffer per body is external memory, and V8 answers a GiB of it with full collections:
// 11% of a server's CPU while it took in a 1 GiB Stack run, ~28% of the receiver's (profiles,
// 2026-11-22). Sizes in [pooledFromBytes, pooledToBytes] come from size classes (powers of two
// from pooledFromBytes, the last class capped at pooledToBytes); smaller and larger ones are
// allocated as before. The owner gives a buffer back once nothing reads or writes it any more.

export interface BufferPoolOptions {
  /** Smaller bodies are cheap to allocate and too many to track. */
  pooledFromBytes: number;
  /** Larger ones are allocated as before; also the largest size class. */
  pooledToBytes: number;
  /** Memory the pool may keep idle across all classes. */
  keptBytesMax: number;
}

export class BufferPool {
  private readonly free = new Map<number, Buffer[]>();
  private readonly ours = new WeakSet<ArrayBufferLike>();
  private keptBytes = 0;

  constructor(private readonly options: BufferPoolOptions) {}

  /** A buffer of exactly `bytes`: a view of a pooled one when its size is pooled. */
  readonly take = (bytes: number): Buffer => {
    const { pooledFromBytes, pooledToBytes } = this.options;
    if (bytes < pooledFromBytes || bytes > pooledToBytes) return Buffer.allocUnsafe(bytes);
    const classBytes = this.sizeClass(bytes);
    const whole = this.free.get(classBytes)?.pop();
    if (whole) {
      this.keptBytes -= classBytes;
      return whole.subarray(0, bytes);
    }
    const fresh = Buffer.allocUnsafeSlow(classBytes);
    this.ours.add(fresh.buffer);
    return fresh.subarray(0, bytes);
  };

  /** Gives back a buffer from take(); nothing may use it afterwards. Foreign buffers are ignored. */
  give(view: Buffer): void {
    if (!this.ours.has(view.buffer)) return;
    const classBytes = view.buffer.byteLength;
    if (this.keptBytes + classBytes > this.options.keptBytesMax) return;
    let list = this.free.get(classBytes);
    if (!list) this.free.set(classBytes, (list = []));
    list.push(Buffer.from(view.buffer, 0, classBytes));
    this.keptBytes += classBytes;
  }

  get keptBytesNow(): number {
    return this.keptBytes;
  }

  private sizeClass(bytes: number): number {
    let size = this.options.pooledFromBytes;
    while (size < bytes) size *= 2;
    return Math.min(size, this.options.pooledToBytes);
  }
}
