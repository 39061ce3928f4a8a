// Virtual time for both systems: one queue of timers and immediates ordered by (due time, order of
// arming). The simulation runs one entry at a time and lets the promises it settled run out before
// the next (everything else the systems do is in memory: the metadata store is synchronous SQLite,
// the engine and the peer link are in memory), so a seed fixes the order of everything.
import type { Clock, TimerHandle } from '../../src/core/clock.ts';

interface Entry {
  dueMs: number;
  seq: number;
  owner: string;
  label: string;
  callback: () => void;
  cancelled: boolean;
}

export class SimScheduler {
  private queue: Entry[] = [];
  private seq = 0;
  private current: number;
  /** Errors thrown by callbacks (other than crashes): the simulation reports them as failures. */
  readonly errors: { label: string; error: unknown }[] = [];
  isCrash: (error: unknown) => boolean = () => false;

  constructor(startMs = Date.UTC(2026, 0, 1)) {
    this.current = startMs;
  }

  nowMs(): number {
    return this.current;
  }

  /** The Clock (scheduler port) one system sees; its entries carry `owner` so a crash can drop them. */
  clockFor(owner: string): Clock {
    return {
      nowMs: () => this.current,
      setTimer: (delayMs, callback) => this.add(owner, 'timer', Math.max(0, delayMs), callback),
      immediate: (callback) => void this.add(owner, 'immediate', 0, callback),
    };
  }

  add(owner: string, label: string, delayMs: number, callback: () => void): TimerHandle {
    const entry: Entry = { dueMs: this.current + delayMs, seq: this.seq++, owner, label, callback, cancelled: false };
    if (this.dead.has(owner)) return { cancel: () => undefined };
    // Sorted insert (stable: equal due times keep arming order).
    let lo = 0;
    let hi = this.queue.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const m = this.queue[mid]!;
      if (m.dueMs < entry.dueMs || (m.dueMs === entry.dueMs && m.seq < entry.seq)) lo = mid + 1;
      else hi = mid;
    }
    this.queue.splice(lo, 0, entry);
    return { cancel: () => { entry.cancelled = true; } };
  }

  private readonly dead = new Set<string>();

  /** A crashed system's timers never fire, and what its leftover code arms never does either. */
  killOwner(owner: string): void {
    this.dead.add(owner);
    for (const e of this.queue) if (e.owner === owner) e.cancelled = true;
  }

  pending(): number {
    return this.queue.filter((e) => !e.cancelled).length;
  }

  /** Runs every entry due up to `targetMs`, one at a time, then moves time to it. */
  async runUntil(targetMs: number, onEntry?: (owner: string, label: string) => void): Promise<void> {
    for (;;) {
      while (this.queue.length > 0 && this.queue[0]!.cancelled) this.queue.shift();
      const next = this.queue[0];
      if (!next || next.dueMs > targetMs) break;
      this.queue.shift();
      this.current = next.dueMs;
      onEntry?.(next.owner, next.label);
      try {
        next.callback();
      } catch (error) {
        if (!this.isCrash(error)) this.errors.push({ label: `${next.owner}:${next.label}`, error });
      }
      await settleMicrotasks();
    }
    this.current = Math.max(this.current, targetMs);
  }

  runFor(deltaMs: number, onEntry?: (owner: string, label: string) => void): Promise<void> {
    return this.runUntil(this.current + deltaMs, onEntry);
  }
}

/** Lets every promise settled so far run its continuations (one real macrotask drains them all). */
export async function settleMicrotasks(): Promise<void> {
  await new Promise<void>((resolve) => setImmediate(resolve));
}
