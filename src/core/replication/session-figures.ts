// The figures an operator reads off a replication session, computed once for every reader: the
// Prometheus gauges (observe/metrics.ts), the RPO alert (observe/rpo-alerts.ts), `tandem status`
// (cli/ops/sessions.ts, from the PowerStore fields it reads) and the web console's overview
// (api/console/overview.ts). Pure: the caller passes the time.

/** What lag and compliance depend on, in either the core's or a dialect's terms. */
export interface LagInputs {
  /** 'Synchronous' or anything else (asynchronous, Stack, Consistency, Through). */
  transferMode: string;
  /** The session's state; only 'OK' matters here (a synchronous session in step). */
  state: string;
  /** Cut time of the last committed cycle, null before the first. */
  lastSyncMs: number | null;
  /** When the session was made; the lag counts from then before the first sync. Null when unknown. */
  createdAtMs: number | null;
}

/**
 * Age of the destination's consistent copy: now minus the cut time of the last committed cycle;
 * 0 for a synchronous session in step; since creation before the first sync; null when neither
 * time is known (a dialect that does not show the creation time).
 */
export function lagSeconds(s: LagInputs, nowMs: number): number | null {
  if (s.transferMode === 'Synchronous' && s.state === 'OK') return 0;
  const sinceMs = s.lastSyncMs ?? s.createdAtMs;
  return sinceMs === null ? null : Math.max(0, (nowMs - sinceMs) / 1000);
}

/**
 * Whether the session meets its RPO: a synchronous session (rpoSeconds 0 or null) when in step, an
 * asynchronous one when a cycle has committed and its copy is no older than the RPO.
 */
export function isRpoCompliant(s: LagInputs & { rpoSeconds: number | null }, nowMs: number): boolean {
  if (s.transferMode === 'Synchronous' || s.rpoSeconds === null || s.rpoSeconds <= 0) return s.state === 'OK';
  const lag = lagSeconds(s, nowMs);
  return s.lastSyncMs !== null && lag !== null && lag <= s.rpoSeconds;
}

/** One reading of what a copy shipped: bytes sent during an interval that ended at endMs. */
export interface ShippedSample {
  endMs: number;
  durationMs: number;
  transferredBytes: number;
}

/**
 * Shipping rate over the samples that ended within `windowMs` before nowMs (bytes per second), or
 * null when nothing was measured in that window.
 */
export function shippingRate(samples: readonly ShippedSample[], nowMs: number, windowMs: number): number | null {
  let bytes = 0;
  let durationMs = 0;
  for (const s of samples) {
    if (s.endMs < nowMs - windowMs) continue;
    bytes += s.transferredBytes;
    durationMs += s.durationMs;
  }
  return durationMs > 0 && bytes > 0 ? (bytes * 1000) / durationMs : null;
}

/**
 * Seconds until a copy completes: bytes left over the rate when both are known, else the
 * session's own estimate, else null.
 */
export function secondsLeft(remainingBytes: number | null, bytesPerSecond: number | null, estimatedCompletionMs: number | null, nowMs: number): number | null {
  if (remainingBytes !== null && bytesPerSecond !== null && bytesPerSecond > 0) return remainingBytes / bytesPerSecond;
  if (estimatedCompletionMs !== null) return Math.max(0, (estimatedCompletionMs - nowMs) / 1000);
  return null;
}

/** How far back the backlog rate looks: long enough to smooth a cycle's bursts, short enough to follow a cap. */
export const BACKLOG_RATE_WINDOW_MS = 5_000;

/**
 * Shipping rate from successive readings of the bytes a copy still has to ship, smoothed over
 * BACKLOG_RATE_WINDOW_MS: what a progress bar shows while an initial copy or a resync runs (the
 * copy metrics count a cycle's bytes when it ends). A reading above the last starts afresh: a
 * new cycle began. The caller passes the time of each reading.
 */
export class BacklogRate {
  private readings: Array<{ atMs: number; bytes: number }> = [];

  sample(bytesLeft: number | null, nowMs: number): number | null {
    if (bytesLeft === null) return null;
    const last = this.readings.at(-1);
    if (last && bytesLeft > last.bytes) this.readings = [];
    if (!last || last.atMs !== nowMs || bytesLeft !== last.bytes) this.readings.push({ atMs: nowMs, bytes: bytesLeft });
    this.readings = this.readings.filter((r) => nowMs - r.atMs <= BACKLOG_RATE_WINDOW_MS);
    const first = this.readings[0]!;
    const seconds = (nowMs - first.atMs) / 1000;
    return seconds > 0.2 && first.bytes > bytesLeft ? (first.bytes - bytesLeft) / seconds : null;
  }
}
