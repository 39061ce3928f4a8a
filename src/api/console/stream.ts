// GET /tandem/v1/stream: server-sent events for the console. On every change the system's event
// hub reports (session states, failovers, the link, faults, ended jobs, changes made through any
// API) it sends the overview again within STREAM_CHANGE_DELAY_MS, and every STREAM_REFRESH_MS
// anyway so that lag and progress move on screen. Each message is `event: overview` with the
// overview as data, preceded by `event: change` naming what happened. Authenticated like the rest
// of the control API (HTTP Basic); the browser reads it with fetch, which can send the header.
import type { FastifyReply } from 'fastify';
import type { User } from '../../core/model.ts';
import type { SystemEvent } from '../../observe/events.ts';
import { overview, type BacklogRates } from './overview.ts';
import type { ConsoleServices, ConsoleSources } from './ports.ts';

/** Changes arrive in bursts (a failover writes several records): one push for a burst. */
export const STREAM_CHANGE_DELAY_MS = 100;
export const STREAM_REFRESH_MS = 1_000;
/** Open streams per system: each costs an overview a second. */
export const STREAMS_MAX = 64;

/** The open streams of one server, each by the function that ends it (the server's close ends them all). */
export type OpenStreams = Set<() => void>;

export function openStream(services: ConsoleServices, sources: ConsoleSources, rates: BacklogRates, user: User, reply: FastifyReply, streams: OpenStreams): boolean {
  if (streams.size >= STREAMS_MAX) return false;
  const raw = reply.raw;
  reply.hijack();
  raw.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive', 'x-accel-buffering': 'no' });
  let pending: NodeJS.Timeout | null = null;
  const send = (event: string, data: unknown) => {
    if (!raw.destroyed) raw.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  };
  const push = () => {
    pending = null;
    try {
      send('overview', overview(services, sources, user, rates));
    } catch (error) {
      send('failure', { message: (error as Error).message });
    }
  };
  const off = services.observe.hub.on((e: SystemEvent) => {
    if (!isChange(e)) return;
    send('change', { kind: e.kind });
    pending ??= setTimeout(push, STREAM_CHANGE_DELAY_MS);
  });
  // Wall-clock pacing of a delivery to a browser, not a schedule of the system: not on the injected clock.
  const refresh = setInterval(push, STREAM_REFRESH_MS);
  refresh.unref();
  const close = () => {
    off();
    clearInterval(refresh);
    if (pending) clearTimeout(pending);
    if (!raw.destroyed) raw.end();
  };
  streams.add(close);
  raw.on('close', () => {
    streams.delete(close);
    close();
  });
  push();
  return true;
}

function isChange(e: SystemEvent): boolean {
  if (e.kind === 'mutation') return e.status < 400;
  return e.kind !== 'error' && e.kind !== 'recovery';
}
