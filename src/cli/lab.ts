// `tandem lab`: the ready-made two-site lab. Starts site-a and site-b as two `tandem serve`
// processes (so one can be killed to test DR), pairs them through the PowerStore API exactly as
// Ansible would, prints how to reach them, and stops both on Ctrl-C. State lives in --data and a
// second start reuses it: same ports, same password, same pairing.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { generatePassword } from '../security/passwords.ts';

export interface LabOptions {
  data: string;
  host: string;
  basePort: string;
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
  mkdirSync(dataDir, { recursive: true });
  const password = labPassword(dataDir);
  const base = Number(options.basePort);
  const sites: SiteSpec[] = [
    { name: 'site-a', httpsPort: base, nbdPort: base + 2366, peerPort: base + 100, dataDir: join(dataDir, 'site-a') },
    { name: 'site-b', httpsPort: base + 1, nbdPort: base + 2367, peerPort: base + 101, dataDir: join(dataDir, 'site-b') },
  ];
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
    for (const site of sites) children.push(await startSite(site, options.host, password, () => stopping));
    await pair(options.host, sites[0]!, sites[1]!, password);
  } catch (error) {
    process.stderr.write(`The lab did not start: ${error instanceof Error ? error.message : String(error)}\n`);
    await stopAll(1);
    return;
  }
  printBanner(options.host, sites, password);
}

function labPassword(dataDir: string): string {
  const file = join(dataDir, 'lab.json');
  if (existsSync(file)) return (JSON.parse(readFileSync(file, 'utf8')) as { password: string }).password;
  const password = process.env.TANDEM_ADMIN_PASSWORD || generatePassword();
  writeFileSync(file, JSON.stringify({ password }, null, 2), { mode: 0o600 });
  return password;
}

function serveArgs(site: SiteSpec, host: string): string[] {
  return ['serve', '--json', '--name', site.name, '--data', site.dataDir, '--host', host, '--port', String(site.httpsPort), '--nbd-port', String(site.nbdPort), '--peer-port', String(site.peerPort)];
}

function startSite(site: SiteSpec, host: string, password: string, isStopping: () => boolean): Promise<ChildProcess> {
  const child = spawn(process.execPath, [BIN, ...serveArgs(site, host)], { env: { ...process.env, TANDEM_ADMIN_PASSWORD: password }, stdio: ['ignore', 'pipe', 'pipe'] });
  const errors: string[] = [];
  child.stderr!.on('data', (d: Buffer) => {
    errors.push(d.toString());
    if (errors.length > 50) errors.shift();
  });
  return new Promise((resolveReady, reject) => {
    const lines = createInterface({ input: child.stdout! });
    const timer = setTimeout(() => reject(new Error(`${site.name} did not become ready in 60 s:\n${errors.join('')}`)), 60_000);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (!isStopping()) {
        process.stderr.write(`\n${site.name} stopped (${signal ?? `exit ${code}`}). The other site keeps running. Start it again with:\n  TANDEM_ADMIN_PASSWORD=... node ${BIN} ${serveArgs(site, host).join(' ')}\n`);
      }
      reject(new Error(`${site.name} exited (${signal ?? code}):\n${errors.join('')}`));
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

function printBanner(host: string, sites: SiteSpec[], password: string): void {
  const rows = sites.map((s) =>
    [
      `  ${s.name}`,
      `    PowerStore API  https://${host}:${s.httpsPort}/api/rest`,
      `    ETERNUS API     https://${host}:${s.httpsPort}/api/v1   (POST /api/v1/session for a token)`,
      `    health          https://${host}:${s.httpsPort}/tandem/v1/health`,
      `    NBD             nbd://${host}:${s.nbdPort}/<volume name>`,
    ].join('\n'),
  );
  process.stdout.write(
    [
      'Tandem lab is ready: site-a and site-b are paired for replication.',
      ...rows,
      `  user admin, password ${password}   (kept in the lab's data directory, lab.json)`,
      '',
      '  Protect a volume on site-a: create a replication_rule (remote_system_id of site-b), a policy with it,',
      '  then POST /volume with protection_policy_id. Cut the link with POST /tandem/v1/faults {"kind":"link_down"}.',
      '  Press Ctrl-C to stop both sites.',
      '',
    ].join('\n'),
  );
}
