// `tandem lab`: the ready-made two-site lab. Starts site-a and site-b as two `tandem serve`
// processes (so one can be killed to test DR), pairs them through the PowerStore API exactly as
// Ansible would, prints how to reach them, and stops both on Ctrl-C. State lives in --data and a
// second start reuses it: same password, same pairing. Each site's log lines are shown prefixed
// with its name; the operator commands (`tandem status`, ...) find the sites through lab.json.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { generatePassword } from '../security/passwords.ts';
import { labSites, type LabFile } from './lab-layout.ts';
import { checkPortsFree, claimLabDir } from './lab-preflight.ts';
import { portOption, UsageError } from './start-errors.ts';

export interface LabOptions {
  data: string;
  host: string;
  basePort: string;
  logLevel?: string;
}

interface SiteSpec {
  name: string;
  httpsPort: number;
  nbdPort: number;
  peerPort: number;
  dataDir: string;
}

const BIN = fileURLToPath(new URL('../../bin/tandem.mjs', import.meta.url));

export async function lab(options: LabOptions): Promise<void> {
  const dataDir = resolve(options.data);
  const base = portOption('--base-port', options.basePort);
  if (base < 1 || base + 2367 > 65535) throw new UsageError(`--base-port ${base} leaves no room for the lab's ports (base to base+2367): give one from 1 to ${65535 - 2367}`);
  mkdirSync(dataDir, { recursive: true });
  claimLabDir(dataDir);
  const layout = labSites(base);
  await checkPortsFree(options.host, base, layout);
  const password = labPassword(dataDir, { host: options.host, base_port: base, sites: layout });
  const sites: SiteSpec[] = layout.map((s) => ({ name: s.name, httpsPort: s.https_port, nbdPort: s.nbd_port, peerPort: s.peer_port, dataDir: join(dataDir, s.name) }));
  const children: ChildProcess[] = [];
  let stopping = false;
  const stopAll = async (code: number) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write('\nStopping the lab...\n');
    await Promise.all(children.map((c) => stopChild(c)));
    process.exit(code);
  };
  process.on('SIGINT', () => void stopAll(0));
  process.on('SIGTERM', () => void stopAll(0));
  try {
    for (const site of sites) children.push(await startSite(site, options.host, password, options.logLevel, () => stopping));
    await pair(options.host, sites[0]!, sites[1]!, password);
  } catch (error) {
    process.stderr.write(`The lab did not start: ${error instanceof Error ? error.message : String(error)}\n`);
    await stopAll(1);
    return;
  }
  printBanner(options.host, sites, password, dataDir);
}

/** The lab's password (kept from the first start) and its current layout, in lab.json. */
function labPassword(dataDir: string, layout: Omit<LabFile, 'password'>): string {
  const file = join(dataDir, 'lab.json');
  const password = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as LabFile).password : process.env.TANDEM_ADMIN_PASSWORD || generatePassword();
  writeFileSync(file, JSON.stringify({ password, ...layout }, null, 2), { mode: 0o600 });
  return password;
}

function serveArgs(site: SiteSpec, host: string): string[] {
  return ['serve', '--json', '--name', site.name, '--data', site.dataDir, '--host', host, '--port', String(site.httpsPort), '--nbd-port', String(site.nbdPort), '--peer-port', String(site.peerPort)];
}

/** Width of the widest site name, so that prefixed lines line up. */
const PREFIX_WIDTH = 6;

function startSite(site: SiteSpec, host: string, password: string, logLevel: string | undefined, isStopping: () => boolean): Promise<ChildProcess> {
  const color = process.stdout.isTTY === true && !process.env.NO_COLOR;
  const env = { ...process.env, TANDEM_ADMIN_PASSWORD: password, TANDEM_LOG_FORMAT: 'pretty', TANDEM_LOG_COLOR: color ? '1' : '0', ...(logLevel ? { TANDEM_LOG_LEVEL: logLevel } : {}) };
  const child = spawn(process.execPath, [BIN, ...serveArgs(site, host)], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  // Every line the site logs, prefixed with its name; the last ones also explain a failed start.
  const recent: string[] = [];
  const prefix = `${site.name.padEnd(PREFIX_WIDTH)} │ `;
  createInterface({ input: child.stderr! }).on('line', (line) => {
    recent.push(line);
    if (recent.length > 20) recent.shift();
    process.stdout.write(`${color ? `\x1b[1m${prefix}\x1b[0m` : prefix}${line}\n`);
  });
  return new Promise((resolveReady, reject) => {
    const lines = createInterface({ input: child.stdout! });
    const timer = setTimeout(() => reject(new Error(`${site.name} did not become ready in 60 s`)), 60_000);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (!isStopping()) {
        process.stderr.write(`\n${site.name} stopped (${signal ?? `exit ${code}`}). The other site keeps running. Start it again with:\n  TANDEM_ADMIN_PASSWORD=... node ${BIN} ${serveArgs(site, host).join(' ')}\n`);
      }
      reject(new Error(`${site.name} exited (${signal ?? code})${recent.length ? `: ${recent.at(-1)}` : ''}`));
    });
    lines.on('line', (line) => {
      if (line.startsWith('{') && line.includes('"ready"')) {
        clearTimeout(timer);
        resolveReady(child);
      }
    });
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((done) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.once('exit', () => {
      clearTimeout(timer);
      done();
    });
    child.kill('SIGTERM');
  });
}

/** Pairs site-a with site-b unless a previous start already did. */
async function pair(host: string, a: SiteSpec, b: SiteSpec, password: string): Promise<void> {
  const api = (site: SiteSpec, method: string, path: string, body?: unknown) => httpsJson(host, site.httpsPort, method, `/api/rest${path}`, password, body);
  const existing = await api(a, 'GET', '/remote_system?select=id,name');
  if (Array.isArray(existing.body) && existing.body.some((r: { name: string }) => r.name === b.name)) return;
  const exchange = await api(a, 'POST', '/x509_certificate/exchange', { service: 'Replication_HTTP', address: host, port: b.httpsPort, username: 'admin', password });
  if (exchange.status !== 204) throw new Error(`certificate exchange failed: ${exchange.status} ${JSON.stringify(exchange.body)}`);
  const created = await api(a, 'POST', '/remote_system', { management_address: host, management_port: b.httpsPort, type: 'PowerStore', data_network_latency: 'Low', description: 'lab peer' });
  if (created.status !== 201) throw new Error(`remote_system creation failed: ${created.status} ${JSON.stringify(created.body)}`);
}

function httpsJson(host: string, port: number, method: string, path: string, password: string, body?: unknown): Promise<{ status: number; body: any }> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolveReply, reject) => {
    const req = request(
      { host, port, path, method, rejectUnauthorized: false, headers: { authorization: `Basic ${Buffer.from(`admin:${password}`).toString('base64')}`, 'content-type': 'application/json', ...(payload ? { 'content-length': Buffer.byteLength(payload) } : {}) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolveReply({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : undefined });
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

function printBanner(host: string, sites: SiteSpec[], password: string, dataDir: string): void {
  const rows = sites.map((s) =>
    [
      `  ${s.name}`,
      `    console         https://${host}:${s.httpsPort}/   (open in a browser; sign in as admin)`,
      `    PowerStore API  https://${host}:${s.httpsPort}/api/rest`,
      `    ETERNUS API     https://${host}:${s.httpsPort}/api/v1   (POST /api/v1/session for a token)`,
      `    health          https://${host}:${s.httpsPort}/tandem/v1/health`,
      `    API docs        https://${host}:${s.httpsPort}/swaggerui   (Swagger UI: control API and PowerStore)`,
      `    NBD             nbd://${host}:${s.nbdPort}/<volume name>`,
      `    metrics         https://${host}:${s.httpsPort}/metrics   peer link port ${s.peerPort}`,
      `    logs            ${join(s.dataDir, 'logs', 'tandem.log')}`,
    ].join('\n'),
  );
  process.stdout.write(
    [
      'Tandem lab is ready: site-a and site-b are paired for replication.',
      ...rows,
      `  user admin, password ${password}   (kept in the lab's data directory, lab.json)`,
      '',
      `  Open https://${host}:${sites[0]!.httpsPort}/ to see both sites and drive replication from a browser, or:`,
      '  Protect a volume on site-a: create a replication_rule (remote_system_id of site-b), a policy with it,',
      '  then POST /volume with protection_policy_id. Cut the link with POST /tandem/v1/faults {"kind":"link_down"}.',
      `  Operate it from this directory with \`npx tandem status\`, \`npx tandem session ls\`, ... (\`npx tandem --help\`).`,
      '  Press Ctrl-C to stop both sites.',
      '',
    ].join('\n'),
  );
}
