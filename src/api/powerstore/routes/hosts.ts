// /host and /host_volume_mapping.
import type { FastifyInstance } from 'fastify';
import { ValidationError } from '../../../core/errors.ts';
import type { ChapUpdate } from '../../../core/hosts.ts';
import type { HostInitiator } from '../../../core/model.ts';
import type { PowerStoreApi } from '../api-context.ts';
import { readBody } from '../body.ts';

type Id = { Params: { id: string } };

const CHAP_FIELDS = { chap_single_username: 'string?', chap_single_password: 'string?', chap_mutual_username: 'string?', chap_mutual_password: 'string?' } as const;

/** CHAP passwords are 12 to 64 characters (4.1 schema); PowerStore never returns them. */
function checkChapPasswords(i: { chap_single_password?: string | null; chap_mutual_password?: string | null }): void {
  for (const field of ['chap_single_password', 'chap_mutual_password'] as const) {
    const password = i[field];
    if (password != null && (password.length < 12 || password.length > 64)) {
      throw new ValidationError(`${field} must be 12 to 64 characters.`, field);
    }
  }
}

function initiators(list: unknown[] | undefined): HostInitiator[] | undefined {
  if (list === undefined) return undefined;
  return list.map((raw) => {
    const i = readBody(raw, { port_name: 'string', port_type: 'string', ...CHAP_FIELDS }, ['port_name', 'port_type']);
    checkChapPasswords(i);
    return { portName: i.port_name, portType: i.port_type, chapSingleUsername: i.chap_single_username ?? null, chapMutualUsername: i.chap_mutual_username ?? null };
  });
}

/** host_modify.modify_initiators (update_initiator_in_host): new CHAP usernames and passwords. */
function chapUpdates(list: unknown[] | undefined): ChapUpdate[] | undefined {
  if (list === undefined) return undefined;
  return list.map((raw) => {
    const u = readBody(raw, { port_name: 'string', ...CHAP_FIELDS }, ['port_name']);
    checkChapPasswords(u);
    return { portName: u.port_name, chapSingleUsername: u.chap_single_username ?? undefined, chapMutualUsername: u.chap_mutual_username ?? undefined };
  });
}

export function registerHostRoutes(app: FastifyInstance, api: PowerStoreApi): void {
  const { hosts, volumes } = api.services;
  const meta = api.services.records as unknown as { listShared(kind: 'host' | 'host_volume_mapping'): readonly unknown[] };

  app.get('/host', async (request, reply) => api.list(request, reply, 'host', meta.listShared('host')));
  app.get<Id>('/host/:id', async (request) => api.instance(request, 'host', hosts.get(api.resolveId('host', request.params.id))));
  app.get('/host_volume_mapping', async (request, reply) => api.list(request, reply, 'host_volume_mapping', meta.listShared('host_volume_mapping')));
  app.get<Id>('/host_volume_mapping/:id', async (request) => {
    const id = api.resolveId('host_volume_mapping', request.params.id);
    return api.instance(request, 'host_volume_mapping', api.services.records.get('host_volume_mapping', id));
  });

  app.post('/host', async (request, reply) => {
    const body = readBody(request.body, { name: 'string', os_type: 'string', initiators: 'object[]', description: 'string?', host_connectivity: 'string', metadata: 'object?', force_internal: 'boolean' }, ['name', 'os_type', 'initiators']);
    const list = initiators(body.initiators)!;
    return api.mutate(request, reply, { resourceType: 'host', action: 'create', resourceName: body.name }, async () => {
      const host = await hosts.create({ name: body.name, osType: body.os_type, initiators: list, description: body.description, hostConnectivity: body.host_connectivity, metadata: body.metadata });
      return { status: 201, body: { id: host.id } };
    });
  });

  app.patch<Id>('/host/:id', async (request, reply) => {
    const id = api.resolveId('host', request.params.id);
    const body = readBody(request.body, { name: 'string', description: 'string?', os_type: 'string', host_connectivity: 'string', add_initiators: 'object[]', remove_initiators: 'string[]', modify_initiators: 'object[]' });
    const add = initiators(body.add_initiators);
    const modifyInitiators = chapUpdates(body.modify_initiators);
    return api.mutate(request, reply, { resourceType: 'host', action: 'modify', resourceId: id }, async () => {
      await hosts.modify(id, { name: body.name, description: body.description, hostConnectivity: body.host_connectivity, addInitiators: add, removeInitiators: body.remove_initiators, modifyInitiators });
      return { status: 204 };
    });
  });

  app.delete<Id>('/host/:id', async (request, reply) => {
    const id = api.resolveId('host', request.params.id);
    readBody(request.body, { force_internal: 'boolean' });
    return api.mutate(request, reply, { resourceType: 'host', action: 'delete', resourceId: id }, async () => {
      await hosts.delete(id);
      return { status: 204 };
    });
  });

  for (const action of ['attach', 'detach'] as const) {
    app.post<Id>(`/host/:id/${action}`, async (request, reply) => {
      const hostId = api.resolveId('host', request.params.id);
      const body = readBody(request.body, { volume_id: 'string', volume_group_id: 'string?', logical_unit_number: 'integer?' }, ['volume_id']);
      const volumeId = api.resolveId('volume', body.volume_id);
      return api.mutate(request, reply, { resourceType: 'host', action, resourceId: hostId }, async () => {
        if (action === 'attach') await volumes.attach(volumeId, hostId, body.logical_unit_number ?? null);
        else await volumes.detach(volumeId, hostId, 'host');
        return { status: 204 };
      });
    });
  }
}
