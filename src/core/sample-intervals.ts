// The interval bookkeeping of a sampled history on the injected clock: every IO_SAMPLE_INTERVAL_MS
// (or when asked), the interval since the last close ends and `onClose` turns it into samples.
// IoStats (host I/O) and CopyStats (replication copies) keep their histories this way.
import { repeatEvery, type Clock, type TimerHandle } from './clock.ts';

export class SampleIntervals {
  private lastCloseMs: number;
  private timer: TimerHandle | null = null;

  constructor(
    private readonly clock: Clock,
    private readonly intervalMs: number,
    private readonly onClose: (endMs: number, durationMs: number) => void,
  ) {
    this.lastCloseMs = clock.nowMs();
  }

  start(): void {
    this.timer ??= repeatEvery(this.clock, this.intervalMs, () => this.close());
  }

  stop(): void {
    this.timer?.cancel();
    this.timer = null;
  }

  /** Ends the open interval now; an empty one (no time passed) makes no samples. */
  close(): void {
    const endMs = this.clock.nowMs();
    const durationMs = endMs - this.lastCloseMs;
    this.lastCloseMs = endMs;
    if (durationMs > 0) this.onClose(endMs, durationMs);
  }
}
