// Host I/O counters for metrics, kept on the NBD path: plain number increments and one bucket
// search per request, no allocation, no labels, no map lookup per request (a connection looks its
// volume's counters up once, when it starts transmission). /metrics reads them at scrape time.
//
// Bound: counters are kept for at most VOLUMES_TRACKED_MAX volumes (the first ones served since
// start); I/O to further volumes is counted under one shared `other` entry, so the number of
// per-volume series never grows without limit however many volumes a system has.

/** Volumes with counters of their own; the rest share `otherVolumes`. */
export const VOLUMES_TRACKED_MAX = 256;

/** Upper bounds of the latency buckets, in seconds: 50 µs (a cached read) to 5 s (a stalled peer). */
export const LATENCY_BUCKETS_SECONDS = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5] as const;

export type IoKind = 'read' | 'write' | 'flush' | 'trim' | 'other';

export class LatencyHistogram {
  /** counts[i] = observations ≤ LATENCY_BUCKETS_SECONDS[i] and > the bound before; the last is +Inf. */
  readonly counts = new Float64Array(LATENCY_BUCKETS_SECONDS.length + 1);
  sumSeconds = 0;
  count = 0;

  observe(seconds: number): void {
    let i = 0;
    while (i < LATENCY_BUCKETS_SECONDS.length && seconds > LATENCY_BUCKETS_SECONDS[i]!) i++;
    this.counts[i]! += 1;
    this.sumSeconds += seconds;
    this.count += 1;
  }
}

export class VolumeIoCounters {
  readOps = 0;
  readBytes = 0;
  writeOps = 0;
  writeBytes = 0;
  errors = 0;
}

export class NbdIoStats {
  readonly otherVolumes = new VolumeIoCounters();
  readonly latency: Record<IoKind, LatencyHistogram> = {
    read: new LatencyHistogram(),
    write: new LatencyHistogram(),
    flush: new LatencyHistogram(),
    trim: new LatencyHistogram(),
    other: new LatencyHistogram(),
  };
  connectionsTotal = 0;
  private readonly byVolume = new Map<string, VolumeIoCounters>();

  /** The counters of a volume (once per connection, not per request). */
  forVolume(volumeId: string): VolumeIoCounters {
    let counters = this.byVolume.get(volumeId);
    if (counters) return counters;
    if (this.byVolume.size >= VOLUMES_TRACKED_MAX) return this.otherVolumes;
    counters = new VolumeIoCounters();
    this.byVolume.set(volumeId, counters);
    return counters;
  }

  volumes(): ReadonlyMap<string, VolumeIoCounters> {
    return this.byVolume;
  }

  /** Forgets a deleted volume's counters, making room for another. */
  forget(volumeId: string): void {
    this.byVolume.delete(volumeId);
  }
}
