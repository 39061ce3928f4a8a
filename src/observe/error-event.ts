// An unexpected error caught at an edge (a dialect's error handler, a background task) as an event:
// the message for the terminal, the stack for the JSON log file.
import type { ErrorEvent } from './events.ts';

export function errorEvent(source: string, error: unknown, requestId?: string): ErrorEvent {
  const e = error instanceof Error ? error : new Error(String(error));
  return { kind: 'error', source, message: e.message, ...(requestId ? { requestId } : {}), ...(e.stack ? { stack: e.stack } : {}) };
}
