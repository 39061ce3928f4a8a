// Read-only views of the appliance's own configuration that every PowerStore has and that the
// Ansible info module lists (issue 10): nodes, local users, the management network, DNS, NTP,
// SMTP, remote support, security and service settings, and the management certificate. Each row
// states what is true of this system: users are its real users; it uses no DNS or NTP servers
// (the host's resolver and clock), sends no mail, has remote support and SSH off, and serves
// HTTPS with its own self-signed certificate. Changing them is not supported (405).
import type { FastifyInstance } from 'fastify';
import { NotFoundError } from '../../../core/errors.ts';
import type { User } from '../../../core/model.ts';
import type { PowerStoreApi } from '../api-context.ts';
import { ROLE_IDS, type PowerStoreAuth } from '../auth.ts';
import { errorBody } from '../errors.ts';
import { l10n } from '../format.ts';
import { REFUSED_ROUTE } from '../route-support.ts';
import { APPLIANCE_ID } from '../schemas.ts';

/** Rows of one resource; the management address is the one the client reached (as /cluster does). */
type Rows = (managementAddress: string) => Record<string, unknown>[];

/** Only its shape matters: local_user's attributes are the keys of localUserRow. */
const SAMPLE_USER: User = { id: '', name: '', passwordHash: '', role: 'Operator', tenant: null, isBuiltIn: false };

export function localUserRow(user: User): Record<string, unknown> {
  return {
    id: user.id,
    name: user.name,
    is_built_in: user.isBuiltIn,
    is_locked: false,
    is_default_password: false,
    is_mfa_bypass: false,
    role_id: ROLE_IDS[user.role],
    password_expiration_timestamp: null,
    mfa_alias: null,
  };
}

function configRows(api: PowerStoreApi, auth: PowerStoreAuth): Record<string, Rows> {
  const { services } = api;
  const identity = services.identity;
  return {
    // The appliance row says node_count 2: nodes A and B in slots 0 and 1, as on a PowerStore T.
    // PyPowerStore's get_nodes selects name too, which the 4.1 node_instance does not list.
    node: () =>
      [0, 1].map((slot) => ({ id: `N${slot + 1}`, name: `${identity.name}-appliance-1-node-${'AB'[slot]}`, slot, appliance_id: APPLIANCE_ID, ip_pool_addresses: [], veth_ports: [] })),
    local_user: () => services.users.list().map(localUserRow),
    network: (managementAddress) => [
      {
        id: 'NW1',
        type: 'Management',
        name: 'Default Management Network',
        ip_version: 'IPv4',
        purposes: ['Mgmt'],
        vlan_id: 0,
        prefix_length: null,
        gateway: null,
        mtu: 1500,
        nvme_discovery_mode: null,
        nvme_cdc_address: null,
        nvme_cdc_port: null,
        type_l10n: 'Management',
        ip_version_l10n: 'IPv4',
        purposes_l10n: ['Mgmt'],
        nvme_discovery_mode_l10n: null,
        ip_pool_addresses: [{ id: 'IP1', address: managementAddress, purposes: ['Mgmt_Cluster_Floating'], network_id: 'NW1', appliance_id: APPLIANCE_ID, node_id: null }],
      },
    ],
    dns: () => [{ id: 'DNS1', addresses: [] }],
    ntp: () => [{ id: 'NTP1', addresses: [] }],
    smtp_config: () => [{ id: '0', address: null, port: 25, source_email: null }],
    remote_support: () => [
      {
        id: '0',
        type: 'Disabled',
        is_cloudiq_enabled: false,
        is_observability_enabled: false,
        is_support_assist_license_accepted: false,
        support_assist_license_agreement_text: null,
        is_rsc_enabled: false,
        connectivity_status: 'Unavailable',
        last_update: null,
        remote_support_servers: [],
        proxy_address: null,
        proxy_port: null,
        proxy_username: null,
        is_icw_configured: false,
        policy_manager_address: null,
        policy_manager_port: null,
        is_software_autodownload_enabled: false,
        classification_choice: null,
        type_l10n: 'Disabled',
        connectivity_status_l10n: 'Unavailable',
        classification_choice_l10n: null,
      },
    ],
    security_config: () => [
      {
        id: '1',
        idle_timeout: auth.idleTimeoutSeconds(),
        protocol_mode: 'TLSv1_2',
        is_stig_enabled: false,
        is_fips_enabled: false,
        is_http_redirect_enabled: false,
        protocol_mode_l10n: l10n('TLSv1_2'),
        default_mfa_service: null,
        vasa_retain_certificate: false,
        cert_user_name_policy: null,
      },
    ],
    service_config: () => [{ id: APPLIANCE_ID, appliance_id: APPLIANCE_ID, is_ssh_enabled: false }],
    x509_certificate: () => [
      { id: 'management-https', type: 'Server', service: 'Management_HTTP', scope: null, is_current: true, is_valid: true, members: [], type_l10n: 'Server', service_l10n: l10n('Management_HTTP') },
    ],
  };
}

export function registerApplianceConfigRoutes(app: FastifyInstance, api: PowerStoreApi, auth: PowerStoreAuth): void {
  const resources = configRows(api, auth);
  const addressOf = (host: string | undefined) => (host ?? '127.0.0.1').replace(/:\d+$/, '');
  for (const [resource, rows] of Object.entries(resources)) {
    // A select may name what the rows answer, nothing else (400 naming it, as for every resource).
    const sample = resource === 'local_user' ? [localUserRow(SAMPLE_USER)] : rows('127.0.0.1');
    const schema = (api.registry[resource] ??= { name: resource, fields: (row) => row as Record<string, unknown> });
    schema.attributes = Object.keys(sample[0]!);
    app.get(`/${resource}`, async (request, reply) => api.list(request, reply, resource, rows(addressOf(request.headers.host))));
    app.get<{ Params: { id: string } }>(`/${resource}/:id`, async (request) => {
      const row = rows(addressOf(request.headers.host)).find((r) => r.id === request.params.id);
      if (!row) throw new NotFoundError('session', request.params.id);
      return api.instance(request, resource, row);
    });
    // x509_certificate/exchange is the replication routes' own POST; nothing else here changes.
    const refuse = (_request: unknown, reply: { code(n: number): { send(b: unknown): unknown } }) =>
      reply.code(405).send(errorBody('0xE04040010006', `Changing ${resource} is not supported by this system.`, [resource]));
    app.route({ method: ['PATCH', 'DELETE'], url: `/${resource}/:id`, ...REFUSED_ROUTE, handler: refuse });
  }
}
