// The ETERNUS DX dialect under /api/v1: Content-Type and request-line checks (415/413), Bearer
// authentication as a hook (POST /session excepted), one scoped error handler rendering
// {error_code, message, internal_code}, and the resource routes.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { EternusServices } from './ports.ts';
import { errorEvent } from '../../observe/error-event.ts';
import { observeRequests } from '../observe-requests.ts';
import { EternusApi } from './api-context.ts';
import { EternusSessions, requirePolicy, type EternusRouteConfig } from './auth.ts';
import { EDGE_ERRORS, edgeError, errorBody, toEternusError } from './errors.ts';
import { API_PREFIX } from './format.ts';
import { EternusJobs } from './jobs.ts';
import { ETERNUS_URL_CHARS_MAX } from './limits.ts';
import { refuseUnknownQuery } from './query.ts';
import { registerJobRoutes } from './routes/jobs.ts';
import { registerSessionRoutes } from './routes/session.ts';
import { registerSystemRoutes } from './routes/system.ts';
import { registerVolumeRoutes } from './routes/volumes.ts';

export interface EternusExtension {
  registerRoutes?(app: FastifyInstance, api: EternusApi): void;
}

export const ETERNUS_PREFIX = API_PREFIX;

export function eternusPlugin(services: EternusServices, extensions: EternusExtension[] = []) {
  return async function plugin(app: FastifyInstance): Promise<void> {
    const sessions = new EternusSessions(services.users, services.clock);
    const jobs = new EternusJobs(services.jobs, services.clock, services.settings);
    const api = new EternusApi(services, sessions, jobs);

    app.setErrorHandler((error, request, reply) => {
      const mapped = toEternusError(error);
      if (mapped.status >= 500 && mapped.status !== 503) services.observe.hub.emit(errorEvent('eternus', error, request.id));
      void reply.code(mapped.status).send(mapped.body);
    });
    observeRequests(app, services.observe, {
      dialect: 'eternus',
      userOf: (request) => request.eternusUser?.name ?? null,
      errorMessage: (body) => (body as { message?: string }).message ?? null,
    });
    app.setNotFoundHandler((request, reply) => {
      void reply.code(404).send(errorBody(EDGE_ERRORS.ROUTE_NOT_FOUND, `${request.method} ${request.url.split('?')[0]}`, 'ROUTE_NOT_FOUND'));
    });

    app.addHook('onRequest', async (request: FastifyRequest) => {
      if (request.url.length > ETERNUS_URL_CHARS_MAX) throw edgeError('BODY_TOO_LARGE', `request line of ${request.url.length} characters`);
      if (hasBody(request) && !isJson(request.headers['content-type'])) {
        throw edgeError('UNSUPPORTED_MEDIA_TYPE', `Content-Type ${JSON.stringify(request.headers['content-type'] ?? null)}`);
      }
      const config = (request.routeOptions.config ?? {}) as EternusRouteConfig;
      const isLogin = request.method === 'POST' && request.url.split('?')[0]!.replace(/\/+$/, '') === `${API_PREFIX}/session`;
      if (!isLogin) {
        const { user, session } = sessions.authenticate(request.headers.authorization);
        request.eternusUser = user;
        request.eternusSession = session;
        if (config.policy) requirePolicy(user, config.policy);
      }
      // GET routes check their own query (fields, last_get_id, filters); a mutation takes only
      // what its route names, so a misspelt parameter is refused instead of silently ignored.
      if (request.method !== 'GET' && request.method !== 'HEAD' && !request.is404) refuseUnknownQuery(request.url, config.query ?? []);
    });

    registerSessionRoutes(app, api);
    registerJobRoutes(app, api);
    registerSystemRoutes(app, api);
    registerVolumeRoutes(app, api);
    for (const e of extensions) e.registerRoutes?.(app, api);
  };
}

function hasBody(request: FastifyRequest): boolean {
  const length = Number(request.headers['content-length'] ?? '0');
  return length > 0 || request.headers['transfer-encoding'] !== undefined;
}

function isJson(contentType: string | undefined): boolean {
  return contentType !== undefined && contentType.split(';')[0]!.trim().toLowerCase() === 'application/json';
}
