// `tandem events [--follow]`: what happened on every system (or --site), oldest first, from the
// PowerStore `event` resource (state changes, failovers, link and fault changes, alerts raised and
// cleared, start-ups); `--alerts` lists the active alerts instead. `--follow` polls for new events
// until interrupted. Talks to the systems over their API only.
import type { Command } from 'commander';
import { common, context, run, type CommonOptions } from './context.ts';
import { printJson, table } from './output.ts';

const EVENT_SELECT = 'id,generated_timestamp,severity,event_code,resource_type,resource_name,description_l10n';
const ALERT_SELECT = 'id,raised_timestamp,severity,event_code,resource_type,resource_name,description_l10n,is_acknowledged';
const FOLLOW_POLL_MS = 1000;

interface EventRow {
  system: string;
  id: string;
  generated_timestamp: string;
  severity: string;
  resource_type: string;
  resource_name: string | null;
  description_l10n: string;
}

export function registerEventCommands(program: Command): void {
  common(program.command('events').description('events of every system (or --site), oldest first; --alerts for the active alerts'))
    .option('--follow', 'keep printing new events as they happen (Ctrl-C stops)')
    .option('--alerts', 'the active alerts instead of the events')
    .option('--limit <n>', 'at most this many of the newest events per system', '50')
    .action((o: CommonOptions & { follow?: boolean; alerts?: boolean; limit: string }) =>
      run(async () => {
        const ctx = context(o);
        const limit = Math.max(1, Math.min(2000, Number(o.limit) || 50));
        if (o.alerts) {
          const rows: any[] = [];
          for (const client of ctx.clients) for (const a of await client.ps('GET', `/alert?select=${ALERT_SELECT}&state=eq.ACTIVE&order=raised_timestamp`)) rows.push({ system: client.target.name, ...a });
          if (ctx.json) return printJson(rows);
          if (rows.length === 0) return void process.stdout.write('No active alerts.\n');
          return void process.stdout.write(`${table(rows, [
            { header: 'SYSTEM', value: (a) => a.system },
            { header: 'RAISED', value: (a) => shortTime(a.raised_timestamp) },
            { header: 'SEVERITY', value: (a) => a.severity },
            { header: 'RESOURCE', value: (a) => a.resource_name ?? a.resource_type },
            { header: 'ALERT', value: (a) => a.description_l10n },
          ])}\n`);
        }
        const seen = new Map<string, string>(); // system → id of its newest event printed
        const newest = async (): Promise<EventRow[]> => {
          const rows: EventRow[] = [];
          for (const client of ctx.clients) {
            const after = seen.get(client.target.name);
            const query = after ? `&id=gt.${encodeURIComponent(after)}&order=id` : `&order=id.desc&limit=${limit}`;
            const got: EventRow[] = (await client.ps('GET', `/event?select=${EVENT_SELECT}${query}`)).map((e: EventRow) => ({ ...e, system: client.target.name }));
            const ordered = after ? got : got.reverse();
            if (ordered.length > 0) seen.set(client.target.name, ordered[ordered.length - 1]!.id);
            rows.push(...ordered);
          }
          return rows.sort((a, b) => a.generated_timestamp.localeCompare(b.generated_timestamp));
        };
        const print = (rows: EventRow[]) => {
          if (ctx.json) return rows.forEach((r) => process.stdout.write(`${JSON.stringify(r)}\n`));
          for (const r of rows) process.stdout.write(`${shortTime(r.generated_timestamp)}  ${r.system.padEnd(8)}  ${r.severity.padEnd(8)}  ${r.description_l10n}\n`);
        };
        const first = await newest();
        if (!o.follow) return ctx.json ? printJson(first) : first.length === 0 ? void process.stdout.write('No events.\n') : print(first);
        print(first);
        for (;;) {
          await new Promise((r) => setTimeout(r, FOLLOW_POLL_MS));
          print(await newest());
        }
      }),
    );
}

/** 2026-12-06T07:48:02.157+00:00 → 07:48:02 (the date when not today). */
function shortTime(iso: string): string {
  const today = new Date().toISOString().slice(0, 10);
  const time = iso.slice(11, 19);
  return iso.startsWith(today) ? time : `${iso.slice(0, 10)} ${time}`;
}
