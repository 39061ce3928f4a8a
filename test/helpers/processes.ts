// Starts `tandem serve` as a real child process and waits for its JSON ready line.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface ServeProcess {
  child: ChildProcess;
  ready: { name: string; https_port: number; nbd_port: number; peer_port?: number; url: string; nbd: string };
  stderr: string[];
}

export interface ServeArgs {
  name: string;
  data: string;
  password: string;
  /** Explicit ports (0 or absent = any free port), so that a restarted system keeps its addresses. */
  ports?: { https?: number; nbd?: number; peer?: number };
  /** Extra environment for the child process. */
  env?: Record<string, string>;
}

export async function startServe(args: ServeArgs): Promise<ServeProcess> {
  const ports = args.ports ?? {};
  const argv = ['bin/tandem.mjs', 'serve', '--json', '--name', args.name, '--data', args.data, '--host', '127.0.0.1', '--port', String(ports.https ?? 0), '--nbd-port', String(ports.nbd ?? 0)];
  if (ports.peer !== undefined) argv.push('--peer-port', String(ports.peer));
  const child = spawn(process.execPath, argv, {
    cwd: REPO_ROOT,
    env: { ...process.env, ...args.env, TANDEM_ADMIN_PASSWORD: args.password },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stderr: string[] = [];
  child.stderr!.on('data', (d: Buffer) => stderr.push(d.toString()));
  const lines = createInterface({ input: child.stdout! });
  const ready = await new Promise<ServeProcess['ready']>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not become ready: ${stderr.join('')}`)), 60_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited with ${code}: ${stderr.join('')}`));
    });
    lines.on('line', (line) => {
      try {
        const event = JSON.parse(line);
        if (event.event === 'ready') {
          clearTimeout(timer);
          resolve(event);
        }
      } catch {
        /* not a JSON line */
      }
    });
  });
  child.removeAllListeners('exit');
  return { child, ready, stderr };
}

export function stopProcess(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
    child.kill(signal);
  });
}

/** The Debian package a missing tool comes from, or null when the tool is present. */
export function missingTool(tool: string, debianPackage: string): string | null {
  const found = spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;
  return found ? null : `${tool} not installed (Debian package ${debianPackage})`;
}

/**
 * Distinct free TCP ports on 127.0.0.1, chosen up front (all held open at once so none repeats).
 * Another process could take one before it is used; tests that need fixed ports accept that race.
 */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: count }, () =>
      new Promise<import('node:net').Server>((resolve, reject) => {
        const server = createServer();
        server.once('error', reject);
        server.listen(0, '127.0.0.1', () => resolve(server));
      }),
    ),
  );
  const ports = servers.map((s) => (s.address() as { port: number }).port);
  await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  return ports;
}
