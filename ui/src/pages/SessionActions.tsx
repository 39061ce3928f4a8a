// A session's actions, offered on the side they belong on (the source: sync, pause, resume,
// planned failover, failback, reprotect; the destination: unplanned failover, failover tests).
// Those that can lose data ask first. Each is the PowerStore call automation makes; a refusal
// shows the dialect's message.
import { useState } from 'react';
import { useConsole } from '../context.tsx';
import { Badge, ConfirmDialog, Dialog, type ConfirmSpec } from '../components/ui.tsx';
import type { SessionRow } from '../types.ts';

interface ActionSpec {
  id: string;
  label: string;
  path: string;
  body?: Record<string, unknown>;
  /** When set, the action asks first with this text. */
  confirm?: string;
  danger?: boolean;
  side: 'Source' | 'Destination';
}

const ACTIONS: ActionSpec[] = [
  { id: 'sync', label: 'Sync now', path: 'sync', side: 'Source' },
  { id: 'pause', label: 'Pause', path: 'pause', side: 'Source' },
  { id: 'resume', label: 'Resume', path: 'resume', side: 'Source' },
  { id: 'failover', label: 'Planned failover', path: 'failover', body: { is_planned: true }, side: 'Source', confirm: 'A final sync runs, then the destination becomes the source and this side read-only. Hosts must move to the other system.' },
  { id: 'failback', label: 'Failback', path: 'failover', body: { reverse: true }, side: 'Source', confirm: 'Planned failover with reverse: the roles swap back and replication continues the other way round.' },
  { id: 'reprotect', label: 'Reprotect', path: 'reprotect', side: 'Source', danger: true, confirm: 'Replication restarts from this side. Writes made on the other system since the failover are discarded there.' },
  { id: 'unplanned', label: 'Unplanned failover', path: 'failover', body: { is_planned: false }, side: 'Destination', danger: true, confirm: 'This system takes over now, without a final sync: writes on the source since its last sync are lost.' },
  { id: 'test-start', label: 'Start failover test', path: 'start_failover_test', side: 'Destination', confirm: 'The destination volume becomes writable for tests; replication goes on into a hidden copy.' },
  { id: 'test-stop', label: 'Stop failover test', path: 'stop_failover_test', side: 'Destination', danger: true, confirm: 'What was written during the test is discarded.' },
];

export function SessionActions({ session, onClose }: { session: SessionRow; onClose(): void }) {
  const { api, run } = useConsole();
  const [confirming, setConfirming] = useState<ConfirmSpec | null>(null);
  const [showAll, setShowAll] = useState(false);
  const offered = ACTIONS.filter((a) => showAll || a.side === session.role);
  const perform = (a: ActionSpec) => run(`${a.label} of ${session.resource_name}`, () => api.ps('POST', `/replication_session/${session.id}/${a.path}`, a.body ?? {}), `${a.label} of ${session.resource_name}: done`);
  if (confirming) return <ConfirmDialog spec={confirming} onClose={() => setConfirming(null)} />;
  return (
    <Dialog title={`Replication of ${session.resource_name}`} onClose={onClose}>
      <p>
        {session.source_system} → {session.destination_system} · this system is the <strong>{session.role.toLowerCase()}</strong> · <Badge state={session.powerstore_state} />
      </p>
      <div className="action-grid">
        {offered.map((a) => (
          <button
            key={a.id}
            type="button"
            className={a.danger ? 'btn btn-danger-outline' : 'btn'}
            onClick={() => {
              if (!a.confirm) {
                void perform(a);
                onClose();
                return;
              }
              setConfirming({
                title: `${a.label}: ${session.resource_name}?`,
                body: <p>{a.confirm}</p>,
                confirm: a.label,
                danger: a.danger,
                action: async () => {
                  onClose();
                  await perform(a);
                },
              });
            }}
          >
            {a.label}
          </button>
        ))}
      </div>
      <div className="dialog-actions">
        <label className="field-check">
          <input type="checkbox" checked={showAll} onChange={(e) => setShowAll(e.target.checked)} /> show the other side's actions too
        </label>
        <button type="button" className="btn" onClick={onClose}>
          Close
        </button>
      </div>
    </Dialog>
  );
}
