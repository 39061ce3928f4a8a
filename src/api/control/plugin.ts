// Tandem's own API under /tandem/v1: health (no auth), and admin-only operations (users, tenants,
// the REC buffer; faults and lab topology are added by the replication layer as extensions).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { DomainError, ForbiddenError } from '../../core/errors.ts';
import type { User } from '../../core/model.ts';
import { errorEvent } from '../../observe/error-event.ts';
import { observeRequests } from '../observe-requests.ts';
import { recBufferControl } from './rec-buffer-routes.ts';
import { controlRoute, ERROR_SCHEMA, SCHEMAS, type ControlAccess } from './schemas.ts';
import { schemaErrorMessage } from './schema-errors.ts';
import { tenantControl } from './tenant-routes.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The user the control API authenticated (for the mutation log). */
    controlUser?: User;
  }
}

export type { ControlExtension, ControlHelpers } from './extension.ts';
import type { ControlExtension, ControlHelpers } from './extension.ts';
import type { ControlServices } from './ports.ts';

const STATUS: Record<string, number> = {
  VALIDATION_FAILED: 400,
  UNKNOWN_PROPERTY: 400,
  INVALID_ENUM: 400,
  NOT_FOUND: 404,
  NAME_IN_USE: 409,
  STATE_INVALID: 409,
  IN_USE: 409,
  OPERATION_IN_PROGRESS: 409,
  READ_ONLY: 409,
  NO_SPACE: 507,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  PEER_UNREACHABLE: 502,
  INTERNAL: 500,
};

/** ETERNUS default role names accepted for the Tandem roles they map to (docs/eternus.md). */
const ETERNUS_ROLE_ALIASES: Record<string, string> = { Admin: 'Administrator', StorageAdmin: 'Storage_Administrator', Monitor: 'Operator' };

export function controlPlugin(services: ControlServices, extensions: ControlExtension[]) {
  return async function plugin(app: FastifyInstance): Promise<void> {
    app.addSchema(ERROR_SCHEMA);
    // Answers are sent as the handlers make them; the response schemas document them (and a test
    // holds every answer to its schema) but never reshape or drop a field.
    app.setSerializerCompiler(() => (data) => JSON.stringify(data));
    app.setSchemaErrorFormatter((errors, dataVar) => new Error(schemaErrorMessage(errors, dataVar)));
    app.setErrorHandler((error, request, reply) => {
      if (error instanceof DomainError) return reply.code(STATUS[error.code] ?? 500).send({ error: error.code, message: error.message });
      if ((error as { validation?: unknown }).validation) return reply.code(400).send({ error: 'VALIDATION_FAILED', message: (error as Error).message });
      const status = (error as { statusCode?: number }).statusCode ?? 500;
      if (status >= 500) services.observe.hub.emit(errorEvent('control', error, request.id));
      return reply.code(status).send({ error: status >= 500 ? 'INTERNAL' : 'BAD_REQUEST', message: status >= 500 ? 'internal error' : (error as Error).message });
    });
    observeRequests(app, services.observe, {
      dialect: 'control',
      userOf: (request) => request.controlUser?.name ?? null,
      errorMessage: (body) => (body as { message?: string }).message ?? null,
    });
    app.setNotFoundHandler((request, reply) => reply.code(404).send({ error: 'NOT_FOUND', message: `No route ${request.method} ${request.url}` }));

    const authenticate = (request: FastifyRequest): User => {
      if (request.controlUser) return request.controlUser;
      const header = request.headers.authorization ?? '';
      const decoded = /^basic /i.test(header) ? Buffer.from(header.slice(6).trim(), 'base64').toString('utf8') : '';
      const colon = decoded.indexOf(':');
      const user = colon > 0 ? services.users.authenticate(decoded.slice(0, colon), decoded.slice(colon + 1)) : null;
      if (!user) throw new DomainError('UNAUTHENTICATED', 'Authentication required: use HTTP Basic with a Tandem user.');
      request.controlUser = user;
      return user;
    };
    const requireAdmin = (request: FastifyRequest): User => {
      const user = authenticate(request);
      if (user.role !== 'Administrator') throw new ForbiddenError(`User ${user.name} is not an Administrator.`);
      return user;
    };

    // Who may call a route is checked first, before its body is parsed or validated, so that a
    // stranger learns 401 and nothing about the body a route expects.
    app.addHook('onRequest', async (request) => {
      const access = (request.routeOptions.config as { access?: ControlAccess } | undefined)?.access;
      if (access === 'admin') requireAdmin(request);
      else if (access === 'user') authenticate(request);
    });

    app.get('/health', controlRoute('public', SCHEMAS.health), async () => ({ status: 'ok', name: services.identity.name }));
    app.get('/system', controlRoute('user', SCHEMAS.system), async (request) => {
      authenticate(request);
      const id = services.identity;
      return { id: id.id, name: id.name, global_id: id.globalId, serial_number: id.serialNumber, box_id: id.boxId, version: id.softwareVersion, engine: services.engine.stats() };
    });
    app.post('/users', controlRoute('admin', SCHEMAS.createUser), async (request, reply) => {
      requireAdmin(request);
      const body = (request.body ?? {}) as Record<string, unknown>;
      const role = typeof body.role === 'string' ? (ETERNUS_ROLE_ALIASES[body.role] ?? body.role) : body.role;
      const user = services.users.create({ name: body.name, password: body.password, role, tenant: body.tenant });
      return reply.code(201).send({ id: user.id, name: user.name, role: user.role, tenant: user.tenant });
    });
    app.get('/users', controlRoute('admin', SCHEMAS.listUsers), async (request) => {
      requireAdmin(request);
      return services.users.list().map((u) => ({ id: u.id, name: u.name, role: u.role, tenant: u.tenant }));
    });
    app.post('/gc', controlRoute('admin', SCHEMAS.gc), async (request) => {
      requireAdmin(request);
      return services.engine.collectGarbage();
    });
    for (const e of [tenantControl(), recBufferControl(), ...extensions]) e.registerRoutes(app, { services, authenticate, requireAdmin });
  };
}
