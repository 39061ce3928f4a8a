// `tandem status`: every system (reachable or not), its links to its peers, and every session
// with its state, lag and RPO compliance, from each system's point of view.
import type { OpsContext } from './context.ts';
import { formatBytes, formatSeconds, printJson, table } from './output.ts';
import { sessionsOf, type SessionView } from './sessions.ts';

interface SystemRow {
  name: string;
  url: string;
  state: 'up' | 'unreachable';
  version: string | null;
  volumes: number | null;
  liveBytes: number | null;
  links: Array<{ remote: string; state: string }>;
  error: string | null;
}

export async function status(ctx: OpsContext): Promise<void> {
  const systems: SystemRow[] = [];
  const sessions: SessionView[] = [];
  for (const client of ctx.clients) {
    try {
      const [system, remotes, volumes, views] = await Promise.all([
        client.control('GET', '/system'),
        client.ps('GET', '/remote_system?select=name,data_connection_state'),
        client.ps('GET', '/volume?select=id'),
        sessionsOf(client),
      ]);
      systems.push({
        name: system.name,
        url: client.target.url,
        state: 'up',
        version: system.version ?? null,
        volumes: volumes.length,
        liveBytes: system.engine?.liveBytes ?? null,
        links: remotes.map((r: { name: string; data_connection_state: string }) => ({ remote: r.name, state: r.data_connection_state })),
        error: null,
      });
      sessions.push(...views);
    } catch (error) {
      systems.push({ name: client.target.name, url: client.target.url, state: 'unreachable', version: null, volumes: null, liveBytes: null, links: [], error: (error as Error).message });
    }
  }
  if (ctx.json) return printJson({ systems, sessions });
  const lines = [
    table(systems, [
      { header: 'SYSTEM', value: (s) => s.name },
      { header: 'URL', value: (s) => s.url },
      { header: 'STATE', value: (s) => s.state },
      { header: 'VOLUMES', value: (s) => (s.volumes === null ? '-' : String(s.volumes)), right: true },
      { header: 'USED', value: (s) => formatBytes(s.liveBytes), right: true },
      { header: 'LINKS', value: (s) => (s.state === 'up' ? s.links.map((l) => `${l.remote} ${l.state}`).join(', ') || 'none' : (s.error ?? '')) },
    ]),
    '',
    sessions.length === 0 ? 'No replication sessions.' : sessionTable(sessions),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

export function sessionTable(sessions: SessionView[]): string {
  return table(sessions, [
    { header: 'SESSION', value: (s) => s.resource },
    { header: 'SYSTEM', value: (s) => s.system },
    { header: 'ROLE', value: (s) => s.role },
    { header: 'STATE', value: (s) => s.state + (s.failoverTest ? ' (test)' : '') },
    { header: 'TYPE', value: (s) => s.type },
    { header: 'LAG', value: (s) => formatSeconds(s.lagSeconds), right: true },
    { header: 'RPO', value: (s) => (s.type === 'Synchronous' ? 'sync' : formatSeconds(s.rpoSeconds)), right: true },
    { header: 'RPO MET', value: (s) => (s.compliant ? 'yes' : 'NO') },
    { header: 'PROGRESS', value: (s) => (s.progressPercent === null ? '-' : `${s.progressPercent}%`), right: true },
    { header: 'ID', value: (s) => s.id },
  ]);
}
