// Takes scheduled snapshots for the snapshot rules of assigned policies and expires snapshots
// whose expiration time has passed. Driven by the injected clock: tests call tick() or advance
// a ManualClock; nothing here reads wall time.
import type { CoreContext } from './context.ts';
import { EXPIRING } from './meta-indexes.ts';
import type { SnapshotRule } from './model.ts';
import { DAYS_OF_WEEK, SNAPSHOT_INTERVALS } from './protection.ts';
import type { VolumeGroupService } from './volume-groups.ts';
import type { VolumeService } from './volumes.ts';

/** How often the scheduler looks for due rules: the finest interval is five minutes. */
export const SCHEDULER_TICK_MS = 60_000;
const MS_PER_HOUR = 3_600_000;
const MS_PER_DAY = 86_400_000;

export class SnapshotScheduler {
  private timer: { cancel(): void } | null = null;
  private running: Promise<void> = Promise.resolve();

  constructor(
    private readonly ctx: CoreContext,
    private readonly volumes: VolumeService,
    private readonly groups: VolumeGroupService,
    private readonly log: (message: string, error?: unknown) => void = () => undefined,
  ) {}

  start(): void {
    const arm = () => {
      this.timer = this.ctx.clock.setTimer(SCHEDULER_TICK_MS, () => {
        this.running = this.tick().catch((e) => this.log('snapshot scheduler tick failed', e)).finally(arm);
      });
    };
    arm();
  }

  async stop(): Promise<void> {
    this.timer?.cancel();
    this.timer = null;
    await this.running;
  }

  /** One pass: take due snapshots, then expire old ones. */
  async tick(): Promise<void> {
    await this.ctx.lock.run(async () => {
      await this.takeDueSnapshots();
      await this.expireSnapshots();
    });
  }

  private async takeDueSnapshots(): Promise<void> {
    const nowMs = this.ctx.clock.nowMs();
    // Only volumes of policies with snapshot rules (an index read per policy): with thousands of
    // volumes protected by replication alone, this tick, which holds the management lock, visits none.
    const withSnapshotRules = this.ctx.meta.listShared('policy').filter((p) => p.snapshotRuleIds.length > 0);
    const resources = [
      ...withSnapshotRules.flatMap((p) => this.ctx.meta.findShared('volumeByPolicy', p.id)).filter((v) => v.type !== 'Snapshot' && !v.isReplicationDestination).map((v) => ({ kind: 'volume' as const, id: v.id, policyId: v.protectionPolicyId! })),
      ...this.ctx.meta.listShared('volume_group').filter((g) => g.protectionPolicyId && g.type !== 'Snapshot' && !g.isReplicationDestination).map((g) => ({ kind: 'volume_group' as const, id: g.id, policyId: g.protectionPolicyId! })),
    ];
    for (const resource of resources) {
      const policy = this.ctx.meta.get('policy', resource.policyId);
      for (const ruleId of policy?.snapshotRuleIds ?? []) {
        const rule = this.ctx.meta.get('snapshot_rule', ruleId);
        if (!rule) continue;
        const scheduleId = `${ruleId}:${resource.id}`;
        const schedule = this.ctx.meta.get('snapshot_schedule', scheduleId);
        if (!schedule) {
          // First sight of this assignment: the first snapshot comes one period from now.
          this.ctx.meta.put('snapshot_schedule', { id: scheduleId, ruleId, resourceId: resource.id, lastRunMs: nowMs });
          continue;
        }
        if (!isDue(rule, schedule.lastRunMs, nowMs)) continue;
        const profile = {
          name: null,
          creatorType: 'Scheduler' as const,
          createdByRuleId: rule.id,
          createdByRuleName: rule.name,
          expirationTimestampMs: nowMs + rule.desiredRetentionHours * MS_PER_HOUR,
        };
        try {
          if (resource.kind === 'volume') await this.volumes.snapshotLocked(resource.id, profile);
          else await this.groups.snapshotLocked(resource.id, profile);
        } catch (error) {
          this.log(`scheduled snapshot of ${resource.kind} ${resource.id} by rule ${rule.name} failed`, error);
        }
        this.ctx.meta.put('snapshot_schedule', { ...schedule, lastRunMs: nowMs });
      }
    }
  }

  private async expireSnapshots(): Promise<void> {
    const nowMs = this.ctx.clock.nowMs();
    const mapped = new Set(this.ctx.meta.listShared('host_volume_mapping').map((m) => m.volumeId));
    const expiredSets = this.ctx.meta.listShared('volume_group').filter((g) => g.type === 'Snapshot' && g.expirationTimestampMs !== null && g.expirationTimestampMs <= nowMs);
    const setIds = new Set(expiredSets.map((g) => g.id));
    // Only volumes with an expiration time (an index read), not every volume.
    const expired = this.ctx.meta
      .findShared('volumeExpiring', EXPIRING)
      .filter(
        (v) =>
          v.type === 'Snapshot' &&
          !mapped.has(v.id) &&
          ((v.volumeGroupId !== null && setIds.has(v.volumeGroupId)) ||
            (v.volumeGroupId === null && v.expirationTimestampMs !== null && v.expirationTimestampMs <= nowMs)),
      );
    if (expired.length === 0 && expiredSets.length === 0) return;
    this.ctx.meta.transaction(() => {
      for (const v of expired) this.ctx.meta.delete('volume', v.id);
      for (const g of expiredSets) this.ctx.meta.delete('volume_group', g.id);
    });
    for (const v of expired) {
      this.ctx.listeners.volumeExportChanged({ ...v, name: '' }, v.name);
      await this.ctx.store.deleteVolume(v.id);
    }
  }
}

/** Whether a rule has a run due in (lastRunMs, nowMs]. time_of_day rules are read in UTC. */
export function isDue(rule: SnapshotRule, lastRunMs: number, nowMs: number): boolean {
  if (rule.interval) {
    const intervalMs = SNAPSHOT_INTERVALS[rule.interval as keyof typeof SNAPSHOT_INTERVALS] * 60_000;
    return nowMs - lastRunMs >= intervalMs;
  }
  if (!rule.timeOfDay) return false;
  const [hours, minutes] = rule.timeOfDay.split(':').map(Number) as [number, number];
  const offsetMs = (hours * 60 + minutes) * 60_000;
  // Walk back over the last eight days to find the latest occurrence on an allowed weekday.
  for (let day = Math.floor(nowMs / MS_PER_DAY); day >= Math.floor(nowMs / MS_PER_DAY) - 8; day--) {
    const occurrenceMs = day * MS_PER_DAY + offsetMs;
    if (occurrenceMs > nowMs) continue;
    const weekday = DAYS_OF_WEEK[(new Date(occurrenceMs).getUTCDay() + 6) % 7]!;
    if (!rule.daysOfWeek.includes(weekday)) continue;
    return occurrenceMs > lastRunMs;
  }
  return false;
}
