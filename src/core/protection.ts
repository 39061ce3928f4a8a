// Protection policies and their rules. Replication rules point at remote systems, which the
// replication layer owns; it installs `remoteSystems` so this file needs nothing from it.
import { SNAPSHOT_RETENTION_HOURS_MAX } from '../limits.ts';
import type { CoreContext } from './context.ts';
import { DomainError, InUseError, NameInUseError, NotFoundError, ReadOnlyError, ValidationError } from './errors.ts';
import type { Kind, Policy, ReplicationRule, Rpo, SnapshotRule } from './model.ts';
import { checkEnum, checkInteger, checkName, checkStringArray } from './validate.ts';

export const SNAPSHOT_INTERVALS = {
  Five_Minutes: 5,
  Fifteen_Minutes: 15,
  Thirty_Minutes: 30,
  One_Hour: 60,
  Two_Hours: 120,
  Three_Hours: 180,
  Four_Hours: 240,
  Six_Hours: 360,
  Eight_Hours: 480,
  Twelve_Hours: 720,
  One_Day: 1440,
} as const;
export const SNAPSHOT_INTERVAL_NAMES = Object.keys(SNAPSHOT_INTERVALS) as (keyof typeof SNAPSHOT_INTERVALS)[];
export const DAYS_OF_WEEK = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'] as const;

export const RPO_MINUTES: Record<Rpo, number> = {
  Five_Minutes: 5,
  Fifteen_Minutes: 15,
  Thirty_Minutes: 30,
  One_Hour: 60,
  Six_Hours: 360,
  Twelve_Hours: 720,
  One_Day: 1440,
  Zero: 0,
};
export const RPO_NAMES = Object.keys(RPO_MINUTES) as Rpo[];

/** Policies hold at most one replication rule and four snapshot rules (PowerStore limits). */
const POLICY_REPLICATION_RULES_MAX = 1;
const POLICY_SNAPSHOT_RULES_MAX = 4;

export interface SnapshotRuleInput {
  name?: string;
  interval?: string | null;
  timeOfDay?: string | null;
  timezone?: string;
  daysOfWeek?: string[];
  desiredRetentionHours?: number;
  isReadOnly?: boolean;
  isSecure?: boolean;
  nasAccessType?: string;
}

export interface PolicyInput {
  name?: string;
  description?: string | null;
  snapshotRuleIds?: string[] | null;
  replicationRuleIds?: string[] | null;
  addSnapshotRuleIds?: string[];
  removeSnapshotRuleIds?: string[];
  addReplicationRuleIds?: string[];
  removeReplicationRuleIds?: string[];
}

export interface ReplicationRuleInput {
  name?: string;
  rpo?: string;
  remoteSystemId?: string;
  alertThresholdMinutes?: number;
  isReadOnly?: boolean;
}

/** Error raised when a rule named in a policy change does not exist (PowerStore 0xE0203001000B). */
export class RuleNotFoundError extends DomainError {
  constructor(kind: 'snapshot_rule' | 'replication_rule', id: string) {
    super('NOT_FOUND', `The specified ${kind === 'snapshot_rule' ? 'snapshot' : 'replication'} rule ${id} is not found`, { kind, id, arguments: [id] });
  }
}

/** Error raised when removing a rule that the policy does not hold (PowerStore 0xE02020010007). */
export class RuleNotInPolicyError extends DomainError {
  constructor(id: string) {
    super('NOT_FOUND', `Rule ${id} does not exist in the policy`, { kind: 'policy', id, arguments: [id] });
  }
}

export interface ProtectionListeners {
  remoteSystemExists(id: string): boolean;
  /** A policy's rules changed while assigned: replication sessions may start or stop. */
  policyRulesChanged(policy: Policy, previous: Policy): Promise<void>;
  /** A replication rule's RPO changed: sessions reschedule. */
  replicationRuleChanged(rule: ReplicationRule): void;
}

export class ProtectionService {
  listeners: ProtectionListeners = {
    remoteSystemExists: () => false,
    policyRulesChanged: async () => undefined,
    replicationRuleChanged: () => undefined,
  };

  constructor(private readonly ctx: CoreContext) {}

  // ---- snapshot rules ----

  getSnapshotRule(id: string): SnapshotRule {
    const rule = this.ctx.meta.get('snapshot_rule', id);
    if (!rule) throw new NotFoundError('snapshot_rule', id);
    return rule;
  }

  createSnapshotRule(input: SnapshotRuleInput): Promise<SnapshotRule> {
    return this.ctx.lock.run(async () => {
      if (input.desiredRetentionHours === undefined) throw new ValidationError('desired_retention is required.', 'desired_retention');
      const rule: SnapshotRule = {
        id: this.ctx.ids.uuid(),
        name: this.checkNewName('snapshot_rule', input.name),
        interval: null,
        timeOfDay: null,
        timezone: input.timezone ?? 'UTC',
        daysOfWeek: [...DAYS_OF_WEEK],
        desiredRetentionHours: 0,
        isReplica: false,
        isReadOnly: input.isReadOnly ?? false,
        isSecure: input.isSecure ?? false,
        nasAccessType: input.nasAccessType ?? 'Snapshot',
        managedBy: 'User',
        managedById: null,
      };
      if (input.interval && input.timeOfDay) throw new ValidationError('Give either interval or time_of_day, not both.', 'interval');
      if (!input.interval && !input.timeOfDay) throw new ValidationError('One of interval or time_of_day is required.', 'interval');
      this.applySnapshotRuleInput(rule, input);
      this.ctx.meta.put('snapshot_rule', rule);
      return rule;
    });
  }

  modifySnapshotRule(id: string, input: SnapshotRuleInput): Promise<SnapshotRule> {
    return this.ctx.lock.run(async () => {
      const rule = this.getSnapshotRule(id);
      this.checkWritable(rule);
      if (input.interval && input.timeOfDay) throw new ValidationError('Give either interval or time_of_day, not both.', 'interval');
      const next = { ...rule };
      if (input.name !== undefined && input.name !== rule.name) next.name = this.checkNewName('snapshot_rule', input.name);
      this.applySnapshotRuleInput(next, input);
      this.ctx.meta.put('snapshot_rule', next);
      return next;
    });
  }

  deleteSnapshotRule(id: string, deleteSnaps: boolean): Promise<void> {
    return this.ctx.lock.run(async () => {
      const rule = this.getSnapshotRule(id);
      this.checkWritable(rule);
      const usedBy = this.ctx.meta.list('policy').find((p) => p.snapshotRuleIds.includes(id));
      if (usedBy) throw new InUseError(`Snapshot rule ${rule.name} is used by protection policy ${usedBy.name}.`, 'snapshot_rule', id);
      const snaps = deleteSnaps ? this.ctx.meta.list('volume').filter((v) => v.createdByRuleId === id && v.volumeGroupId === null) : [];
      const sets = deleteSnaps ? this.ctx.meta.list('volume_group').filter((g) => g.createdByRuleId === id) : [];
      const setMembers = this.ctx.meta.list('volume').filter((v) => sets.some((s) => s.id === v.volumeGroupId));
      this.ctx.meta.transaction(() => {
        this.ctx.meta.delete('snapshot_rule', id);
        for (const s of this.ctx.meta.list('snapshot_schedule').filter((s) => s.ruleId === id)) this.ctx.meta.delete('snapshot_schedule', s.id);
        for (const v of [...snaps, ...setMembers]) this.ctx.meta.delete('volume', v.id);
        for (const g of sets) this.ctx.meta.delete('volume_group', g.id);
      });
      for (const v of [...snaps, ...setMembers]) await this.ctx.store.deleteVolume(v.id);
    });
  }

  // ---- replication rules ----

  getReplicationRule(id: string): ReplicationRule {
    const rule = this.ctx.meta.get('replication_rule', id);
    if (!rule) throw new NotFoundError('replication_rule', id);
    return rule;
  }

  createReplicationRule(input: ReplicationRuleInput): Promise<ReplicationRule> {
    return this.ctx.lock.run(async () => {
      const name = this.checkNewName('replication_rule', input.name);
      const rpo = checkEnum('rpo', input.rpo, RPO_NAMES);
      if (!input.remoteSystemId) throw new ValidationError('remote_system_id is required.', 'remote_system_id');
      if (!this.listeners.remoteSystemExists(input.remoteSystemId)) throw new NotFoundError('remote_system', input.remoteSystemId);
      const rule: ReplicationRule = {
        id: this.ctx.ids.uuid(),
        name,
        rpo,
        remoteSystemId: input.remoteSystemId,
        alertThresholdMinutes: input.alertThresholdMinutes === undefined ? RPO_MINUTES[rpo] : checkInteger('alert_threshold', input.alertThresholdMinutes, 0, 1440),
        isReplica: false,
        isReadOnly: input.isReadOnly ?? false,
        managedBy: 'User',
        managedById: null,
      };
      this.ctx.meta.put('replication_rule', rule);
      return rule;
    });
  }

  modifyReplicationRule(id: string, input: ReplicationRuleInput): Promise<ReplicationRule> {
    return this.ctx.lock.run(async () => {
      const rule = this.getReplicationRule(id);
      this.checkWritable(rule);
      const next = { ...rule };
      if (input.name !== undefined && input.name !== rule.name) next.name = this.checkNewName('replication_rule', input.name);
      if (input.rpo !== undefined) next.rpo = checkEnum('rpo', input.rpo, RPO_NAMES);
      if (input.alertThresholdMinutes !== undefined) next.alertThresholdMinutes = checkInteger('alert_threshold', input.alertThresholdMinutes, 0, 1440);
      if (input.isReadOnly !== undefined) next.isReadOnly = input.isReadOnly;
      if (input.remoteSystemId !== undefined && input.remoteSystemId !== rule.remoteSystemId) {
        if (this.isReplicationRuleInUse(id)) {
          throw new InUseError(`The remote system of replication rule ${rule.name} cannot change while the rule is in a policy assigned to a resource.`, 'replication_rule', id);
        }
        if (!this.listeners.remoteSystemExists(input.remoteSystemId)) throw new NotFoundError('remote_system', input.remoteSystemId);
        next.remoteSystemId = input.remoteSystemId;
      }
      if ((next.rpo === 'Zero') !== (rule.rpo === 'Zero') && this.isReplicationRuleInUse(id)) {
        throw new InUseError(`The RPO of replication rule ${rule.name} cannot change to or from Zero while the rule is in use.`, 'replication_rule', id);
      }
      this.ctx.meta.put('replication_rule', next);
      if (next.rpo !== rule.rpo) this.listeners.replicationRuleChanged(next);
      return next;
    });
  }

  deleteReplicationRule(id: string): Promise<void> {
    return this.ctx.lock.run(async () => {
      const rule = this.getReplicationRule(id);
      // A replica stays while its replica policy names it; once that is gone, so may the rule.
      if (rule.isReplica && this.ctx.meta.list('policy').some((p) => p.replicationRuleIds.includes(id))) {
        throw new InUseError(`Replication rule ${rule.name} is a replica still used by a replica protection policy.`, 'replication_rule', id);
      }
      if (this.isReplicationRuleInUse(id)) {
        throw new InUseError(`Replication rule ${rule.name} is in a policy assigned to a storage resource.`, 'replication_rule', id);
      }
      this.ctx.meta.transaction(() => {
        for (const p of this.ctx.meta.list('policy').filter((p) => p.replicationRuleIds.includes(id))) {
          this.ctx.meta.put('policy', { ...p, replicationRuleIds: p.replicationRuleIds.filter((r) => r !== id) });
        }
        this.ctx.meta.delete('replication_rule', id);
      });
    });
  }

  isReplicationRuleInUse(ruleId: string): boolean {
    return this.ctx.meta.list('policy').some((p) => p.replicationRuleIds.includes(ruleId) && this.isPolicyAssigned(p.id));
  }

  // ---- policies ----

  getPolicy(id: string): Policy {
    const policy = this.ctx.meta.get('policy', id);
    if (!policy) throw new NotFoundError('policy', id);
    return policy;
  }

  isPolicyAssigned(policyId: string): boolean {
    return (
      this.ctx.meta.listShared('volume').some((v) => v.protectionPolicyId === policyId) ||
      this.ctx.meta.list('volume_group').some((g) => g.protectionPolicyId === policyId)
    );
  }

  createPolicy(input: PolicyInput): Promise<Policy> {
    return this.ctx.lock.run(async () => {
      const policy: Policy = {
        id: this.ctx.ids.uuid(),
        name: this.checkNewName('policy', input.name),
        description: input.description ?? null,
        type: 'Protection',
        snapshotRuleIds: this.checkRuleIds('snapshot_rule', input.snapshotRuleIds ?? []),
        replicationRuleIds: this.checkRuleIds('replication_rule', input.replicationRuleIds ?? []),
        isReplica: false,
        isReadOnly: false,
        managedBy: 'User',
        managedById: null,
      };
      this.checkPolicyShape(policy);
      this.ctx.meta.put('policy', policy);
      return policy;
    });
  }

  modifyPolicy(id: string, input: PolicyInput): Promise<Policy> {
    return this.ctx.lock.run(async () => {
      const policy = this.getPolicy(id);
      this.checkWritable(policy);
      const next = { ...policy };
      if (input.name !== undefined && input.name !== policy.name) next.name = this.checkNewName('policy', input.name);
      if (input.description !== undefined) next.description = input.description;
      if (input.snapshotRuleIds) next.snapshotRuleIds = this.checkRuleIds('snapshot_rule', input.snapshotRuleIds);
      if (input.replicationRuleIds) next.replicationRuleIds = this.checkRuleIds('replication_rule', input.replicationRuleIds);
      next.snapshotRuleIds = this.editRuleList('snapshot_rule', next.snapshotRuleIds, input.addSnapshotRuleIds, input.removeSnapshotRuleIds);
      next.replicationRuleIds = this.editRuleList('replication_rule', next.replicationRuleIds, input.addReplicationRuleIds, input.removeReplicationRuleIds);
      this.checkPolicyShape(next);
      const rulesChanged =
        next.replicationRuleIds.join() !== policy.replicationRuleIds.join() || next.snapshotRuleIds.join() !== policy.snapshotRuleIds.join();
      if (rulesChanged && this.isPolicyAssigned(id)) await this.listeners.policyRulesChanged(next, policy);
      this.ctx.meta.put('policy', next);
      return next;
    });
  }

  deletePolicy(id: string): Promise<void> {
    return this.ctx.lock.run(async () => {
      const policy = this.getPolicy(id);
      // Replicas are read-only but not forever: once replication let go of them, they can be deleted.
      if (this.isPolicyAssigned(id)) throw new InUseError(`Protection policy ${policy.name} is assigned to a storage resource.`, 'policy', id);
      this.ctx.meta.delete('policy', id);
    });
  }

  private checkPolicyShape(policy: Policy): void {
    if (policy.snapshotRuleIds.length + policy.replicationRuleIds.length === 0) {
      throw new ValidationError('A protection policy needs at least one snapshot rule or replication rule.', 'snapshot_rule_ids');
    }
    if (policy.replicationRuleIds.length > POLICY_REPLICATION_RULES_MAX) {
      throw new ValidationError(`A protection policy holds at most ${POLICY_REPLICATION_RULES_MAX} replication rule.`, 'replication_rule_ids');
    }
    if (policy.snapshotRuleIds.length > POLICY_SNAPSHOT_RULES_MAX) {
      throw new ValidationError(`A protection policy holds at most ${POLICY_SNAPSHOT_RULES_MAX} snapshot rules.`, 'snapshot_rule_ids');
    }
  }

  private editRuleList(kind: 'snapshot_rule' | 'replication_rule', current: string[], add?: string[], remove?: string[]): string[] {
    let result = [...current];
    for (const id of remove ?? []) {
      if (!result.includes(id)) throw new RuleNotInPolicyError(id);
      result = result.filter((r) => r !== id);
    }
    for (const id of this.checkRuleIds(kind, add ?? [])) if (!result.includes(id)) result.push(id);
    return result;
  }

  private checkRuleIds(kind: 'snapshot_rule' | 'replication_rule', ids: unknown): string[] {
    const list = [...new Set(checkStringArray(`${kind}_ids`, ids))];
    for (const id of list) if (!this.ctx.meta.get(kind, id)) throw new RuleNotFoundError(kind, id);
    return list;
  }

  private applySnapshotRuleInput(rule: SnapshotRule, input: SnapshotRuleInput): void {
    if (input.interval) {
      rule.interval = checkEnum('interval', input.interval, SNAPSHOT_INTERVAL_NAMES);
      rule.timeOfDay = null;
    }
    if (input.timeOfDay) {
      if (!/^([01]\d|2[0-3]):[0-5]\d$/.test(input.timeOfDay)) throw new ValidationError(`time_of_day "${input.timeOfDay}" is not hh:mm.`, 'time_of_day');
      rule.timeOfDay = input.timeOfDay;
      rule.interval = null;
    }
    if (input.timezone !== undefined) rule.timezone = input.timezone;
    if (input.daysOfWeek !== undefined) rule.daysOfWeek = checkStringArray('days_of_week', input.daysOfWeek).map((d) => checkEnum('days_of_week', d, DAYS_OF_WEEK));
    if (input.desiredRetentionHours !== undefined) {
      rule.desiredRetentionHours = checkInteger('desired_retention', input.desiredRetentionHours, 1, SNAPSHOT_RETENTION_HOURS_MAX);
    }
    if (input.isReadOnly !== undefined) rule.isReadOnly = input.isReadOnly;
    if (input.isSecure !== undefined) rule.isSecure = input.isSecure;
  }

  private checkNewName(kind: Kind & ('policy' | 'snapshot_rule' | 'replication_rule'), name: unknown): string {
    const checked = checkName('name', name);
    const lower = checked.toLowerCase();
    if (this.ctx.meta.list(kind).some((o) => o.name.toLowerCase() === lower)) throw new NameInUseError(kind, checked);
    return checked;
  }

  private checkWritable(object: { isReplica: boolean; name: string }): void {
    if (object.isReplica) throw new ReadOnlyError(`${object.name} is a replica managed by replication and is read-only here.`);
  }
}
