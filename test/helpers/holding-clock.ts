// A clock for a system's peer fault point (SystemConfig.peerFaultClock): real time, except that the
// next `holding` waits of delay faults (the next calls through the fault point) last until
// release(). Tests that assert what happens while a peer call is in flight hold it this way
// instead of trusting a loaded machine to get there within a delay of real time.
import { systemClock, type Clock, type TimerHandle } from '../../src/core/clock.ts';

export class HoldingClock implements Clock {
  /** How many of the next delay-fault waits are held. */
  holding = 0;
  private readonly held = new Set<() => void>();

  nowMs(): number {
    return systemClock.nowMs();
  }

  setTimer(delayMs: number, callback: () => void): TimerHandle {
    if (this.holding === 0) return systemClock.setTimer(delayMs, callback);
    this.holding -= 1;
    this.held.add(callback);
    return { cancel: () => this.held.delete(callback) };
  }

  immediate(callback: () => void): void {
    systemClock.immediate(callback);
  }

  /** Resolves once `count` calls are held (polled between turns: no time passes in the test). */
  async untilHeld(count = 1): Promise<void> {
    while (this.held.size < count) await new Promise((resolve) => setImmediate(resolve));
  }

  /** Lets every held call go on, and holds no more. */
  release(): void {
    this.holding = 0;
    const held = [...this.held];
    this.held.clear();
    for (const callback of held) callback();
  }
}
