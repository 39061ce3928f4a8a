// This system and its paired systems (link, round trip, capacity) and every replication session
// with its state in both dialects, live lag, RPO compliance, last and next sync, progress and the
// last hour's lag and throughput; session actions open from each row.
import { useState } from 'react';
import { useConsole } from '../context.tsx';
import { useNow } from '../hooks.ts';
import { Badge, Empty, ProgressBar, Sparkline, ACTIONS_COLUMN, Table, type Column } from '../components/ui.tsx';
import { formatBytes, formatRate, formatRelative, formatRpo, formatSeconds, liveLag } from '../logic/format.ts';
import type { SessionRow } from '../types.ts';
import { SessionActions } from './SessionActions.tsx';

export function OverviewPage() {
  const { overview } = useConsole();
  const o = overview!;
  const total = o.system.used_bytes + o.system.free_bytes;
  const usedPercent = total > 0 ? (o.system.used_bytes / total) * 100 : 0;
  return (
    <>
      <h1>Overview</h1>
      <section className="cards" aria-label="Systems">
        <article className="card">
          <h2>
            {o.system.name} <span className="muted">this system</span>
          </h2>
          <dl className="facts">
            <dt>Volumes</dt>
            <dd>{o.system.volumes}</dd>
            <dt>Capacity</dt>
            <dd>
              {formatBytes(o.system.used_bytes)} used · {formatBytes(o.system.free_bytes)} free
              <div className="meter" aria-hidden="true">
                <div className="meter-fill" style={{ width: `${Math.max(usedPercent, 0.5)}%` }} />
              </div>
            </dd>
            <dt>NBD</dt>
            <dd className="mono">{o.system.nbd_url}</dd>
            <dt>Version</dt>
            <dd>{o.system.version}</dd>
          </dl>
        </article>
        {o.remotes.length === 0 ? (
          <article className="card">
            <h2>No paired system</h2>
            <p className="muted">Pair one with POST /api/rest/remote_system (the lab pairs site-a and site-b).</p>
          </article>
        ) : (
          o.remotes.map((r) => (
            <article className="card" key={r.id} data-testid={`remote-${r.name}`}>
              <h2>
                {r.name} <span className="muted">paired</span>
              </h2>
              <dl className="facts">
                <dt>Link</dt>
                <dd>
                  <Badge state={r.link} label={r.link} /> <span className="muted">{r.data_connection_state.replace(/_/g, ' ')}</span>
                </dd>
                <dt>Round trip</dt>
                <dd>{r.round_trip_ms === null ? '—' : `${r.round_trip_ms} ms`}</dd>
                <dt>Faults</dt>
                <dd>{r.faults.length === 0 ? 'none' : r.faults.join(', ')}</dd>
                <dt>Console</dt>
                <dd>
                  <a href={r.console_url} target="_blank" rel="noreferrer">
                    {r.console_url}
                  </a>
                </dd>
              </dl>
            </article>
          ))
        )}
      </section>
      <h2 className="section-title">Replication sessions</h2>
      {o.sessions.length === 0 ? <Empty>No replication sessions. Protect a volume on the Volumes page with a policy that has a replication rule.</Empty> : <SessionTable sessions={o.sessions} />}
    </>
  );
}

const SESSION_COLUMNS: Column[] = [
  'Resource',
  'Direction',
  'Mode / RPO',
  'State',
  { label: 'Lag', numeric: true },
  'RPO met',
  'Last / next sync',
  'Progress',
  <>
    Last hour
    <div className="legend">
      <span className="legend-lag">lag</span> <span className="legend-rate">shipped</span>
    </div>
  </>,
  ACTIONS_COLUMN,
];

function SessionTable({ sessions }: { sessions: SessionRow[] }) {
  const { readAtMs, overview } = useConsole();
  const now = useNow();
  const [acting, setActing] = useState<SessionRow | null>(null);
  return (
    <>
      <Table className="sessions" columns={SESSION_COLUMNS}>
        {[...sessions].sort((x, y) => x.resource_name.localeCompare(y.resource_name)).map((s) => {
          const inStep = s.transfer_mode === 'Synchronous' && s.state === 'OK';
          const lag = liveLag(s.lag_seconds, readAtMs, now, inStep);
          return (
            <tr key={s.id} data-testid={`session-${s.resource_name}`} data-state={s.powerstore_state}>
              <td>
                <strong>{s.resource_name}</strong>
                <div className="muted small">{s.resource_type === 'volume' ? 'volume' : 'volume group'}</div>
              </td>
              <td className="nowrap">
                {s.source_system} → {s.destination_system}
                <div className="muted small">here: {s.role.toLowerCase()}</div>
              </td>
              <td>
                {s.transfer_mode}
                <div className="muted small">{formatRpo(s.rpo_seconds, s.transfer_mode)}</div>
              </td>
              <td>
                <Badge state={s.powerstore_state} />
                {s.failover_test ? <span className="tag">test</span> : null}
                <div className="muted small nowrap" title="The same session in the ETERNUS dialect: status / phase">
                  {s.eternus_status} / {s.eternus_phase}
                </div>
              </td>
              <td className="num mono" data-label="lag" data-testid="lag" data-seconds={lag === null ? '' : Math.floor(lag)}>
                {formatSeconds(lag)}
              </td>
              <td data-label="RPO met">{s.rpo_compliant ? <Badge state="OK" label="yes" /> : <Badge state="Error" label="no" />}</td>
              <td className="small nowrap">
                {inStep ? 'in step' : formatRelative(s.last_sync, now)}
                <div className="muted">{s.next_sync ? (Date.parse(s.next_sync) <= now ? 'next: due' : `next ${formatRelative(s.next_sync, now)}`) : ''}</div>
              </td>
              <td className="progress-cell">
                {s.progress ? (
                  <>
                    <ProgressBar percent={s.progress.percent} label={`copy of ${s.resource_name}`} />
                    <div className="muted small nowrap">
                      {formatRate(s.progress.rate_bytes_per_second)} · {formatSeconds(s.progress.seconds_left)} left
                    </div>
                  </>
                ) : (
                  <span className="muted">—</span>
                )}
              </td>
              <td>
                <div className="charts">
                <Sparkline points={s.history.lag} label={`lag of ${s.resource_name}, last hour`} tone="lag" width={80} height={22} />
                {s.role === 'Source' ? <Sparkline points={s.history.throughput} label={`throughput of ${s.resource_name}, last hour`} tone="rate" width={80} height={22} /> : null}
                </div>
              </td>
              <td>
                {overview?.user.may_act ? (
                  <button type="button" className="btn btn-small" onClick={() => setActing(s)} aria-label={`Actions for ${s.resource_name}`}>
                    Actions
                  </button>
                ) : null}
              </td>
            </tr>
          );
        })}
      </Table>
      {acting ? <SessionActions session={sessions.find((s) => s.id === acting.id) ?? acting} onClose={() => setActing(null)} /> : null}
    </>
  );
}
