// Protection policies and replication rules through the PowerStore API: create and delete both,
// assign a policy to a volume or group and take it off again. A policy with a replication rule
// makes a replication session for each resource it protects.
import { useState } from 'react';
import { useConsole } from '../context.tsx';
import { useList } from '../hooks.ts';
import { ConfirmDialog, FormDialog, Listed, type ConfirmSpec, type Field, ACTIONS_COLUMN, Table } from '../components/ui.tsx';

interface Rule {
  id: string;
  name: string;
  rpo: string;
  alert_threshold: number;
  remote_system_id: string;
  policies: Array<{ name: string }>;
}
interface Policy {
  id: string;
  name: string;
  replication_rules: Array<{ id: string; name: string; rpo: string }>;
  volumes: Array<{ id: string; name: string }>;
  volume_groups: Array<{ id: string; name: string }>;
}

const RPOS = ['Five_Minutes', 'Fifteen_Minutes', 'Thirty_Minutes', 'One_Hour', 'Six_Hours', 'Twelve_Hours', 'One_Day'];

export function ProtectionPage() {
  const { api, overview, run } = useConsole();
  const o = overview!;
  const rules = useList<Rule>(() => api.ps('GET', '/replication_rule?select=id,name,rpo,alert_threshold,remote_system_id,policies(name)&order=name'));
  const policies = useList<Policy>(() => api.ps('GET', '/policy?select=id,name,replication_rules(id,name,rpo),volumes(id,name),volume_groups(id,name)&order=name'));
  const resources = useList<{ id: string; name: string; kind: 'volume' | 'volume_group' }>(async () => {
    const [v, g] = await Promise.all([api.ps<any[]>('GET', '/volume?select=id,name,type,is_replication_destination&order=name'), api.ps<any[]>('GET', '/volume_group?select=id,name,type,is_replication_destination&order=name')]);
    const keep = (r: any) => r.type !== 'Snapshot' && !r.is_replication_destination && (o.visible_ids === null || o.visible_ids.includes(r.id));
    return [...v.filter(keep).map((r) => ({ id: r.id, name: r.name, kind: 'volume' as const })), ...g.filter(keep).map((r) => ({ id: r.id, name: r.name, kind: 'volume_group' as const }))];
  });
  const [form, setForm] = useState<{ title: string; fields: Field[]; submitLabel: string; submit(v: Record<string, string>): Promise<boolean> } | null>(null);
  const [confirm, setConfirm] = useState<ConfirmSpec | null>(null);
  const mayAct = o.user.may_act;
  const act = async (label: string, call: () => Promise<unknown>) => {
    const ok = await run(label, call);
    rules.reload();
    policies.reload();
    return ok;
  };
  const pathOf = (kind: string, id: string) => (kind === 'volume' ? `/volume/${id}` : `/volume_group/${id}`);

  const newRule = () =>
    setForm({
      title: 'Create replication rule',
      submitLabel: 'Create',
      fields: [
        { name: 'name', label: 'Name', placeholder: 'rr1' },
        { name: 'rpo', label: 'RPO', type: 'select', options: RPOS.map((r) => ({ value: r, label: r.replace(/_/g, ' ') })) },
        { name: 'remote', label: 'Remote system', type: 'select', options: o.remotes.map((r) => ({ value: r.id, label: r.name })) },
      ],
      submit: (v) => act(`Create rule ${v.name}`, () => api.ps('POST', '/replication_rule', { name: v.name, rpo: v.rpo, remote_system_id: v.remote })),
    });
  const newPolicy = () =>
    setForm({
      title: 'Create protection policy',
      submitLabel: 'Create',
      fields: [
        { name: 'name', label: 'Name', placeholder: 'pp1' },
        { name: 'rule', label: 'Replication rule', type: 'select', options: [{ value: '', label: 'none' }, ...(rules.items ?? []).map((r) => ({ value: r.id, label: `${r.name} (${r.rpo.replace(/_/g, ' ')})` }))] },
      ],
      submit: (v) => act(`Create policy ${v.name}`, () => api.ps('POST', '/policy', { name: v.name, ...(v.rule ? { replication_rule_ids: [v.rule] } : {}) })),
    });
  const assign = (p: Policy) =>
    setForm({
      title: `Assign ${p.name}`,
      submitLabel: 'Assign',
      fields: [{ name: 'resource', label: 'Volume or group', type: 'select', options: (resources.items ?? []).map((r) => ({ value: `${r.kind}:${r.id}`, label: `${r.name}${r.kind === 'volume_group' ? ' (group)' : ''}` })) }],
      submit: (v) => {
        const [kind, id] = v.resource!.split(':') as [string, string];
        return act(`Assign ${p.name}`, () => api.ps('PATCH', pathOf(kind, id), { protection_policy_id: p.id }));
      },
    });
  const unassign = (p: Policy, kind: string, r: { id: string; name: string }) =>
    setConfirm({ title: `Remove ${p.name} from ${r.name}?`, danger: true, confirm: 'Unassign', body: <p>Its replication session ends; the copy on the other system stays as it is.</p>, action: () => act(`Unassign ${p.name} from ${r.name}`, () => api.ps('PATCH', pathOf(kind, r.id), { protection_policy_id: '' })) });

  return (
    <>
      <div className="page-head">
        <h1>Protection</h1>
        {mayAct ? (
          <div className="toolbar">
            <button type="button" className="btn btn-primary" onClick={newPolicy}>
              Create policy
            </button>
            <button type="button" className="btn" onClick={newRule}>
              Create replication rule
            </button>
          </div>
        ) : null}
      </div>
      <h2 className="section-title">Protection policies</h2>
      <Listed items={policies.items} error={policies.error} empty="No policies. A policy with a replication rule replicates what it is assigned to.">
        {(rows) => (
          <Table columns={['Policy', 'Replication rule', 'Protects', ACTIONS_COLUMN]}>
            {rows.map((p) => (
              <tr key={p.id} data-testid={`policy-${p.name}`}>
                <td>
                  <strong>{p.name}</strong>
                </td>
                <td>{p.replication_rules.map((r) => `${r.name} (${r.rpo.replace(/_/g, ' ')})`).join(', ') || <span className="muted">none</span>}</td>
                <td>
                  {[...p.volumes.map((r) => ({ r, kind: 'volume' })), ...p.volume_groups.map((r) => ({ r, kind: 'volume_group' }))].map(({ r, kind }) => (
                    <span key={r.id} className="chip">
                      {r.name}
                      {mayAct ? (
                        <button type="button" className="chip-x" aria-label={`Unassign ${p.name} from ${r.name}`} onClick={() => unassign(p, kind, r)}>
                          ×
                        </button>
                      ) : null}
                    </span>
                  ))}
                  {p.volumes.length + p.volume_groups.length === 0 ? <span className="muted">nothing</span> : null}
                </td>
                <td className="row-actions">
                  {mayAct ? (
                    <>
                      <button type="button" className="btn btn-small" onClick={() => assign(p)} aria-label={`Assign ${p.name}`}>
                        Assign
                      </button>
                      <button type="button" className="btn btn-small btn-danger-outline" aria-label={`Delete policy ${p.name}`} onClick={() => setConfirm({ title: `Delete policy ${p.name}?`, danger: true, confirm: 'Delete', body: <p>A policy still assigned is refused by the system.</p>, action: () => act(`Delete policy ${p.name}`, () => api.ps('DELETE', `/policy/${p.id}`)) })}>
                        Delete
                      </button>
                    </>
                  ) : null}
                </td>
              </tr>
            ))}
          </Table>
        )}
      </Listed>
      <h2 className="section-title">Replication rules</h2>
      <Listed items={rules.items} error={rules.error} empty="No replication rules.">
        {(rows) => (
          <Table columns={['Rule', 'RPO', 'Alert after', 'Remote system', 'Used by', ACTIONS_COLUMN]}>
            {rows.map((r) => (
              <tr key={r.id} data-testid={`rule-${r.name}`}>
                <td>
                  <strong>{r.name}</strong>
                </td>
                <td>{r.rpo.replace(/_/g, ' ')}</td>
                <td>{r.alert_threshold ? `${r.alert_threshold} min` : 'off'}</td>
                <td>{o.remotes.find((x) => x.id === r.remote_system_id)?.name ?? r.remote_system_id}</td>
                <td>{r.policies.map((p) => p.name).join(', ') || <span className="muted">no policy</span>}</td>
                <td className="row-actions">
                  {mayAct ? (
                    <button type="button" className="btn btn-small btn-danger-outline" aria-label={`Delete rule ${r.name}`} onClick={() => setConfirm({ title: `Delete rule ${r.name}?`, danger: true, confirm: 'Delete', body: <p>A rule still in a policy is refused by the system.</p>, action: () => act(`Delete rule ${r.name}`, () => api.ps('DELETE', `/replication_rule/${r.id}`)) })}>
                      Delete
                    </button>
                  ) : null}
                </td>
              </tr>
            ))}
          </Table>
        )}
      </Listed>
      {form ? <FormDialog {...form} onClose={() => setForm(null)} /> : null}
      {confirm ? <ConfirmDialog spec={confirm} onClose={() => setConfirm(null)} /> : null}
    </>
  );
}
