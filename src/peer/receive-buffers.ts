// Reusable receive buffers for large call bodies. Replication ships 4 MiB batches, 16 in flight;
// a fresh 4 MiB buffer per call is external memory that V8 answers with full collections, which
// took ~28% of a receiving system's CPU while it took in a Stack drain (perf, 2026-11-22). A body
// that fits a pooled buffer is read into one; the server gives it back once the handler has
// finished with it (a handler's writes are awaited before it returns, and the engine drops its
// reference to a payload once written). Small bodies and bodies over the buffer size are
// allocated as before.
const MIB = 1024 * 1024;

export class ReceiveBufferPool {
  private readonly free: Buffer[] = [];
  private readonly ours = new WeakSet<ArrayBufferLike>();

  constructor(
    /** Bodies from this size up are pooled; below it allocation is cheap and not worth tracking. */
    private readonly pooledFromBytes = 1 * MIB,
    /** Every pooled buffer has this size: a 4 MiB batch plus its JSON. */
    private readonly bufferBytes = 5 * MIB,
    /** Buffers kept for reuse at most; memory held after a burst is keptMax × bufferBytes. */
    private readonly keptMax = 16,
  ) {}

  /** A buffer of exactly `bytes` (a view of a pooled one when it fits). */
  readonly take = (bytes: number): Buffer => {
    if (bytes < this.pooledFromBytes || bytes > this.bufferBytes) return Buffer.allocUnsafe(bytes);
    let whole = this.free.pop();
    if (!whole) {
      whole = Buffer.allocUnsafeSlow(this.bufferBytes);
      this.ours.add(whole.buffer);
    }
    return whole.subarray(0, bytes);
  };

  /** Returns a buffer from take() for reuse; nothing may read or write it afterwards. */
  give(view: Buffer): void {
    if (!this.ours.has(view.buffer) || this.free.length >= this.keptMax) return;
    this.free.push(Buffer.from(view.buffer, 0, this.bufferBytes));
  }

  get keptCount(): number {
    return this.free.length;
  }
}
