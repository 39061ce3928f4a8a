// /x509_certificate/exchange, /remote_system and /replication_session with its actions.
import type { FastifyInstance } from 'fastify';
import { DomainError } from '../../../core/errors.ts';
import { checkEnum, checkHostAddress, checkInteger } from '../../../core/validate.ts';
import type { PowerStoreApi } from '../api-context.ts';
import type { PowerStoreReplication } from '../ports.ts';
import { READ_ONLY_ROUTE } from '../auth.ts';
import { REFUSED_ROUTE } from '../route-support.ts';
import { readBody } from '../body.ts';

type Id = { Params: { id: string } };

/** Largest TCP port; Node's socket layer throws (not an error event) on anything outside 0..65535. */
const TCP_PORT_MAX = 65535;
/** x509_certificate_exchange.timeout in seconds (the 4.1 schema gives no bound; an hour is plenty). */
const EXCHANGE_TIMEOUT_SECONDS_MAX = 3600;

export function registerReplicationRoutes(app: FastifyInstance, api: PowerStoreApi, svc: PowerStoreReplication): void {
  const { remotes, replication } = svc;

  app.post('/x509_certificate/exchange', async (request, reply) => {
    const body = readBody(request.body, { service: 'string', address: 'string', port: 'integer', username: 'string', password: 'string', timeout: 'integer' }, ['service', 'address', 'username', 'password']);
    checkEnum('service', body.service, ['Replication_HTTP', 'VASA_HTTP', 'Import_HTTP']);
    if (body.service !== 'Replication_HTTP') throw new DomainError('VALIDATION_FAILED', `Certificate exchange for service ${body.service} is not supported here; use Replication_HTTP.`, { field: 'service' });
    checkHostAddress('address', body.address);
    if (body.port !== undefined) checkInteger('port', body.port, 1, TCP_PORT_MAX);
    if (body.timeout !== undefined) checkInteger('timeout', body.timeout, 1, EXCHANGE_TIMEOUT_SECONDS_MAX);
    return api.mutate(request, reply, { resourceType: 'x509_certificate', action: 'exchange' }, async () => {
      await remotes.exchange({ address: body.address, port: body.port ?? 443, username: body.username, password: body.password });
      return { status: 204 };
    });
  });

  app.get('/remote_system', async (request, reply) => api.list(request, reply, 'remote_system', remotes.list()));
  app.get<Id>('/remote_system/:id', async (request) => api.instance(request, 'remote_system', remotes.get(api.resolveId('remote_system', request.params.id))));
  app.post('/remote_system', async (request, reply) => {
    const body = readBody(
      request.body,
      {
        management_address: 'string',
        management_port: 'integer?',
        type: 'string?',
        name: 'string?',
        description: 'string?',
        data_network_latency: 'string?',
        data_connection_type: 'string?',
        remote_username: 'string?',
        remote_password: 'string?',
        discovery_chap_mode: 'string?',
        session_chap_mode: 'string?',
      },
      // Nothing is required in the 4.1 schema (remote_system_create); a PowerStore peer needs its
      // address, and `type` defaults to PowerStore. The Ansible remotesystem module sends only
      // management_address, description and data_network_latency, the last two often null.
      ['management_address'],
    );
    const type = body.type ?? 'PowerStore';
    checkEnum('type', type, ['PowerStore', 'Unity', 'VNX', 'PS_Equallogic', 'Storage_Center', 'XtremIO', 'NetApp', 'PowerProtect_DD', 'PowerMax_VMAX', 'Universal']);
    if (type !== 'PowerStore') throw new DomainError('VALIDATION_FAILED', `Remote systems of type ${type} are not supported; only PowerStore peers replicate here.`, { field: 'type' });
    if (body.data_connection_type && body.data_connection_type !== 'TCP') throw new DomainError('VALIDATION_FAILED', 'Only data_connection_type TCP is supported.', { field: 'data_connection_type' });
    return api.mutate(request, reply, { resourceType: 'remote_system', action: 'create', resourceName: body.management_address }, async () => {
      const rs = await remotes.create({
        managementAddress: body.management_address,
        managementPort: body.management_port ?? undefined,
        description: body.description,
        dataNetworkLatency: body.data_network_latency ?? undefined,
      });
      return { status: 201, body: { id: rs.id } };
    });
  });
  app.patch<Id>('/remote_system/:id', async (request, reply) => {
    const id = api.resolveId('remote_system', request.params.id);
    // The Ansible remotesystem module sends all three of management_address, description and
    // data_network_latency on every modify, null for those not given: null leaves a field as is.
    const body = readBody(request.body, {
      description: 'string?',
      management_address: 'string?',
      data_network_latency: 'string?',
      name: 'string?',
      add_powerstore_data_network_groups: 'any',
      modify_powerstore_data_network_groups: 'any',
      remove_powerstore_data_network_group_ids: 'any',
    });
    return api.mutate(request, reply, { resourceType: 'remote_system', action: 'modify', resourceId: id }, async () => {
      await remotes.modify(id, {
        description: body.description ?? undefined,
        dataNetworkLatency: body.data_network_latency ?? undefined,
        managementAddress: body.management_address ?? undefined,
      });
      return { status: 204 };
    });
  });
  app.delete<Id>('/remote_system/:id', async (request, reply) => {
    const id = api.resolveId('remote_system', request.params.id);
    readBody(request.body, {});
    if (remotes.isReferenced(id)) {
      throw new DomainError('IN_USE', `Remote system ${remotes.get(id).name} is referenced by replication rules or sessions; remove them first.`, { kind: 'remote_system', id });
    }
    return api.mutate(request, reply, { resourceType: 'remote_system', action: 'delete', resourceId: id }, async () => {
      await remotes.delete(id);
      return { status: 204 };
    });
  });
  app.post<Id>('/remote_system/:id/verify', async (request, reply) => {
    const id = api.resolveId('remote_system', request.params.id);
    readBody(request.body, { update_transport: 'boolean' });
    return api.mutate(request, reply, { resourceType: 'remote_system', action: 'verify', resourceId: id }, async () => {
      await remotes.verify(id);
      return { status: 204 };
    });
  });
  app.post<Id>('/remote_system/:id/query_appliances', READ_ONLY_ROUTE, async (request) => {
    const rs = remotes.get(api.resolveId('remote_system', request.params.id));
    return [{ id: 'A1', name: `${rs.name}-appliance-1`, model: 'PowerStore 1200T', service_tag: rs.serialNumber.slice(2, 9) }];
  });

  // ---- replication_session ----
  app.get('/replication_session', async (request, reply) => api.list(request, reply, 'replication_session', replication.listShared()));
  app.get<Id>('/replication_session/:id', async (request) => api.instance(request, 'replication_session', replication.get(request.params.id)));
  app.patch<Id>('/replication_session/:id', REFUSED_ROUTE, async (request) => {
    replication.get(request.params.id);
    readBody(request.body, { role: 'string', auto_failover_state: 'string' });
    throw new DomainError('STATE_INVALID', 'Changing the role of a replication session applies to metro sessions only.', { kind: 'replication_session', id: request.params.id });
  });
  app.delete<Id>('/replication_session/:id', REFUSED_ROUTE, async (_request, reply) =>
    reply.code(405).send({ messages: [{ code: '0xE04040010006', severity: 'Error', message_l10n: 'Replication sessions are deleted by removing the protection policy from the resource.', arguments: [] }] }),
  );

  const action = (name: string, spec: Record<string, 'boolean' | 'string?' | 'string'>, run: (id: string, body: Record<string, any>) => Promise<Record<string, unknown> | null | void>) => {
    app.post<Id>(`/replication_session/:id/${name}`, async (request, reply) => {
      const id = replication.get(request.params.id).id;
      const body = readBody(request.body, spec);
      return api.mutate(request, reply, { resourceType: 'replication_session', action: name, resourceId: id }, async () => {
        const output = await run(id, body);
        return output ? { status: 200, body: output } : { status: 204 };
      });
    });
  };
  action('sync', {}, (id) => replication.sync(id));
  action('pause', {}, (id) => replication.pause(id));
  action('resume', {}, (id) => replication.resume(id));
  action('failover', { is_planned: 'boolean', reverse: 'boolean', force: 'boolean', use_test_copy: 'boolean', failover_snapshot_id: 'string?' }, (id, b) =>
    replication.failover(id, {
      isPlanned: b.is_planned ?? true,
      reverse: b.reverse ?? false,
      force: b.force ?? false,
      useTestCopy: b.use_test_copy ?? false,
      failoverSnapshotId: b.failover_snapshot_id ?? null,
    }),
  );
  action('reprotect', { discard_changes_after_failover: 'boolean' }, (id) => replication.reprotect(id));
  action('start_failover_test', { snapshot_id: 'string?' }, (id, b) => replication.startFailoverTest(id, b.snapshot_id ?? null));
  action('stop_failover_test', { create_end_of_test_snapshot: 'boolean', force: 'boolean' }, async (id, b) => {
    const snapshotId = await replication.stopFailoverTest(id, b.create_end_of_test_snapshot ?? false);
    return snapshotId ? { snapshot_id: snapshotId } : null;
  });
}
