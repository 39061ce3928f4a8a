// One HTTPS server per system carrying both vendor dialects (PowerStore /api/rest, ETERNUS
// /api/v1) and Tandem's own control API, each a scoped Fastify plugin with its own error handler.
import Fastify, { type FastifyInstance } from 'fastify';
import { HTTP_BODY_BYTES_MAX } from '../limits.ts';
import type { TlsIdentity } from '../security/tls.ts';
import type { Services } from '../system.ts';
import { controlPlugin, type ControlExtension } from './control/plugin.ts';
import { registerMetricsRoute } from './metrics-route.ts';
import { ETERNUS_PREFIX, eternusPlugin, type EternusExtension } from './eternus/plugin.ts';
import { POWERSTORE_PREFIX, powerStorePlugin, type PowerStoreExtension } from './powerstore/plugin.ts';

export interface HttpServerOptions {
  services: Services;
  tls: TlsIdentity | null;
  logging: boolean;
  powerstore?: PowerStoreExtension[];
  eternus?: EternusExtension[];
  control?: ControlExtension[];
  /** Bearer token that may read /metrics besides admin Basic auth; none when null. */
  metricsToken?: string | null;
}

export async function buildHttpServer(options: HttpServerOptions): Promise<FastifyInstance> {
  const app = Fastify({
    ...(options.tls ? { https: { key: options.tls.key, cert: options.tls.cert } } : {}),
    logger: options.logging ? { level: 'info', redact: ['req.headers.authorization', 'req.headers.cookie', 'req.headers["dell-emc-token"]'] } : false,
    bodyLimit: HTTP_BODY_BYTES_MAX,
    // Clients send ids and names that may contain characters Fastify would otherwise reject.
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 512 },
  } as never) as unknown as FastifyInstance;

  // Real clients send JSON with or without a content type (gopowerstore sends none) and empty
  // bodies on action POSTs and DELETEs; one parser accepts all of them.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim() === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch {
      done(Object.assign(new Error('Validation failed: the request body is not valid JSON.'), { statusCode: 400 }), undefined);
    }
  });

  await app.register(powerStorePlugin(options.services, options.powerstore ?? []), { prefix: POWERSTORE_PREFIX });
  await app.register(eternusPlugin(options.services, options.eternus ?? []), { prefix: ETERNUS_PREFIX });
  await app.register(controlPlugin(options.services, options.control ?? []), { prefix: '/tandem/v1' });
  registerMetricsRoute(app, options.services, options.metricsToken ?? null);
  return app;
}
