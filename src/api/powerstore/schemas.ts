// How each Tandem object reads as a PowerStore resource: every field PyPowerStore and
// gopowerstore select (research/powerstore-api.md §3, §5), null where it has no meaning here,
// and the associations `select=...,assoc(fields)` can follow.
import type { MetaReader } from '../../core/meta-store.ts';
import type { Host, HostVolumeMapping, Job, JobError, Policy, ReplicationRule, SnapshotRule, SystemIdentity, Volume, VolumeGroup } from '../../core/model.ts';
import type { BlockStore } from '../../core/ports.ts';
import { DomainError, type ErrorCode, type ResourceKind } from '../../core/errors.ts';
import { ATTRIBUTES } from './attributes.ts';
import { ERROR_MAP, toPowerStoreError, type PowerStoreError } from './errors.ts';
import { l10n, timestamp } from './format.ts';
import type { Association, ResourceRegistry, ResourceSchema, Row } from './query/index.ts';

export const APPLIANCE_ID = 'A1';

export interface SchemaSources {
  meta: MetaReader;
  store: Pick<BlockStore, 'hasVolume' | 'mappedBytes'>;
  identity: SystemIdentity;
  /** Extra resources and associations added by replication (remote_system, replication_session). */
  extend?: (registry: ResourceRegistry) => void;
}

const none = (resource: string): Association => ({ resource, cardinality: 'one', resolve: () => null });
const noneMany = (resource: string): Association => ({ resource, cardinality: 'many', resolve: () => [] });

export function buildRegistry(src: SchemaSources): ResourceRegistry {
  const meta = src.meta;
  const byId = <T>(kind: Parameters<typeof meta.get>[0], id: string | null): T | null => (id ? ((meta.get(kind, id) as T) ?? null) : null);
  const stub = (name: string): ResourceSchema => ({ name, fields: (row) => ({ id: (row as { id: string }).id }) });

  const volume: ResourceSchema = {
    name: 'volume',
    fields: (row) => volumeFields(row as Volume, src.store),
    field: (row, name) => volumeField(row as Volume, name, src.store),
    associations: {
      appliance: { resource: 'appliance', cardinality: 'one', resolve: () => applianceRow(src.identity) },
      protection_policy: { resource: 'policy', cardinality: 'one', resolve: (row) => byId('policy', (row as Volume).protectionPolicyId) },
      volume_groups: {
        resource: 'volume_group',
        cardinality: 'many',
        resolve: (row) => {
          const g = byId<VolumeGroup>('volume_group', (row as Volume).volumeGroupId);
          return g ? [g] : [];
        },
      },
      mapped_volumes: { resource: 'host_volume_mapping', cardinality: 'many', resolve: (row) => meta.listShared('host_volume_mapping').filter((m) => m.volumeId === (row as Volume).id) },
      host: noneMany('host'),
      host_group: noneMany('host_group'),
      performance_policy: none('performance_policy'),
      qos_performance_policy: none('performance_policy'),
      migration_session: none('migration_session'),
      datastores: noneMany('datastore'),
      remote_snapshot_sessions: noneMany('migration_session'),
      current_remote_snapshot_sessions: noneMany('migration_session'),
      remote_snapshots: noneMany('migration_session'),
      replication_sessions: noneMany('migration_session'),
    },
  };

  const volumeGroup: ResourceSchema = {
    name: 'volume_group',
    fields: (row) => volumeGroupFields(row as VolumeGroup),
    associations: {
      volumes: { resource: 'volume', cardinality: 'many', resolve: (row) => meta.listShared('volume').filter((v) => v.volumeGroupId === (row as VolumeGroup).id) },
      protection_policy: { resource: 'policy', cardinality: 'one', resolve: (row) => byId('policy', (row as VolumeGroup).protectionPolicyId) },
      qos_performance_policy: none('performance_policy'),
      migration_session: none('migration_session'),
      remote_snapshot_sessions: noneMany('migration_session'),
      current_remote_snapshot_sessions: noneMany('migration_session'),
      remote_snapshots: noneMany('migration_session'),
      replication_sessions: noneMany('migration_session'),
    },
  };

  const host: ResourceSchema = {
    name: 'host',
    fields: (row) => hostFields(row as Host),
    associations: {
      mapped_hosts: { resource: 'host_volume_mapping', cardinality: 'many', resolve: (row) => meta.listShared('host_volume_mapping').filter((m) => m.hostId === (row as Host).id) },
      host_group: none('host_group'),
      host_virtual_volume_mappings: noneMany('migration_session'),
    },
  };

  const mapping: ResourceSchema = {
    name: 'host_volume_mapping',
    fields: (row) => {
      const m = row as HostVolumeMapping;
      return { id: m.id, host_id: m.hostId, host_group_id: null, volume_id: m.volumeId, logical_unit_number: m.logicalUnitNumber };
    },
    associations: {
      host: { resource: 'host', cardinality: 'one', resolve: (row) => byId('host', (row as HostVolumeMapping).hostId) },
      volume: { resource: 'volume', cardinality: 'one', resolve: (row) => byId('volume', (row as HostVolumeMapping).volumeId) },
      host_group: none('host_group'),
    },
  };

  const policy: ResourceSchema = {
    name: 'policy',
    fields: (row) => policyFields(row as Policy),
    associations: {
      snapshot_rules: { resource: 'snapshot_rule', cardinality: 'many', resolve: (row) => (row as Policy).snapshotRuleIds.map((id) => meta.get('snapshot_rule', id)).filter(Boolean) as Row[] },
      replication_rules: { resource: 'replication_rule', cardinality: 'many', resolve: (row) => (row as Policy).replicationRuleIds.map((id) => meta.get('replication_rule', id)).filter(Boolean) as Row[] },
      volumes: { resource: 'volume', cardinality: 'many', resolve: (row) => meta.listShared('volume').filter((v) => v.protectionPolicyId === (row as Policy).id) },
      volume_groups: { resource: 'volume_group', cardinality: 'many', resolve: (row) => meta.listShared('volume_group').filter((g) => g.protectionPolicyId === (row as Policy).id) },
      virtual_volumes: noneMany('migration_session'),
      virtual_machines: noneMany('migration_session'),
      file_systems: noneMany('migration_session'),
      nas_servers: noneMany('migration_session'),
      performance_rules: noneMany('migration_session'),
      replication_groups: noneMany('migration_session'),
      io_limit_rule: none('migration_session'),
      file_io_limit_rule: none('migration_session'),
      qos_volumes: noneMany('volume'),
      qos_volume_groups: noneMany('volume_group'),
    },
  };

  const policiesUsing = (ruleId: string, kind: 'snapshot' | 'replication') =>
    meta.listShared('policy').filter((p) => (kind === 'snapshot' ? p.snapshotRuleIds : p.replicationRuleIds).includes(ruleId));

  const snapshotRule: ResourceSchema = {
    name: 'snapshot_rule',
    fields: (row) => snapshotRuleFields(row as SnapshotRule),
    associations: {
      policies: { resource: 'policy', cardinality: 'many', resolve: (row) => policiesUsing((row as SnapshotRule).id, 'snapshot') },
      remote_system: none('migration_session'),
      remote_snapshot_sessions: noneMany('migration_session'),
    },
  };

  const replicationRule: ResourceSchema = {
    name: 'replication_rule',
    fields: (row) => replicationRuleFields(row as ReplicationRule),
    associations: {
      policies: { resource: 'policy', cardinality: 'many', resolve: (row) => policiesUsing((row as ReplicationRule).id, 'replication') },
      remote_system: none('migration_session'),
      replication_sessions: noneMany('migration_session'),
    },
  };

  const job: ResourceSchema = { name: 'job', fields: (row) => jobFields(row as Job), associations: { parent: none('job'), root: none('job'), children: noneMany('job'), leafs: noneMany('job') } };

  // An appliance's hardware and port lists (nodes, ports, hardware) have no objects here: empty
  // lists, as a PowerStore without them would answer; PyPowerStore's get_appliance_details selects them.
  const appliance: ResourceSchema = {
    name: 'appliance',
    fields: (row) => row as Record<string, unknown>,
    associations: {
      software_installed: { resource: 'software_installed', cardinality: 'many', resolve: () => [softwareRow(src.identity)] },
      volumes: { resource: 'volume', cardinality: 'many', resolve: () => meta.listShared('volume') },
      ...Object.fromEntries(
        ['nodes', 'ip_pool_addresses', 'fsns', 'veth_ports', 'virtual_volumes', 'maintenance_windows', 'fc_ports', 'sas_ports', 'eth_ports', 'eth_be_ports', 'hardware'].map((name) => [name, noneMany('migration_session')]),
      ),
    },
  };
  const registry: ResourceRegistry = {
    volume,
    volume_group: volumeGroup,
    host,
    host_volume_mapping: mapping,
    policy,
    snapshot_rule: snapshotRule,
    replication_rule: replicationRule,
    job,
    appliance,
    cluster: { name: 'cluster', fields: (row) => row as Record<string, unknown> },
    software_installed: { name: 'software_installed', fields: (row) => row as Record<string, unknown>, associations: { appliance: { resource: 'appliance', cardinality: 'one', resolve: () => applianceRow(src.identity) } } },
    login_session: { name: 'login_session', fields: (row) => row as Record<string, unknown> },
    role: { name: 'role', fields: (row) => row as Record<string, unknown> },
    limit: { name: 'limit', fields: (row) => row as Record<string, unknown> },
    metrics: { name: 'metrics', fields: (row) => row as Record<string, unknown> },
    alert: { name: 'alert', fields: (row) => row as Record<string, unknown> },
    event: { name: 'event', fields: (row) => row as Record<string, unknown> },
    audit_event: { name: 'audit_event', fields: (row) => row as Record<string, unknown> },
    performance_policy: stub('performance_policy'),
    host_group: stub('host_group'),
    migration_session: stub('migration_session'),
    datastore: stub('datastore'),
  };
  src.extend?.(registry);
  for (const [name, schema] of Object.entries(registry)) {
    if (Object.hasOwn(ATTRIBUTES, name)) schema.attributes = ATTRIBUTES[name];
  }
  return registry;
}

function protectionData(o: {
  sourceId: string | null;
  familyId: string;
  sourceTimestampMs: number | null;
  creatorType: string;
  createdByRuleId: string | null;
  createdByRuleName: string | null;
  expirationTimestampMs: number | null;
  type: string;
}): Record<string, unknown> {
  return {
    source_id: o.type === 'Snapshot' ? o.sourceId : null,
    parent_id: o.sourceId,
    family_id: o.familyId,
    source_timestamp: timestamp(o.sourceTimestampMs),
    creator_type: o.creatorType,
    creator_type_l10n: l10n(o.creatorType),
    created_by_rule_id: o.createdByRuleId,
    created_by_rule_name: o.createdByRuleName,
    expiration_timestamp: timestamp(o.expirationTimestampMs),
    copy_signature: null,
    is_app_consistent: false,
    is_secure: false,
  };
}

export function volumeFields(v: Volume, store: Pick<BlockStore, 'hasVolume' | 'mappedBytes'>): Record<string, unknown> {
  return {
    id: v.id,
    name: v.name,
    description: v.description,
    type: v.type,
    wwn: v.wwn,
    nsid: v.number + 1,
    nguid: `nguid.${v.wwn.slice(4)}`,
    appliance_id: APPLIANCE_ID,
    state: 'Ready',
    size: v.sizeBytes,
    logical_used: store.hasVolume(v.id) ? store.mappedBytes(v.id) : 0,
    // Internal in the 4.x schemas (DELL-VISIBILITY), set by the CSI driver on 3.0+ arrays.
    metadata: v.metadata ?? null,
    sector_size: v.sectorSizeBytes,
    node_affinity: v.nodeAffinity,
    creation_timestamp: timestamp(v.createdAtMs),
    protection_policy_id: v.protectionPolicyId,
    performance_policy_id: v.performancePolicyId ?? 'default_medium',
    qos_performance_policy_id: null,
    is_replication_destination: v.isReplicationDestination,
    migration_session_id: null,
    metro_replication_session_id: null,
    is_host_access_available: !v.isReplicationDestination,
    protection_data: protectionData(v),
    location_history: [],
    app_type: v.appType,
    app_type_other: v.appTypeOther,
    type_l10n: l10n(v.type),
    state_l10n: 'Ready',
    node_affinity_l10n: l10n(v.nodeAffinity),
    app_type_l10n: l10n(v.appType),
  };
}

/** One volume field without building the whole object: filters over many rows read only this. */
function volumeField(v: Volume, name: string, store: Pick<BlockStore, 'hasVolume' | 'mappedBytes'>): unknown {
  switch (name) {
    case 'id':
      return v.id;
    case 'name':
      return v.name;
    case 'type':
      return v.type;
    case 'size':
      return v.sizeBytes;
    case 'description':
      return v.description;
    case 'wwn':
      return v.wwn;
    case 'protection_policy_id':
      return v.protectionPolicyId;
    case 'is_replication_destination':
      return v.isReplicationDestination;
    case 'creation_timestamp':
      return timestamp(v.createdAtMs);
    case 'protection_data':
      return protectionData(v);
    default:
      return volumeFields(v, store)[name];
  }
}

export function volumeGroupFields(g: VolumeGroup): Record<string, unknown> {
  return {
    id: g.id,
    name: g.name,
    description: g.description,
    creation_timestamp: timestamp(g.createdAtMs),
    is_protectable: g.type !== 'Snapshot',
    protection_policy_id: g.protectionPolicyId,
    qos_performance_policy_id: null,
    migration_session_id: null,
    is_write_order_consistent: g.isWriteOrderConsistent,
    placement_rule: 'Same_Appliance',
    type: g.type,
    is_replication_destination: g.isReplicationDestination,
    metro_replication_session_id: null,
    is_host_access_available: !g.isReplicationDestination,
    protection_data: protectionData(g),
    is_importing: false,
    location_history: [],
    type_l10n: l10n(g.type),
  };
}

function hostFields(h: Host): Record<string, unknown> {
  const initiators = h.initiators.map((i) => ({
    port_name: i.portName,
    port_type: i.portType,
    chap_single_username: i.chapSingleUsername ?? null,
    chap_mutual_username: i.chapMutualUsername ?? null,
    active_sessions: [],
  }));
  return {
    id: h.id,
    name: h.name,
    description: h.description,
    type: 'External',
    os_type: h.osType,
    host_group_id: null,
    import_host_system_id: null,
    host_connectivity: h.hostConnectivity,
    host_initiators: initiators,
    initiators,
    type_l10n: 'External',
    os_type_l10n: l10n(h.osType),
    host_connectivity_l10n: l10n(h.hostConnectivity),
    // Internal in the 4.x schemas (DELL-VISIBILITY), set by the CSI driver on 3.0+ arrays.
    metadata: h.metadata ?? null,
  };
}

function policyFields(p: Policy): Record<string, unknown> {
  return {
    id: p.id,
    name: p.name,
    description: p.description,
    type: p.type,
    managed_by: p.managedBy,
    managed_by_id: p.managedById,
    is_read_only: p.isReadOnly,
    is_replica: p.isReplica,
    file_io_limit_rule_id: null,
    type_l10n: l10n(p.type),
    managed_by_l10n: l10n(p.managedBy),
  };
}

function snapshotRuleFields(r: SnapshotRule): Record<string, unknown> {
  return {
    id: r.id,
    name: r.name,
    remote_system_id: null,
    interval: r.interval,
    time_of_day: r.timeOfDay,
    timezone: r.timezone,
    days_of_week: r.daysOfWeek,
    desired_retention: r.desiredRetentionHours,
    is_replica: r.isReplica,
    nas_access_type: r.nasAccessType,
    is_read_only: r.isReadOnly,
    managed_by: r.managedBy,
    managed_by_id: r.managedById,
    is_secure: r.isSecure,
    interval_l10n: l10n(r.interval),
    timezone_l10n: l10n(r.timezone),
    days_of_week_l10n: r.daysOfWeek,
    nas_access_type_l10n: l10n(r.nasAccessType),
    managed_by_l10n: l10n(r.managedBy),
  };
}

export function replicationRuleFields(r: ReplicationRule): Record<string, unknown> {
  return {
    id: r.id,
    name: r.name,
    rpo: r.rpo,
    remote_system_id: r.remoteSystemId,
    is_replica: r.isReplica,
    is_read_only: r.isReadOnly,
    alert_threshold: r.alertThresholdMinutes,
    managed_by: r.managedBy,
    managed_by_id: r.managedById,
    initial_provisioning_remote_appliance_id: null,
    rpo_l10n: l10n(r.rpo),
    managed_by_l10n: l10n(r.managedBy),
  };
}

const JOB_PHASE: Record<Job['state'], string> = {
  PENDING: 'Pending',
  QUEUED: 'Queued',
  IN_PROGRESS: 'In_Progress',
  COMPLETED: 'Completed',
  FAILED: 'Failed',
  UNRECOVERABLE_FAILED: 'Unrecoverable_Failed',
};

/** The answer the failed operation would have had, had it run synchronously. */
function jobErrorAnswer(error: JobError): PowerStoreError {
  const code = Object.hasOwn(ERROR_MAP, error.code) ? (error.code as ErrorCode) : 'INTERNAL';
  return toPowerStoreError(new DomainError(code, error.message, { arguments: error.arguments, ...(error.kind ? { kind: error.kind as ResourceKind } : {}) }));
}

export function jobFields(j: Job): Record<string, unknown> {
  const failed = j.state === 'FAILED' || j.state === 'UNRECOVERABLE_FAILED';
  // A job keeps the core's error code; clients read the PowerStore code and status of the failure
  // (Cinder inspects response_body.messages[].code), as a synchronous request would have answered.
  const mapped = j.error ? jobErrorAnswer(j.error) : null;
  let responseBody: Record<string, unknown> | null = null;
  if (failed && mapped) {
    responseBody = { response_type: 'job_error_response', messages: mapped.body.messages };
  } else if (j.state === 'COMPLETED' && j.result) {
    responseBody = { ...j.result, response_type: 'job_create_response' };
  }
  return {
    id: j.id,
    resource_action: j.resourceAction,
    resource_type: j.resourceType,
    resource_id: j.resourceId,
    resource_name: j.resourceName,
    description_l10n: j.description,
    state: j.state,
    start_time: timestamp(j.startTimeMs),
    phase: JOB_PHASE[j.state],
    end_time: timestamp(j.endTimeMs),
    estimated_completion_time: null,
    progress_percentage: j.progressPercentage,
    parent_id: null,
    root_id: j.id,
    user: j.user,
    response_body: responseBody,
    response_status: j.state === 'COMPLETED' ? (j.result ? '200' : '204') : failed ? String(mapped?.status ?? 422) : null,
    step_order: 0,
    mpa_decision: null,
    submit_time: timestamp(j.submitTimeMs),
    resource_action_l10n: l10n(j.resourceAction),
    resource_type_l10n: l10n(j.resourceType),
    state_l10n: l10n(j.state),
    phase_l10n: l10n(JOB_PHASE[j.state]),
    response_status_l10n: null,
  };
}

export function applianceRow(identity: SystemIdentity): Record<string, unknown> {
  return {
    id: APPLIANCE_ID,
    name: `${identity.name}-appliance-1`,
    service_tag: identity.serialNumber.slice(2, 9),
    express_service_code: identity.serialNumber,
    model: 'PowerStore 1200T',
    mode: 'Block',
    drive_failure_tolerance_level: 'Single',
    is_hyper_converged: false,
    node_count: 2,
    storage_class: 'TLC_Based_Flash',
    mode_l10n: 'Block',
    drive_failure_tolerance_level_l10n: 'Single',
    storage_class_l10n: 'TLC-based Flash',
  };
}

export function clusterRow(identity: SystemIdentity, managementAddress: string, nowMs: number): Record<string, unknown> {
  return {
    id: '0',
    global_id: identity.globalId,
    name: identity.name,
    management_address: managementAddress,
    storage_discovery_address: managementAddress,
    master_appliance_id: APPLIANCE_ID,
    appliance_count: 1,
    physical_mtu: 1500,
    is_encryption_enabled: false,
    compatibility_level: 20,
    state: 'Configured',
    state_l10n: 'Configured',
    system_time: timestamp(nowMs),
    nvm_subsystem_nqn: `nqn.1988-11.com.dell:powerstore:00:${identity.serialNumber}`,
  };
}

export function softwareRow(identity: SystemIdentity): Record<string, unknown> {
  return {
    id: identity.id,
    is_cluster: true,
    release_version: identity.softwareVersion,
    build_version: `${identity.softwareVersion}.0`,
    release_timestamp: timestamp(identity.createdAtMs),
    installed_date: timestamp(identity.createdAtMs),
    build_flavor: 'Retail',
    build_type: 'Release',
    build_id: 'tandem',
  };
}
