// What every benchmark module needs to drive `tandem serve`: start one in a child process (JSON
// "ready" line on stdout, JSON log lines on stderr), stop it, send it HTTPS requests, and run a
// tool to completion. One copy here, so that the modules (api, replication, sync, eternus) start
// servers and talk to them the same way.
//
// To profile the servers: TANDEM_BENCH_SERVER_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof".
// To keep every log line of the servers: TANDEM_BENCH_LOG_DIR=/tmp/logs (one file per site, appended).

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { stopProcess, waitForReadyLine } from '../test/helpers/processes.ts';

export const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
export const PASSWORD = 'Bench-Password-1';
const BASIC_AUTH = `Basic ${Buffer.from(`admin:${PASSWORD}`).toString('base64')}`;
const MiB = 1024 * 1024;
const SERVER_START_MS_MAX = 60_000;
const SERVER_STOP_MS_MAX = 60_000;
const CONTROL_REQUEST_MS_MAX = 60_000;
const TOOL_MS_MAX = 15 * 60_000;
/** Lines of a server's stderr kept for error messages and log parsing. */
const STDERR_LINES_KEPT = 200;

interface Ready {
  name: string;
  https_port: number;
  nbd_port: number;
  peer_port: number;
  url: string;
}

export interface CycleLog {
  bytes: number;
  ms: number;
  cycle: number;
  /** When the cycle started, on the server's clock (epoch ms; the log line's startedAtMs). */
  startedAtMs: number;
  session: string;
}

export interface Site {
  name: string;
  child: ChildProcess;
  ready: Ready;
  stderrTail: string[];
  /** `cycle committed` log events, in order. */
  cycles: CycleLog[];
  nbd(volume: string): string;
}

/** Extra node flags for the servers, from TANDEM_BENCH_SERVER_NODE_ARGS. */
function serverNodeArgs(): string[] {
  return (process.env.TANDEM_BENCH_SERVER_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
}

/** Starts `tandem serve` on loopback with every port chosen by the OS; resolves once it is ready. */
export async function startSite(name: string, dataDir: string): Promise<Site> {
  const child = spawn(
    process.execPath,
    [...serverNodeArgs(), 'bin/tandem.mjs', 'serve', '--json', '--name', name, '--data', dataDir, '--host', '127.0.0.1', '--port', '0', '--nbd-port', '0', '--peer-port', '0'],
    { cwd: REPO_ROOT, env: { ...process.env, TANDEM_ADMIN_PASSWORD: PASSWORD, TANDEM_HTTP_LOG: '0' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const stderrTail: string[] = [];
  const cycles: CycleLog[] = [];
  // The server logs pino JSON lines on stderr (text in `msg`); `cycle committed` carries the bytes each cycle shipped.
  const logDir = process.env.TANDEM_BENCH_LOG_DIR;
  const logFile = logDir ? createWriteStream(`${logDir}/${name}.log`, { flags: 'a' }) : null;
  createInterface({ input: child.stderr! }).on('line', (line) => {
    logFile?.write(`${line}\n`);
    stderrTail.push(line);
    if (stderrTail.length > STDERR_LINES_KEPT) stderrTail.shift();
    if (!line.startsWith('{')) return;
    try {
      const event = JSON.parse(line);
      if (event.msg === 'cycle committed') cycles.push({ bytes: event.bytes, ms: event.ms, cycle: event.cycle, startedAtMs: event.startedAtMs, session: event.session });
    } catch {
      /* not a JSON line */
    }
  });
  try {
    const ready = await waitForReadyLine<Ready>(child, SERVER_START_MS_MAX, (why) => `${name} ${why}: ${stderrTail.join('\n')}`);
    return { name, child, ready, stderrTail, cycles, nbd: (volume) => `nbd://127.0.0.1:${ready.nbd_port}/${volume}` };
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
}

/** SIGTERM (clean shutdown: flush, checkpoint), SIGKILL if it takes too long. Resolves with the exit code. */
export function stopSite(site: Site): Promise<number | null> {
  return stopProcess(site.child, 'SIGTERM', SERVER_STOP_MS_MAX);
}

export interface RawReply {
  status: number;
  text: string;
}

export interface Reply {
  status: number;
  body: any;
}

export interface SendOptions {
  body?: unknown;
  /** The Authorization header; Basic admin credentials when absent, none when null. */
  authorization?: string | null;
  timeoutMs?: number;
}

/** One HTTPS request to a site's management port; the answer's body as text (not parsed). */
export function send(agent: Agent, site: Site, method: string, path: string, options: SendOptions = {}): Promise<RawReply> {
  const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
  const authorization = options.authorization === undefined ? BASIC_AUTH : options.authorization;
  const timeoutMs = options.timeoutMs ?? CONTROL_REQUEST_MS_MAX;
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: site.ready.https_port,
        path,
        method,
        agent,
        headers: {
          accept: 'application/json',
          ...(authorization === null ? {} : { authorization }),
          ...(payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', (error) => reject(new Error(`${method} ${path} on ${site.name}: ${error.message}`)));
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`timeout after ${timeoutMs} ms: ${method} ${path} on ${site.name}`)));
    req.end(payload);
  });
}

/** The reply with its body parsed as JSON where it is JSON (the text otherwise). */
export async function sendJson(agent: Agent, site: Site, method: string, path: string, options: SendOptions = {}): Promise<Reply> {
  const { status, text } = await send(agent, site, method, path, options);
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    /* keep the text */
  }
  return { status, body };
}

/** A request to the PowerStore dialect (/api/rest), Basic auth as admin. */
export function api(agent: Agent, site: Site, method: string, path: string, body?: unknown, timeoutMs = CONTROL_REQUEST_MS_MAX): Promise<Reply> {
  return sendJson(agent, site, method, `/api/rest${path}`, { body, timeoutMs });
}

/** The body of a reply that has the expected status; throws with the status and body otherwise. */
export async function expect(reply: Promise<Reply>, status: number, what: string): Promise<any> {
  const r = await reply;
  if (r.status !== status) throw new Error(`${what}: HTTP ${r.status} ${JSON.stringify(r.body).slice(0, 400)}`);
  return r.body;
}

/** Runs a tool to completion; throws with its stderr when it fails. Returns stdout and seconds taken. */
export function tool(command: string, args: string[], what: string, timeoutMs = TOOL_MS_MAX): { stdout: string; seconds: number } {
  const start = process.hrtime.bigint();
  const result = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 64 * MiB, timeout: timeoutMs });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (result.error) throw new Error(`${what}: ${result.error.message}`);
  if (result.status !== 0) throw new Error(`${what}: ${command} exited ${result.status}: ${result.stderr.slice(-600)}`);
  return { stdout: result.stdout, seconds };
}

/**
 * Pairs site-a with site-b over the PowerStore API, as Ansible would: certificates exchanged
 * (x509_certificate/exchange), then site-b registered as a remote system. Returns site-a's
 * remote_system for site-b.
 */
export async function pairSites(agent: Agent, a: Site, b: Site): Promise<{ id: string }> {
  await expect(api(agent, a, 'POST', '/x509_certificate/exchange', { service: 'Replication_HTTP', address: '127.0.0.1', port: b.ready.https_port, username: 'admin', password: PASSWORD }), 204, 'x509 exchange');
  return expect(api(agent, a, 'POST', '/remote_system', { management_address: '127.0.0.1', management_port: b.ready.https_port, type: 'PowerStore', data_network_latency: 'Low' }), 201, 'remote_system');
}

/** Linux's USER_HZ, the unit of utime and stime in /proc/PID/stat. */
const CLOCK_TICKS_PER_S = 100;

/**
 * CPU seconds a server process has used (user + system, all its threads), from /proc: on a shared
 * machine what a run costs each side says more than its speed (null where /proc is absent).
 */
export function siteCpuSeconds(site: Site): number | null {
  try {
    const fields = readFileSync(`/proc/${site.child.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_S;
  } catch {
    return null;
  }
}
