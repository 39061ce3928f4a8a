// The system's logger (pino): JSON lines into the data directory (logs/tandem.log, rotated and
// bounded) and, on a terminal, the same lines made readable (pretty.ts). Secrets never reach a
// line: requests are logged by route, user and outcome, never by body or headers, and any field
// named like a secret is censored here as a second guard.
import { join } from 'node:path';
import pino, { type Logger } from 'pino';
import { prettyStream } from './pretty.ts';
import { RotatingFile } from './rotating-file.ts';
import { stderrWriter } from './stderr-writer.ts';

export type { Logger } from 'pino';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** 10 MiB × 5 files: at most 50 MiB of logs per system, days of mutations and state changes. */
export const LOG_FILE_BYTES_MAX = 10 * 1024 * 1024;
export const LOG_FILES_MAX = 5;

/** Field paths censored wherever they appear (one level deep and at the top). */
const SECRET_PATHS = ['password', 'token', 'authorization', 'cookie', 'secret', 'key'].flatMap((k) => [k, `*.${k}`, `*.headers.${k}`]);

export interface LoggerOptions {
  level: LogLevel;
  /** The system's name, on every JSON line. */
  system: string;
  /** What the terminal (stderr) gets: readable lines, the JSON lines themselves, or nothing. */
  terminal: 'pretty' | 'json' | 'off';
  color?: boolean;
  /** Where the JSON-lines files go (`<data>/logs`); none when absent. */
  fileDir?: string;
  fileBytesMax?: number;
  filesMax?: number;
}

export function isLogLevel(value: string): value is LogLevel {
  return (LOG_LEVELS as readonly string[]).includes(value);
}

export interface CreatedLogger {
  logger: Logger;
  /** Writes to the file only: details (stacks) behind a line the terminal already got in other words. */
  fileLogger: Logger;
  close(): void;
}

export function createLogger(options: LoggerOptions): CreatedLogger {
  const streams: pino.StreamEntry[] = [];
  let file: RotatingFile | null = null;
  if (options.fileDir) {
    file = new RotatingFile({ dir: options.fileDir, bytesMax: options.fileBytesMax ?? LOG_FILE_BYTES_MAX, filesMax: options.filesMax ?? LOG_FILES_MAX });
    streams.push({ level: 'trace', stream: file });
  }
  const stderr = stderrWriter();
  const toStderr = (text: string) => stderr.write(text);
  if (options.terminal === 'pretty') streams.push({ level: 'trace', stream: prettyStream(toStderr, options.color ?? false) });
  if (options.terminal === 'json') streams.push({ level: 'trace', stream: { write: (line: string) => (toStderr(line), true) } });
  const settings: pino.LoggerOptions = {
    level: options.level,
    base: { system: options.system },
    redact: { paths: SECRET_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.epochTime,
  };
  const logger = pino(settings, pino.multistream(streams));
  const fileLogger = file ? pino(settings, pino.multistream([{ level: 'trace', stream: file }])) : silentLogger();
  return { logger, fileLogger, close: () => file?.close() };
}

/** A logger that writes nothing (systems started inside tests and tools). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

export function logDirectory(dataDir: string): string {
  return join(dataDir, 'logs');
}
