// Resources a PowerStore can have but this system has none of: host groups, file (NAS servers,
// file systems, exports, shares and their services), vVols and storage containers, vCenters,
// replication groups, and optional services nobody configured here (LDAP, SNMP managers, e-mail
// destinations, support contacts, appliances discovered for clustering). Issue 10: clients that
// only list them (the Ansible info module lists every subset) get what a PowerStore without them
// answers, an empty collection that still honours select, filters and paging. An id is unknown
// (404), and a change is refused with 405 (method not supported on that URL) naming the reason,
// so a playbook that tries to create one fails cleanly in PowerStore's error shape.
import type { FastifyInstance } from 'fastify';
import { NotFoundError } from '../../../core/errors.ts';
import type { PowerStoreApi } from '../api-context.ts';
import { ABSENT_ATTRIBUTES } from '../attributes-absent.ts';
import { errorBody } from '../errors.ts';
import { EMPTY_ROUTE, REFUSED_ROUTE } from '../route-support.ts';

/** Resource name → what the 405 message calls it. */
export const ABSENT_RESOURCES: Readonly<Record<string, string>> = {
  host_group: 'Host groups',
  nas_server: 'NAS servers',
  file_system: 'File systems',
  nfs_export: 'NFS exports',
  nfs_server: 'NFS servers',
  smb_server: 'SMB servers',
  smb_share: 'SMB shares',
  file_interface: 'File interfaces',
  file_dns: 'File DNS settings',
  file_nis: 'File NIS settings',
  file_ftp: 'File FTP settings',
  file_ldap: 'File LDAP settings',
  file_tree_quota: 'Tree quotas',
  file_user_quota: 'User quotas',
  virtual_volume: 'Virtual volumes',
  storage_container: 'Storage containers',
  vcenter: 'vCenter registrations',
  replication_group: 'Replication groups',
  discovered_appliance: 'Appliance discovery',
  ldap_domain: 'LDAP domains',
  ldap_account: 'LDAP accounts',
  snmp_server: 'SNMP managers',
  email_notify_destination: 'E-mail notification destinations',
  remote_support_contact: 'Support contacts',
};

/** The code Tandem answers a method that a URL does not support with (docs/powerstore.md). */
const METHOD_NOT_SUPPORTED_CODE = '0xE04040010006';

export function registerAbsentResources(app: FastifyInstance, api: PowerStoreApi): void {
  for (const [resource, label] of Object.entries(ABSENT_RESOURCES)) {
    // Rows never exist; the schema is there for select (checked against the 4.1 attributes),
    // filters and order. host_group already has one as the target of hosts' and volumes' links.
    const schema = (api.registry[resource] ??= { name: resource, fields: (row) => ({ id: (row as { id: string }).id }) });
    schema.attributes = ABSENT_ATTRIBUTES[resource];
    const refuse = (_request: unknown, reply: { code(n: number): { send(b: unknown): unknown } }) =>
      reply.code(405).send(errorBody(METHOD_NOT_SUPPORTED_CODE, `${label} are not supported by this system (block storage only); it has none to change.`, [resource]));
    app.get(`/${resource}`, EMPTY_ROUTE, async (request, reply) => api.list(request, reply, resource, []));
    app.get<{ Params: { id: string } }>(`/${resource}/:id`, EMPTY_ROUTE, async (request) => {
      throw new NotFoundError('session', request.params.id);
    });
    app.post(`/${resource}`, REFUSED_ROUTE, refuse);
    app.route({ method: ['PATCH', 'DELETE', 'POST'], url: `/${resource}/:id`, ...REFUSED_ROUTE, handler: refuse });
    app.post(`/${resource}/:id/:action`, REFUSED_ROUTE, refuse);
  }
}
