// Time is injected: core and services read time only through a Clock, so tests drive schedules
// (RPO cycles, snapshot rules, token expiry) with a manual clock and never sleep. The Clock is also
// the scheduler port: timers and immediates of replication and the peer link go through it, so
// the deterministic simulation (test/sim) runs two systems in virtual time on one seeded queue.

export interface TimerHandle {
  cancel(): void;
}

export interface Clock {
  nowMs(): number;
  /** Runs `callback` once after `delayMs`; the handle cancels it. */
  setTimer(delayMs: number, callback: () => void): TimerHandle;
  /**
   * Runs `callback` after the current turn and the promises it settled (setImmediate): work
   * started from a handler that must not run inside it, e.g. a cycle queued after an answer.
   */
  immediate(callback: () => void): void;
}

/** The scheduler port: what schedules work (timers, immediates) also tells the time. */
export type Scheduler = Clock;

/** Runs `callback` every `intervalMs` on the clock, each run armed after the last returned; the handle stops it. */
export function repeatEvery(clock: Clock, intervalMs: number, callback: () => void): TimerHandle {
  let current: TimerHandle | null = null;
  let stopped = false;
  const arm = () => {
    current = clock.setTimer(intervalMs, () => {
      callback();
      if (!stopped) arm();
    });
  };
  arm();
  return {
    cancel: () => {
      stopped = true;
      current?.cancel();
    },
  };
}

export const systemClock: Clock = {
  nowMs: () => Date.now(),
  setTimer(delayMs, callback) {
    const timer = setTimeout(callback, delayMs);
    timer.unref?.();
    return { cancel: () => clearTimeout(timer) };
  },
  immediate(callback) {
    setImmediate(callback);
  },
};

/** A clock for tests: time moves only when advanceMs is called, firing due timers in order. */
export class ManualClock implements Clock {
  private timers: { dueMs: number; seq: number; callback: () => void; cancelled: boolean }[] = [];
  private seq = 0;

  constructor(private currentMs = Date.UTC(2026, 0, 1)) {}

  nowMs(): number {
    return this.currentMs;
  }

  setTimer(delayMs: number, callback: () => void): TimerHandle {
    const timer = { dueMs: this.currentMs + Math.max(0, delayMs), seq: this.seq++, callback, cancelled: false };
    this.timers.push(timer);
    return { cancel: () => { timer.cancelled = true; } };
  }

  /** Moves time forward, running each timer that falls due at its own instant. */
  advanceMs(deltaMs: number): void {
    const targetMs = this.currentMs + deltaMs;
    for (;;) {
      this.timers = this.timers.filter((t) => !t.cancelled);
      this.timers.sort((a, b) => a.dueMs - b.dueMs || a.seq - b.seq);
      const next = this.timers[0];
      if (!next || next.dueMs > targetMs) break;
      this.timers.shift();
      this.currentMs = next.dueMs;
      next.callback();
    }
    this.currentMs = targetMs;
  }

  /** Immediates run on the real event loop: tests settle them as before (settle() in test/helpers/pair.ts). */
  immediate(callback: () => void): void {
    setImmediate(callback);
  }

  pendingTimers(): number {
    return this.timers.filter((t) => !t.cancelled).length;
  }
}
