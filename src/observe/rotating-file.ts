// The JSON-lines log file of a system, bounded: `tandem.log` grows to `bytesMax`, then becomes
// `tandem.log.1` (the older ones move up one, the oldest past `filesMax` is deleted) and a new
// `tandem.log` starts. Writes are synchronous on purpose: a `stop` fault ends the process with
// SIGKILL, and the lines just before it (the fault, the failover that caused it) are the ones an
// operator reads afterwards; an asynchronous writer would lose them. Log lines are few (mutations,
// state changes, errors), never one per host I/O, so a synchronous write costs nothing that matters.
import { closeSync, existsSync, fstatSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export const LOG_FILE_NAME = 'tandem.log';

export interface RotatingFileOptions {
  dir: string;
  /** Size at which the current file is rotated. */
  bytesMax: number;
  /** Files kept, the current one included: the directory never holds more than bytesMax × filesMax (plus one line). */
  filesMax: number;
}

export class RotatingFile {
  private fd: number;
  private sizeBytes: number;

  constructor(private readonly options: RotatingFileOptions) {
    if (!(options.bytesMax >= 4096 && Number.isInteger(options.filesMax) && options.filesMax >= 1)) {
      throw new Error(`log file limits out of range: ${options.bytesMax} bytes × ${options.filesMax} files`);
    }
    mkdirSync(options.dir, { recursive: true });
    this.fd = openSync(this.path(0), 'a', 0o600);
    this.sizeBytes = fstatSync(this.fd).size;
  }

  /** Appends one line (pino hands whole lines, newline included). */
  write(line: string): boolean {
    const bytes = Buffer.byteLength(line);
    if (this.sizeBytes > 0 && this.sizeBytes + bytes > this.options.bytesMax) this.rotate();
    writeSync(this.fd, line);
    this.sizeBytes += bytes;
    return true;
  }

  close(): void {
    closeSync(this.fd);
  }

  private rotate(): void {
    closeSync(this.fd);
    const last = this.options.filesMax - 1;
    if (last === 0) rmSync(this.path(0), { force: true });
    else rmSync(this.path(last), { force: true });
    for (let i = last - 1; i >= 0; i--) if (existsSync(this.path(i))) renameSync(this.path(i), this.path(i + 1));
    this.fd = openSync(this.path(0), 'a', 0o600);
    this.sizeBytes = 0;
  }

  /** `tandem.log`, then `tandem.log.1` (newest rotated) up to `tandem.log.<filesMax-1>`. */
  private path(index: number): string {
    return join(this.options.dir, index === 0 ? LOG_FILE_NAME : `${LOG_FILE_NAME}.${index}`);
  }
}
