// Host I/O statistics per volume, for PowerStore's performance metrics (performance_metrics_by_volume
// and _by_appliance; the CSI driver's podmon reads total_iops of the latest sample). CountingIo wraps
// the VolumeIo port NBD uses and counts each read and write with its latency; IoStats closes a
// sample every IO_SAMPLE_INTERVAL_MS on the injected clock and keeps a bounded history per volume.
// Nothing here is estimated: an interval without I/O is a sample of zeros.
import { IO_SAMPLE_INTERVAL_MS, IO_SAMPLES_KEPT } from '../limits.ts';
import type { Clock, TimerHandle } from './clock.ts';
import type { Extent, VolumeIo } from './ports.ts';

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

export class IoStats {
  private readonly open = new Map<string, IoCounters>();
  private readonly history = new Map<string, IoSample[]>();
  private lastCloseMs: number;
  private timer: TimerHandle | null = null;

  constructor(private readonly clock: Clock) {
    this.lastCloseMs = clock.nowMs();
  }

  record(volumeId: string, kind: 'read' | 'write', bytes: number, latencyUs: number): void {
    let c = this.open.get(volumeId);
    if (!c) this.open.set(volumeId, (c = zero()));
    if (kind === 'read') {
      c.readOps++;
      c.readBytes += bytes;
      c.readLatencyUs += latencyUs;
    } else {
      c.writeOps++;
      c.writeBytes += bytes;
      c.writeLatencyUs += latencyUs;
    }
  }

  start(): void {
    if (this.timer) return;
    const arm = () => {
      this.timer = this.clock.setTimer(IO_SAMPLE_INTERVAL_MS, () => {
        this.closeSample();
        arm();
      });
    };
    arm();
  }

  stop(): void {
    this.timer?.cancel();
    this.timer = null;
  }

  /**
   * Ends the open interval: every volume with history or I/O gets a sample. A volume whose kept
   * history is all idle is forgotten, so memory is bounded by the volumes active within the
   * history's span (IO_SAMPLES_KEPT × IO_SAMPLE_INTERVAL_MS).
   */
  closeSample(): void {
    const endMs = this.clock.nowMs();
    const durationMs = endMs - this.lastCloseMs;
    this.lastCloseMs = endMs;
    if (durationMs <= 0) return;
    const ids = new Set([...this.history.keys(), ...this.open.keys()]);
    for (const id of ids) {
      const counters = this.open.get(id) ?? zero();
      const samples = this.history.get(id) ?? [];
      samples.push({ ...counters, endMs, durationMs });
      if (samples.length > IO_SAMPLES_KEPT) samples.shift();
      if (samples.every(isIdle)) this.history.delete(id);
      else this.history.set(id, samples);
    }
    this.open.clear();
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

/** The VolumeIo NBD serves through, counting reads and writes with their latency. */
export class CountingIo implements VolumeIo {
  constructor(
    private readonly inner: VolumeIo,
    private readonly stats: IoStats,
    /** A monotonic microsecond clock for latency (process.hrtime in production). */
    private readonly nowUs: () => number,
  ) {}

  sizeBytes(id: string): number {
    return this.inner.sizeBytes(id);
  }

  async read(id: string, offsetBytes: number, lengthBytes: number): Promise<Buffer> {
    const startUs = this.nowUs();
    const data = await this.inner.read(id, offsetBytes, lengthBytes);
    this.stats.record(id, 'read', lengthBytes, this.nowUs() - startUs);
    return data;
  }

  async write(id: string, offsetBytes: number, data: Buffer, options?: { fua?: boolean }): Promise<void> {
    const startUs = this.nowUs();
    await this.inner.write(id, offsetBytes, data, options);
    this.stats.record(id, 'write', data.length, this.nowUs() - startUs);
  }

  trim(id: string, offsetBytes: number, lengthBytes: number, options?: { fua?: boolean }): Promise<void> {
    return this.inner.trim(id, offsetBytes, lengthBytes, options);
  }

  flush(): Promise<void> {
    return this.inner.flush();
  }

  blockStatus(id: string, offsetBytes: number, lengthBytes: number): Extent[] {
    return this.inner.blockStatus(id, offsetBytes, lengthBytes);
  }
}
