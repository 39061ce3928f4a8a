// The same sessions as the ETERNUS dialect shows them (GET /api/v1/copysession): status, phase,
// transfer, split and recovery modes; suspend, resume, reverse and mode changes are the ETERNUS
// calls (202 jobs, followed to their end), refused under the seed's rules with the dialect's message.
import { useState } from 'react';
import { useConsole } from '../context.tsx';
import { useList } from '../hooks.ts';
import { formatRelative } from '../logic/format.ts';
import { Badge, ConfirmDialog, FormDialog, Listed, ProgressBar, type ConfirmSpec, type Field, ACTIONS_COLUMN, Table } from '../components/ui.tsx';

interface CopySession {
  copysession_id: number;
  status: string;
  phase: string;
  source_volume_name: string | null;
  destination_volume_name: string | null;
  transfer_mode: string;
  split_mode: string;
  recovery_mode: string;
  progress: number;
  uncopied_data_size: number;
  backup_time: string | null;
  error_ocurrence_time: string | null;
  is_local_source_volume: boolean;
  remote_boxid: string | null;
}

const TRANSFER_MODES = ['Synchronous', 'Stack', 'Consistency', 'Through'];
const SPLIT_MODES = ['Automatic', 'Manual'];
const RECOVERY_MODES = ['Automatic', 'Manual'];

export function CopySessionsPage() {
  const { api, overview, run } = useConsole();
  const mayAct = overview!.user.may_act;
  const sessions = useList<CopySession>(async () => {
    const answer = await api.et<{ copysession_list?: CopySession[] }>('GET', '/copysession');
    const all = answer.copysession_list ?? [];
    // A tenant user sees the copy sessions of its tenant's volumes (the overview's sessions).
    if (overview!.visible_ids === null) return all;
    const mine = new Set(overview!.sessions.map((s) => s.copysession_id));
    return all.filter((c) => mine.has(c.copysession_id));
  });
  const [form, setForm] = useState<{ title: string; fields: Field[]; submitLabel: string; submit(v: Record<string, string>): Promise<boolean> } | null>(null);
  const [confirm, setConfirm] = useState<ConfirmSpec | null>(null);
  const act = async (label: string, method: string, path: string, body: unknown = {}) => {
    const ok = await run(label, async () => api.etJob(await api.et(method, path, body)));
    sessions.reload();
    return ok;
  };
  const volumes = useList<{ volume_id: number; name: string }>(async () => (await api.et<{ volume_list?: Array<{ volume_id: number; name: string }> }>('GET', '/volume?fields=name')).volume_list ?? []);
  const o = overview!;
  // A REC pair as the ETERNUS client makes it: this box's volume, the remote box's volume_id.
  const createRec = () =>
    setForm({
      title: 'Create REC copy session',
      submitLabel: 'Create',
      fields: [
        { name: 'source', label: `Source volume (on ${o.system.name})`, type: 'select', options: (volumes.items ?? []).map((v) => ({ value: String(v.volume_id), label: `${v.name} (volume_id ${v.volume_id})` })) },
        { name: 'box', label: 'Destination box', type: 'select', options: o.remotes.map((r) => ({ value: r.box_id, label: r.name })) },
        { name: 'destination', label: 'Destination volume_id', type: 'number', hint: "the volume_id on the destination box (its console's Copy sessions page lists them)" },
        { name: 'transfer_mode', label: 'Transfer mode', type: 'select', options: TRANSFER_MODES.map((m) => ({ value: m, label: m })) },
      ],
      submit: (v) =>
        act('Create REC copy session', 'POST', '/copysession/rec', {
          source_volume_id: Number(v.source),
          destination_volume_id: Number(v.destination),
          source_boxid: o.system.box_id,
          destination_boxid: v.box,
          transfer_mode: v.transfer_mode,
        }),
    });
  const modes = (c: CopySession) =>
    setForm({
      title: `Modes of copy session ${c.copysession_id}`,
      submitLabel: 'Change',
      fields: [
        { name: 'transfer_mode', label: 'Transfer mode', type: 'select', initial: c.transfer_mode, options: TRANSFER_MODES.map((m) => ({ value: m, label: m })) },
        { name: 'split_mode', label: 'Split mode', type: 'select', initial: c.split_mode, options: SPLIT_MODES.map((m) => ({ value: m, label: m })), hint: 'Manual: host writes fail while the path is down (synchronous)' },
        { name: 'recovery_mode', label: 'Recovery mode', type: 'select', initial: c.recovery_mode, options: RECOVERY_MODES.map((m) => ({ value: m, label: m })), hint: 'Automatic: resync when the path returns' },
      ],
      submit: (v) => {
        const change: Record<string, string> = {};
        for (const k of ['transfer_mode', 'split_mode', 'recovery_mode'] as const) if (v[k] !== c[k]) change[k] = v[k]!;
        if (Object.keys(change).length === 0) return Promise.resolve(true);
        return act(`Modes of copy session ${c.copysession_id}`, 'PATCH', `/copysession/${c.copysession_id}`, change);
      },
    });
  return (
    <>
      <div className="page-head">
        <h1>Copy sessions (ETERNUS)</h1>
        {mayAct ? (
          <div className="toolbar">
            <button type="button" className="btn btn-primary" onClick={createRec}>
              Create REC copy session
            </button>
          </div>
        ) : null}
      </div>
      <p className="muted">
        The replication sessions as the ETERNUS REST API (<code>/api/v1/copysession</code>) shows them: REC pairs with their status, phase and modes.
      </p>
      <Listed items={sessions.items} error={sessions.error} empty="No copy sessions. Protect a volume, or make a REC pair with POST /api/v1/copysession/rec.">
        {(rows) => (
          <Table columns={['Id', 'Source → destination', 'Status', 'Phase', 'Transfer / split / recovery', 'Progress', 'Backup time', ACTIONS_COLUMN]}>
            {rows.map((c) => (
              <tr key={c.copysession_id} data-testid={`copysession-${c.copysession_id}`}>
                <td className="mono">{c.copysession_id}</td>
                <td>
                  {c.source_volume_name ?? '?'} → {c.destination_volume_name ?? '?'}
                  <div className="muted small">{c.is_local_source_volume ? 'this box is the source' : 'this box is the destination'}</div>
                </td>
                <td>
                  <Badge state={c.status} />
                  {c.error_ocurrence_time ? <div className="muted small">error at {c.error_ocurrence_time}</div> : null}
                </td>
                <td>
                  <Badge state={c.phase} />
                </td>
                <td className="small">
                  {c.transfer_mode} / {c.split_mode} / {c.recovery_mode}
                </td>
                <td className="progress-cell">
                  <ProgressBar percent={c.progress} label={`copy session ${c.copysession_id}`} />
                  <div className="muted small">{c.uncopied_data_size} MB uncopied</div>
                </td>
                <td className="small nowrap" title={c.backup_time ?? ''}>{c.backup_time ? formatRelative(c.backup_time, Date.now()) : '—'}</td>
                <td className="row-actions">
                  {mayAct ? (
                    <>
                      <button type="button" className="btn btn-small" onClick={() => void act(`Suspend ${c.copysession_id}`, 'POST', `/copysession/${c.copysession_id}/suspend`)}>
                        Suspend
                      </button>
                      <button type="button" className="btn btn-small" onClick={() => void act(`Resume ${c.copysession_id}`, 'POST', `/copysession/${c.copysession_id}/resume`)}>
                        Resume
                      </button>
                      <button
                        type="button"
                        className="btn btn-small btn-danger-outline"
                        onClick={() => setConfirm({ title: `Reverse copy session ${c.copysession_id}?`, danger: true, confirm: 'Reverse', body: <p>Source and destination swap: the destination's content is copied back over the source.</p>, action: () => act(`Reverse ${c.copysession_id}`, 'POST', `/copysession/${c.copysession_id}/reverse`) })}
                      >
                        Reverse
                      </button>
                      <button type="button" className="btn btn-small" onClick={() => modes(c)}>
                        Modes
                      </button>
                    </>
                  ) : null}
                </td>
              </tr>
            ))}
          </Table>
        )}
      </Listed>
      <h2 className="section-title">Volumes of this box</h2>
      <Listed items={volumes.items} error={volumes.error} empty="No volumes.">
        {(rows) => (
          <p className="chips" data-testid="eternus-volumes">
            {rows.map((v) => (
              <span key={v.volume_id} className="chip chip-plain">
                <span className="mono">{v.volume_id}</span> {v.name}
              </span>
            ))}
          </p>
        )}
      </Listed>
      {form ? <FormDialog {...form} onClose={() => setForm(null)} /> : null}
      {confirm ? <ConfirmDialog spec={confirm} onClose={() => setConfirm(null)} /> : null}
    </>
  );
}
