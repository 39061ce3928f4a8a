// Checks before the lab starts anything, so that the usual mistakes end in one line with the fix:
// a lab already running from the same directory, or a port of the layout taken by something else
// (then a base port whose six ports are all free is suggested).
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { labSites, type LabSite } from './lab-layout.ts';
import { UsageError } from './start-errors.ts';

const PID_FILE = 'lab.pid';
/** Base ports tried, in steps of 10, when suggesting one whose ports are free. */
const SUGGESTIONS_TRIED_MAX = 50;

/** Marks the directory as this lab's until the process ends; refuses one held by a live lab. */
export function claimLabDir(dataDir: string): void {
  const file = join(dataDir, PID_FILE);
  const holder = existsSync(file) ? Number.parseInt(readFileSync(file, 'utf8'), 10) : NaN;
  if (Number.isSafeInteger(holder) && holder > 0 && holder !== process.pid && alive(holder)) {
    throw new UsageError(`a lab is already running from ${dataDir} (process ${holder}): use that one (npx tandem status), stop it with Ctrl-C, or start another with --data DIR --base-port N`);
  }
  writeFileSync(file, `${process.pid}\n`);
  process.on('exit', () => rmSync(file, { force: true }));
}

export async function checkPortsFree(host: string, basePort: number, sites: LabSite[]): Promise<void> {
  for (const site of sites) {
    for (const [what, port] of [['HTTPS', site.https_port], ['NBD', site.nbd_port], ['peer link', site.peer_port]] as const) {
      const problem = await portProblem(host, port);
      if (problem === null) continue;
      const suggestion = await freeBase(host, basePort);
      const fix = suggestion === null ? 'start the lab with another --base-port' : `start the lab with --base-port ${suggestion}`;
      throw new UsageError(`port ${port} (${site.name} ${what}) ${problem}: ${fix}`);
    }
  }
}

async function freeBase(host: string, basePort: number): Promise<number | null> {
  for (let i = 1; i <= SUGGESTIONS_TRIED_MAX; i++) {
    const candidate = basePort + 10 * i;
    if (candidate + 2367 > 65535) return null;
    const ports = labSites(candidate).flatMap((s) => [s.https_port, s.nbd_port, s.peer_port]);
    let free = true;
    for (const port of ports) if ((await portProblem(host, port)) !== null) free = false;
    if (free) return candidate;
  }
  return null;
}

/** Null when the port can be listened on now; else why not, in words. */
function portProblem(host: string, port: number): Promise<string | null> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'EACCES' ? 'may not be used by this user' : error.code === 'EADDRINUSE' ? 'is in use' : `cannot be used (${error.code})`));
    server.listen(port, host, () => server.close(() => resolve(null)));
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
