// Whether a small pread (or the write pipeline's small pwritev) runs on the event loop
// (readSync, writevSync) or on the thread pool. Handing a 4 KiB pread to the pool costs the event
// loop ~24 µs on these VMs (waking a pool thread is a cross-vCPU futex wake, paid synchronously by
// the submitter: 37% of the loop's time under fio
// randread QD32), while a pread that hits the page cache takes a few µs. Inline, randread QD32
// went from ~30k to 84k-88k IOPS (0.8x to 2x qemu-nbd, 2026-11-22). A read that has to wait for
// the device would stall every connection, so frequent slow inline reads send reads back to the
// pool for a while. Not every slow one: on a shared VM a page-cache read is sometimes descheduled
// for longer. The score rises by 1 per slow read and falls by 1/16 per fast one, so a sustained
// slow rate above 1 in 16 trips it within a few reads, and rare outliers never do. The write
// pipeline uses the same policy for its inline writes, which a kernel throttling dirty pages
// could otherwise stall.

/** Reads up to this size may run inline. */
export const INLINE_READ_BYTES_MAX = 64 * 1024;
/** An inline read slower than this went to the device, not the page cache. */
export const INLINE_READ_SLOW_US = 200;
/** Slow-read score at which reads go back to the thread pool. */
export const INLINE_READ_SLOW_SCORE_MAX = 4;
/** How long they stay there before inline reads are tried again. */
export const INLINE_READ_BACKOFF_MS = 1000;

export class InlineIoPolicy {
  private inlineFromMs = 0;
  private slowScore = 0;

  /** `bytesMax`: the largest operation that may run inline (reads use INLINE_READ_BYTES_MAX). */
  constructor(private readonly bytesMax: number = INLINE_READ_BYTES_MAX) {}

  /** True when an operation of `lengthBytes` should run inline now. */
  inline(lengthBytes: number, nowMs: number): boolean {
    return lengthBytes <= this.bytesMax && nowMs >= this.inlineFromMs;
  }

  /** Records how long an inline operation took. */
  record(durationUs: number, nowMs: number): void {
    if (durationUs <= INLINE_READ_SLOW_US) {
      this.slowScore = Math.max(0, this.slowScore - 1 / 16);
      return;
    }
    this.slowScore += 1;
    if (this.slowScore >= INLINE_READ_SLOW_SCORE_MAX) {
      this.slowScore = 0;
      this.inlineFromMs = nowMs + INLINE_READ_BACKOFF_MS;
    }
  }
}
