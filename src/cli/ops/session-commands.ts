// `tandem session ...`: list and show sessions, and act on them. Each action goes to the system it
// belongs on (sync, pause, resume, planned failover, reprotect: the source; unplanned failover and
// failover tests: the destination) unless --site says otherwise, as a PowerStore job
// (is_async=true): without --wait the command returns once the system accepted it; with --wait it
// follows it to the end (progress bar for copies, spinner with the state for failovers).
import type { Command } from 'commander';
import { common, context, run, type CommonOptions } from './context.ts';
import { printJson } from './output.ts';
import { findSession, sessionsOf, sideFor, type SessionView } from './sessions.ts';
import { sessionTable } from './status.ts';
import { jobOutcome, waitForAction, type WaitStyle } from './wait.ts';

/** How long a command without --wait watches its job for a refusal before it returns. */
const REFUSAL_WINDOW_MS = 1500;

interface ActionSpec {
  name: string;
  description: string;
  /** The PowerStore action path. */
  action: string;
  role: 'Source' | 'Destination';
  preferStates?: string[];
  style: WaitStyle;
  body?: (o: Record<string, unknown>) => Record<string, unknown>;
  options?: Array<[string, string]>;
  /** Decides the role from the options (failover: planned on the source, unplanned on the destination). */
  roleOf?: (o: Record<string, unknown>) => 'Source' | 'Destination';
}

const ACTIONS: ActionSpec[] = [
  { name: 'sync', description: 'synchronize now (on the source)', action: 'sync', role: 'Source', style: 'bar' },
  { name: 'pause', description: 'pause replication', action: 'pause', role: 'Source', style: 'spinner' },
  { name: 'resume', description: 'resume a paused session (it resyncs what changed)', action: 'resume', role: 'Source', style: 'bar' },
  {
    name: 'failover',
    description: 'fail over: planned from the source (final sync, roles swap), or --unplanned on the destination',
    action: 'failover',
    role: 'Source',
    roleOf: (o) => (o.unplanned ? 'Destination' : 'Source'),
    preferStates: ['OK', 'Failed_Over', 'Synchronizing'],
    style: 'spinner',
    options: [
      ['--unplanned', 'unplanned failover, issued on the destination (the source may be unreachable)'],
      ['--reverse', 'planned: also reprotect in the other direction at once'],
      ['--force', 'unplanned: fail over again although already failed over'],
    ],
    body: (o) => ({ is_planned: !o.unplanned, ...(o.reverse ? { reverse: true } : {}), ...(o.force ? { force: true } : {}) }),
  },
  { name: 'reprotect', description: 'replicate again from the system that is now the source', action: 'reprotect', role: 'Source', preferStates: ['Failed_Over'], style: 'bar' },
  { name: 'test-start', description: 'start a failover test on the destination (hosts may use its copy; replication goes on)', action: 'start_failover_test', role: 'Destination', style: 'spinner' },
  {
    name: 'test-stop',
    description: 'stop the failover test',
    action: 'stop_failover_test',
    role: 'Destination',
    style: 'spinner',
    options: [['--keep-snapshot', 'keep a snapshot of the test copy as it ends']],
    body: (o) => (o.keepSnapshot ? { create_end_of_test_snapshot: true } : {}),
  },
];

export function registerSessionCommands(program: Command): void {
  const session = program.command('session').description('replication sessions: list, show, sync, pause, resume, failover, reprotect, failover tests');

  common(session.command('ls').description('list sessions as every system sees them')).action((o: CommonOptions) =>
    run(async () => {
      const ctx = context(o);
      const rows: SessionView[] = [];
      for (const client of ctx.clients) rows.push(...(await sessionsOf(client)));
      if (ctx.json) return printJson(rows);
      process.stdout.write(`${rows.length === 0 ? 'No replication sessions.' : sessionTable(rows)}\n`);
    }),
  );

  common(session.command('show <session>').description('one session (by id or volume/group name) as each system sees it')).action((key: string, o: CommonOptions) =>
    run(async () => {
      const ctx = context(o);
      const found = await findSession(ctx.clients, key);
      const views = found.views.map((v) => v.view);
      if (ctx.json) return printJson(views);
      for (const v of views) {
        const fields: Array<[string, unknown]> = [
          ['system', v.system], ['session', v.id], ['resource', `${v.resource} (${v.resourceType})`], ['role', v.role], ['state', v.state], ['type', v.type],
          ['remote system', v.remote], ['link', v.connection], ['last sync', v.lastSync ?? 'never'], ['lag', v.lagSeconds === null ? '-' : `${Math.round(v.lagSeconds)} s`],
          ['RPO', v.rpoSeconds === null ? (v.type === 'Synchronous' ? 'synchronous' : '-') : `${v.rpoSeconds} s`], ['RPO met', v.compliant ? 'yes' : 'NO'],
          ['progress', v.progressPercent === null ? '-' : `${v.progressPercent}%`], ['failover test', v.failoverTest ? 'running' : 'no'], ['error', v.errorCode ?? '-'],
        ];
        process.stdout.write(`${fields.map(([k, val]) => `${k.padEnd(14)}${String(val)}`).join('\n')}\n\n`);
      }
    }),
  );

  for (const spec of ACTIONS) {
    const command = common(session.command(`${spec.name} <session>`).description(spec.description)).option('--wait', spec.style === 'bar' ? 'wait until done, with a progress bar' : 'wait until done, with a spinner showing the state');
    for (const [flag, text] of spec.options ?? []) command.option(flag, text);
    command.action((key: string, o: CommonOptions & Record<string, unknown>) => run(() => act(spec, key, o)));
  }
}

async function act(spec: ActionSpec, key: string, o: CommonOptions & Record<string, unknown>): Promise<void> {
  // --site picks where to send the action, but the session is looked up on every system.
  const ctx = context({ ...o, site: undefined });
  const found = await findSession(ctx.clients, key);
  const role = spec.roleOf?.(o) ?? spec.role;
  const { client, view } = sideFor(found, role, o.site, spec.preferStates);
  const job = await client.ps('POST', `/replication_session/${view.id}/${spec.action}?is_async=true`, spec.body?.(o) ?? {});
  if (!o.wait) {
    // A refused action fails its job at once: wait that long, so a refusal still exits 1.
    const early = await jobOutcome(client, job.id, REFUSAL_WINDOW_MS);
    if (early === 'COMPLETED') {
      if (ctx.json) return printJson({ session: view.id, system: client.target.name, action: spec.action, job: job.id, state: 'COMPLETED' });
      return void process.stdout.write(`${spec.name} ${view.resource} on ${client.target.name}: done\n`);
    }
    if (ctx.json) return printJson({ session: view.id, system: client.target.name, action: spec.action, job: job.id });
    process.stdout.write(`${spec.name} ${view.resource} on ${client.target.name}: started (job ${job.id}); follow it with tandem session show ${view.resource}, or add --wait\n`);
    return;
  }
  const after = await waitForAction(client, job.id, view.id, `${spec.name} ${view.resource}`, spec.style);
  if (ctx.json) printJson({ session: view.id, system: client.target.name, action: spec.action, job: job.id, after });
}
