// The RPO compliance alert: a source session whose lag (the age of the destination's consistent
// copy, metrics.ts lagSeconds) passes its replication rule's alert_threshold raises an alert, which
// clears once a cycle brings the lag back under it. Checked every RPO_ALERT_CHECK_MS on the injected
// clock, so tests drive it without sleeping; an alert_threshold of 0 turns the alert off.
import { repeatEvery, type Clock, type TimerHandle } from '../core/clock.ts';
import type { MetaStore } from '../core/meta-store.ts';
import { EVENT_CODES, type EventStore } from './event-store.ts';
import { lagSeconds } from './metrics.ts';

export const RPO_ALERT_CHECK_MS = 10_000;

export class RpoAlerts {
  private timer: TimerHandle | null = null;

  constructor(
    private readonly clock: Clock,
    private readonly meta: MetaStore,
    private readonly store: EventStore,
  ) {}

  start(): void {
    this.timer ??= repeatEvery(this.clock, RPO_ALERT_CHECK_MS, () => this.check());
  }

  stop(): void {
    this.timer?.cancel();
    this.timer = null;
  }

  check(): void {
    const nowMs = this.clock.nowMs();
    for (const s of this.meta.listShared('replication_session')) {
      const key = `rpo:${s.id}`;
      const rule = s.replicationRuleId ? this.meta.getShared('replication_rule', s.replicationRuleId) : undefined;
      const thresholdSeconds = rule && s.role === 'Source' && s.transferMode !== 'Synchronous' ? rule.alertThresholdMinutes * 60 : 0;
      const name = (s.resourceType === 'volume' ? this.meta.getShared('volume', s.localResourceId)?.name : this.meta.getShared('volume_group', s.localResourceId)?.name) ?? s.localResourceId;
      const lag = lagSeconds(s, nowMs);
      if (thresholdSeconds > 0 && lag > thresholdSeconds) {
        this.store.raise({ key, code: EVENT_CODES.rpoCompliance, severity: 'Major', resourceType: 'replication_session', resourceId: s.id, resourceName: name, description: `Replication session of ${name} is out of RPO compliance: its destination copy is ${Math.round(lag)} s old, over the alert threshold of ${rule!.alertThresholdMinutes} min of rule ${rule!.name}.` });
      } else {
        this.store.clear(key, `Replication session of ${name} is back within its RPO alert threshold (destination copy ${Math.round(lag)} s old).`);
      }
    }
  }
}
