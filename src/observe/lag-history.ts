// The lag of every replication session over the last hour, for the console's small charts: every
// LAG_SAMPLE_INTERVAL_MS on the injected clock, each session's lag (core/replication/session-figures)
// is kept, LAG_SAMPLES_KEPT per session. The copy metrics keep shipped bytes (copy-stats.ts) but
// not the lag, which is a sawtooth a rate cannot rebuild. In memory, like the copy metrics.
import { repeatEvery, type Clock, type TimerHandle } from '../core/clock.ts';
import type { MetaStore } from '../core/meta-store.ts';
import { lagSeconds } from '../core/replication/session-figures.ts';

export const LAG_SAMPLE_INTERVAL_MS = 10_000;
/** One hour of samples: 3600 s / 10 s. */
export const LAG_SAMPLES_KEPT = 360;

export interface LagSample {
  atMs: number;
  lagSeconds: number;
}

export class LagHistory {
  private readonly history = new Map<string, LagSample[]>();
  private timer: TimerHandle | null = null;

  constructor(
    private readonly clock: Clock,
    private readonly meta: MetaStore,
  ) {}

  start(): void {
    this.timer ??= repeatEvery(this.clock, LAG_SAMPLE_INTERVAL_MS, () => this.sample());
  }

  stop(): void {
    this.timer?.cancel();
    this.timer = null;
  }

  sample(): void {
    const atMs = this.clock.nowMs();
    const live = new Set<string>();
    for (const s of this.meta.listShared('replication_session')) {
      live.add(s.id);
      const lag = lagSeconds(s, atMs);
      if (lag === null) continue;
      const samples = this.history.get(s.id) ?? [];
      samples.push({ atMs, lagSeconds: lag });
      if (samples.length > LAG_SAMPLES_KEPT) samples.shift();
      this.history.set(s.id, samples);
    }
    // A deleted session's history goes with it.
    for (const id of this.history.keys()) if (!live.has(id)) this.history.delete(id);
  }

  samples(sessionId: string): readonly LagSample[] {
    return this.history.get(sessionId) ?? [];
  }
}
