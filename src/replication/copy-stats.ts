// Copy statistics of the sessions this system is the source of, for PowerStore's
// copy_metrics_by_replication_session and copy_metrics_by_remote_system: every
// IO_SAMPLE_INTERVAL_MS on the injected clock, the data bytes the session's cycles shipped during
// the interval (from the cycles' own count) and the bytes still to copy at its end (the running
// cycle's rest, else the changes since the last committed base). A bounded history per session,
// as core/io-stats.ts keeps for host I/O. Copy time is not measured, so no rate is derived.
import type { Clock } from '../core/clock.ts';
import { SampleIntervals } from '../core/sample-intervals.ts';
import type { ReplicationSession } from '../core/replication/model.ts';
import { IO_SAMPLE_INTERVAL_MS, IO_SAMPLES_KEPT } from '../limits.ts';

import type { CopySample } from '../core/replication/commands.ts';
export type { CopySample };

export interface CopyStatsSources {
  /** Sessions whose source is this system now. */
  sourceSessions(): readonly ReplicationSession[];
  /** Data bytes shipped by this system's cycles of the session since the process started. */
  shippedBytes(sessionId: string): number;
  remainingBytes(session: ReplicationSession): number;
}

export class CopyStats {
  private readonly history = new Map<string, CopySample[]>();
  private readonly shippedAtLastClose = new Map<string, number>();
  private readonly intervals: SampleIntervals;

  constructor(
    clock: Clock,
    private readonly sources: CopyStatsSources,
  ) {
    this.intervals = new SampleIntervals(clock, IO_SAMPLE_INTERVAL_MS, (endMs, durationMs) => this.sample(endMs, durationMs));
  }

  start(): void {
    this.intervals.start();
  }

  stop(): void {
    this.intervals.stop();
  }

  /** One sample per source session; sessions gone (or no longer sourced here) are dropped. */
  closeSample(): void {
    this.intervals.close();
  }

  private sample(endMs: number, durationMs: number): void {
    const seen = new Set<string>();
    for (const s of this.sources.sourceSessions()) {
      seen.add(s.id);
      const shippedBytes = this.sources.shippedBytes(s.id);
      const before = this.shippedAtLastClose.get(s.id) ?? shippedBytes;
      this.shippedAtLastClose.set(s.id, shippedBytes);
      const samples = this.history.get(s.id) ?? [];
      samples.push({ endMs, durationMs, remoteSystemId: s.remoteSystemId, transferredBytes: Math.max(0, shippedBytes - before), remainingBytes: this.sources.remainingBytes(s) });
      if (samples.length > IO_SAMPLES_KEPT) samples.shift();
      this.history.set(s.id, samples);
    }
    for (const id of [...this.history.keys()]) {
      if (!seen.has(id)) {
        this.history.delete(id);
        this.shippedAtLastClose.delete(id);
      }
    }
  }

  samples(sessionId: string): readonly CopySample[] {
    return this.history.get(sessionId) ?? [];
  }

  /** Samples summed over the sessions replicating to one remote system, per closed interval. */
  byRemoteSystem(remoteSystemId: string): CopySample[] {
    const byEnd = new Map<number, CopySample>();
    for (const samples of this.history.values()) {
      for (const s of samples) {
        if (s.remoteSystemId !== remoteSystemId) continue;
        const t = byEnd.get(s.endMs);
        if (t) {
          t.transferredBytes += s.transferredBytes;
          t.remainingBytes += s.remainingBytes;
        } else byEnd.set(s.endMs, { ...s });
      }
    }
    return [...byEnd.values()].sort((a, b) => a.endMs - b.endMs);
  }
}
