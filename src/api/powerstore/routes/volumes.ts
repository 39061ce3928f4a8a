// /volume: create, list, get, modify, delete, and the snapshot/clone/refresh/restore/attach/detach
// actions. Snapshots are volumes with type Snapshot, listed and deleted through the same paths.
import type { FastifyInstance } from 'fastify';
import { NotFoundError, ValidationError } from '../../../core/errors.ts';
import type { CreatorType } from '../../../core/model.ts';
import { checkEnum, checkTimestamp } from '../../../core/validate.ts';
import type { PowerStoreApi } from '../api-context.ts';
import { readBody } from '../body.ts';

type Id = { Params: { id: string } };

const SNAPSHOT_PROFILE = {
  name: 'string?',
  description: 'string?',
  performance_policy_id: 'string?',
  expiration_timestamp: 'string?',
  creator_type: 'string?',
  is_secure: 'boolean?',
} as const;

export function registerVolumeRoutes(app: FastifyInstance, api: PowerStoreApi): void {
  const { volumes } = api.services;
  const meta = api.services.records as unknown as { listShared(kind: 'volume'): readonly unknown[] };

  app.get('/volume', async (request, reply) => api.list(request, reply, 'volume', meta.listShared('volume')));
  app.get<Id>('/volume/:id', async (request) => api.instance(request, 'volume', volumes.get(api.resolveId('volume', request.params.id))));

  app.post('/volume', async (request, reply) => {
    const body = readBody(
      request.body,
      {
        name: 'string',
        size: 'integer',
        description: 'string?',
        host_id: 'string?',
        host_group_id: 'string?',
        logical_unit_number: 'integer?',
        appliance_id: 'string?',
        volume_group_id: 'string?',
        min_size: 'integer?',
        sector_size: 'integer?',
        protection_policy_id: 'string?',
        performance_policy_id: 'string?',
        qos_performance_policy_id: 'string?',
        app_type: 'string?',
        app_type_other: 'string?',
        metadata: 'object?',
      },
      ['name', 'size'],
    );
    if (body.host_group_id) throw new NotFoundError('host', body.host_group_id);
    if (body.appliance_id && body.appliance_id !== 'A1') throw new NotFoundError('session', body.appliance_id);
    if (body.sector_size !== undefined && body.sector_size !== null && body.sector_size !== 512 && body.sector_size !== 4096) {
      throw new ValidationError('sector_size must be 512 or 4096.', 'sector_size');
    }
    return api.mutate(request, reply, { resourceType: 'volume', action: 'create', resourceName: body.name }, async () => {
      const volume = await volumes.create({
        name: body.name,
        sizeBytes: body.size,
        description: body.description,
        volumeGroupId: body.volume_group_id,
        protectionPolicyId: resolveRef(api, 'policy', body.protection_policy_id),
        performancePolicyId: body.performance_policy_id,
        hostId: body.host_id,
        logicalUnitNumber: body.logical_unit_number,
        appType: body.app_type,
        appTypeOther: body.app_type_other,
        sectorSizeBytes: body.sector_size,
        metadata: body.metadata,
      });
      return { status: 201, body: { id: volume.id } };
    });
  });

  app.patch<Id>('/volume/:id', async (request, reply) => {
    const id = api.resolveId('volume', request.params.id);
    const body = readBody(request.body, {
      name: 'string',
      description: 'string?',
      size: 'integer',
      expiration_timestamp: 'string?',
      protection_policy_id: 'string?',
      performance_policy_id: 'string?',
      qos_performance_policy_id: 'string?',
      is_replication_destination: 'boolean',
      force: 'boolean',
      node_affinity: 'string',
      app_type: 'string?',
      app_type_other: 'string?',
      is_secure: 'boolean',
      metadata: 'object?',
    });
    const expirationTimestampMs = body.expiration_timestamp === undefined ? undefined : checkTimestamp('expiration_timestamp', body.expiration_timestamp);
    return api.mutate(request, reply, { resourceType: 'volume', action: 'modify', resourceId: id }, async () => {
      await volumes.modify(id, {
        name: body.name,
        description: body.description,
        sizeBytes: body.size,
        expirationTimestampMs,
        protectionPolicyId: body.protection_policy_id === undefined ? undefined : resolveRef(api, 'policy', body.protection_policy_id),
        performancePolicyId: body.performance_policy_id,
        isReplicationDestination: body.is_replication_destination,
        appType: body.app_type,
        appTypeOther: body.app_type_other,
        nodeAffinity: body.node_affinity,
        force: body.force,
        metadata: body.metadata,
      });
      return { status: 204 };
    });
  });

  app.delete<Id>('/volume/:id', async (request, reply) => {
    const id = api.resolveId('volume', request.params.id);
    readBody(request.body, { immediate: 'boolean' });
    return api.mutate(request, reply, { resourceType: 'volume', action: 'delete', resourceId: id }, async () => {
      await volumes.delete(id);
      return { status: 204 };
    });
  });

  app.post<Id>('/volume/:id/snapshot', async (request, reply) => {
    const id = api.resolveId('volume', request.params.id);
    const body = readBody(request.body, SNAPSHOT_PROFILE);
    const profile = snapshotProfile(body);
    return api.mutate(request, reply, { resourceType: 'volume', action: 'snapshot', resourceId: id }, async () => {
      const snap = await volumes.snapshot(id, profile);
      return { status: 200, body: { id: snap.id } };
    });
  });

  app.post<Id>('/volume/:id/clone', async (request, reply) => {
    const id = api.resolveId('volume', request.params.id);
    const body = readBody(request.body, {
      name: 'string?',
      description: 'string?',
      host_id: 'string?',
      host_group_id: 'string?',
      logical_unit_number: 'integer?',
      performance_policy_id: 'string?',
      qos_performance_policy_id: 'string?',
      protection_policy_id: 'string?',
    });
    if (body.host_group_id) throw new NotFoundError('host', body.host_group_id);
    return api.mutate(request, reply, { resourceType: 'volume', action: 'clone', resourceId: id }, async () => {
      const clone = await volumes.clone(id, {
        name: body.name,
        description: body.description,
        hostId: body.host_id,
        logicalUnitNumber: body.logical_unit_number,
        protectionPolicyId: resolveRef(api, 'policy', body.protection_policy_id),
      });
      return { status: 200, body: { id: clone.id } };
    });
  });

  for (const action of ['refresh', 'restore'] as const) {
    app.post<Id>(`/volume/:id/${action}`, async (request, reply) => {
      const id = api.resolveId('volume', request.params.id);
      const fromField = action === 'refresh' ? 'from_object_id' : 'from_snap_id';
      const body = readBody(request.body, { [fromField]: 'string', create_backup_snap: 'boolean', backup_snap_profile: 'object?' }, [fromField]);
      const profile = snapshotProfile(readBody(body.backup_snap_profile ?? {}, SNAPSHOT_PROFILE));
      const fromId = api.resolveId('volume', body[fromField]);
      const createBackup = body.create_backup_snap ?? true;
      return api.mutate(request, reply, { resourceType: 'volume', action, resourceId: id }, async () => {
        const backupId =
          action === 'refresh' ? await volumes.refresh(id, fromId, createBackup, profile) : await volumes.restore(id, fromId, createBackup, profile);
        return backupId ? { status: 200, body: { backup_snapshot_id: backupId } } : { status: 204 };
      });
    });
  }

  app.post<Id>('/volume/:id/attach', async (request, reply) => {
    const id = api.resolveId('volume', request.params.id);
    const body = readBody(request.body, { host_id: 'string?', host_group_id: 'string?', logical_unit_number: 'integer?' });
    if (body.host_group_id) throw new NotFoundError('host', body.host_group_id);
    if (!body.host_id) throw new ValidationError('Validation failed: one of host_id or host_group_id is required.', 'host_id');
    const hostId = api.resolveId('host', body.host_id);
    return api.mutate(request, reply, { resourceType: 'volume', action: 'attach', resourceId: id }, async () => {
      await volumes.attach(id, hostId, body.logical_unit_number ?? null);
      return { status: 204 };
    });
  });

  app.post<Id>('/volume/:id/detach', async (request, reply) => {
    const id = api.resolveId('volume', request.params.id);
    const body = readBody(request.body, { host_id: 'string?', host_group_id: 'string?', clear_host_agent_data: 'boolean' });
    if (body.host_group_id) throw new NotFoundError('host', body.host_group_id);
    if (!body.host_id) throw new ValidationError('Validation failed: one of host_id or host_group_id is required.', 'host_id');
    const hostId = api.resolveId('host', body.host_id);
    return api.mutate(request, reply, { resourceType: 'volume', action: 'detach', resourceId: id }, async () => {
      await volumes.detach(id, hostId);
      return { status: 204 };
    });
  });
}

/** Body references may use `name:<name>` (spec 4.4 §2.5); "" and null pass through unchanged. */
export function resolveRef(api: PowerStoreApi, kind: 'policy' | 'volume' | 'host' | 'volume_group', value: string | null | undefined): string | null | undefined {
  if (!value) return value;
  return value.startsWith('name:') ? api.resolveId(kind, value) : value;
}

export function snapshotProfile(body: Record<string, unknown>) {
  return {
    name: (body.name as string | null | undefined) ?? null,
    description: (body.description as string | null | undefined) ?? null,
    expirationTimestampMs: checkTimestamp('expiration_timestamp', body.expiration_timestamp),
    creatorType: body.creator_type ? checkEnum<CreatorType>('creator_type', body.creator_type, ['User', 'System', 'Scheduler', 'External']) : 'User',
  };
}
