// `tandem fault ls|add|rm`: the control API's fault injection (/tandem/v1/faults) on --site or the
// first system: cut, delay, drop or throttle the peer link, fail host writes, stop the system.
import type { Command } from 'commander';
import { faultSettings } from '../../core/faults.ts';
import { UsageError } from '../start-errors.ts';
import { common, context, oneClient, run, type CommonOptions } from './context.ts';
import { printJson, table } from './output.ts';

const KINDS = ['link_down', 'delay', 'drop', 'bandwidth', 'write_error', 'stop'];

export function registerFaultCommands(program: Command): void {
  const fault = program.command('fault').description('fault injection: cut or slow the peer link, fail host writes, stop a system');

  common(fault.command('ls').description('active faults of every system (or --site)')).action((o: CommonOptions) =>
    run(async () => {
      const ctx = context(o);
      const rows: any[] = [];
      for (const client of ctx.clients) for (const f of await client.control('GET', '/faults')) rows.push({ system: client.target.name, ...f });
      if (ctx.json) return printJson(rows);
      if (rows.length === 0) return void process.stdout.write('No active faults.\n');
      process.stdout.write(
        `${table(rows, [
          { header: 'SYSTEM', value: (f) => f.system },
          { header: 'ID', value: (f) => f.id },
          { header: 'KIND', value: (f) => f.kind },
          { header: 'DETAIL', value: (f) => detail(f) },
        ])}\n`,
      );
    }),
  );

  common(fault.command('add <kind>').description(`inject a fault: ${KINDS.join(', ')} (on --site or the first system)`))
    .option('--delay-ms <ms>', 'delay: milliseconds added to each call on the link')
    .option('--fraction <f>', 'drop: fraction of calls dropped, 0 to 1')
    .option('--mibps <n>', 'bandwidth: cap in MiB/s of what this system sends')
    .option('--count <n>', 'write_error: how many host writes fail')
    .option('--volume <id>', 'write_error: only writes to this volume')
    .action((kind: string, o: CommonOptions & { delayMs?: string; fraction?: string; mibps?: string; count?: string; volume?: string }) =>
      run(async () => {
        if (!KINDS.includes(kind)) throw new UsageError(`fault kind ${JSON.stringify(kind)} is not one of ${KINDS.join(', ')}`);
        const ctx = context(o);
        const client = oneClient(ctx);
        const body: Record<string, unknown> = { kind };
        if (o.delayMs !== undefined) body.delay_ms = Number(o.delayMs);
        if (o.fraction !== undefined) body.fraction = Number(o.fraction);
        if (o.mibps !== undefined) body.mibps = Number(o.mibps);
        if (o.count !== undefined) body.count = Number(o.count);
        if (o.volume !== undefined) body.volume_id = o.volume;
        const added = await client.control('POST', '/faults', body);
        if (ctx.json) return printJson({ system: client.target.name, ...body, ...added });
        process.stdout.write(kind === 'stop' ? `${client.target.name} is stopping as a site failure would\n` : `fault ${added.id} (${kind}) added on ${client.target.name}; remove it with tandem fault rm ${added.id}\n`);
      }),
    );

  common(fault.command('rm <id>').description('remove a fault (from the system that has it, or --site)')).action((id: string, o: CommonOptions) =>
    run(async () => {
      const ctx = context(o);
      // Fault ids are per system: look for it on each, from the first.
      for (const [i, client] of ctx.clients.entries()) {
        const faults: Array<{ id: string }> = i === ctx.clients.length - 1 ? [{ id }] : await client.control('GET', '/faults');
        if (!faults.some((f) => f.id === id)) continue;
        await client.control('DELETE', `/faults/${encodeURIComponent(id)}`);
        if (ctx.json) return printJson({ removed: id, system: client.target.name });
        return void process.stdout.write(`fault ${id} removed on ${client.target.name}\n`);
      }
    }),
  );
}

function detail(f: Record<string, unknown>): string {
  return faultSettings(f).join(', ') || '-';
}
