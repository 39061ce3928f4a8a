// One HTTPS server per system carrying both vendor dialects (PowerStore /api/rest, ETERNUS
// /api/v1) and Tandem's own control API, each a scoped Fastify plugin with its own error handler.
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { HTTP_BODY_BYTES_MAX, HTTP_HEADER_BYTES_MAX } from '../limits.ts';
import { parseJsonBody } from './json-body.ts';
import { answerClientError, frameworkErrorAnswer, PATH_SEGMENT_CHARS_MAX, transportAnswer } from './transport-errors.ts';
import type { TlsIdentity } from '../security/tls.ts';
import { controlPlugin, type ControlExtension } from './control/plugin.ts';
import type { ControlServices } from './control/ports.ts';
import type { EternusServices } from './eternus/ports.ts';
import type { PowerStoreServices } from './powerstore/ports.ts';
import { registerMetricsRoute } from './metrics-route.ts';
import { answerWithConsole, registerConsoleFiles } from './console/static.ts';
import { registerOpenApi, registerSwaggerUi } from './openapi.ts';
import { ETERNUS_PREFIX, eternusPlugin, type EternusExtension } from './eternus/plugin.ts';
import { POWERSTORE_PREFIX, powerStorePlugin, type PowerStoreExtension } from './powerstore/plugin.ts';

/** What the three APIs use of the system, each dialect seeing only its own part. */
export type HttpServices = PowerStoreServices & EternusServices & ControlServices;

export interface HttpServerOptions {
  services: HttpServices;
  tls: TlsIdentity | null;
  logging: boolean;
  powerstore?: PowerStoreExtension[];
  eternus?: EternusExtension[];
  control?: ControlExtension[];
  /** Bearer token that may read /metrics besides admin Basic auth; none when null. */
  metricsToken?: string | null;
  /** Where the built web console is (ui/dist by default); null serves none. */
  consoleDir?: string | null;
}

export interface RouteEntry {
  method: string;
  /** Full path with Fastify's `:param` placeholders, e.g. `/api/rest/volume/:id`. */
  url: string;
  /** The route's `config` (e.g. the PowerStore support mark of powerstore/route-support.ts). */
  config?: Readonly<Record<string, unknown>>;
}

const ROUTES = new WeakMap<FastifyInstance, RouteEntry[]>();

/** Every route the server registered, in registration order (the fuzz test walks them all). */
export function routesOf(app: FastifyInstance): readonly RouteEntry[] {
  return ROUTES.get(app) ?? [];
}

export async function buildHttpServer(options: HttpServerOptions): Promise<FastifyInstance> {
  const serverOptions = { maxHeaderSize: HTTP_HEADER_BYTES_MAX };
  const app = Fastify({
    ...(options.tls ? { https: { key: options.tls.key, cert: options.tls.cert, ...serverOptions } } : { http: serverOptions }),
    logger: options.logging ? { level: 'info', redact: ['req.headers.authorization', 'req.headers.cookie', 'req.headers["dell-emc-token"]'] } : false,
    bodyLimit: HTTP_BODY_BYTES_MAX,
    // Only the control API declares schemas. Refuse rather than repair: no type coercion, no
    // silently removed properties; `verbose` lets control/schema-errors.ts name the expected value.
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, useDefaults: false, allErrors: false, allowUnionTypes: true, verbose: true } },
    // Clients send ids and names that may contain characters Fastify would otherwise reject.
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: PATH_SEGMENT_CHARS_MAX },
    // Refusals before routing or parsing answer in the dialect's error shape (transport-errors.ts).
    frameworkErrors: (error: Error & { code?: string }, request: FastifyRequest, reply: FastifyReply) => {
      const answer = frameworkErrorAnswer(error, request.raw.url ?? '');
      void reply.code(answer.status).send(answer.body);
    },
    clientErrorHandler: answerClientError,
  } as never) as unknown as FastifyInstance;

  const routes: RouteEntry[] = [];
  ROUTES.set(app, routes);
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) routes.push({ method, url: route.url, config: route.config as Record<string, unknown> | undefined });
  });

  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => {
    try {
      done(null, parseJsonBody(typeof body === 'string' ? body : body.toString('utf8')));
    } catch (error) {
      done(error as Error, undefined);
    }
  });

  await registerOpenApi(app, options.services.identity.softwareVersion);
  await app.register(powerStorePlugin(options.services, options.powerstore ?? []), { prefix: POWERSTORE_PREFIX });
  await app.register(eternusPlugin(options.services, options.eternus ?? []), { prefix: ETERNUS_PREFIX });
  await app.register(controlPlugin(options.services, options.control ?? []), { prefix: '/tandem/v1' });
  registerMetricsRoute(app, options.services, options.metricsToken ?? null);
  await registerSwaggerUi(app);
  const consoleDir = options.consoleDir === null ? null : await registerConsoleFiles(app, options.consoleDir);
  // Paths outside every API (`/`, `/api`, `//api/rest/…`): PowerStore's error_response rather than
  // Fastify's own body, so a client with a wrong base URL still reads an error it knows.
  app.setNotFoundHandler((request, reply) => {
    if (answerWithConsole(request, reply, consoleDir)) return;
    const path = request.url.split('?')[0]!;
    const answer = transportAnswer(path, 'not_found', `The requested URL ${path.slice(0, 200)} was not found.`);
    void reply.code(answer.status).send(answer.body);
  });
  return app;
}
