// The PowerStore dialect under /api/rest: body parsing that accepts what real clients send,
// authentication as a hook, one scoped error handler, and the resource routes.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { PowerStoreServices } from './ports.ts';
import { observeRequests } from '../observe-requests.ts';
import { PowerStoreApi } from './api-context.ts';
import { checkRoleMayMutate, isReadOnlyRoute, PowerStoreAuth } from './auth.ts';
import { errorBody, toPowerStoreError } from './errors.ts';
import { errorEvent } from '../../observe/error-event.ts';
import { registerAbsentResources } from './routes/absent.ts';
import { registerApplianceConfigRoutes } from './routes/appliance-config.ts';
import { registerHostRoutes } from './routes/hosts.ts';
import { registerMetricsRoutes } from './routes/metrics.ts';
import { registerMonitoringRoutes } from './routes/monitoring.ts';
import { registerProtectionRoutes } from './routes/protection.ts';
import { registerSystemRoutes } from './routes/system.ts';
import { registerVolumeGroupRoutes } from './routes/volume-groups.ts';
import { registerVolumeDifferenceRoutes } from './routes/volume-differences.ts';
import { registerVolumeRoutes } from './routes/volumes.ts';
import { buildRegistry } from './schemas.ts';
import type { ResourceRegistry } from './query/index.ts';

export interface PowerStoreExtension {
  extendRegistry?(registry: ResourceRegistry): void;
  registerRoutes?(app: FastifyInstance, api: PowerStoreApi): void;
}

export const POWERSTORE_PREFIX = '/api/rest';

export function powerStorePlugin(services: PowerStoreServices, extensions: PowerStoreExtension[] = []) {
  return async function plugin(app: FastifyInstance): Promise<void> {
    const registry = buildRegistry({
      meta: services.records,
      store: services.engine,
      identity: services.identity,
      extend: (r) => extensions.forEach((e) => e.extendRegistry?.(r)),
    });
    const api = new PowerStoreApi(services, registry);
    const auth = new PowerStoreAuth(services.users, services.clock);

    app.setErrorHandler((error, request, reply) => {
      const mapped = toPowerStoreError(error);
      if (mapped.status >= 500) services.observe.hub.emit(errorEvent('powerstore', error, request.id));
      void reply.code(mapped.status).send(mapped.body);
    });
    observeRequests(app, services.observe, {
      dialect: 'powerstore',
      userOf: (request) => request.powerstoreUser?.name ?? null,
      errorMessage: (body) => (body as { messages?: Array<{ message_l10n?: string }> }).messages?.[0]?.message_l10n ?? null,
    });
    app.setNotFoundHandler((request, reply) => {
      void reply.code(404).send(errorBody('0xE04040020001', `The requested URL ${request.url.split('?')[0]} was not found.`));
    });

    app.addHook('onRequest', async (request: FastifyRequest, reply) => {
      const accept = request.headers.accept;
      if (accept && !accept.includes('application/json') && !accept.includes('*/*')) {
        return reply.code(406).send(errorBody('0xE04040030003', 'Only application/json is supported in Accept.'));
      }
      const isMutation = request.method !== 'GET' && request.method !== 'HEAD';
      const { user, session } = auth.authenticate(
        {
          authorization: request.headers.authorization,
          cookie: request.headers.cookie,
          token: headerValue(request.headers['dell-emc-token']),
        },
        isMutation,
      );
      request.powerstoreUser = user;
      request.powerstoreSession = session;
      reply.header('DELL-EMC-TOKEN', session.token);
      reply.header('Set-Cookie', `auth_cookie=${session.cookie}; Path=/; Secure; HttpOnly`);
      // The role is checked here, before any route looks at its body, ids or state, so that a
      // read-only user learns 403 and nothing about the objects (not an in-use 422 first).
      // Routes that only read through a POST say so with `config: { readOnly: true }`.
      if (isMutation && !request.is404 && !isReadOnlyRoute(request)) checkRoleMayMutate(user, 'storage');
    });

    registerSystemRoutes(app, api, auth);
    registerVolumeRoutes(app, api);
    registerVolumeDifferenceRoutes(app, api);
    registerVolumeGroupRoutes(app, api);
    registerHostRoutes(app, api);
    registerProtectionRoutes(app, api);
    registerMetricsRoutes(app, api);
    registerMonitoringRoutes(app, api);
    registerApplianceConfigRoutes(app, api, auth);
    registerAbsentResources(app, api);
    for (const e of extensions) e.registerRoutes?.(app, api);
  };
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
