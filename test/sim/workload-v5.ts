// Workload v5 of the simulation (simulation.ts): v4 (workload-v4.ts), and what v4 leaves out:
// - a protected volume grown while it replicates (PowerStore PATCH /volume/{id} with a larger
//   size), also during link faults and around crashes: the peer's destination must grow with it;
// - a second volume group's whole life: created from new volumes, protected by either policy,
//   members added, the policy removed, and the group deleted with or without its members
//   (PowerStore DELETE /volume_group/{id}, refused while it has a policy);
// - ETERNUS REC pairs created with recovery mode Manual besides Automatic (a halted pair waits
//   for the operator's forced suspend and resume, which the quiet point gives it).
// At quiet points, every settled pair's destination volumes have their source's size, and every
// Manual pair left halted is recovered as docs/eternus.md says an operator does.
// v5 draws its own numbers only in its own branches, so v4's seeds replay unchanged.
import type { ReplicationSession } from '../../src/core/replication/model.ts';
import { isRec } from '../../src/core/replication/rules.ts';
import type { SimSystem } from './sim-system.ts';
import type { WideContext } from './workload-v4.ts';

/** Volumes grow in steps of 64 KiB..256 KiB up to twice their first size. */
const GROW_STEP_BYTES = 64 * 1024;
const GROWTH_MAX = 2;
/** Volumes v5 creates on one system at most (its group's members, REC pairs with Manual recovery). */
const CREATED_VOLUMES_MAX = 6;

export class LifecycleWorkload {
  private created = new Map<string, number>();

  constructor(
    private readonly c: WideContext,
    private readonly policies: { asyncPolicyId: string; syncPolicyId: string },
    private readonly remoteSystemId: (sys: SimSystem) => string,
  ) {}

  private other(sys: SimSystem): SimSystem {
    return sys === this.c.a ? this.c.b : this.c.a;
  }

  private sessionsOf(sys: SimSystem): ReplicationSession[] {
    return sys.running ? sys.running.replication.list() : [];
  }

  /** One action of v5's own. */
  action(sys: SimSystem): void {
    const choice = this.c.work.next();
    if (choice < 0.4) this.grow(sys);
    else if (choice < 0.8) this.groupLifecycle(sys);
    else this.recWithManualRecovery(sys);
  }

  /** PowerStore PATCH /volume/{id} {size}: a volume in a session of this system grows. */
  private grow(sys: SimSystem): void {
    const { work, act } = this.c;
    const inSessions = this.sessionsOf(sys).flatMap((s) => s.elementPairs.map((p) => p.localVolumeId));
    const volumes = inSessions.map((id) => sys.up.meta.get('volume', id)).filter((v) => v !== undefined && v.sizeBytes < this.c.volumeBytes * GROWTH_MAX);
    if (volumes.length === 0) return;
    const v = work.pick(volumes)!;
    const sizeBytes = Math.min(v.sizeBytes + work.int(1, 4) * GROW_STEP_BYTES, this.c.volumeBytes * GROWTH_MAX);
    this.c.trace(`grow ${v.name} from ${v.sizeBytes} to ${sizeBytes} bytes`);
    act('grow-volume', sys, () => sys.up.volumes.modify(v.id, { sizeBytes }));
  }

  /** The group `gx` on site-a: created, protected, changed, unprotected and deleted, one step at a time. */
  private groupLifecycle(sys: SimSystem): void {
    const { work, act } = this.c;
    if (sys !== this.c.a) return;
    const r = sys.up;
    const group = r.meta.list('volume_group').find((g) => g.type === 'Primary' && g.name === 'gx' && !g.isReplicationDestination);
    if (!group) {
      const count = work.int(1, 2);
      act('gx-create', sys, async () => {
        const ids: string[] = [];
        for (let i = 0; i < count; i++) {
          const id = await this.createVolume(sys, 'gx-');
          if (id) ids.push(id);
        }
        if (ids.length === 0) return;
        const protectionPolicyId = work.chance(0.5) ? (work.chance(0.7) ? this.policies.asyncPolicyId : this.policies.syncPolicyId) : undefined;
        await r.groups.create({ name: 'gx', volumeIds: ids, isWriteOrderConsistent: true, ...(protectionPolicyId ? { protectionPolicyId } : {}) });
      });
      return;
    }
    const choice = work.next();
    if (group.protectionPolicyId) {
      if (choice < 0.4) act('gx-unassign-policy', sys, () => r.groups.modify(group.id, { protectionPolicyId: null }));
      else if (choice < 0.7) {
        act('gx-add-member', sys, async () => {
          const id = await this.createVolume(sys, 'gx-');
          if (id) await r.groups.addMembers(group.id, [id]);
        });
      } else act('gx-delete-refused', sys, () => r.groups.delete(group.id, work.chance(0.5)));
    } else if (choice < 0.5) {
      const policyId = work.chance(0.7) ? this.policies.asyncPolicyId : this.policies.syncPolicyId;
      act('gx-assign-policy', sys, () => r.groups.modify(group.id, { protectionPolicyId: policyId }));
    } else {
      const deleteMembers = work.chance(0.5);
      act(`gx-delete${deleteMembers ? '-with-members' : ''}`, sys, async () => {
        const members = r.groups.members(group.id).map((m) => m.id);
        await r.groups.delete(group.id, deleteMembers);
        // Deleted volumes leave the simulation's models of host writes (as v4's delete-volume does).
        if (deleteMembers) for (const id of members) this.c.forgetModel(`${sys.name}:${id}`);
        if (deleteMembers) for (const m of r.meta.list('volume').filter((v) => v.name.startsWith('gx-'))) if (m.volumeGroupId === group.id) this.c.fail(`site-a deleted group gx with its members, yet ${m.name} remains in it`);
      });
    }
  }

  /** An ETERNUS REC (POST /copysession/rec) with recovery mode Manual between new volumes. */
  private recWithManualRecovery(sys: SimSystem): void {
    const { work, act } = this.c;
    const other = this.other(sys);
    if (!other.running) return;
    const transferMode = work.pick(['Synchronous', 'Stack', 'Consistency'] as const);
    const splitMode = transferMode === 'Synchronous' && work.chance(0.5) ? 'Automatic' : 'Manual';
    act(`rec-create-manual-${transferMode}`, sys, async () => {
      const s = await this.createVolume(sys, 'rm-');
      const t = await this.createVolume(other, 'rm-');
      if (!s || !t) return;
      await sys.up.replication.createRec({ localVolumeId: s, remoteSystemId: this.remoteSystemId(sys), destinationVolumeNumber: other.up.meta.get('volume', t)!.number, transferMode, splitMode, recoveryMode: 'Manual' });
    });
  }

  private async createVolume(sys: SimSystem, prefix: string): Promise<string | null> {
    const count = this.created.get(sys.name) ?? 0;
    if (count >= CREATED_VOLUMES_MAX) return null;
    this.created.set(sys.name, count + 1);
    const v = await sys.up.volumes.create({ name: `${prefix}${sys.name}-${count}`, sizeBytes: this.c.volumeBytes });
    return v.id;
  }

  // ---------------------------------------------------------------- quiet points

  /**
   * Before the common checks of a quiet point: a REC with recovery mode Manual that a fault
   * halted stays halted when the path returns (docs/eternus.md); the operator recovers it with a
   * forced suspend and a resume, as the vendor's runbook says.
   */
  async recoverManualPairs(): Promise<void> {
    for (const sys of [this.c.a, this.c.b]) {
      for (const s of this.sessionsOf(sys)) {
        if (!isRec(s) || s.recoveryMode !== 'Manual' || s.role !== 'Source' || s.state !== 'System_Paused') continue;
        // A partner deleted by force during an outage: the source keeps its record (v4's quiet deletes it).
        if (!this.sessionsOf(this.other(sys)).some((x) => x.id === s.id)) continue;
        await freeHaltedRec(this.c, sys, s.id, 'recovery Manual');
      }
    }
    await this.c.scheduler.runFor(20_000);
  }

  /** After the common checks: a settled, active pair's destination volumes have their source's size. */
  checkSizes(): void {
    const { a, b, fail, trace } = this.c;
    for (const s of this.sessionsOf(a)) {
      const other = this.sessionsOf(b).find((x) => x.id === s.id);
      if (!other || s.role === other.role) continue;
      const [src, dst, srcS, dstS] = s.role === 'Source' ? [a, b, s, other] : [b, a, other, s];
      if (srcS.state !== 'OK') continue;
      for (const p of srcS.elementPairs) {
        const local = src.up.meta.get('volume', p.localVolumeId);
        const remote = dst.up.meta.get('volume', p.remoteVolumeId);
        if (!local || !remote) continue;
        // Under a failover test the volume is the hosts' test copy and cycles go to its shadow, which
        // takes the source's size; the test's volume is left as hosts see it, larger if the source
        // shrank (v7: restored to a snapshot taken before it grew; v7 seed 260).
        const shadow = dstS.failoverTest?.shadowVolumeIds[p.remoteVolumeId];
        if (shadow) {
          if (dst.up.store.hasVolume(shadow) && dst.up.store.sizeBytes(shadow) !== local.sizeBytes) fail(`session ${s.id} [${srcS.transferMode}] OK: the failover test's shadow of ${remote.name} on ${dst.name} is ${dst.up.store.sizeBytes(shadow)} bytes, its source ${local.name} ${local.sizeBytes}`);
          continue;
        }
        if (local.sizeBytes !== remote.sizeBytes) fail(`session ${s.id} [${srcS.transferMode}] OK: destination ${dst.name} volume ${remote.name} is ${remote.sizeBytes} bytes, its source ${local.name} ${local.sizeBytes}`);
        else if (local.sizeBytes !== this.c.volumeBytes) trace(`quiet: session ${s.id} grown volume ${local.name} ${local.sizeBytes} bytes on both sides`);
        if (dst.up.store.hasVolume(p.remoteVolumeId) && dst.up.store.sizeBytes(p.remoteVolumeId) !== remote.sizeBytes) fail(`${dst.name} volume ${remote.name}: the engine holds ${dst.up.store.sizeBytes(p.remoteVolumeId)} bytes, its record ${remote.sizeBytes}`);
      }
    }
  }
}

/**
 * What docs/eternus.md says an operator does to a REC halted for good (recovery Manual, REC buffer
 * overload): a forced suspend, then a resume. `why` names the halt in the trace and failures.
 */
export async function freeHaltedRec(c: WideContext, sys: SimSystem, id: string, why: string): Promise<void> {
  c.trace(`quiet: copy session ${id} (${why}) halted: forced suspend, then resume`);
  await c.settle(Promise.resolve().then(async () => (await sys.up.replication.recSuspend(id, true)).completion)).catch((e: unknown) => c.fail(`copy session ${id} (${why}): forced suspend failed: ${String(e)}`));
  await c.settle(Promise.resolve().then(() => sys.up.replication.recResume(id))).catch((e: unknown) => c.fail(`copy session ${id} (${why}): resume after the forced suspend failed: ${String(e)}`));
}
