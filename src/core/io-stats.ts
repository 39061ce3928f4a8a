// Host I/O statistics per volume, for PowerStore's performance metrics (performance_metrics_by_volume
// and _by_appliance; the CSI driver's podmon reads total_iops of the latest sample). The NBD server
// keeps cumulative counters with latency sums (one set of counters serves /metrics too, so the
// I/O path pays for counting once); IoStats reads them every IO_SAMPLE_INTERVAL_MS on the injected
// clock, keeps the difference as that interval's sample, and keeps a bounded history per volume.
// Nothing here is estimated: an interval without I/O is a sample of zeros.
import { IO_SAMPLE_INTERVAL_MS, IO_SAMPLES_KEPT } from '../limits.ts';
import type { Clock } from './clock.ts';
import { SampleIntervals } from './sample-intervals.ts';

export interface IoCounters {
  readOps: number;
  writeOps: number;
  readBytes: number;
  writeBytes: number;
  /** Sums of per-request latency, microseconds. */
  readLatencyUs: number;
  writeLatencyUs: number;
}

export interface IoSample extends IoCounters {
  /** End of the interval the sample covers. */
  endMs: number;
  durationMs: number;
}

const COUNTER_KEYS = ['readOps', 'writeOps', 'readBytes', 'writeBytes', 'readLatencyUs', 'writeLatencyUs'] as const;
const pickCounters = (c: Readonly<IoCounters>): IoCounters => ({ readOps: c.readOps, writeOps: c.writeOps, readBytes: c.readBytes, writeBytes: c.writeBytes, readLatencyUs: c.readLatencyUs, writeLatencyUs: c.writeLatencyUs });
const zero = (): IoCounters => ({ readOps: 0, writeOps: 0, readBytes: 0, writeBytes: 0, readLatencyUs: 0, writeLatencyUs: 0 });
const isIdle = (c: IoCounters) => c.readOps === 0 && c.writeOps === 0;

export function addCounters(into: IoCounters, c: IoCounters): void {
  into.readOps += c.readOps;
  into.writeOps += c.writeOps;
  into.readBytes += c.readBytes;
  into.writeBytes += c.writeBytes;
  into.readLatencyUs += c.readLatencyUs;
  into.writeLatencyUs += c.writeLatencyUs;
}

/** Cumulative counters per volume since start (the NBD server's); a volume may disappear when deleted. */
export type IoCounterSource = () => Iterable<readonly [string, Readonly<IoCounters>]>;

export class IoStats {
  /** The cumulative counters seen at the last close, per volume. */
  private readonly seen = new Map<string, IoCounters>();
  private readonly history = new Map<string, IoSample[]>();
  private readonly intervals: SampleIntervals;

  constructor(
    clock: Clock,
    private readonly source: IoCounterSource,
  ) {
    this.intervals = new SampleIntervals(clock, IO_SAMPLE_INTERVAL_MS, (endMs, durationMs) => this.sample(endMs, durationMs));
  }

  start(): void {
    this.intervals.start();
  }

  stop(): void {
    this.intervals.stop();
  }

  /**
   * Ends the open interval: every volume with history or I/O gets a sample. A volume whose kept
   * history is all idle is forgotten, so memory is bounded by the volumes active within the
   * history's span (IO_SAMPLES_KEPT × IO_SAMPLE_INTERVAL_MS).
   */
  closeSample(): void {
    this.intervals.close();
  }

  private sample(endMs: number, durationMs: number): void {
    const open = new Map<string, IoCounters>();
    const present = new Set<string>();
    for (const [id, total] of this.source()) {
      present.add(id);
      const before = this.seen.get(id) ?? zero();
      const delta = zero();
      for (const key of COUNTER_KEYS) delta[key] = total[key] - before[key];
      this.seen.set(id, { ...pickCounters(total) });
      if (!isIdle(delta)) open.set(id, delta);
    }
    // A deleted volume's counters are gone: so is what was seen of them.
    for (const id of this.seen.keys()) if (!present.has(id)) this.seen.delete(id);
    const ids = new Set([...this.history.keys(), ...open.keys()]);
    for (const id of ids) {
      const counters = open.get(id) ?? zero();
      const samples = this.history.get(id) ?? [];
      samples.push({ ...counters, endMs, durationMs });
      if (samples.length > IO_SAMPLES_KEPT) samples.shift();
      if (samples.every(isIdle)) this.history.delete(id);
      else this.history.set(id, samples);
    }
  }

  /** Closed samples of one volume, oldest first. */
  samples(volumeId: string): readonly IoSample[] {
    return this.history.get(volumeId) ?? [];
  }

  /** Closed samples summed over all volumes, one per closed interval with any volume's sample. */
  totals(): IoSample[] {
    const byEnd = new Map<number, IoSample>();
    for (const samples of this.history.values()) {
      for (const s of samples) {
        const t = byEnd.get(s.endMs);
        if (t) addCounters(t, s);
        else byEnd.set(s.endMs, { ...s });
      }
    }
    return [...byEnd.values()].sort((a, b) => a.endMs - b.endMs);
  }
}
