// REC Buffer overload for Consistency sessions (research/eternus-api.md §3.1). On an ETERNUS the
// Consistency data of every session to one remote box passes through this box's Send buffer for
// that box; when the buffer stays in high load for the Monitoring Time, "all REC Asynchronous
// Consistency Mode sessions that are currently transferring data are halted" (ETERNUS CLI
// `set rec-buffer -monitoring-time`). Tandem ships consistent cuts from snapshots and keeps no
// cache buffer: what the buffer would hold is what the destination has not committed, each
// session's changes since its common base. The source samples that every REC_BUFFER_SAMPLE_MS,
// summed per remote system (one buffer per remote box), and asks the service to halt.
import type { Clock, TimerHandle } from '../core/clock.ts';
import type { ReplicationSession } from '../core/replication/model.ts';
import { REC_BUFFER_MB_BYTES, type RecBufferSetting } from '../core/replication/rec-buffer.ts';
import { REC_BUFFER_SAMPLE_MS } from './limits.ts';
import { OverloadTracker } from './rec-buffer-overload.ts';

export interface RecBufferHost {
  clock: Clock;
  setting(): RecBufferSetting;
  sessions(): readonly ReplicationSession[];
  /** Bytes of the session the destination has not committed (changes since the common base). */
  backlogBytes(s: ReplicationSession): number;
  /** A normal suspend is flushing the session: the operator is stopping it already. */
  isSuspending(id: string): boolean;
  halt(id: string, overloadedSinceMs: number): void;
  log(message: string, fields?: Record<string, unknown>): void;
}

const MINUTE_MS = 60_000;

export class RecBufferMonitor {
  private timer: TimerHandle | null = null;
  private running = false;
  private readonly overload = new OverloadTracker();
  /**
   * Sessions copying differences, watched again once their base reaches the cycle given. The
   * array copies the initial copy and what a resume or a path recovery resends from its tracking
   * bitmap (phase Copying), not through the buffer: counting them would halt the session again
   * before it caught up. A session enters this map whenever its record is seen stopped.
   */
  private readonly copyingUntilCycle = new Map<string, number>();

  constructor(private readonly host: RecBufferHost) {}

  start(): void {
    this.running = true;
    this.arm();
  }

  stop(): void {
    this.running = false;
    this.timer?.cancel();
    this.timer = null;
  }

  /** A new setting: monitoring starts afresh (the array suspends a buffer's sessions to change it). */
  reconfigure(): void {
    this.timer?.cancel();
    this.timer = null;
    this.overload.clear();
    this.arm();
  }

  /** Every write of a session record passes here, so that no stop between two samples is missed. */
  observe(s: ReplicationSession): void {
    if (s.role !== 'Source' || s.transferMode !== 'Consistency') this.copyingUntilCycle.delete(s.id);
    else if (s.state !== 'OK' && s.state !== 'Synchronizing') this.copyingUntilCycle.set(s.id, s.baseCycle + 1);
  }

  /** When the buffer to a remote system entered its current high-load state, or null. */
  overloadedSinceMs(peerSystemId: string): number | null {
    return this.overload.overloadedSinceMs(peerSystemId);
  }

  /** One sample of every buffer; halts the sessions of a buffer full for the monitoring time. */
  sample(): void {
    const setting = this.host.setting();
    const byBuffer = new Map<string, ReplicationSession[]>();
    const present = new Set<string>();
    for (const s of this.host.sessions()) {
      present.add(s.id);
      if (!this.inBuffer(s)) continue;
      byBuffer.set(s.peerSystemId, [...(byBuffer.get(s.peerSystemId) ?? []), s]);
    }
    for (const id of this.copyingUntilCycle.keys()) if (!present.has(id)) this.copyingUntilCycle.delete(id);
    for (const buffer of this.overload.buffers()) if (!byBuffer.has(buffer)) this.overload.forget(buffer);
    const nowMs = this.host.clock.nowMs();
    for (const [buffer, sessions] of byBuffer) {
      const backlogBytes = sessions.reduce((sum, s) => sum + this.host.backlogBytes(s), 0);
      if (!this.overload.update(buffer, backlogBytes, setting.sizeMb * REC_BUFFER_MB_BYTES, setting.monitoringTimeMinutes * MINUTE_MS, nowMs)) continue;
      const sinceMs = this.overload.overloadedSinceMs(buffer)!;
      this.overload.forget(buffer);
      this.host.log('REC buffer overloaded for the monitoring time: Consistency sessions halted', { peer: buffer, backlogBytes, sizeMb: setting.sizeMb, sinceMs, sessions: sessions.map((s) => s.id) });
      for (const s of sessions) this.host.halt(s.id, sinceMs);
    }
  }

  /** A Consistency source in step: its new writes are what the array's buffer carries. */
  private inBuffer(s: ReplicationSession): boolean {
    if (s.role !== 'Source' || s.transferMode !== 'Consistency' || s.baseCycle === 0) return false;
    if (s.state !== 'OK' && s.state !== 'Synchronizing') return false;
    const until = this.copyingUntilCycle.get(s.id);
    if (until !== undefined) {
      if (s.baseCycle < until) return false;
      this.copyingUntilCycle.delete(s.id);
    }
    return !this.host.isSuspending(s.id);
  }

  private arm(): void {
    if (!this.running || this.timer || this.host.setting().monitoringTimeMinutes === 0) return;
    this.timer = this.host.clock.setTimer(REC_BUFFER_SAMPLE_MS, () => {
      this.timer = null;
      try {
        this.sample();
      } catch (error) {
        // A timer callback must not throw (it would end the process); the next sample retries.
        this.host.log('REC buffer sample failed', { error: String(error) });
      } finally {
        this.arm();
      }
    });
  }
}
