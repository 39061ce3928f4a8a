// Replication sessions as the operator commands show them, read through the PowerStore dialect of
// each system: state, role, lag (now minus the last sync's cut time), the RPO of the rule and
// whether the lag is within it. A session has the same id on both systems; commands find it by id
// or by the name of its volume or volume group, and send each action to the system it belongs on.
import { RPO_MINUTES } from '../../core/protection.ts';
import { isRpoCompliant, lagSeconds as sessionLagSeconds } from '../../core/replication/session-figures.ts';
import type { Rpo } from '../../core/model.ts';
import { UsageError } from '../start-errors.ts';
import type { TandemClient } from './client.ts';

const SESSION_SELECT =
  'id,state,role,type,resource_type,local_resource_id,remote_resource_id,last_sync_timestamp,next_sync_timestamp,last_sync_duration,progress_percentage,estimated_completion_timestamp,failover_test_in_progress,error_code,data_connection_state,remote_system(name),replication_rule(name,rpo)';

export interface SessionView {
  system: string;
  id: string;
  resource: string;
  resourceType: string;
  role: string;
  state: string;
  type: string;
  remote: string | null;
  lastSync: string | null;
  lagSeconds: number | null;
  rpoSeconds: number | null;
  compliant: boolean | null;
  progressPercent: number | null;
  estimatedCompletion: string | null;
  failoverTest: boolean;
  errorCode: string | null;
  connection: string;
}

export async function sessionsOf(client: TandemClient, nowMs = Date.now()): Promise<SessionView[]> {
  const [sessions, volumes, groups] = await Promise.all([
    client.ps('GET', `/replication_session?select=${SESSION_SELECT}`),
    client.ps('GET', '/volume?select=id,name'),
    client.ps('GET', '/volume_group?select=id,name'),
  ]);
  const names = new Map<string, string>([...volumes, ...groups].map((r: { id: string; name: string }) => [r.id, r.name]));
  return (sessions as any[]).map((s) => {
    const rpo = s.replication_rule?.rpo as Rpo | undefined;
    const rpoSeconds = rpo === undefined || s.type === 'Synchronous' ? null : RPO_MINUTES[rpo] * 60;
    // The dialect does not show when a session was made: no lag before the first sync.
    const lagInputs = { transferMode: s.type, state: s.state, lastSyncMs: s.last_sync_timestamp ? Date.parse(s.last_sync_timestamp) : null, createdAtMs: null, rpoSeconds };
    const lagSeconds = sessionLagSeconds(lagInputs, nowMs);
    const compliant = isRpoCompliant(lagInputs, nowMs);
    return {
      system: client.target.name,
      id: s.id,
      resource: names.get(s.local_resource_id) ?? s.local_resource_id,
      resourceType: s.resource_type,
      role: s.role,
      state: s.state,
      type: s.type,
      remote: s.remote_system?.name ?? null,
      lastSync: s.last_sync_timestamp ?? null,
      lagSeconds,
      rpoSeconds,
      compliant,
      progressPercent: s.progress_percentage ?? null,
      estimatedCompletion: s.estimated_completion_timestamp ?? null,
      failoverTest: s.failover_test_in_progress === true,
      errorCode: s.error_code ?? null,
      connection: s.data_connection_state,
    };
  });
}

export interface FoundSession {
  /** The session as each reachable system sees it. */
  views: Array<{ client: TandemClient; view: SessionView }>;
}

/** Finds a session by id or resource name on every system; refuses an unknown or ambiguous one. */
export async function findSession(clients: TandemClient[], key: string): Promise<FoundSession> {
  const views: FoundSession['views'] = [];
  const errors: Error[] = [];
  for (const client of clients) {
    try {
      for (const view of await sessionsOf(client)) if (view.id === key || view.resource === key) views.push({ client, view });
    } catch (error) {
      errors.push(error as Error);
    }
  }
  if (views.length === 0) {
    if (errors.length === clients.length && errors[0]) throw errors[0];
    throw new UsageError(`no replication session ${JSON.stringify(key)}: give a session id or the name of its volume or volume group (tandem session ls)`);
  }
  const ids = new Set(views.map((v) => v.view.id));
  if (ids.size > 1) throw new UsageError(`${JSON.stringify(key)} names ${ids.size} sessions (${[...ids].join(', ')}): give the session id`);
  return { views };
}

/**
 * The system an action belongs on: the source, or the destination (unplanned failover, failover
 * tests). While the link is cut after an unplanned failover both sides may call themselves the
 * source; `preferStates` picks the one in the state the action needs (reprotect: Failed_Over).
 */
export function sideFor(found: FoundSession, role: 'Source' | 'Destination', site?: string, preferStates: string[] = []): { client: TandemClient; view: SessionView } {
  if (site) {
    const chosen = found.views.find((v) => v.client.target.name === site);
    if (!chosen) throw new UsageError(`the session is not visible on ${site}`);
    return chosen;
  }
  const withRole = found.views.filter((v) => v.view.role === role);
  return withRole.find((v) => preferStates.includes(v.view.state)) ?? withRole[0] ?? found.views[0]!;
}
