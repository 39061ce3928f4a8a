// One log line per system event (events.ts): who did what and how it ended, state changes,
// failovers, faults, the peer link, start-up recovery, errors. The words are for operators; the
// fields are for grep and for log search (the JSON file keeps them typed).
import type { Logger } from 'pino';
import type { EventHub, SystemEvent } from './events.ts';

export function logEvents(hub: EventHub, logger: Logger): () => void {
  return hub.on((event) => logEvent(logger, event));
}

export function logEvent(logger: Logger, event: SystemEvent): void {
  switch (event.kind) {
    case 'mutation': {
      const { kind: _k, durationMs, ...fields } = event;
      const ok = event.status < 400;
      const ms = Math.round(durationMs * 10) / 10;
      const line = { ...fields, ms };
      const text = `${event.user ?? 'anonymous'} ${event.method} ${event.route}${event.resourceId ? ` ${event.resourceId}` : ''} → ${event.status}${event.error ? `: ${event.error}` : ''} (${ms} ms)`;
      if (ok) logger.info(line, text);
      else if (event.status >= 500) logger.error(line, text);
      else logger.warn(line, text);
      return;
    }
    case 'session_state': {
      const { kind: _k, ...fields } = event;
      const name = event.resourceName ?? event.sessionId;
      const what = event.from === null ? `session of ${name} created (${event.role}, ${event.to})` : event.to === null ? `session of ${name} deleted` : `session of ${name}: ${event.from} → ${event.to}`;
      const bad = event.to === 'Error' || event.to === 'System_Paused';
      (bad ? logger.warn : logger.info).call(logger, fields, what);
      return;
    }
    case 'failover': {
      const { kind: _k, ...fields } = event;
      logger.warn(fields, `failover: this system is now ${event.roleAfter} of ${event.resourceName ?? event.sessionId}`);
      return;
    }
    case 'fault': {
      const { kind: _k, ...fields } = event;
      logger.warn(fields, `fault ${event.action}: ${String(event.fault.kind)}`);
      return;
    }
    case 'link': {
      const { kind: _k, ...fields } = event;
      const text = `peer link to ${event.peerName ?? event.peerSystemId}: ${event.state}`;
      (event.state === 'OK' ? logger.info : logger.warn).call(logger, fields, text);
      return;
    }
    case 'recovery': {
      const { kind: _k, ...fields } = event;
      const replay = event.replayedRecords > 0 ? `, ${event.replayedRecords} log records replayed` : '';
      logger.info(fields, `started: engine opened in ${event.engineOpenMs} ms${replay}, ${event.volumes} volumes, ${event.sessions} sessions`);
      return;
    }
    case 'job': {
      const { kind: _k, ...fields } = event;
      if (event.state === 'FAILED') logger.warn(fields, `job failed: ${event.description}: ${event.error ?? 'no message'}`);
      else logger.debug(fields, `job done: ${event.description}`);
      return;
    }
    case 'error': {
      const { kind: _k, stack, ...fields } = event;
      logger.error({ ...fields, ...(stack ? { stack } : {}) }, event.message);
      return;
    }
  }
}
