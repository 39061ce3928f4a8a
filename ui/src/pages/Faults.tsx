// Fault injection through /tandem/v1/faults (administrators): cut the link, delay, drop or cap it,
// fail the next N host writes, stop the system; active faults listed with a remove button. The
// effect shows on the overview (link lost, sessions System_Paused, lag growing).
import { useState } from 'react';
import { useConsole } from '../context.tsx';
import { useList } from '../hooks.ts';
import { ConfirmDialog, Empty, Listed, type ConfirmSpec } from '../components/ui.tsx';

interface Fault {
  id: string;
  kind: string;
  delayMs?: number;
  fraction?: number;
  mibps?: number;
  peerSystemId?: string;
  volume_id?: string | null;
  count_remaining?: number;
}

function describe(f: Fault): string {
  switch (f.kind) {
    case 'link_down':
      return 'link cut';
    case 'delay':
      return `${f.delayMs} ms delay`;
    case 'drop':
      return `${Math.round((f.fraction ?? 0) * 100)}% of calls dropped`;
    case 'bandwidth':
      return `capped at ${f.mibps} MiB/s`;
    case 'write_error':
      return `next ${f.count_remaining} host writes fail${f.volume_id ? ` on volume ${f.volume_id}` : ''}`;
    default:
      return f.kind;
  }
}

export function FaultsPage() {
  const { api, overview, run } = useConsole();
  const o = overview!;
  const faults = useList<Fault>(() => (o.user.is_admin ? api.control('GET', '/faults') : Promise.resolve([])));
  const [delayMs, setDelayMs] = useState('200');
  const [fraction, setFraction] = useState('0.2');
  const [mibps, setMibps] = useState('10');
  const [count, setCount] = useState('1');
  const [confirm, setConfirm] = useState<ConfirmSpec | null>(null);
  const add = async (label: string, body: Record<string, unknown>) => {
    await run(label, () => api.control('POST', '/faults', body), `${label}: active`);
    faults.reload();
  };
  if (!o.user.is_admin) return (
    <>
      <h1>Faults</h1>
      <Empty>Fault injection is for administrators.</Empty>
    </>
  );
  const linkName = o.remotes.map((r) => r.name).join(', ') || 'the peer';
  return (
    <>
      <h1>Faults</h1>
      <p className="muted">Faults act on {o.system.name}: on its link to {linkName}, on its host writes, or on the whole system.</p>
      <section className="fault-grid" aria-label="Add a fault">
        <article className="card">
          <h2>Cut the link</h2>
          <p className="muted">Sessions go System_Paused within seconds; lag grows until the link returns.</p>
          <button type="button" className="btn btn-danger" onClick={() => void add('Cut the link', { kind: 'link_down' })}>
            Cut the link
          </button>
        </article>
        <article className="card">
          <h2>Delay</h2>
          <label className="field field-inline">
            <span>ms per call</span>
            <input type="number" min="1" value={delayMs} onChange={(e) => setDelayMs(e.target.value)} aria-label="Delay in milliseconds" />
          </label>
          <button type="button" className="btn" onClick={() => void add('Delay', { kind: 'delay', delay_ms: Number(delayMs) })}>
            Add delay
          </button>
        </article>
        <article className="card">
          <h2>Drop</h2>
          <label className="field field-inline">
            <span>fraction 0–1</span>
            <input type="number" min="0" max="1" step="0.05" value={fraction} onChange={(e) => setFraction(e.target.value)} aria-label="Fraction of calls dropped" />
          </label>
          <button type="button" className="btn" onClick={() => void add('Drop', { kind: 'drop', fraction: Number(fraction) })}>
            Drop calls
          </button>
        </article>
        <article className="card">
          <h2>Bandwidth cap</h2>
          <label className="field field-inline">
            <span>MiB/s</span>
            <input type="number" min="1" value={mibps} onChange={(e) => setMibps(e.target.value)} aria-label="Bandwidth cap in MiB per second" />
          </label>
          <button type="button" className="btn" onClick={() => void add('Bandwidth cap', { kind: 'bandwidth', mibps: Number(mibps) })}>
            Cap bandwidth
          </button>
        </article>
        <article className="card">
          <h2>Fail host writes</h2>
          <label className="field field-inline">
            <span>next N writes</span>
            <input type="number" min="1" value={count} onChange={(e) => setCount(e.target.value)} aria-label="Number of host writes that fail" />
          </label>
          <button type="button" className="btn" onClick={() => void add('Fail host writes', { kind: 'write_error', count: Number(count) })}>
            Fail writes
          </button>
        </article>
        <article className="card">
          <h2>Stop the system</h2>
          <p className="muted">As a site failure: the process ends at once.</p>
          <button
            type="button"
            className="btn btn-danger"
            onClick={() => setConfirm({ title: `Stop ${o.system.name}?`, danger: true, confirm: 'Stop the system', body: <p>The system stops at once, as a site failure would; this console loses it until it is started again.</p>, action: () => add('Stop the system', { kind: 'stop' }) })}
          >
            Stop system…
          </button>
        </article>
      </section>
      <h2 className="section-title">Active faults</h2>
      <Listed items={faults.items} error={faults.error} empty="No active faults.">
        {(rows) => (
          <ul className="fault-list">
            {rows.map((f) => (
              <li key={f.id} data-testid={`fault-${f.kind}`}>
                <span className="badge tone-bad">{f.kind.replace(/_/g, ' ')}</span> {describe(f)}
                <button
                  type="button"
                  className="btn btn-small"
                  aria-label={`Remove fault ${f.kind}`}
                  onClick={async () => {
                    await run(`Remove ${f.kind}`, () => api.control('DELETE', `/faults/${f.id}`), `${f.kind.replace(/_/g, ' ')} removed`);
                    faults.reload();
                  }}
                >
                  Remove
                </button>
              </li>
            ))}
          </ul>
        )}
      </Listed>
      {confirm ? <ConfirmDialog spec={confirm} onClose={() => setConfirm(null)} /> : null}
    </>
  );
}
