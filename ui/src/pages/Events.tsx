// What happened, newest first: PowerStore's event records (state changes, failovers, faults,
// link changes, RPO compliance) and the active alerts, read again whenever the overview reports a
// new event.
import { useConsole } from '../context.tsx';
import { useList, useNow } from '../hooks.ts';
import { Badge, Listed } from '../components/ui.tsx';
import { formatRelative } from '../logic/format.ts';

interface EventRecord {
  id: string;
  resource_id?: string | null;
  severity: string;
  resource_type: string;
  resource_name: string | null;
  generated_timestamp: string;
  description_l10n: string;
}
interface AuditRecord {
  id: string;
  type: string;
  timestamp: string;
  username: string | null;
  is_successful: boolean;
  message_l10n: string;
}
interface AlertRecord extends EventRecord {
  state: string;
  raised_timestamp: string;
}

/** The timeline shows the newest this many events. */
const EVENTS_SHOWN = 200;

export function EventsPage() {
  const { api, overview } = useConsole();
  const o = overview!;
  // A tenant user sees what happened to its tenant's volumes and their sessions.
  const visible = o.visible_ids === null ? null : new Set([...o.visible_ids, ...o.sessions.map((s) => s.id)]);
  const shown = <T extends { resource_id?: string | null }>(items: T[]) => (visible === null ? items : items.filter((e) => e.resource_id && visible.has(e.resource_id)));
  const now = useNow(5000);
  const events = useList<EventRecord>(async () => {
    const [records, audit] = await Promise.all([
      api.ps<EventRecord[]>('GET', `/event?select=id,severity,resource_type,resource_id,resource_name,generated_timestamp,description_l10n&order=generated_timestamp.desc&limit=${EVENTS_SHOWN}`),
      api.ps<AuditRecord[]>('GET', `/audit_event?select=id,type,timestamp,username,is_successful,message_l10n&type=eq.Authentication&order=timestamp.desc&limit=${EVENTS_SHOWN}`),
    ]);
    // Sign-ins (and refused ones) are audit records; they join the timeline as events of their own.
    const signIns = audit.map((a) => ({ id: a.id, severity: a.is_successful ? 'Info' : 'Minor', resource_type: 'sign_in', resource_name: a.username, generated_timestamp: a.timestamp, description_l10n: a.message_l10n }));
    return [...shown(records), ...(visible === null ? signIns : [])].sort((x, y) => Date.parse(y.generated_timestamp) - Date.parse(x.generated_timestamp)).slice(0, EVENTS_SHOWN);
  });
  const alerts = useList<AlertRecord>(() => api.ps('GET', '/alert?select=id,severity,resource_type,resource_id,resource_name,raised_timestamp,description_l10n,state&state=eq.ACTIVE'));
  return (
    <>
      <h1>Events</h1>
      <h2 className="section-title">Active alerts</h2>
      <Listed items={alerts.items && shown(alerts.items)} error={alerts.error} empty="No active alerts.">
        {(rows) => (
          <ul className="timeline">
            {rows.map((a) => (
              <li key={a.id} className="timeline-item">
                <Badge state={a.severity} />
                <span className="timeline-text">{a.description_l10n}</span>
                <time className="muted small" dateTime={a.raised_timestamp}>
                  {formatRelative(a.raised_timestamp, now)}
                </time>
              </li>
            ))}
          </ul>
        )}
      </Listed>
      <h2 className="section-title">Timeline</h2>
      <Listed items={events.items} error={events.error} empty="Nothing has happened yet.">
        {(rows) => (
          <ol className="timeline">
            {rows.map((e) => (
              <li key={e.id} className="timeline-item" data-testid="event">
                <Badge state={e.severity} />
                <span className="timeline-text">
                  {e.description_l10n}
                  <span className="muted small"> · {e.resource_type.replace(/_/g, ' ')}</span>
                </span>
                <time className="muted small" dateTime={e.generated_timestamp} title={e.generated_timestamp}>
                  {formatRelative(e.generated_timestamp, now)}
                </time>
              </li>
            ))}
          </ol>
        )}
      </Listed>
    </>
  );
}
