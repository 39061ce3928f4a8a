// Support resources every client touches first: login_session, logout, software_installed,
// cluster, appliance, role, job.
import type { FastifyInstance } from 'fastify';
import { NotFoundError } from '../../../core/errors.ts';
import type { PowerStoreApi } from '../api-context.ts';
import { READ_ONLY_ROUTE, ROLE_IDS, type PowerStoreAuth } from '../auth.ts';
import { applianceRow, clusterRow, softwareRow } from '../schemas.ts';

const ROLES = [
  { id: '1', name: 'Administrator', is_built_in: true, description: 'Can view status and performance information and can modify all system settings, including management of local user accounts.' },
  { id: '2', name: 'Storage Administrator', is_built_in: true, description: 'Can view status and performance information and can modify most system settings, but cannot configure new storage hosts or manage local user accounts.' },
  { id: '3', name: 'Operator', is_built_in: true, description: 'Can view status and performance information but cannot modify system settings.' },
  { id: '4', name: 'VM Administrator', is_built_in: true, description: 'Can view and monitor virtual machines and storage.' },
  { id: '5', name: 'Security Administrator', is_built_in: true, description: 'Can manage users and security settings.' },
];

export function registerSystemRoutes(app: FastifyInstance, api: PowerStoreApi, auth: PowerStoreAuth): void {
  const { services } = api;
  const identity = services.identity;

  app.get('/login_session', async (request, reply) => {
    const user = request.powerstoreUser!;
    const session = request.powerstoreSession!;
    const row = {
      id: session.id,
      user: user.name,
      role_ids: [ROLE_IDS[user.role]],
      idle_timeout: auth.idleTimeoutSeconds(),
      is_password_change_required: false,
      is_built_in_user: user.isBuiltIn,
    };
    return api.list(request, reply, 'login_session', [row]);
  });

  app.post('/logout', READ_ONLY_ROUTE, async (request, reply) => {
    auth.logout(request.powerstoreSession!);
    return reply.code(204).send();
  });

  const managementAddress = (host: string | undefined) => (host ?? '127.0.0.1').replace(/:\d+$/, '');
  app.get('/cluster', async (request, reply) => api.list(request, reply, 'cluster', [clusterRow(identity, managementAddress(request.headers.host), services.clock.nowMs())]));
  app.get<{ Params: { id: string } }>('/cluster/:id', async (request) => {
    if (request.params.id !== '0') throw new NotFoundError('session', request.params.id);
    return api.instance(request, 'cluster', clusterRow(identity, managementAddress(request.headers.host), services.clock.nowMs()));
  });
  app.get('/appliance', async (request, reply) => api.list(request, reply, 'appliance', [applianceRow(identity)]));
  app.get<{ Params: { id: string } }>('/appliance/:id', async (request) => {
    const row = applianceRow(identity);
    if (request.params.id !== row.id) throw new NotFoundError('session', request.params.id);
    return api.instance(request, 'appliance', row);
  });
  app.get('/software_installed', async (request, reply) => api.list(request, reply, 'software_installed', [softwareRow(identity)]));
  app.get<{ Params: { id: string } }>('/software_installed/:id', async (request) => {
    const row = softwareRow(identity);
    if (request.params.id !== row.id) throw new NotFoundError('session', request.params.id);
    return api.instance(request, 'software_installed', row);
  });
  app.get('/role', async (request, reply) => api.list(request, reply, 'role', ROLES));
  app.get<{ Params: { id: string } }>('/role/:id', async (request) => {
    const row = ROLES.find((r) => r.id === request.params.id);
    if (!row) throw new NotFoundError('session', request.params.id);
    return api.instance(request, 'role', row);
  });

  app.get('/job', async (request, reply) => api.list(request, reply, 'job', services.jobs.list().sort((a, b) => a.submitTimeMs - b.submitTimeMs)));
  app.get<{ Params: { id: string } }>('/job/:id', async (request) => {
    const job = services.jobs.get(request.params.id);
    if (!job) throw new NotFoundError('job', request.params.id);
    return api.instance(request, 'job', job);
  });
}
