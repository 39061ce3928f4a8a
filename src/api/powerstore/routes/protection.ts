// /policy, /snapshot_rule, /replication_rule.
import type { FastifyInstance } from 'fastify';
import type { PowerStoreApi } from '../api-context.ts';
import { readBody } from '../body.ts';

type Id = { Params: { id: string } };

const SNAPSHOT_RULE_FIELDS = {
  name: 'string',
  interval: 'string?',
  time_of_day: 'string?',
  timezone: 'string',
  days_of_week: 'string[]',
  desired_retention: 'integer',
  is_replica: 'boolean',
  nas_access_type: 'string',
  is_read_only: 'boolean',
  is_secure: 'boolean',
  remote_system_id: 'string?',
} as const;

export function registerProtectionRoutes(app: FastifyInstance, api: PowerStoreApi): void {
  const { protection } = api.services;
  const meta = api.services.records as unknown as { listShared(kind: 'policy' | 'snapshot_rule' | 'replication_rule'): readonly unknown[] };

  // ---- policy ----
  app.get('/policy', async (request, reply) => api.list(request, reply, 'policy', meta.listShared('policy')));
  app.get<Id>('/policy/:id', async (request) => api.instance(request, 'policy', protection.getPolicy(api.resolveId('policy', request.params.id))));
  app.post('/policy', async (request, reply) => {
    const body = readBody(
      request.body,
      { name: 'string', description: 'string?', snapshot_rule_ids: 'string[]?', replication_rule_ids: 'string[]?', io_limit_rule_id: 'string?', file_io_limit_rule_id: 'string?' },
      ['name'],
    );
    return api.mutate(request, reply, { resourceType: 'policy', action: 'create', resourceName: body.name }, async () => {
      const policy = await protection.createPolicy({ name: body.name, description: body.description, snapshotRuleIds: body.snapshot_rule_ids, replicationRuleIds: body.replication_rule_ids });
      return { status: 201, body: { id: policy.id } };
    });
  });
  app.patch<Id>('/policy/:id', async (request, reply) => {
    const id = api.resolveId('policy', request.params.id);
    const body = readBody(request.body, {
      name: 'string',
      description: 'string?',
      snapshot_rule_ids: 'string[]?',
      replication_rule_ids: 'string[]?',
      add_snapshot_rule_ids: 'string[]',
      remove_snapshot_rule_ids: 'string[]',
      add_replication_rule_ids: 'string[]',
      remove_replication_rule_ids: 'string[]',
      io_limit_rule_id: 'string?',
      file_io_limit_rule_id: 'string?',
    });
    return api.mutate(request, reply, { resourceType: 'policy', action: 'modify', resourceId: id }, async () => {
      await protection.modifyPolicy(id, {
        name: body.name,
        description: body.description,
        snapshotRuleIds: body.snapshot_rule_ids,
        replicationRuleIds: body.replication_rule_ids,
        addSnapshotRuleIds: body.add_snapshot_rule_ids,
        removeSnapshotRuleIds: body.remove_snapshot_rule_ids,
        addReplicationRuleIds: body.add_replication_rule_ids,
        removeReplicationRuleIds: body.remove_replication_rule_ids,
      });
      return { status: 204 };
    });
  });
  app.delete<Id>('/policy/:id', async (request, reply) => {
    const id = api.resolveId('policy', request.params.id);
    readBody(request.body, {});
    return api.mutate(request, reply, { resourceType: 'policy', action: 'delete', resourceId: id }, async () => {
      await protection.deletePolicy(id);
      return { status: 204 };
    });
  });

  // ---- snapshot_rule ----
  app.get('/snapshot_rule', async (request, reply) => api.list(request, reply, 'snapshot_rule', meta.listShared('snapshot_rule')));
  app.get<Id>('/snapshot_rule/:id', async (request) => api.instance(request, 'snapshot_rule', protection.getSnapshotRule(api.resolveId('snapshot_rule', request.params.id))));
  app.post('/snapshot_rule', async (request, reply) => {
    const body = readBody(request.body, SNAPSHOT_RULE_FIELDS, ['name', 'desired_retention']);
    return api.mutate(request, reply, { resourceType: 'snapshot_rule', action: 'create', resourceName: body.name }, async () => {
      const rule = await protection.createSnapshotRule(snapshotRuleInput(body));
      return { status: 201, body: { id: rule.id } };
    });
  });
  app.patch<Id>('/snapshot_rule/:id', async (request, reply) => {
    const id = api.resolveId('snapshot_rule', request.params.id);
    const body = readBody(request.body, SNAPSHOT_RULE_FIELDS);
    return api.mutate(request, reply, { resourceType: 'snapshot_rule', action: 'modify', resourceId: id }, async () => {
      await protection.modifySnapshotRule(id, snapshotRuleInput(body));
      return { status: 204 };
    });
  });
  app.delete<Id>('/snapshot_rule/:id', async (request, reply) => {
    const id = api.resolveId('snapshot_rule', request.params.id);
    const body = readBody(request.body, { delete_snaps: 'boolean' });
    return api.mutate(request, reply, { resourceType: 'snapshot_rule', action: 'delete', resourceId: id }, async () => {
      await protection.deleteSnapshotRule(id, body.delete_snaps ?? false);
      return { status: 204 };
    });
  });

  // ---- replication_rule ----
  app.get('/replication_rule', async (request, reply) => api.list(request, reply, 'replication_rule', meta.listShared('replication_rule')));
  app.get<Id>('/replication_rule/:id', async (request) =>
    api.instance(request, 'replication_rule', protection.getReplicationRule(api.resolveId('replication_rule', request.params.id))),
  );
  const ruleFields = { name: 'string', rpo: 'string', remote_system_id: 'string', alert_threshold: 'integer', is_read_only: 'boolean', initial_provisioning_remote_appliance_id: 'string?' } as const;
  app.post('/replication_rule', async (request, reply) => {
    const body = readBody(request.body, ruleFields, ['name', 'rpo', 'remote_system_id']);
    return api.mutate(request, reply, { resourceType: 'replication_rule', action: 'create', resourceName: body.name }, async () => {
      const rule = await protection.createReplicationRule({ name: body.name, rpo: body.rpo, remoteSystemId: body.remote_system_id, alertThresholdMinutes: body.alert_threshold, isReadOnly: body.is_read_only });
      return { status: 201, body: { id: rule.id } };
    });
  });
  app.patch<Id>('/replication_rule/:id', async (request, reply) => {
    const id = api.resolveId('replication_rule', request.params.id);
    const body = readBody(request.body, ruleFields);
    return api.mutate(request, reply, { resourceType: 'replication_rule', action: 'modify', resourceId: id }, async () => {
      await protection.modifyReplicationRule(id, { name: body.name, rpo: body.rpo, remoteSystemId: body.remote_system_id, alertThresholdMinutes: body.alert_threshold, isReadOnly: body.is_read_only });
      return { status: 204 };
    });
  });
  app.delete<Id>('/replication_rule/:id', async (request, reply) => {
    const id = api.resolveId('replication_rule', request.params.id);
    readBody(request.body, {});
    return api.mutate(request, reply, { resourceType: 'replication_rule', action: 'delete', resourceId: id }, async () => {
      await protection.deleteReplicationRule(id);
      return { status: 204 };
    });
  });
}

function snapshotRuleInput(body: Record<string, any>) {
  return {
    name: body.name,
    interval: body.interval,
    timeOfDay: body.time_of_day,
    timezone: body.timezone,
    daysOfWeek: body.days_of_week,
    desiredRetentionHours: body.desired_retention,
    isReadOnly: body.is_read_only,
    isSecure: body.is_secure,
    nasAccessType: body.nas_access_type,
  };
}
