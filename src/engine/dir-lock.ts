// One engine per directory: two engines appending to the same segments would corrupt both.
// Within a process a set of open real paths catches a second open; across processes a lock file
// holds the owner's pid, and a lock whose process is gone (kill -9) is taken over. This is advisory
// (two processes racing the check in the same instant could both pass), which is enough to catch
// the realistic mistake of starting a second server on the same data directory.

import * as fs from 'node:fs';
import { join } from 'node:path';
import { StateError } from '../core/errors.ts';

const LOCK_FILE = 'engine.lock';

/** Another live process holds the directory (tandem serve turns it into one line with the fix). */
export class DirectoryInUseError extends StateError {
  constructor(
    readonly dir: string,
    readonly holderPid: number,
  ) {
    super(`engine directory ${dir} is in use by process ${holderPid}`);
    this.name = 'DirectoryInUseError';
  }
}
const openDirs = new Set<string>();

/** Takes the directory; returns the release function. */
export function lockDirectory(dir: string): () => void {
  const key = fs.realpathSync(dir);
  if (openDirs.has(key)) throw new StateError(`engine directory ${dir} is already open in this process`);
  const lockPath = join(dir, LOCK_FILE);
  const holderPid = readLockPid(lockPath);
  if (holderPid !== null && holderPid !== process.pid && processAlive(holderPid)) {
    throw new DirectoryInUseError(dir, holderPid);
  }
  fs.writeFileSync(lockPath, `${process.pid}\n`);
  openDirs.add(key);
  return () => {
    openDirs.delete(key);
    fs.rmSync(lockPath, { force: true });
  };
}

function readLockPid(lockPath: string): number | null {
  try {
    const pid = Number.parseInt(fs.readFileSync(lockPath, 'utf8'), 10);
    return Number.isSafeInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
