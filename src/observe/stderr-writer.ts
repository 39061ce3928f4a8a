// Log lines to stderr without letting a slow reader stop or kill the system. Node makes a piped
// stderr non-blocking, so a synchronous write into a full pipe throws EAGAIN or writes part of
// the line. A burst of lines (a link lost with thousands of sessions logs one state change each)
// filled the pipe of a reader that was busy: the write threw inside an event listener, then inside
// the uncaught-exception handler, and the system died (issue 14's restart at 1,000 sessions). The
// file log (logs/tandem.log) keeps every line; the terminal copy drops whole lines when the
// reader lags, and says how many before the next line it can write.
import { writeSync } from 'node:fs';

/** How long a line already partly written waits for the reader before the rest is dropped. */
export const STDERR_PARTIAL_WAIT_MS = 1_000;

type Write = (buffer: Buffer, offset: number) => number;

const isWouldBlock = (error: unknown) => (error as NodeJS.ErrnoException)?.code === 'EAGAIN' || (error as NodeJS.ErrnoException)?.code === 'EWOULDBLOCK';
const sleepMs = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/** A line writer for stderr (`write` is the raw write, injected by tests); other errors are thrown. */
export function stderrWriter(write: Write = (buffer, offset) => writeSync(2, buffer, offset)): { write(text: string): void; readonly droppedLines: number } {
  let dropped = 0;
  let notedDropped = 0;
  /** Writes all of buffer; false when nothing of it could be written (the pipe is full). */
  const writeAll = (buffer: Buffer): boolean => {
    let offset = 0;
    let waitedMs = 0;
    while (offset < buffer.length) {
      try {
        offset += write(buffer, offset);
      } catch (error) {
        if (!isWouldBlock(error)) throw error;
        if (offset === 0) return false;
        // Part of the line is out: finish it, so the reader never sees two lines run together.
        if (waitedMs >= STDERR_PARTIAL_WAIT_MS) return true;
        sleepMs(1);
        waitedMs += 1;
      }
    }
    return true;
  };
  return {
    write(text: string): void {
      if (dropped > notedDropped) {
        if (!writeAll(Buffer.from(`{"level":40,"msg":"${dropped - notedDropped} log lines were not written to stderr (its reader lagged); the log file has them"}\n`))) {
          dropped += 1;
          return;
        }
        notedDropped = dropped;
      }
      if (!writeAll(Buffer.from(text))) dropped += 1;
    },
    get droppedLines() {
      return dropped;
    },
  };
}
