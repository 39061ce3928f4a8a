// Why a system or the lab could not start, in one line that says what to do: a busy port, a data
// directory another process holds, a bad option. Anything else is one line too (its message); the
// stack goes to the log file, never to the terminal.
import { DirectoryInUseError } from '../engine/dir-lock.ts';

/** A refusal the user can fix: printed as is, exit status 2, no stack. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface PortFlags {
  /** The port each flag asked for, to name the flag that moves a busy one. */
  https: number;
  nbd: number;
  peer: number;
}

/** One line for a failed `tandem serve` start. */
export function serveStartFailure(error: unknown, data: string, ports: PortFlags): string {
  const e = error as NodeJS.ErrnoException & { port?: number };
  if (e?.code === 'EADDRINUSE' || e?.code === 'EACCES') {
    const port = e.port ?? portInMessage(e.message);
    const flag = port === ports.https ? '--port' : port === ports.nbd ? '--nbd-port' : port === ports.peer ? '--peer-port' : 'the port options';
    const why = e.code === 'EACCES' ? 'may not be used by this user' : 'is in use';
    return `port ${port ?? '?'} ${why}: start with another ${flag} (0 picks a free one)`;
  }
  if (error instanceof DirectoryInUseError) {
    return `data directory ${data} is in use by another tandem (process ${error.holderPid}): stop that one, or start this one with another --data`;
  }
  return `could not start: ${e?.message ?? String(error)}`;
}

/** Checks a port option: an integer 0..65535. */
export function portOption(flag: string, value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535) throw new UsageError(`${flag} ${JSON.stringify(value)} is not a port: give a number from 0 to 65535`);
  return port;
}

function portInMessage(message: string | undefined): number | undefined {
  const match = /:(\d+)\s*$/.exec(message ?? '');
  return match ? Number(match[1]) : undefined;
}
