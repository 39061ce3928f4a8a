// `tandem volume ls|create|grow|snapshot|clone|rm` over the PowerStore dialect. Volumes are named
// by name (`name:` ids of the dialect) or id; changes go to --site or the first system.
import type { Command } from 'commander';
import { RPO_NAMES } from '../../core/protection.ts';
import { UsageError } from '../start-errors.ts';
import type { TandemClient } from './client.ts';
import { common, context, oneClient, run, type CommonOptions } from './context.ts';
import { formatBytes, parseSize, printJson, table } from './output.ts';
import { waitForCopy } from './wait.ts';

const VOLUME_SELECT = 'id,name,size,type,logical_used,is_replication_destination,creation_timestamp,protection_policy(name)';

function ref(volume: string): string {
  return /^[0-9a-f-]{36}$/.test(volume) ? volume : `name:${encodeURIComponent(volume)}`;
}

function size(text: string): number {
  const bytes = parseSize(text);
  if (bytes === null || bytes <= 0) throw new UsageError(`size ${JSON.stringify(text)} is not a size: give bytes or a number with K, M, G or T (binary units), e.g. 1G`);
  return bytes;
}

export function registerVolumeCommands(program: Command): void {
  const volume = program.command('volume').description('volumes: list, create, grow, snapshot, clone, delete');

  common(volume.command('ls').description('list the volumes of every system (or --site)')).action((o: CommonOptions) =>
    run(async () => {
      const ctx = context(o);
      const rows: any[] = [];
      for (const client of ctx.clients) for (const v of await client.ps('GET', `/volume?select=${VOLUME_SELECT}&order=name`)) rows.push({ system: client.target.name, ...v });
      if (ctx.json) return printJson(rows);
      process.stdout.write(
        `${table(rows, [
          { header: 'SYSTEM', value: (v) => v.system },
          { header: 'NAME', value: (v) => v.name },
          { header: 'SIZE', value: (v) => formatBytes(v.size), right: true },
          { header: 'USED', value: (v) => formatBytes(v.logical_used), right: true },
          { header: 'TYPE', value: (v) => (v.is_replication_destination ? `${v.type} (replica)` : v.type) },
          { header: 'POLICY', value: (v) => v.protection_policy?.name ?? '-' },
          { header: 'ID', value: (v) => v.id },
        ])}\n`,
      );
    }),
  );

  common(volume.command('create <name>').description('create a volume (on --site or the first system)'))
    .requiredOption('--size <size>', 'size, e.g. 1G or 512M')
    .option('--policy <policy>', 'protection policy name: replicates the volume if the policy has a replication rule')
    .option('--replicate', 'replicate it to the remote system: uses (or creates) the rule and policy replicate-<RPO>-to-<remote>')
    .option('--rpo <rpo>', `with --replicate: ${RPO_NAMES.join(', ')} (Zero: synchronous)`, 'Five_Minutes')
    .option('--wait', 'with --policy or --replicate: wait for the initial copy, with a progress bar')
    .action((name: string, o: CommonOptions & { size: string; policy?: string; replicate?: boolean; rpo: string }) =>
      run(async () => {
        const ctx = context(o);
        const client = oneClient(ctx);
        const body: Record<string, unknown> = { name, size: size(o.size) };
        if (o.replicate) {
          if (o.policy) throw new UsageError('give --policy or --replicate, not both');
          o.policy = await replicationPolicy(client, o.rpo);
        }
        if (o.policy) {
          const policies = await client.ps('GET', `/policy?select=id&name=eq.${encodeURIComponent(o.policy)}`);
          if (policies.length === 0) throw new UsageError(`no protection policy named ${JSON.stringify(o.policy)} on ${client.target.name}`);
          body.protection_policy_id = policies[0].id;
        }
        const created = await client.ps('POST', '/volume', body);
        let session: unknown = null;
        if (o.wait && o.policy) {
          const sessions = await client.ps('GET', `/replication_session?select=id&local_resource_id=eq.${created.id}`);
          if (sessions.length > 0) session = await waitForCopy(client, sessions[0].id, `initial copy of ${name}`);
        }
        if (ctx.json) return printJson({ id: created.id, name, system: client.target.name, ...(session ? { session } : {}) });
        process.stdout.write(`created volume ${name} (${formatBytes(body.size as number)}) on ${client.target.name}: ${created.id}\n`);
      }),
    );

  common(volume.command('grow <volume>').description('grow a volume to a new size'))
    .requiredOption('--size <size>', 'the new size, e.g. 2G')
    .action((name: string, o: CommonOptions & { size: string }) =>
      run(async () => {
        const ctx = context(o);
        const client = oneClient(ctx);
        const bytes = size(o.size);
        await client.ps('PATCH', `/volume/${ref(name)}`, { size: bytes });
        if (ctx.json) return printJson({ name, size: bytes, system: client.target.name });
        process.stdout.write(`volume ${name} on ${client.target.name} is now ${formatBytes(bytes)}\n`);
      }),
    );

  common(volume.command('snapshot <volume>').description('take a snapshot of a volume'))
    .option('--name <name>', 'snapshot name (default: the system chooses one)')
    .action((name: string, o: CommonOptions & { name?: string }) =>
      run(async () => {
        const ctx = context(o);
        const client = oneClient(ctx);
        const snap = await client.ps('POST', `/volume/${ref(name)}/snapshot`, o.name ? { name: o.name } : {});
        if (ctx.json) return printJson({ id: snap.id, volume: name, system: client.target.name });
        process.stdout.write(`snapshot of ${name} on ${client.target.name}: ${snap.id}\n`);
      }),
    );

  common(volume.command('clone <volume>').description('clone a volume or snapshot into a new writable volume'))
    .requiredOption('--name <name>', 'name of the clone')
    .action((name: string, o: CommonOptions & { name: string }) =>
      run(async () => {
        const ctx = context(o);
        const client = oneClient(ctx);
        const clone = await client.ps('POST', `/volume/${ref(name)}/clone`, { name: o.name });
        if (ctx.json) return printJson({ id: clone.id, name: o.name, source: name, system: client.target.name });
        process.stdout.write(`clone ${o.name} of ${name} on ${client.target.name}: ${clone.id}\n`);
      }),
    );

  common(volume.command('rm <volume>').description('delete a volume')).action((name: string, o: CommonOptions) =>
    run(async () => {
      const ctx = context(o);
      const client = oneClient(ctx);
      await client.ps('DELETE', `/volume/${ref(name)}`);
      if (ctx.json) return printJson({ deleted: name, system: client.target.name });
      process.stdout.write(`deleted volume ${name} on ${client.target.name}\n`);
    }),
  );
}

/**
 * The policy `replicate-<rpo>-to-<remote>` on the system, created with its rule on first use: the
 * shortest way from a new volume to a protected one. Wants exactly one remote system.
 */
async function replicationPolicy(client: TandemClient, rpo: string): Promise<string> {
  if (!RPO_NAMES.includes(rpo as never)) throw new UsageError(`--rpo ${JSON.stringify(rpo)} is not one of ${RPO_NAMES.join(', ')}`);
  const remotes: Array<{ id: string; name: string }> = await client.ps('GET', '/remote_system?select=id,name');
  if (remotes.length !== 1) throw new UsageError(`${client.target.name} has ${remotes.length} remote systems: create a replication rule and policy for the one you mean, and give --policy`);
  const remote = remotes[0]!;
  const name = `replicate-${rpo}-to-${remote.name}`;
  const existing = await client.ps('GET', `/policy?select=id&name=eq.${encodeURIComponent(name)}`);
  if (existing.length > 0) return name;
  const rules = await client.ps('GET', `/replication_rule?select=id&name=eq.${encodeURIComponent(name)}`);
  const ruleId = rules.length > 0 ? rules[0].id : (await client.ps('POST', '/replication_rule', { name, rpo, remote_system_id: remote.id })).id;
  await client.ps('POST', '/policy', { name, replication_rule_ids: [ruleId] });
  return name;
}
