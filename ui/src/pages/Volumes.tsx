// Volumes and volume groups through the PowerStore API: create, grow, snapshot, clone, restore,
// delete, assign or remove a protection policy; each volume's NBD URI with a copy button.
// Snapshots are listed under their volume. Restore and delete ask first.
import { useState } from 'react';
import { useConsole } from '../context.tsx';
import { useList } from '../hooks.ts';
import { Badge, ConfirmDialog, CopyButton, FormDialog, Listed, type ConfirmSpec, type Field, ACTIONS_COLUMN, Table } from '../components/ui.tsx';
import { formatBytes, parseSize, sizeText } from '../logic/format.ts';

interface VolumeRow {
  id: string;
  name: string;
  size: number;
  logical_used: number;
  type: string;
  protection_policy_id: string | null;
  protection_policy: { name: string } | null;
  is_replication_destination: boolean;
  protection_data: { source_id: string | null } | null;
  volume_groups: Array<{ id: string; name: string }>;
  creation_timestamp: string;
}

interface GroupRow {
  id: string;
  name: string;
  protection_policy_id: string | null;
  protection_policy: { name: string } | null;
  is_replication_destination: boolean;
  type: string;
  protection_data: { source_id: string | null } | null;
  volumes: Array<{ id: string; name: string }>;
}

interface FormSpec {
  title: string;
  fields: Field[];
  submitLabel?: string;
  submit(values: Record<string, string>): Promise<boolean>;
}

const VOLUME_SELECT = 'id,name,size,logical_used,type,protection_policy_id,protection_policy(name),is_replication_destination,protection_data,volume_groups(id,name),creation_timestamp';
const GROUP_SELECT = 'id,name,type,protection_policy_id,protection_policy(name),is_replication_destination,protection_data,volumes(id,name)';

export function VolumesPage() {
  const { api, overview, run } = useConsole();
  const o = overview!;
  const visible = o.visible_ids === null ? null : new Set(o.visible_ids);
  const volumes = useList<VolumeRow>(() => api.ps('GET', `/volume?select=${VOLUME_SELECT}&order=name`));
  const groups = useList<GroupRow>(() => api.ps('GET', `/volume_group?select=${GROUP_SELECT}&order=name`));
  const policies = useList<{ id: string; name: string }>(() => api.ps('GET', '/policy?select=id,name&order=name'));
  const [form, setForm] = useState<FormSpec | null>(null);
  const [confirm, setConfirm] = useState<ConfirmSpec | null>(null);
  const mayAct = o.user.may_act;
  const reload = () => {
    volumes.reload();
    groups.reload();
  };
  const act = async (label: string, call: () => Promise<unknown>) => {
    const ok = await run(label, call);
    reload();
    return ok;
  };
  const policyOptions = [{ value: '', label: 'none' }, ...(policies.items ?? []).map((p) => ({ value: p.id, label: p.name }))];
  const all = (volumes.items ?? []).filter((v) => visible === null || visible.has(v.id));
  const primaries = all.filter((v) => v.type !== 'Snapshot');
  const snapshotsOf = (id: string) => all.filter((v) => v.type === 'Snapshot' && v.protection_data?.source_id === id);
  const groupSnapshotsOf = (id: string) => (groups.items ?? []).filter((g) => g.type === 'Snapshot' && g.protection_data?.source_id === id);

  const createVolume = () =>
    setForm({
      title: 'Create volume',
      submitLabel: 'Create',
      fields: [
        { name: 'name', label: 'Name', placeholder: 'vol1' },
        { name: 'size', label: 'Size', initial: '1G', hint: 'e.g. 512M, 10G, 1T' },
        { name: 'policy', label: 'Protection policy', type: 'select', options: policyOptions },
      ],
      submit: (v) => {
        const size = parseSize(v.size!);
        if (size === null) return act('Create volume', () => Promise.reject(new Error(`"${v.size}" is not a size (try 1G)`)));
        return act(`Create volume ${v.name}`, () => api.ps('POST', '/volume', { name: v.name, size, ...(v.policy ? { protection_policy_id: v.policy } : {}) }));
      },
    });
  const createGroup = () =>
    setForm({
      title: 'Create volume group',
      submitLabel: 'Create',
      fields: [
        { name: 'name', label: 'Name', placeholder: 'group1' },
        { name: 'members', label: 'Member volumes (names, comma separated)', placeholder: primaries.map((v) => v.name).slice(0, 2).join(', ') },
        { name: 'policy', label: 'Protection policy', type: 'select', options: policyOptions },
      ],
      submit: (v) => {
        const names = v.members!.split(',').map((n) => n.trim()).filter(Boolean);
        const ids = names.map((n) => primaries.find((x) => x.name === n)?.id ?? n);
        return act(`Create volume group ${v.name}`, () => api.ps('POST', '/volume_group', { name: v.name, ...(ids.length ? { volume_ids: ids } : {}), ...(v.policy ? { protection_policy_id: v.policy } : {}) }));
      },
    });

  const volumeActions = (v: VolumeRow) => {
    const base = v.type === 'Snapshot' ? [] : [
      { label: 'Grow', onClick: () => setForm({ title: `Grow ${v.name}`, submitLabel: 'Grow', fields: [{ name: 'size', label: 'New size', initial: sizeText(v.size * 2), hint: `now ${formatBytes(v.size)}; a volume only grows` }], submit: (x) => act(`Grow ${v.name}`, () => api.ps('PATCH', `/volume/${v.id}`, { size: parseSize(x.size!) ?? x.size })) }) },
      { label: 'Snapshot', onClick: () => setForm({ title: `Snapshot of ${v.name}`, submitLabel: 'Take snapshot', fields: [{ name: 'name', label: 'Snapshot name', initial: `${v.name}-snap-${new Date().toISOString().slice(11, 19).replace(/:/g, '')}` }], submit: (x) => act(`Snapshot of ${v.name}`, () => api.ps('POST', `/volume/${v.id}/snapshot`, { name: x.name })) }) },
      { label: 'Restore', onClick: () => {
        const snaps = snapshotsOf(v.id);
        setForm({ title: `Restore ${v.name}`, submitLabel: 'Restore…', fields: [{ name: 'snap', label: 'From snapshot', type: 'select', options: snaps.map((s) => ({ value: s.id, label: s.name })) }], submit: async (x) => {
          if (!x.snap) return act(`Restore ${v.name}`, () => Promise.reject(new Error('the volume has no snapshot to restore from')));
          setConfirm({ title: `Restore ${v.name}?`, danger: true, confirm: 'Restore', body: <p>The volume's content is replaced by the snapshot's; a backup snapshot of the current content is taken first.</p>, action: () => act(`Restore ${v.name}`, () => api.ps('POST', `/volume/${v.id}/restore`, { from_snap_id: x.snap })) });
          return true;
        } });
      } },
      { label: v.protection_policy_id ? 'Unprotect' : 'Protect', onClick: () => (v.protection_policy_id ? setConfirm({ title: `Remove protection from ${v.name}?`, danger: true, confirm: 'Unprotect', body: <p>The policy {v.protection_policy?.name} is removed; its replication session ends and the destination copy stays on the other system.</p>, action: () => act(`Unprotect ${v.name}`, () => api.ps('PATCH', `/volume/${v.id}`, { protection_policy_id: '' })) }) : setForm({ title: `Protect ${v.name}`, submitLabel: 'Assign', fields: [{ name: 'policy', label: 'Protection policy', type: 'select', options: policyOptions.slice(1) }], submit: (x) => act(`Protect ${v.name}`, () => api.ps('PATCH', `/volume/${v.id}`, { protection_policy_id: x.policy })) })) },
    ];
    return [
      ...base,
      { label: 'Clone', onClick: () => setForm({ title: `Clone of ${v.name}`, submitLabel: 'Clone', fields: [{ name: 'name', label: 'Clone name', initial: `${v.name}-clone` }], submit: (x) => act(`Clone of ${v.name}`, () => api.ps('POST', `/volume/${v.id}/clone`, { name: x.name })) }) },
      { label: 'Delete', danger: true, onClick: () => setConfirm({ title: `Delete ${v.name}?`, danger: true, confirm: 'Delete', body: <p>The volume and its data are deleted on this system. This cannot be undone.</p>, action: () => act(`Delete ${v.name}`, () => api.ps('DELETE', `/volume/${v.id}`)) }) },
    ];
  };

  const groupActions = (g: GroupRow) => [
    { label: 'Snapshot', onClick: () => setForm({ title: `Snapshot of group ${g.name}`, submitLabel: 'Take snapshot', fields: [{ name: 'name', label: 'Snapshot name', initial: `${g.name}-snap` }], submit: (x) => act(`Snapshot of ${g.name}`, () => api.ps('POST', `/volume_group/${g.id}/snapshot`, { name: x.name })) }) },
    { label: 'Clone', onClick: () => setForm({ title: `Clone of group ${g.name}`, submitLabel: 'Clone', fields: [{ name: 'name', label: 'Clone name', initial: `${g.name}-clone` }], submit: (x) => act(`Clone of ${g.name}`, () => api.ps('POST', `/volume_group/${g.id}/clone`, { name: x.name })) }) },
    { label: 'Restore', onClick: () => {
      const snaps = groupSnapshotsOf(g.id);
      setForm({ title: `Restore group ${g.name}`, submitLabel: 'Restore…', fields: [{ name: 'snap', label: 'From snapshot', type: 'select', options: snaps.map((s) => ({ value: s.id, label: s.name })) }], submit: async (x) => {
        if (!x.snap) return act(`Restore ${g.name}`, () => Promise.reject(new Error('the group has no snapshot to restore from')));
        setConfirm({ title: `Restore group ${g.name}?`, danger: true, confirm: 'Restore', body: <p>Every member's content is replaced by the snapshot's.</p>, action: () => act(`Restore ${g.name}`, () => api.ps('POST', `/volume_group/${g.id}/restore`, { from_snap_id: x.snap })) });
        return true;
      } });
    } },
    { label: g.protection_policy_id ? 'Unprotect' : 'Protect', onClick: () => (g.protection_policy_id ? setConfirm({ title: `Remove protection from ${g.name}?`, danger: true, confirm: 'Unprotect', body: <p>The group's replication session ends.</p>, action: () => act(`Unprotect ${g.name}`, () => api.ps('PATCH', `/volume_group/${g.id}`, { protection_policy_id: '' })) }) : setForm({ title: `Protect ${g.name}`, submitLabel: 'Assign', fields: [{ name: 'policy', label: 'Protection policy', type: 'select', options: policyOptions.slice(1) }], submit: (x) => act(`Protect ${g.name}`, () => api.ps('PATCH', `/volume_group/${g.id}`, { protection_policy_id: x.policy })) })) },
    { label: 'Delete', danger: true, onClick: () => setConfirm({ title: `Delete group ${g.name}?`, danger: true, confirm: 'Delete', body: <p>The group is deleted; its member volumes stay.</p>, action: () => act(`Delete ${g.name}`, () => api.ps('DELETE', `/volume_group/${g.id}`)) }) },
  ];

  return (
    <>
      <div className="page-head">
        <h1>Volumes &amp; groups</h1>
        {mayAct ? (
          <div className="toolbar">
            <button type="button" className="btn btn-primary" onClick={createVolume}>
              Create volume
            </button>
            <button type="button" className="btn" onClick={createGroup}>
              Create group
            </button>
          </div>
        ) : null}
      </div>
      <Listed items={volumes.items && primaries} error={volumes.error} empty={<>No volumes yet.{mayAct ? ' Create one, then protect it with a policy.' : ''}</>}>
        {(rows) => (
          <Table columns={['Name', { label: 'Size', numeric: true }, { label: 'Used', numeric: true }, 'Protection', 'NBD URI', ACTIONS_COLUMN]}>
            {rows
              .flatMap((v) => [v, ...snapshotsOf(v.id)])
              .map((v) => {
                const uri = `${o.system.nbd_url}/${v.name}`;
                return (
                  <tr key={v.id} data-testid={`volume-${v.name}`} className={v.type === 'Snapshot' ? 'row-child' : ''}>
                    <td>
                      {v.type === 'Snapshot' ? <span className="muted">↳ </span> : null}
                      <strong>{v.name}</strong>
                      <div className="muted small">
                        {v.type === 'Snapshot' ? 'snapshot' : v.type === 'Clone' ? 'clone' : 'volume'}
                        {v.volume_groups?.length ? ` · in ${v.volume_groups.map((g) => g.name).join(', ')}` : ''}
                      </div>
                    </td>
                    <td className="num">{formatBytes(v.size)}</td>
                    <td className="num">{formatBytes(v.logical_used)}</td>
                    <td>
                      {v.is_replication_destination ? <Badge state="Paused" label="replica (read-only)" /> : v.protection_policy ? <Badge state="OK" label={v.protection_policy.name} /> : <span className="muted">none</span>}
                    </td>
                    <td className="nbd">
                      <code>{uri}</code> <CopyButton text={uri} />
                    </td>
                    <td className="row-actions">
                      {mayAct
                        ? volumeActions(v).map((a) => (
                            <button key={a.label} type="button" className={'danger' in a && a.danger ? 'btn btn-small btn-danger-outline' : 'btn btn-small'} onClick={a.onClick} aria-label={`${a.label} ${v.name}`}>
                              {a.label}
                            </button>
                          ))
                        : null}
                    </td>
                  </tr>
                );
              })}
          </Table>
        )}
      </Listed>
      <h2 className="section-title">Volume groups</h2>
      <Listed items={groups.items && groups.items.filter((g) => g.type !== 'Snapshot' && (visible === null || visible.has(g.id)))} error={groups.error} empty="No volume groups.">
        {(rows) => (
          <Table columns={['Name', 'Members', 'Protection', ACTIONS_COLUMN]}>
            {rows.map((g) => (
                <tr key={g.id} data-testid={`group-${g.name}`}>
                  <td>
                    <strong>{g.name}</strong>
                    <div className="muted small">{groupSnapshotsOf(g.id).length} snapshot(s)</div>
                  </td>
                  <td>{g.volumes.map((v) => v.name).join(', ') || <span className="muted">empty</span>}</td>
                  <td>{g.is_replication_destination ? <Badge state="Paused" label="replica (read-only)" /> : g.protection_policy ? <Badge state="OK" label={g.protection_policy.name} /> : <span className="muted">none</span>}</td>
                  <td className="row-actions">
                    {mayAct
                      ? groupActions(g).map((a) => (
                          <button key={a.label} type="button" className={'danger' in a && a.danger ? 'btn btn-small btn-danger-outline' : 'btn btn-small'} onClick={a.onClick} aria-label={`${a.label} group ${g.name}`}>
                            {a.label}
                          </button>
                        ))
                      : null}
                  </td>
                </tr>
              ))}
          </Table>
        )}
      </Listed>
      {form ? <FormDialog title={form.title} fields={form.fields} submit={form.submit} submitLabel={form.submitLabel} onClose={() => setForm(null)} /> : null}
      {confirm ? <ConfirmDialog spec={confirm} onClose={() => setConfirm(null)} /> : null}
    </>
  );
}
