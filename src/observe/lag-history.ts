// The lag of every replication session over the last hour, for the console's small charts. The
// lag is a sawtooth: it grows one second per second and drops when a cycle commits (to 0 for a
// synchronous session in step). So it is kept as the points where it jumps, seen where every
// session record is written (the metadata store's commit listener): no timer, no scan of the
// sessions, whatever their number. samples() draws the sawtooth from them up to now.
import type { Clock } from '../core/clock.ts';
import type { ReplicationSession } from '../core/replication/model.ts';
import { lagSeconds } from '../core/replication/session-figures.ts';

/** How far back the charts look. */
export const LAG_HISTORY_MS = 60 * 60 * 1000;
/** Jumps kept per session: one a cycle, so an hour of 5 s cycles with room to spare. */
export const LAG_JUMPS_KEPT = 1_000;

interface Jump {
  atMs: number;
  /** The lag just after the change. */
  lagSeconds: number;
  /** Whether the lag stays put from here (a synchronous session in step) instead of growing. */
  still: boolean;
}

export interface LagSample {
  atMs: number;
  lagSeconds: number;
}

export class LagHistory {
  private readonly jumps = new Map<string, Jump[]>();

  constructor(private readonly clock: Clock) {}

  /** For the commit listener: a session record was written (created: no before; deleted: no after). */
  observe(id: string, before: ReplicationSession | undefined, after: ReplicationSession | undefined): void {
    if (!after) {
      this.jumps.delete(id);
      return;
    }
    const changed = !before || before.lastSyncMs !== after.lastSyncMs || before.state !== after.state || before.transferMode !== after.transferMode;
    if (!changed) return;
    const atMs = this.clock.nowMs();
    const lag = lagSeconds(after, atMs);
    if (lag === null) return;
    const list = this.jumps.get(id) ?? [];
    list.push({ atMs, lagSeconds: lag, still: after.transferMode === 'Synchronous' && after.state === 'OK' });
    // Keep one jump from before the window: the line enters the chart from it.
    while (list.length > LAG_JUMPS_KEPT || (list.length > 1 && list[1]!.atMs < atMs - LAG_HISTORY_MS)) list.shift();
    this.jumps.set(id, list);
  }

  /** The last hour's lag as points (oldest first), ending now. */
  samples(sessionId: string, nowMs: number = this.clock.nowMs()): LagSample[] {
    const list = this.jumps.get(sessionId) ?? [];
    const fromMs = nowMs - LAG_HISTORY_MS;
    const out: LagSample[] = [];
    const at = (j: Jump, ms: number) => (j.still ? j.lagSeconds : j.lagSeconds + (ms - j.atMs) / 1000);
    list.forEach((j, i) => {
      const next = list[i + 1];
      const endMs = next ? next.atMs : nowMs;
      if (endMs < fromMs) return;
      const startMs = Math.max(j.atMs, fromMs);
      out.push({ atMs: startMs, lagSeconds: at(j, startMs) });
      out.push({ atMs: endMs, lagSeconds: at(j, endMs) });
    });
    return out;
  }
}
