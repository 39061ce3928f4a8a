// Sessions made and unmade by protection policies: the hooks VolumeService and ProtectionService
// call (assignability, policy and rule changes, deletability, growth and snapshots of mirrored
// volumes), creating a session with its destination on the peer, deleting one in the background
// and on the peer's word, and dropping a session's record and internal snapshots.
import { crashPoint } from '../core/crash-points.ts';
import type { CoreContext } from '../core/context.ts';
import { DomainError, NotFoundError, StateError, ValidationError } from '../core/errors.ts';
import type { Policy, Volume } from '../core/model.ts';
import { newSession, type ReplicationSession } from '../core/replication/model.ts';
import { isCopySession } from '../core/replication/rules.ts';
import { RPO_MINUTES } from '../core/protection.ts';
import type { ProtectionService } from '../core/protection.ts';
import type { VolumeGroupService } from '../core/volume-groups.ts';
import type { PreparedProtection, VolumeService } from '../core/volumes.ts';
import type { JobRunner } from '../jobs/job-runner.ts';
import { CONTROL_RPC_TIMEOUT_MS } from './limits.ts';
import { noticeStillDue } from '../core/replication/session-machine.ts';
import { learnFromDestination, memberSpecs, numberedMembers } from './member-copies.ts';
import { parseSessionParams } from './peer-protocol.ts';
import { tellPeerToDrop } from './peer-drop-notice.ts';
import type { SessionRuntime } from './session-runtime.ts';
import type { SynchronousReplication } from './synchronous.ts';
import { RPC, type CreateDestinationResult, type MemberResult } from './wire.ts';

/** What protection-policy sessions need besides the runtime. */
export interface ProtectionSessionsDeps {
  volumes: VolumeService;
  groups: VolumeGroupService;
  protection: ProtectionService;
  jobs: JobRunner;
  /** Growth, snapshots and restores of mirrored volumes, and the host-I/O routes after a session is gone. */
  synchronous: Pick<SynchronousReplication, 'growMirror' | 'snapshotMirror' | 'replaceContents' | 'refreshRoutes'>;
  /** Whether a REC create in flight pairs the volume (rec-actions.ts): it is not deletable meanwhile. */
  isPairing: (volumeId: string) => boolean;
}

export class ProtectionSessions {
  private readonly ctx: CoreContext;

  constructor(
    private readonly runtime: SessionRuntime,
    private readonly deps: ProtectionSessionsDeps,
  ) {
    this.ctx = runtime.ctx;
  }

  /** The peer deleted a session it shares with this system. */
  installRpc(): void {
    this.runtime.transport.handle(RPC.deleteSession, async ({ params, fromSystemId }) => {
      const s = this.ctx.meta.get('replication_session', parseSessionParams(params).sessionId);
      if (s && s.peerSystemId === fromSystemId) {
        await this.runtime.apply(s.id, { type: 'peer_deleted' }, { exclusive: true });
        // The exclusive apply waits for a running cycle, which may outlast the peer's call: its
        // normal delete then failed there and kept its record, while this side deleted. Told to
        // drop it until it hears (a no-op where the call was answered), or it keeps an orphan
        // for good with the link up (simulation v5 seed 29).
        if (!this.ctx.meta.get('replication_session', s.id)) tellPeerToDrop(this.ctx, this.runtime, fromSystemId, s.id);
      }
      return { result: {} };
    });
  }

  /** The protection hooks of volumes and policies: assigning a replicating policy creates a session, removing it deletes one. */
  installHooks(): void {
    const base = this.deps.volumes.protection;
    this.deps.volumes.protection = {
      checkPolicyAssignable: (policyId, resource) => {
        base.checkPolicyAssignable(policyId, resource);
        const policy = this.ctx.meta.get('policy', policyId)!;
        const rule = this.ruleOf(policy);
        if (!rule) return;
        if (policy.isReplica) throw new ValidationError(`Protection policy ${policy.name} is a replica managed by replication and cannot be assigned here.`, 'protection_policy_id');
        // rpo Zero is synchronous replication (a group must be write-order consistent: VolumeGroupService checks it).
        if (!this.ctx.meta.get('remote_system', rule.remoteSystemId)) throw new NotFoundError('remote_system', rule.remoteSystemId);
        if (resource.id && this.ctx.meta.findShared('sessionByLocalId', resource.id).some((s) => s.localResourceId === resource.id && s.role === 'Destination')) {
          throw new StateError('The resource is a replication destination.', resource.kind, resource.id);
        }
      },
      afterPolicyChange: (kind, id, oldPolicyId, newPolicyId) => this.afterPolicyChange(kind, id, oldPolicyId, newPolicyId),
      checkDeletable: (volume) => {
        // The create answers with a session on it: deleted meanwhile, the session held a volume that
        // no longer existed, and its cycles failed NOT_FOUND for good (simulation v5 seed 6027).
        if (this.deps.isPairing(volume.id)) throw new DomainError('IN_USE', `Volume ${volume.name} is being paired by a copy session create; try again once it is done.`, { kind: 'volume', id: volume.id });
        const s = this.runtime.sessionOfVolume(volume.id);
        if (!s) return;
        // Each dialect's own words: a REC is a copy session with a number, a PowerStore session has an id.
        const message =
          isCopySession(s)
            ? `Volume ${volume.name} is in copy session ${s.number}; delete the session first.`
            : s.state === 'Deleting'
              ? `Volume ${volume.name} is in replication session ${s.id}, which is being deleted; try again once it is gone.`
              : `Volume ${volume.name} is in replication session ${s.id}; remove its protection policy first.`;
        throw new DomainError('IN_USE', message, { kind: 'volume', id: volume.id });
      },
      checkGrowable: (volume) => {
        const s = this.runtime.sessionOfVolume(volume.id);
        // An ETERNUS REC pairs two volumes of one size and no REC operation grows its destination:
        // the array refuses to expand a volume in a copy session (a PowerStore session carries the
        // new size to its destination with the next cycle or mirrors the growth at once).
        if (s && isCopySession(s)) {
          throw new DomainError('IN_USE', `Volume ${volume.name} is in copy session ${s.number}; a volume in a copy session cannot be expanded. Delete the session first.`, { kind: 'volume', id: volume.id });
        }
      },
      checkDestinationReleasable: (resource) => {
        const s = resource.kind === 'volume' ? this.runtime.sessionOfVolume(resource.id) : this.ctx.meta.findShared('sessionByLocalId', resource.id).find((x) => x.localResourceId === resource.id);
        if (!s || s.role !== 'Destination') return;
        const what = resource.kind === 'volume' ? 'Volume' : 'Volume group';
        const session = isCopySession(s) ? `copy session ${s.number}` : `replication session ${s.id}`;
        throw new StateError(`${what} ${resource.name} is the destination of ${session}; is_replication_destination can be cleared only once no replication session uses it.`, resource.kind, resource.id);
      },
      beforeGrow: (volume, sizeBytes) => this.deps.synchronous.growMirror(volume, sizeBytes),
      afterMembersChanged: (groupId) => this.afterMembersChanged(groupId),
      takeSnapshot: (source, snapshot, take) => this.deps.synchronous.snapshotMirror(source, snapshot, take),
      replaceContents: (volumes, replace) => this.deps.synchronous.replaceContents(volumes, replace),
      prepareCreate: (volume, policyId) => this.prepareCreate(volume, policyId),
    };
    this.deps.protection.listeners = {
      remoteSystemExists: (id) => Boolean(this.ctx.meta.get('remote_system', id)),
      policyRulesChanged: (policy, previous) => this.policyRulesChanged(policy, previous),
      replicationRuleChanged: (rule) => {
        // The schedule follows the new RPO (session-machine's rpo_changed).
        for (const s of this.runtime.listShared().filter((s) => s.replicationRuleId === rule.id && s.role === 'Source')) this.runtime.applySoon(s.id, { type: 'rpo_changed', rpoSeconds: RPO_MINUTES[rule.rpo] * 60 });
      },
    };
  }

  ruleOf(policy: Policy | undefined | null) {
    const ruleId = policy?.replicationRuleIds[0];
    return ruleId ? (this.ctx.meta.get('replication_rule', ruleId) ?? null) : null;
  }

  /** Called with the management lock held, after the resource's policy changed in metadata. */
  private async afterPolicyChange(kind: 'volume' | 'volume_group', resourceId: string, oldPolicyId: string | null, newPolicyId: string | null): Promise<void> {
    const oldRule = this.ruleOf(oldPolicyId ? this.ctx.meta.get('policy', oldPolicyId) : null);
    const newRule = this.ruleOf(newPolicyId ? this.ctx.meta.get('policy', newPolicyId) : null);
    if (oldRule?.id === newRule?.id) return;
    const existing = this.runtime.sourceSessionOf(resourceId);
    if (existing && oldRule) this.deleteSessionInBackground(existing);
    if (newRule && newPolicyId) await this.createSession(kind, resourceId, this.ctx.meta.get('policy', newPolicyId)!);
  }

  private async policyRulesChanged(policy: Policy, previous: Policy): Promise<void> {
    const before = previous.replicationRuleIds[0] ?? null;
    const after = policy.replicationRuleIds[0] ?? null;
    if (before === after) return;
    const assigned = [
      ...this.ctx.meta.list('volume').filter((v) => v.protectionPolicyId === policy.id).map((v) => ({ kind: 'volume' as const, id: v.id })),
      ...this.ctx.meta.list('volume_group').filter((g) => g.protectionPolicyId === policy.id).map((g) => ({ kind: 'volume_group' as const, id: g.id })),
    ];
    for (const r of assigned) {
      const existing = this.runtime.sourceSessionOf(r.id);
      if (existing) this.deleteSessionInBackground(existing);
      if (after) await this.createSession(r.kind, r.id, policy);
    }
  }

  /**
   * A source group's members changed: between cycles (the session's exclusive chain), the
   * destination creates volumes for new members and lets removed ones go, and this side's
   * element pairs follow, so both views agree when the change is answered. With the peer out of
   * reach the removed members still leave this side's pairs at once; the next cycle's begin
   * brings the destination along.
   */
  private async afterMembersChanged(groupId: string): Promise<void> {
    const session = this.runtime.sourceSessionOf(groupId);
    if (!session) return;
    await this.runtime.exclusive(session.id, async () => {
      const s = this.ctx.meta.get('replication_session', session.id);
      if (!s || s.role !== 'Source') return;
      const members = this.deps.groups.members(groupId);
      const copies = numberedMembers(s.memberCopies, members.map((m) => m.id), () => this.runtime.allocateNumber());
      const specs = memberSpecs(s, members, copies);
      const followed = await this.runtime.call<MemberResult[]>(s, RPC.members, { sessionId: s.id, members: specs }).catch((e: unknown) => {
        this.runtime.log('peer did not follow a membership change; the next cycle will', { session: s.id, error: String(e) });
        return null;
      });
      const current = this.runtime.get(s.id);
      const elementPairs = members.flatMap((m) => {
        const known = current.elementPairs.find((p) => p.localVolumeId === m.id);
        const remote = followed?.find((r) => r.sourceVolumeId === m.id);
        if (known) return [known];
        return remote ? [{ localVolumeId: m.id, remoteVolumeId: remote.remoteVolumeId, localBaseSnapshotId: null }] : [];
      });
      // Removed members' bases go; new ones have none yet, so a cycle ships them whole soon (session-machine's members_changed).
      await this.runtime.apply(s.id, { type: 'members_changed', elementPairs, memberCopies: followed ? learnFromDestination(copies, followed) : copies });
    });
  }

  membersOf(kind: 'volume' | 'volume_group', resourceId: string): Volume[] {
    if (kind === 'volume') return [this.deps.volumes.get(resourceId)];
    return this.deps.groups.members(resourceId);
  }

  /** Creates the destination on the peer, then the session here; the initial copy runs after. */
  private async createSession(kind: 'volume' | 'volume_group', resourceId: string, policy: Policy): Promise<void> {
    const members = this.membersOf(kind, resourceId);
    const resourceName = kind === 'volume' ? members[0]!.name : this.deps.groups.get(resourceId).name;
    const made = await this.makeDestination(kind, resourceId, resourceName, members, policy);
    try {
      this.runtime.create(made.record(this.ctx.clock.nowMs()));
    } catch (error) {
      await this.cancelDestination(made.sessionId, made.peerSystemId);
      throw error;
    }
    this.startInitialCopy(made.sessionId);
  }

  /**
   * A volume being created with a replicating policy (VolumeService.createProtected): the peer
   * makes the destination now, without this system's management lock; the session record is
   * committed with the volume, after checking that the policy still replicates the same way.
   */
  private async prepareCreate(volume: Volume, policyId: string): Promise<PreparedProtection | null> {
    const policy = this.ctx.meta.get('policy', policyId);
    const rule = this.ruleOf(policy);
    if (!policy || !rule) return null;
    const made = await this.makeDestination('volume', volume.id, volume.name, [volume], policy);
    return {
      commit: () => {
        const now = this.ruleOf(this.ctx.meta.get('policy', policyId));
        if (now?.id !== rule.id || now.rpo !== rule.rpo || now.remoteSystemId !== rule.remoteSystemId || !this.ctx.meta.get('remote_system', rule.remoteSystemId)) {
          throw new StateError(`Protection policy ${policy.name} changed while volume ${volume.name} was being created; try again.`, 'policy', policyId);
        }
        this.runtime.create(made.record(this.ctx.clock.nowMs()));
      },
      started: () => this.startInitialCopy(made.sessionId),
      undo: () => this.cancelDestination(made.sessionId, made.peerSystemId),
    };
  }

  /** The initial copy waits for a cycle slot like any scheduled cycle (a bulk create queues them). */
  private startInitialCopy(sessionId: string): void {
    this.ctx.clock.immediate(() => void this.runtime.schedule.runSoon(sessionId));
  }

  /**
   * Has the peer create the destination of a new session (one atomic step there), and answers
   * how to build this side's record. Reads no volume or session record of this system beyond the
   * policy's, so it may run without the management lock. A call that fails may still have reached
   * the peer (a timeout, a link lost before the answer): the destination is cancelled then, in the
   * background, so a failed create leaves nothing on the peer either.
   */
  private async makeDestination(kind: 'volume' | 'volume_group', resourceId: string, resourceName: string, members: Volume[], policy: Policy): Promise<{ sessionId: string; peerSystemId: string; record(nowMs: number): ReplicationSession }> {
    const rule = this.ruleOf(policy)!;
    const rs = this.ctx.meta.get('remote_system', rule.remoteSystemId);
    if (!rs) throw new NotFoundError('remote_system', rule.remoteSystemId);
    const sessionId = this.ctx.ids.uuid();
    const sessionNumber = this.runtime.allocateNumber();
    const memberCopies = kind === 'volume_group' ? numberedMembers(undefined, members.map((m) => m.id), () => this.runtime.allocateNumber()) : undefined;
    const transferMode = rule.rpo === 'Zero' ? 'Synchronous' : 'Asynchronous';
    // Snapshots taken before protection stay local; those taken from now on are replicated.
    const snapshotWatermark = this.deps.volumes.highestNumber();
    let created: { result: CreateDestinationResult };
    try {
      created = await this.runtime.transport.call<CreateDestinationResult>(
        rs.peerSystemId,
        RPC.createDestination,
        {
          sessionId,
          resourceType: kind,
          sourceResourceId: resourceId,
          resourceName,
          groupIsWriteOrderConsistent: kind === 'volume_group' ? this.deps.groups.get(resourceId).isWriteOrderConsistent : false,
          members: members.map((m) => ({ sourceVolumeId: m.id, remoteVolumeId: null, name: m.name, sizeBytes: m.sizeBytes, number: m.number, ...(memberCopies ? { copyNumber: memberCopies[m.id]!.number } : {}) })),
          rpoSeconds: RPO_MINUTES[rule.rpo] * 60,
          transferMode,
          number: sessionNumber,
          policy: { id: policy.id, name: policy.name, description: policy.description },
          rule: { id: rule.id, name: rule.name, rpo: rule.rpo, alertThresholdMinutes: rule.alertThresholdMinutes },
        },
        { timeoutMs: CONTROL_RPC_TIMEOUT_MS },
      );
    } catch (error) {
      // A refusal the peer answered (a name in use) made nothing there; cancelling is then a no-op.
      if (!(error instanceof DomainError && error.code === 'NAME_IN_USE')) void this.cancelDestination(sessionId, rs.peerSystemId);
      throw error;
    }
    crashPoint(this.ctx, 'session.after-remote-destination');
    const result = created.result;
    return {
      sessionId,
      peerSystemId: rs.peerSystemId,
      record: (nowMs) =>
        newSession({
          id: sessionId,
          role: 'Source',
          resourceType: kind,
          localResourceId: resourceId,
          remoteResourceId: result.remoteResourceId,
          remoteSystemId: rs.id,
          peerSystemId: rs.peerSystemId,
          replicationRuleId: rule.id,
          // rpo Zero: PowerStore synchronous replication. Host I/O goes on when the link fails (the
          // session goes System_Paused and tracks changes), i.e. split mode Automatic.
          transferMode,
          splitMode: rule.rpo === 'Zero' ? 'Automatic' : 'Manual',
          recoveryMode: 'Automatic',
          number: sessionNumber,
          remoteNumber: result.number ?? null,
          remoteVolume: kind === 'volume' && result.members[0]?.remoteVolumeNumber !== undefined ? { number: result.members[0].remoteVolumeNumber, name: result.members[0].remoteVolumeName ?? members[0]!.name } : null,
          rpoSeconds: RPO_MINUTES[rule.rpo] * 60,
          elementPairs: result.members.map((m) => ({ localVolumeId: m.sourceVolumeId, remoteVolumeId: m.remoteVolumeId, localBaseSnapshotId: null })),
          ...(memberCopies ? { memberCopies: learnFromDestination(memberCopies, result.members) } : {}),
          nextSyncMs: nowMs,
          progressPercentage: 0,
          createdAtMs: nowMs,
          snapshotWatermark,
        }),
    };
  }

  /** Has the peer remove a destination this side never recorded (a create that failed after the peer made it). */
  private async cancelDestination(sessionId: string, peerSystemId: string): Promise<void> {
    try {
      await this.runtime.transport.call(peerSystemId, RPC.cancelDestination, { sessionId }, { timeoutMs: CONTROL_RPC_TIMEOUT_MS });
    } catch (error) {
      this.runtime.log('peer did not cancel the destination of a failed create; the link\'s return removes it', { session: sessionId, error: String(error) });
    }
  }

  private deleteSessionInBackground(session: Readonly<ReplicationSession>): void {
    // The record says Deleting (and stops what runs) in this turn: apply is synchronous up to its effects.
    this.runtime.applySoon(session.id, { type: 'delete' });
    this.deps.jobs.submit(
      { resourceType: 'replication_session', resourceAction: 'delete', resourceId: session.id, resourceName: null, description: `Delete replication session ${session.id}`, user: 'system' },
      () =>
        this.runtime.exclusive(session.id, async () => {
          await this.deleteOnBothSides(session.id).catch((e: unknown) => {
            this.runtime.log('peer did not confirm session deletion; the session stays Deleting until it does', { session: session.id, error: String(e) });
            this.runtime.noticeUnheard(session.id, { kind: 'finish_deletion' });
          });
          return null;
        }),
    );
  }

  /**
   * The retry of a deletion the peer did not confirm (session-machine finish_deletion), in the
   * session's turn and only if it is still a source being deleted by then. The peer answers a
   * session it no longer holds as deleted, so a retry after a lost answer ends it too.
   */
  retryDeletion(sessionId: string): void {
    void this.runtime.exclusive(sessionId, async () => {
      const s = this.ctx.meta.get('replication_session', sessionId);
      if (!s || !noticeStillDue(s, { kind: 'finish_deletion' })) return;
      await this.deleteOnBothSides(sessionId).catch(() => this.runtime.noticeUnheard(sessionId, { kind: 'finish_deletion' }));
    });
  }

  /**
   * The peer lets go first, then this side: the source lists the session (as Deleting) until
   * the destination's volumes are ordinary again, so a client that deletes them next succeeds.
   * Throws, leaving the session Deleting, while the peer cannot be reached; the link's return
   * finishes it (finishDeletion).
   */
  private async deleteOnBothSides(sessionId: string): Promise<void> {
    const session = this.runtime.get(sessionId);
    await this.runtime.transport.call(session.peerSystemId, RPC.deleteSession, { sessionId }, { timeoutMs: CONTROL_RPC_TIMEOUT_MS });
    await this.dropSessionLocally(sessionId);
  }

  /** A session left Deleting while the peer was away: finish now that the link is back. */
  finishDeletion(sessionId: string, peerKnowsIt: boolean): Promise<void> {
    return this.runtime.exclusive(sessionId, () => (peerKnowsIt ? this.deleteOnBothSides(sessionId) : this.dropSessionLocally(sessionId)));
  }

  /** Removes a session record and its internal snapshots; destination volumes stay destinations. */
  async dropSessionLocally(sessionId: string): Promise<void> {
    const session = this.ctx.meta.get('replication_session', sessionId);
    if (!session) return;
    this.runtime.timers.get(sessionId)?.cancel();
    this.runtime.timers.delete(sessionId);
    // Once the session is gone, what it held on this side is an ordinary volume or group again
    // (PowerStore: a former destination can be deleted or protected at once). A source too: one
    // read-only for a planned failover's hand-over when its policy was removed stayed read-only,
    // flagged a destination of no session (simulation v4 seed 480).
    await this.ctx.lock.run(() => this.runtime.remove(sessionId, () => this.releaseDestination(session)));
    this.deps.synchronous.refreshRoutes();
    const internal = [
      ...session.elementPairs.map((p) => p.localBaseSnapshotId),
      ...Object.values(session.pendingCycle?.snapshotIds ?? {}),
      ...Object.values(session.openCycle?.stagingIds ?? {}),
      ...Object.values(session.failoverTest?.shadowVolumeIds ?? {}),
    ];
    for (const id of internal) if (id) await this.ctx.store.deleteVolume(id).catch(() => undefined);
  }

  /** Clears the destination flag and the replica policy of the session's resource and members. */
  private releaseDestination(session: ReplicationSession): void {
    const ids = [session.localResourceId, ...session.elementPairs.map((p) => p.localVolumeId)];
    const isReplica = (policyId: string | null) => Boolean(policyId && this.ctx.meta.get('policy', policyId)?.isReplica);
    for (const id of ids) {
      const v = this.ctx.meta.get('volume', id);
      if (v) this.ctx.meta.put('volume', { ...v, isReplicationDestination: false, protectionPolicyId: isReplica(v.protectionPolicyId) ? null : v.protectionPolicyId });
      const g = this.ctx.meta.get('volume_group', id);
      if (g) this.ctx.meta.put('volume_group', { ...g, isReplicationDestination: false, protectionPolicyId: isReplica(g.protectionPolicyId) ? null : g.protectionPolicyId });
    }
  }
}
