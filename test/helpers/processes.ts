// Starts `tandem serve` as a real child process and waits for its JSON ready line.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface ServeProcess {
  child: ChildProcess;
  ready: { name: string; https_port: number; nbd_port: number; url: string; nbd: string };
  stderr: string[];
}

export async function startServe(args: { name: string; data: string; password: string }): Promise<ServeProcess> {
  const child = spawn(
    process.execPath,
    ['bin/tandem.mjs', 'serve', '--json', '--name', args.name, '--data', args.data, '--port', '0', '--nbd-port', '0'],
    { cwd: REPO_ROOT, env: { ...process.env, TANDEM_ADMIN_PASSWORD: args.password }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
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
