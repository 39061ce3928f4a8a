// PowerStore's alert, event and audit_event records, kept from the system's event hub: the same
// happenings the log shows, as the array's monitoring resources give them to automation (and to
// the console's timeline). Bounded: the newest EVENTS_KEPT_MAX events and audit records; alerts
// while active, cleared ones up to ALERTS_CLEARED_KEPT_MAX. In memory: like login sessions they
// start afresh with the process (a restart itself is an event).
import type { Clock } from '../core/clock.ts';
import { faultSettings } from '../core/faults.ts';
import type { EventHub, MutationEvent, SystemEvent } from './events.ts';

export const EVENTS_KEPT_MAX = 5_000;
export const AUDIT_EVENTS_KEPT_MAX = 5_000;
export const ALERTS_CLEARED_KEPT_MAX = 1_000;

export type Severity = 'Info' | 'Minor' | 'Major' | 'Critical';

/**
 * Tandem's event codes, in PowerStore's 0xNNNNNNNN form under a prefix of their own (0x7A...), so
 * that no code means something else on a real array.
 */
export const EVENT_CODES = {
  sessionState: '0x7A010001',
  sessionHalted: '0x7A010002',
  failover: '0x7A010003',
  rpoCompliance: '0x7A010004',
  linkState: '0x7A020001',
  linkLost: '0x7A020002',
  faultAdded: '0x7A030001',
  faultRemoved: '0x7A030002',
  recovery: '0x7A040001',
  jobFailed: '0x7A050001',
  error: '0x7A060001',
} as const;

export interface EventRecord {
  id: string;
  event_code: string;
  severity: Severity;
  resource_type: string;
  resource_id: string | null;
  resource_name: string | null;
  generated_timestamp: string;
  description_l10n: string;
  system_impact_l10n: string | null;
  repair_flow_l10n: string | null;
  severity_l10n: string;
  resource_type_l10n: string;
}

/** An alert has an event's identity, resource and text, and a life of its own (raised, cleared, acknowledged). */
export interface AlertRecord extends Omit<EventRecord, 'system_impact_l10n' | 'repair_flow_l10n'> {
  state: 'ACTIVE' | 'CLEARED';
  is_acknowledged: boolean;
  raised_timestamp: string;
  cleared_timestamp: string | null;
  called_home_timestamp: null;
  email_sent_timestamp: null;
  snmp_sent_timestamp: null;
  acknowledged_timestamp: string | null;
  events: { id: string }[];
  state_l10n: string;
}

export interface AuditEventRecord {
  id: string;
  type: 'Authentication' | 'Authorization' | 'Config' | 'System' | 'Logout';
  timestamp: string;
  username: string | null;
  is_successful: boolean;
  client_address: string | null;
  server_address: string | null;
  appliance_id: string | null;
  job_id: string | null;
  resource_type: string | null;
  resource_action: string | null;
  message_code: string;
  message_arguments: string[];
  message_l10n: string;
  type_l10n: string;
  resource_type_l10n: string | null;
  resource_action_l10n: string | null;
}

/** What raising or clearing an alert names: one alert per key while active. */
export interface AlertSpec {
  key: string;
  code: string;
  severity: Severity;
  resourceType: string;
  resourceId: string | null;
  resourceName: string | null;
  description: string;
}

const iso = (ms: number) => new Date(ms).toISOString().replace('Z', '+00:00');
const typeL10n = (t: string) => t.split('_').map((w) => w[0]!.toUpperCase() + w.slice(1)).join(' ');

export class EventStore {
  private readonly events: EventRecord[] = [];
  private readonly audit: AuditEventRecord[] = [];
  private readonly alerts: AlertRecord[] = [];
  /** Active alerts by their key. */
  private readonly active = new Map<string, AlertRecord>();
  private nextNumber = 1;

  constructor(
    private readonly clock: Clock,
    hub: EventHub,
    private readonly applianceId: string,
  ) {
    hub.on((e) => this.record(e));
  }

  listEvents(): readonly EventRecord[] {
    return this.events;
  }

  listAudit(): readonly AuditEventRecord[] {
    return this.audit;
  }

  listAlerts(): readonly AlertRecord[] {
    return this.alerts;
  }

  alert(id: string): AlertRecord | undefined {
    return this.alerts.find((a) => a.id === id);
  }

  acknowledge(id: string, acknowledged: boolean): AlertRecord | undefined {
    const a = this.alert(id);
    if (!a) return undefined;
    a.is_acknowledged = acknowledged;
    a.acknowledged_timestamp = acknowledged ? iso(this.clock.nowMs()) : null;
    return a;
  }

  /** Raises the alert of `spec.key` unless it is active already; the event is recorded either way once. */
  raise(spec: AlertSpec): void {
    if (this.active.has(spec.key)) return;
    const event = this.addEvent(spec.code, spec.severity, spec.resourceType, spec.resourceId, spec.resourceName, spec.description);
    const now = iso(this.clock.nowMs());
    const alert: AlertRecord = {
      id: this.newId(),
      event_code: spec.code,
      severity: spec.severity,
      resource_type: spec.resourceType,
      resource_id: spec.resourceId,
      resource_name: spec.resourceName,
      description_l10n: spec.description,
      generated_timestamp: now,
      state: 'ACTIVE',
      is_acknowledged: false,
      raised_timestamp: now,
      cleared_timestamp: null,
      called_home_timestamp: null,
      email_sent_timestamp: null,
      snmp_sent_timestamp: null,
      acknowledged_timestamp: null,
      events: [{ id: event.id }],
      severity_l10n: spec.severity,
      resource_type_l10n: typeL10n(spec.resourceType),
      state_l10n: 'Active',
    };
    this.active.set(spec.key, alert);
    this.alerts.push(alert);
    this.trimAlerts();
  }

  /** Clears the active alert of `key`, if any, with an event saying why. */
  clear(key: string, description: string): void {
    const alert = this.active.get(key);
    if (!alert) return;
    this.active.delete(key);
    const event = this.addEvent(alert.event_code, 'Info', alert.resource_type, alert.resource_id, alert.resource_name, description);
    alert.state = 'CLEARED';
    alert.state_l10n = 'Cleared';
    alert.cleared_timestamp = event.generated_timestamp;
    alert.events.push({ id: event.id });
  }

  isActive(key: string): boolean {
    return this.active.has(key);
  }

  private record(e: SystemEvent): void {
    switch (e.kind) {
      case 'mutation':
        return this.addAudit(e);
      case 'session_state': {
        const key = `session-halt:${e.sessionId}`;
        if (e.to === 'System_Paused' || e.to === 'Error') {
          const cause = e.errorCode ? ` (${e.errorCode})` : '';
          this.raise({ key, code: EVENT_CODES.sessionHalted, severity: e.to === 'Error' ? 'Major' : 'Minor', resourceType: 'replication_session', resourceId: e.sessionId, resourceName: e.resourceName, description: `Replication session of ${e.resourceName ?? e.sessionId} is ${e.to}${cause}.` });
        } else {
          // The alert's own clearing event says the halt is over; the state event beside it says the change.
          if (e.to === null || e.to === 'OK' || e.to === 'Synchronizing' || e.to === 'Paused' || e.to === 'Failed_Over') this.clear(key, `Replication session of ${e.resourceName ?? e.sessionId} is no longer halted (${e.to ?? 'deleted'}).`);
          const change = e.from === null ? `was created (${e.to ?? 'deleted'})` : `changed from ${e.from} to ${e.to ?? 'deleted'}`;
          this.addEvent(EVENT_CODES.sessionState, 'Info', 'replication_session', e.sessionId, e.resourceName, `Replication session of ${e.resourceName ?? e.sessionId} (${e.role}) ${change}.`);
        }
        if (e.to === null) this.clear(`rpo:${e.sessionId}`, `Replication session of ${e.resourceName ?? e.sessionId} was deleted.`);
        return;
      }
      case 'failover':
        this.addEvent(EVENT_CODES.failover, 'Info', 'replication_session', e.sessionId, e.resourceName, `Replication session of ${e.resourceName ?? e.sessionId} failed over: this system is now ${e.roleAfter} (was ${e.roleBefore}), state ${e.state}.`);
        return;
      case 'link': {
        const key = `link:${e.peerSystemId}`;
        const who = e.peerName ?? e.peerSystemId;
        // A link that has not come up yet (Initializing, start-up) is no loss to alert on.
        if (e.state === 'Initializing') return;
        if (e.state === 'OK') {
          this.clear(key, `The data connection to remote system ${who} is restored.`);
          this.addEvent(EVENT_CODES.linkState, 'Info', 'remote_system', e.peerSystemId, e.peerName, `The data connection to remote system ${who} is ${e.state}.`);
        } else {
          this.raise({ key, code: EVENT_CODES.linkLost, severity: 'Major', resourceType: 'remote_system', resourceId: e.peerSystemId, resourceName: e.peerName, description: `The data connection to remote system ${who} is lost (${e.state}).` });
        }
        return;
      }
      case 'fault': {
        const what = describeFault(e.id, e.fault);
        if (e.action === 'added') this.raise({ key: `fault:${e.id}`, code: EVENT_CODES.faultAdded, severity: 'Minor', resourceType: 'cluster', resourceId: '0', resourceName: null, description: `Fault injected: ${what}.` });
        else this.clear(`fault:${e.id}`, `Fault removed: ${what}.`);
        return;
      }
      case 'recovery':
        this.addEvent(EVENT_CODES.recovery, 'Info', 'cluster', '0', null, `System started: ${e.volumes} volumes, ${e.sessions} replication sessions; ${e.replayedRecords} log records replayed${e.truncatedAt ? ', a torn tail truncated' : ''}; ${e.interruptedJobs} interrupted jobs.`);
        return;
      case 'job':
        if (e.state === 'FAILED') this.addEvent(EVENT_CODES.jobFailed, 'Minor', 'job', e.jobId, null, `Job "${e.description}" of ${e.user} failed: ${e.error ?? 'no message'}.`);
        return;
      case 'error':
        this.addEvent(EVENT_CODES.error, 'Major', 'cluster', '0', null, `Internal error in ${e.source}: ${e.message}`);
        return;
    }
  }

  private addEvent(code: string, severity: Severity, resourceType: string, resourceId: string | null, resourceName: string | null, description: string): EventRecord {
    const event: EventRecord = {
      id: this.newId(),
      event_code: code,
      severity,
      resource_type: resourceType,
      resource_id: resourceId,
      resource_name: resourceName,
      generated_timestamp: iso(this.clock.nowMs()),
      description_l10n: description,
      system_impact_l10n: null,
      repair_flow_l10n: null,
      severity_l10n: severity,
      resource_type_l10n: typeL10n(resourceType),
    };
    this.events.push(event);
    if (this.events.length > EVENTS_KEPT_MAX) this.events.splice(0, this.events.length - EVENTS_KEPT_MAX);
    return event;
  }

  private addAudit(e: MutationEvent): void {
    const { resourceType, action } = auditTarget(e);
    const type: AuditEventRecord['type'] = action === 'logout' ? 'Logout' : e.status === 401 || resourceType === 'login_session' || resourceType === 'session' ? 'Authentication' : e.status === 403 ? 'Authorization' : 'Config';
    const ok = e.status < 400;
    const target = `${resourceType ?? e.route}${e.resourceId ? ` ${e.resourceId}` : ''}`;
    this.audit.push({
      id: this.newId(),
      type,
      timestamp: iso(this.clock.nowMs()),
      username: e.user,
      is_successful: ok,
      client_address: null,
      server_address: null,
      appliance_id: this.applianceId,
      job_id: null,
      resource_type: resourceType,
      resource_action: action,
      message_code: ok ? '0x7A070001' : '0x7A070002',
      message_arguments: [e.user ?? '', e.method, e.route, String(e.status)],
      message_l10n: ok ? `${e.user ?? 'unknown user'}: ${action} ${target} (${e.dialect}) succeeded.` : `${e.user ?? 'unknown user'}: ${action} ${target} (${e.dialect}) failed with ${e.status}: ${e.error ?? ''}`.trim(),
      type_l10n: type,
      resource_type_l10n: resourceType ? typeL10n(resourceType) : null,
      resource_action_l10n: action ? typeL10n(action) : null,
    });
    if (this.audit.length > AUDIT_EVENTS_KEPT_MAX) this.audit.splice(0, this.audit.length - AUDIT_EVENTS_KEPT_MAX);
  }

  private trimAlerts(): void {
    let cleared = this.alerts.filter((a) => a.state === 'CLEARED').length;
    for (let i = 0; i < this.alerts.length && cleared > ALERTS_CLEARED_KEPT_MAX; ) {
      if (this.alerts[i]!.state === 'CLEARED') {
        this.alerts.splice(i, 1);
        cleared--;
      } else i++;
    }
  }

  private newId(): string {
    // Ordered and unique per process: records are listed oldest first.
    return `${this.clock.nowMs().toString(16).padStart(12, '0')}-${(this.nextNumber++).toString(16).padStart(8, '0')}`;
  }
}

/**
 * The resource and action of a mutation, read from its route pattern: `/volume/:id/snapshot` is
 * volume snapshot, `POST /volume` volume create, `PATCH /volume/:id` volume modify.
 */
export function auditTarget(e: Pick<MutationEvent, 'method' | 'route'>): { resourceType: string | null; action: string } {
  const path = e.route.split('?')[0]!.replace(/^\/(api\/rest|api\/v1|tandem\/v1)(?=\/|$)/, '');
  const parts = path.split('/').filter((p) => p && !p.startsWith(':'));
  const resourceType = parts[0] ?? null;
  const verb = e.method === 'POST' ? 'create' : e.method === 'PATCH' || e.method === 'PUT' ? 'modify' : e.method === 'DELETE' ? 'delete' : e.method.toLowerCase();
  const action = parts.length > 1 && e.method === 'POST' ? parts[parts.length - 1]! : parts[0] === 'logout' ? 'logout' : verb;
  return { resourceType, action };
}

/** `fault-1 delay (200 ms)`: the id `tandem fault rm` takes (a stop has none of its own), the kind, then its settings. */
function describeFault(id: string, fault: Record<string, unknown>): string {
  const kind = String(fault.kind);
  const shown = faultSettings(fault);
  return `${id === kind ? '' : `${id} `}${kind}${shown.length > 0 ? ` (${shown.join(', ')})` : ''}`;
}
