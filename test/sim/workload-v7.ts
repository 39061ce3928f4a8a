// Workload v7 of the simulation (simulation.ts): v5 (workload-v5.ts), and what a user does with
// the snapshots of replicated volumes, which no other workload does: a user snapshot of a source
// volume or group (PowerStore POST /volume/{id}/snapshot, /volume_group/{id}/snapshot), and a
// restore or refresh of a source from one of them (POST /volume/{id}/restore, /refresh and the
// group's), with or without a backup snapshot, whatever the session's state: in step a
// Synchronous session refuses it (PowerStore: a metro volume only while its session is paused or
// fractured), otherwise the next cycle or resync ships it. A restore replaces a volume's contents
// wholesale, so the durability model of each restored volume is taken again from what is there,
// and the workload notes it as a write (a source written while suspended or halted is ahead of its
// base); while a restore runs, the checks leave its volumes alone. Every check of v5 holds
// meanwhile: at quiet points each destination equals its source.
// v7 draws its own numbers only in its own branch, so the seeds of v1..v6 replay unchanged.
import type { ReplicationSession } from '../../src/core/replication/model.ts';
import type { SimSystem } from './sim-system.ts';
import type { WideContext, WideWorkload } from './workload-v4.ts';

/** Snapshots v7 keeps per volume or group at most; the oldest goes first. */
const SNAPSHOTS_MAX = 3;
const PREFIX = 'v7-snap';

export class RestoreWorkload {
  private taken = 0;

  constructor(
    private readonly c: WideContext,
    private readonly wide: WideWorkload,
  ) {}

  /** One action of v7's own, on a source of this system. */
  action(sys: SimSystem): void {
    const { work } = this.c;
    const sources = sys.running ? sys.running.replication.list().filter((s) => s.role === 'Source') : [];
    if (sources.length === 0) return;
    const s = work.pick(sources)!;
    // A source without a snapshot of v7's takes one: picking blindly left about one restore per run.
    if (this.snapshotsOf(sys, s).length === 0 || work.chance(0.35)) this.snapshot(sys, s);
    else this.restore(sys, s);
  }

  /** A user snapshot of the source (in step, a Synchronous volume's is taken on the destination at the same instant). */
  private snapshot(sys: SimSystem, s: ReplicationSession): void {
    const { act } = this.c;
    const name = `${PREFIX}-${++this.taken}`;
    const old = this.snapshotsOf(sys, s);
    if (s.resourceType === 'volume_group') act('group-snapshot', sys, () => sys.up.groups.snapshot(s.localResourceId, { name }));
    else act('snapshot', sys, () => sys.up.volumes.snapshot(s.localResourceId, { name }));
    // Kept few: the oldest of v7's goes (PowerStore DELETE /volume/{id} of a snapshot).
    if (old.length >= SNAPSHOTS_MAX) {
      const oldest = old[0]!;
      if (s.resourceType === 'volume_group') act('delete-group-snapshot', sys, () => sys.up.groups.delete(oldest, true));
      else act('delete-snapshot', sys, () => sys.up.volumes.delete(oldest));
    }
  }

  /** A restore (or refresh) of the source from one of its snapshots. */
  private restore(sys: SimSystem, s: ReplicationSession): void {
    const { work, act, trace } = this.c;
    const snapshots = this.snapshotsOf(sys, s);
    if (snapshots.length === 0) return;
    const from = work.pick(snapshots)!;
    const backup = work.chance(0.5);
    const refresh = work.chance(0.3);
    const volumeIds = s.elementPairs.map((p) => p.localVolumeId);
    trace(`${refresh ? 'refresh' : 'restore'} ${s.resourceType} ${s.localResourceId} from ${from} (${s.transferMode} ${s.state}${s.mirroring ? ', in step' : ''})`);
    const run = async () => {
      const replacing = volumeIds.map((volumeId) => this.c.replacingContents(`${sys.name}:${volumeId}`));
      try {
        await this.replace(sys, s, from, refresh, backup);
      } finally {
        for (const r of replacing) r.done();
      }
      // Done: the volumes hold the snapshot's contents. Written, as far as the checks go.
      const now = sys.running?.replication.list().find((x) => x.id === s.id);
      if (now) for (const volumeId of volumeIds) this.wide.noteSourceWrite(sys, now, volumeId);
      if (s.resourceType === 'volume_group') this.wide.groupRestored();
    };
    act(refresh ? `${s.resourceType === 'volume_group' ? 'group-' : ''}refresh` : `${s.resourceType === 'volume_group' ? 'group-' : ''}restore`, sys, run);
  }

  /** PowerStore POST /volume/{id}/restore or /refresh, or the group's. */
  private async replace(sys: SimSystem, s: ReplicationSession, from: string, refresh: boolean, backup: boolean): Promise<void> {
    if (s.resourceType === 'volume_group') await (refresh ? sys.up.groups.refresh(s.localResourceId, from, backup) : sys.up.groups.restore(s.localResourceId, from, backup));
    else await (refresh ? sys.up.volumes.refresh(s.localResourceId, from, backup) : sys.up.volumes.restore(s.localResourceId, from, backup));
  }

  /** v7's snapshots of the session's volume or group on this system, oldest first. */
  private snapshotsOf(sys: SimSystem, s: ReplicationSession): string[] {
    const kind = s.resourceType === 'volume_group' ? 'volume_group' : 'volume';
    const all = sys.up.meta.list(kind) as { id: string; name: string; type: string; sourceId: string | null; createdAtMs?: number }[];
    return all.filter((v) => v.type === 'Snapshot' && v.sourceId === s.localResourceId && v.name.startsWith(PREFIX)).sort((x, y) => (x.createdAtMs ?? 0) - (y.createdAtMs ?? 0)).map((v) => v.id);
  }
}
