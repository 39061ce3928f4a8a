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
  const ready = await waitForReadyLine<ServeProcess['ready']>(child, 60_000, (why) => `serve ${why}: ${stderr.join('')}`);
  return { child, ready, stderr };
}

/**
 * Resolves with the `{"event":"ready"}` line a `tandem serve --json` child prints on stdout; rejects
 * if the child exits first or stays silent for `timeoutMs` (`failure` words the error, given why).
 */
export function waitForReadyLine<T>(child: ChildProcess, timeoutMs: number, failure: (why: string) => string): Promise<T> {
  const lines = createInterface({ input: child.stdout! });
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(failure(`not ready within ${timeoutMs} ms`))), timeoutMs);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(failure(`exited (${code ?? signal}) before ready`)));
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
  }).finally(() => child.removeAllListeners('exit'));
}

/** `signal`, then SIGKILL if the child has not exited after `graceMs`. Resolves with the exit code. */
export function stopProcess(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM', graceMs = 20_000): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
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
