// Session state changes, failovers and ended jobs, seen where every record is written: the
// metadata store's commit (session-runtime put/patch, the destination's commits, the REC actions,
// the peer's notices and the job runner all end there). A change is emitted once, after it is
// durable, whichever code path made it.
import type { MetaStore } from '../core/meta-store.ts';
import type { Job } from '../core/model.ts';
import type { ReplicationSession } from '../core/replication/model.ts';
import type { CommitListener } from '../meta/sqlite-meta-store.ts';
import type { EventHub } from './events.ts';

export function sessionEvents(meta: MetaStore, hub: EventHub): CommitListener {
  const nameOf = (s: ReplicationSession): string | null =>
    (s.resourceType === 'volume' ? meta.getShared('volume', s.localResourceId)?.name : meta.getShared('volume_group', s.localResourceId)?.name) ?? null;
  return (kind, id, before, after) => {
    if (kind === 'job') return jobEnded(hub, before as Job | undefined, after as Job | undefined);
    if (kind !== 'replication_session') return;
    const was = before as ReplicationSession | undefined;
    const now = after as ReplicationSession | undefined;
    const current = now ?? was!;
    if (was?.state !== now?.state) {
      hub.emit({ kind: 'session_state', sessionId: id, resourceName: nameOf(current), role: current.role, from: was?.state ?? null, to: now?.state ?? null, errorCode: now?.errorCode ?? null });
    }
    if (was && now && now.role !== was.role) {
      hub.emit({ kind: 'failover', sessionId: id, resourceName: nameOf(now), roleBefore: was.role, roleAfter: now.role, generation: now.generation, state: now.state });
    }
  };
}

function jobEnded(hub: EventHub, was: Job | undefined, now: Job | undefined): void {
  if (!now || was?.state === now.state || (now.state !== 'COMPLETED' && now.state !== 'FAILED')) return;
  hub.emit({ kind: 'job', jobId: now.id, description: now.description, user: now.user, state: now.state, resourceId: now.resourceId, error: now.error?.message ?? null });
}
