// GET /metrics: the Prometheus text of this system (observe/metrics.ts). Guarded like the control
// API (HTTP Basic, Administrator role), and readable with `Authorization: Bearer <token>` when the
// system was given a metrics token (`--metrics-token` / TANDEM_METRICS_TOKEN), so that Prometheus
// needs no user password in its configuration.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Observability } from '../observe/observability.ts';
import type { UserDirectory } from '../security/users.ts';

/** What /metrics uses: the metrics, and the users for Basic auth. */
export interface MetricsRouteServices {
  observe: Pick<Observability, 'metrics'>;
  users: Pick<UserDirectory, 'authenticate'>;
}

export const METRICS_PATH = '/metrics';

export function registerMetricsRoute(app: FastifyInstance, services: MetricsRouteServices, metricsToken: string | null): void {
  const metrics = services.observe.metrics;
  if (!metrics) return;
  app.get(METRICS_PATH, async (request, reply) => {
    const refusal = refuse(request, services, metricsToken);
    if (refusal) {
      if (refusal.status === 401) void reply.header('WWW-Authenticate', metricsToken ? 'Bearer, Basic realm="tandem"' : 'Basic realm="tandem"');
      return reply.code(refusal.status).send({ error: refusal.status === 401 ? 'UNAUTHENTICATED' : 'FORBIDDEN', message: refusal.message });
    }
    const text = await metrics.text();
    return reply.header('content-type', metrics.contentType).send(text);
  });
}

function refuse(request: FastifyRequest, services: MetricsRouteServices, token: string | null): { status: number; message: string } | null {
  const header = request.headers.authorization ?? '';
  if (/^bearer /i.test(header)) {
    if (token && sameSecret(header.slice(7).trim(), token)) return null;
    return { status: 401, message: 'The bearer token is not the metrics token of this system.' };
  }
  const decoded = /^basic /i.test(header) ? Buffer.from(header.slice(6).trim(), 'base64').toString('utf8') : '';
  const colon = decoded.indexOf(':');
  const user = colon > 0 ? services.users.authenticate(decoded.slice(0, colon), decoded.slice(colon + 1)) : null;
  if (!user) return { status: 401, message: 'Authentication required: HTTP Basic as an Administrator, or the metrics bearer token.' };
  if (user.role !== 'Administrator') return { status: 403, message: `User ${user.name} is not an Administrator.` };
  return null;
}

/** Compares digests, so neither the length nor the content of the token leaks through timing. */
function sameSecret(given: string, expected: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(given), digest(expected));
}
