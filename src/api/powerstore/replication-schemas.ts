// remote_system and replication_session as PowerStore resources (research/powerstore-api.md §3.7,
// §3.8), added to the registry by the replication extension.
import type { MetaReader } from '../../core/meta-store.ts';
import type { RemoteSystem, ReplicationSession } from '../../core/replication/model.ts';
import type { ConnectionState } from '../../core/replication/commands.ts';
import { l10n, timestamp } from './format.ts';
import type { ResourceRegistry, Row } from './query/index.ts';
import { APPLIANCE_ID } from './schemas.ts';

export interface ReplicationViews {
  meta: MetaReader;
  connectionState(rs: RemoteSystem): ConnectionState;
}

const DATA_TRANSFER_STATE: Partial<Record<ReplicationSession['state'], string>> = {
  Initializing: 'Asynchronous_Initial_Sync',
  Paused: 'Paused',
  Suspended: 'Paused',
  System_Paused: 'Faulted',
};

/**
 * Synchronous sessions (rule rpo Zero): `Synchronous` while in step (mirroring), the
 * differential copy before switching to sync while resyncing; the rest as in DATA_TRANSFER_STATE.
 */
const SYNC_TRANSFER_STATE: Partial<Record<ReplicationSession['state'], string>> = {
  OK: 'Synchronous',
  Synchronizing: 'Switch_To_Sync_Diff_Copy',
};

export function extendRegistryForReplication(registry: ResourceRegistry, views: ReplicationViews): void {
  const { meta } = views;
  const sessionConnection = (s: ReplicationSession): ConnectionState => {
    const rs = meta.getShared('remote_system', s.remoteSystemId);
    return rs ? views.connectionState(rs) : 'Complete_Data_Connection_Loss';
  };
  const sessionsOf = (rsId: string) => meta.listShared('replication_session').filter((s) => s.remoteSystemId === rsId);
  registry.remote_system = {
    name: 'remote_system',
    fields: (row) => remoteSystemFields(row as RemoteSystem, views.connectionState(row as RemoteSystem)),
    fieldBuilders: rowBuilders(REMOTE_SYSTEM_FIELDS, (rs) => views.connectionState(rs)),
    associations: {
      replication_rules: { resource: 'replication_rule', cardinality: 'many', resolve: (row) => meta.list('replication_rule').filter((r) => r.remoteSystemId === (row as RemoteSystem).id) },
      replication_sessions: { resource: 'replication_session', cardinality: 'many', resolve: (row) => sessionsOf((row as RemoteSystem).id) },
      snapshot_rules: { resource: 'snapshot_rule', cardinality: 'many', resolve: () => [] },
      import_sessions: { resource: 'migration_session', cardinality: 'many', resolve: () => [] },
      storage_container_destinations: { resource: 'migration_session', cardinality: 'many', resolve: () => [] },
      remote_snapshot_sessions: { resource: 'migration_session', cardinality: 'many', resolve: () => [] },
      remote_snapshots: { resource: 'migration_session', cardinality: 'many', resolve: () => [] },
    },
  };
  registry.replication_session = {
    name: 'replication_session',
    fields: (row) => sessionFields(row as ReplicationSession, sessionConnection(row as ReplicationSession)),
    fieldBuilders: rowBuilders(SESSION_FIELDS, sessionConnection),
    associations: {
      remote_system: { resource: 'remote_system', cardinality: 'one', resolve: (row) => meta.getShared('remote_system', (row as ReplicationSession).remoteSystemId) ?? null },
      replication_rule: { resource: 'replication_rule', cardinality: 'one', resolve: (row) => ((row as ReplicationSession).replicationRuleId ? (meta.getShared('replication_rule', (row as ReplicationSession).replicationRuleId!) ?? null) : null) },
      migration_session: { resource: 'migration_session', cardinality: 'one', resolve: () => null },
      volumes: {
        resource: 'volume',
        cardinality: 'many',
        resolve: (row) => (row as ReplicationSession).elementPairs.map((p) => meta.getShared('volume', p.localVolumeId)).filter(Boolean) as Row[],
      },
      volume_groups: {
        resource: 'volume_group',
        cardinality: 'many',
        resolve: (row) => {
          const s = row as ReplicationSession;
          const g = s.resourceType === 'volume_group' ? meta.get('volume_group', s.localResourceId) : undefined;
          return g ? [g] : [];
        },
      },
    },
  };
  const ruleSchema = registry.replication_rule!;
  ruleSchema.associations = {
    ...ruleSchema.associations,
    remote_system: { resource: 'remote_system', cardinality: 'one', resolve: (row) => meta.get('remote_system', (row as { remoteSystemId: string }).remoteSystemId) ?? null },
    replication_sessions: { resource: 'replication_session', cardinality: 'many', resolve: (row) => meta.listShared('replication_session').filter((s) => s.replicationRuleId === (row as { id: string }).id) },
  };
  for (const resource of ['volume', 'volume_group'] as const) {
    const schema = registry[resource]!;
    schema.associations = {
      ...schema.associations,
      replication_sessions: {
        resource: 'replication_session',
        cardinality: 'many',
        resolve: (row) => meta.findShared('sessionByLocalId', (row as { id: string }).id),
      },
    };
  }
}

/** Builds a field from the row and its connection state, computed only by the fields that read it. */
type Builder<T> = (row: T, connection: () => ConnectionState) => unknown;

function buildAll<T>(table: Readonly<Record<string, Builder<T>>>, row: T, connection: ConnectionState): Record<string, unknown> {
  const of = (): ConnectionState => connection;
  const out: Record<string, unknown> = {};
  for (const name of Object.keys(table)) out[name] = table[name]!(row, of);
  return out;
}

/** One builder per field that reads the connection state (once per row at most) only when called. */
function rowBuilders<T>(table: Readonly<Record<string, Builder<T>>>, connectionOf: (row: T) => ConnectionState): Record<string, (row: Row) => unknown> {
  const out: Record<string, (row: Row) => unknown> = {};
  for (const name of Object.keys(table)) {
    const build = table[name]!;
    out[name] = (row) => build(row as T, () => connectionOf(row as T));
  }
  return out;
}

const lost = (c: () => ConnectionState): boolean => c() === 'Complete_Data_Connection_Loss';

const REMOTE_SYSTEM_FIELDS: Readonly<Record<string, Builder<RemoteSystem>>> = {
  id: (rs) => rs.id,
  name: (rs) => rs.name,
  description: (rs) => rs.description,
  serial_number: (rs) => rs.serialNumber,
  version: (rs) => rs.version,
  management_address: (rs) => rs.managementAddress,
  management_port: (rs) => rs.managementPort,
  type: () => 'PowerStore',
  user_name: () => null,
  state: (_, c) => (lost(c) ? 'Management_Connection_Lost' : 'OK'),
  data_connection_type: () => 'TCP',
  data_connection_state: (_, c) => c(),
  iscsi_addresses: () => [],
  fc_target_wwns: () => [],
  discovery_chap_mode: () => 'Disabled',
  session_chap_mode: () => 'Disabled',
  data_network_latency: (rs) => rs.dataNetworkLatency,
  data_connections: (rs, c) => [
    { node_id: `${APPLIANCE_ID}-NA`, initiator_address: '127.0.0.1', target_address: `${rs.managementAddress}:${rs.peerPort}`, status: lost(c) ? 'Login_Failed' : 'Login_Success', data_connection_type: 'TCP' },
  ],
  capabilities: () => ['Asynchronous_Block_Replication'],
  file_connection_address: () => null,
  file_connection_state: () => null,
  vnx_file_username: () => null,
  ppdd_storage_unit_details: () => null,
  appliance_details: () => [],
  unity_file_details: () => null,
  powerstore_data_network_configuration: () => null,
  type_l10n: () => 'PowerStore',
  state_l10n: (_, c) => l10n(lost(c) ? 'Management_Connection_Lost' : 'OK'),
  data_connection_type_l10n: () => 'TCP',
  data_connection_state_l10n: (_, c) => l10n(c()),
  discovery_chap_mode_l10n: () => 'Disabled',
  session_chap_mode_l10n: () => 'Disabled',
  data_network_latency_l10n: (rs) => l10n(rs.dataNetworkLatency),
  capabilities_l10n: () => ['Asynchronous Block Replication'],
  file_connection_state_l10n: () => null,
};

export function remoteSystemFields(rs: RemoteSystem, connection: ConnectionState): Record<string, unknown> {
  return buildAll(REMOTE_SYSTEM_FIELDS, rs, connection);
}

/** The session state as PowerStore names it: an ETERNUS suspend is a pause (DESIGN §5.4). */
export function powerStoreSessionState(state: ReplicationSession['state']): string {
  return state === 'Suspended' ? 'Paused' : state;
}

/**
 * The one place the PowerStore dialect names a session's states: its `state` and its
 * `data_transfer_state`.
 */
export function powerStoreStates(s: ReplicationSession): { state: string; dataTransferState: string } {
  return { state: powerStoreSessionState(s.state), dataTransferState: transferState(s) };
}

function transferState(s: ReplicationSession): string {
  return DATA_TRANSFER_STATE[s.state] ?? (s.transferMode === 'Synchronous' ? SYNC_TRANSFER_STATE[s.state] ?? 'Synchronous' : 'Asynchronous');
}

const SESSION_FIELDS: Readonly<Record<string, Builder<ReplicationSession>>> = {
  id: (s) => s.id,
  state: (s) => powerStoreStates(s).state,
  role: (s) => s.role,
  resource_type: (s) => s.resourceType,
  data_transfer_state: (s) => powerStoreStates(s).dataTransferState,
  type: (s) => (s.transferMode === 'Synchronous' ? 'Synchronous' : 'Asynchronous'),
  last_sync_timestamp: (s) => timestamp(s.lastSyncMs),
  local_resource_id: (s) => s.localResourceId,
  remote_resource_id: (s) => s.remoteResourceId,
  remote_system_id: (s) => s.remoteSystemId,
  progress_percentage: (s) => (s.role === 'Source' ? s.progressPercentage : null),
  estimated_completion_timestamp: (s) => timestamp(s.estimatedCompletionMs),
  replication_rule_id: (s) => s.replicationRuleId,
  last_sync_duration: (s) => s.lastSyncDurationMs,
  next_sync_timestamp: (s) => (s.role === 'Source' ? timestamp(s.nextSyncMs) : null),
  storage_element_pairs: (s) => s.elementPairs.map((p) => ({ local_storage_element_id: p.localVolumeId, remote_storage_element_id: p.remoteVolumeId, storage_element_type: 'volume', replication_shadow_id: null })),
  failover_test_in_progress: (s) => s.failoverTest !== null,
  error_code: (s) => s.errorCode,
  data_connection_state: (_, c) => c(),
  parent_replication_session_id: () => null,
  local_resource_state: () => 'System_Defined',
  witness_details: () => null,
  auto_failover_state: () => 'Not_Applicable',
  state_l10n: (s) => l10n(powerStoreSessionState(s.state)),
  role_l10n: (s) => s.role,
  resource_type_l10n: (s) => (s.resourceType === 'volume' ? 'Volume' : 'Volume Group'),
  data_transfer_state_l10n: (s) => l10n(transferState(s)),
  type_l10n: (s) => (s.transferMode === 'Synchronous' ? 'Synchronous' : 'Asynchronous'),
  data_connection_state_l10n: (_, c) => l10n(c()),
  local_resource_state_l10n: () => 'System Defined',
  auto_failover_state_l10n: () => 'Not Applicable',
};

export function sessionFields(s: ReplicationSession, connection: ConnectionState): Record<string, unknown> {
  return buildAll(SESSION_FIELDS, s, connection);
}
