// How many scheduled cycles run at once, and in what order the others start. With thousands of
// sessions the RPO timers of many fall due together (after a restart, after a bulk create, when a
// link returns); run all at once, their snapshots, RPCs and metadata commits fill the event loop
// and the API stops answering (issue 14). A cycle admitted here holds a slot until it ends; the
// others wait in the order they became due (FIFO), so every session gets its turn and none is
// passed over by sessions that fall due after it. The running cycles share the peer link through
// its HTTP/2 streams, each with its own bounded shipping window (SHIP_INFLIGHT_MAX).
import { invariant } from '../core/errors.ts';

export class CycleSlots {
  private runningCount = 0;
  private readonly waiting: Array<() => void> = [];
  private readonly idleWaiters: Array<() => void> = [];
  /** The most that ever ran at once (tests and the scale benchmark read it). */
  runningHighWater = 0;

  constructor(readonly slotsMax: number) {
    invariant(Number.isInteger(slotsMax) && slotsMax >= 1, `cycle slots must be a positive integer, not ${slotsMax}`);
  }

  get running(): number {
    return this.runningCount;
  }

  get queued(): number {
    return this.waiting.length;
  }

  /** Runs fn once a slot is free (at once when one is), in the order of the calls. */
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.runningCount >= this.slotsMax) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.runningCount += 1;
    this.runningHighWater = Math.max(this.runningHighWater, this.runningCount);
    invariant(this.runningCount <= this.slotsMax, `${this.runningCount} cycles running, the limit is ${this.slotsMax}`);
    try {
      return await fn();
    } finally {
      this.release();
    }
  }

  /** Resolves once no cycle runs and none waits. */
  idle(): Promise<void> {
    if (this.runningCount === 0 && this.waiting.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private release(): void {
    const next = this.waiting.shift();
    // The slot passes straight to the next waiter: the count does not drop, so no later caller
    // can take it first.
    if (next) return next();
    this.runningCount -= 1;
    if (this.runningCount === 0) for (const wake of this.idleWaiters.splice(0)) wake();
  }
}

/**
 * A fraction in [0, 1) fixed for a session (FNV-1a of its id): where in a spread window its cycles
 * fall. Fixed, so a session keeps its place across restarts and tests are deterministic.
 */
export function spreadFraction(sessionId: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < sessionId.length; i++) {
    hash ^= sessionId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash / 2 ** 32;
}
