// /volume_group: create, list, get, modify, delete, add/remove members, snapshot, clone.
import type { FastifyInstance } from 'fastify';
import { ValidationError } from '../../../core/errors.ts';
import { checkTimestamp } from '../../../core/validate.ts';
import type { PowerStoreApi } from '../api-context.ts';
import { readBody } from '../body.ts';
import { resolveRef } from './volumes.ts';

type Id = { Params: { id: string } };

export function registerVolumeGroupRoutes(app: FastifyInstance, api: PowerStoreApi): void {
  const { groups } = api.services;
  const meta = api.services.records as unknown as { listShared(kind: 'volume_group'): readonly unknown[] };

  app.get('/volume_group', async (request, reply) => api.list(request, reply, 'volume_group', meta.listShared('volume_group')));
  app.get<Id>('/volume_group/:id', async (request) => api.instance(request, 'volume_group', groups.get(api.resolveId('volume_group', request.params.id))));

  app.post('/volume_group', async (request, reply) => {
    const body = readBody(
      request.body,
      { name: 'string', description: 'string?', volume_ids: 'string[]?', is_write_order_consistent: 'boolean', protection_policy_id: 'string?', qos_performance_policy_id: 'string?' },
      ['name'],
    );
    return api.mutate(request, reply, { resourceType: 'volume_group', action: 'create', resourceName: body.name }, async () => {
      const group = await groups.create({
        name: body.name,
        description: body.description,
        volumeIds: body.volume_ids ?? [],
        isWriteOrderConsistent: body.is_write_order_consistent,
        protectionPolicyId: resolveRef(api, 'policy', body.protection_policy_id),
      });
      return { status: 201, body: { id: group.id } };
    });
  });

  app.patch<Id>('/volume_group/:id', async (request, reply) => {
    const id = api.resolveId('volume_group', request.params.id);
    const body = readBody(request.body, {
      name: 'string',
      description: 'string?',
      is_write_order_consistent: 'boolean',
      protection_policy_id: 'string?',
      qos_performance_policy_id: 'string?',
      expiration_timestamp: 'string?',
      is_secure: 'boolean',
      is_replication_destination: 'boolean',
      force: 'boolean',
    });
    const expirationTimestampMs = body.expiration_timestamp === undefined ? undefined : checkTimestamp('expiration_timestamp', body.expiration_timestamp);
    return api.mutate(request, reply, { resourceType: 'volume_group', action: 'modify', resourceId: id }, async () => {
      await groups.modify(id, {
        name: body.name,
        description: body.description,
        isWriteOrderConsistent: body.is_write_order_consistent,
        protectionPolicyId: body.protection_policy_id === undefined ? undefined : resolveRef(api, 'policy', body.protection_policy_id),
        expirationTimestampMs,
        isReplicationDestination: body.is_replication_destination,
        force: body.force,
      });
      return { status: 204 };
    });
  });

  app.delete<Id>('/volume_group/:id', async (request, reply) => {
    const id = api.resolveId('volume_group', request.params.id);
    const body = readBody(request.body, { delete_members: 'boolean', immediate: 'boolean' });
    return api.mutate(request, reply, { resourceType: 'volume_group', action: 'delete', resourceId: id }, async () => {
      await groups.delete(id, body.delete_members ?? false);
      return { status: 204 };
    });
  });

  for (const action of ['add_members', 'remove_members'] as const) {
    app.post<Id>(`/volume_group/:id/${action}`, async (request, reply) => {
      const id = api.resolveId('volume_group', request.params.id);
      // PyPowerStore always sends force_internal with DELL-VISIBILITY: internal; accept it.
      const body = readBody(request.body, { volume_ids: 'string[]', force_internal: 'boolean' }, ['volume_ids']);
      if (body.volume_ids.length === 0) throw new ValidationError('Validation failed: volume_ids must not be empty.', 'volume_ids');
      return api.mutate(request, reply, { resourceType: 'volume_group', action, resourceId: id }, async () => {
        if (action === 'add_members') await groups.addMembers(id, body.volume_ids);
        else await groups.removeMembers(id, body.volume_ids);
        return { status: 204 };
      });
    });
  }

  app.post<Id>('/volume_group/:id/snapshot', async (request, reply) => {
    const id = api.resolveId('volume_group', request.params.id);
    const body = readBody(request.body, { name: 'string?', description: 'string?', expiration_timestamp: 'string?', is_secure: 'boolean' });
    const expirationTimestampMs = checkTimestamp('expiration_timestamp', body.expiration_timestamp);
    return api.mutate(request, reply, { resourceType: 'volume_group', action: 'snapshot', resourceId: id }, async () => {
      const set = await groups.snapshot(id, { name: body.name, description: body.description, expirationTimestampMs });
      return { status: 200, body: { id: set.id } };
    });
  });

  for (const action of ['refresh', 'restore'] as const) {
    app.post<Id>(`/volume_group/:id/${action}`, async (request, reply) => {
      const id = api.resolveId('volume_group', request.params.id);
      const fromField = action === 'refresh' ? 'from_object_id' : 'from_snap_id';
      const body = readBody(request.body, { [fromField]: 'string', create_backup_snap: 'boolean', backup_snap_profile: 'object?' }, [fromField]);
      const profile = readBody(body.backup_snap_profile ?? {}, { name: 'string?', description: 'string?', expiration_timestamp: 'string?', is_secure: 'boolean' });
      const backupProfile = { name: profile.name, description: profile.description, expirationTimestampMs: checkTimestamp('expiration_timestamp', profile.expiration_timestamp) };
      const fromId = api.resolveId('volume_group', body[fromField] as string);
      const createBackup = body.create_backup_snap ?? true;
      return api.mutate(request, reply, { resourceType: 'volume_group', action, resourceId: id }, async () => {
        const backupId = action === 'refresh' ? await groups.refresh(id, fromId, createBackup, backupProfile) : await groups.restore(id, fromId, createBackup, backupProfile);
        return backupId ? { status: 200, body: { backup_snapshot_id: backupId } } : { status: 204 };
      });
    });
  }

  app.post<Id>('/volume_group/:id/clone', async (request, reply) => {
    const id = api.resolveId('volume_group', request.params.id);
    const body = readBody(request.body, { name: 'string', description: 'string?', protection_policy_id: 'string?', host_id: 'string?', host_group_id: 'string?', logical_unit_number: 'integer?' }, ['name']);
    return api.mutate(request, reply, { resourceType: 'volume_group', action: 'clone', resourceId: id }, async () => {
      const clone = await groups.clone(id, { name: body.name, description: body.description, protectionPolicyId: resolveRef(api, 'policy', body.protection_policy_id) });
      return { status: 200, body: { id: clone.id } };
    });
  });
}
