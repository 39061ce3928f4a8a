// Time is injected: core and services read time only through a Clock, so tests drive schedules
// (RPO cycles, snapshot rules, token expiry) with a manual clock and never sleep.

export interface TimerHandle {
  cancel(): void;
}

export interface Clock {
  nowMs(): number;
  /** Runs `callback` once after `delayMs`; the handle cancels it. */
  setTimer(delayMs: number, callback: () => void): TimerHandle;
}

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

  pendingTimers(): number {
    return this.timers.filter((t) => !t.cancelled).length;
  }
}
