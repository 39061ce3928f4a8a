// The one place each dialect plugin observes its requests (Fastify's onSend and onResponse hooks,
// registered once per plugin, never per route): every answered request is counted for /metrics by
// dialect, method, route pattern and status, and every state-changing request becomes a `mutation`
// event (who, what, result) for the log and, later, the audit trail. Bodies and headers are never
// looked at, except the answer's error message of a refused request.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Dialect } from '../observe/events.ts';
import type { Observability } from '../observe/observability.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The refused request's error message, taken from the dialect's answer (onSend). */
    observedError?: string;
  }
}

export interface ObservedDialect {
  dialect: Dialect;
  /** The authenticated user of a request, once the dialect's auth hook ran. */
  userOf(request: FastifyRequest): string | null;
  /** The message of an error answer, in the dialect's own error shape. */
  errorMessage(body: unknown): string | null;
}

const READS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function observeRequests(app: FastifyInstance, observe: Pick<Observability, 'hub' | 'metrics'>, dialect: ObservedDialect): void {
  app.addHook('onSend', async (request: FastifyRequest, reply: FastifyReply, payload: unknown) => {
    if (reply.statusCode >= 400 && !READS.has(request.method) && typeof payload === 'string' && payload.length < 65536) {
      try {
        request.observedError = dialect.errorMessage(JSON.parse(payload)) ?? undefined;
      } catch {
        /* not JSON: no message */
      }
    }
    return payload;
  });
  app.addHook('onResponse', async (request: FastifyRequest, reply: FastifyReply) => {
    const route = request.routeOptions.url;
    const seconds = reply.elapsedTime / 1000;
    observe.metrics?.apiRequest(dialect.dialect, request.method, route ?? 'unmatched', reply.statusCode, seconds);
    if (READS.has(request.method)) return;
    const params = request.params as Record<string, unknown> | undefined;
    const id = params && typeof params.id === 'string' ? params.id : null;
    observe.hub.emit({
      kind: 'mutation',
      dialect: dialect.dialect,
      requestId: request.id,
      user: dialect.userOf(request),
      method: request.method,
      route: route ?? request.url.split('?')[0]!,
      resourceId: id,
      status: reply.statusCode,
      durationMs: reply.elapsedTime,
      error: request.observedError ?? null,
    });
  });
}
