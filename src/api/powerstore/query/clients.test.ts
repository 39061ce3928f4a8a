// Compatibility corpus. Goal: every querystring PyPowerStore, gopowerstore and Cinder send
// (research §2, §5, §6, copied literally, spaces and duplicates included) parses and runs, both
// URL-encoded as the clients send it and raw. Method: parse, then run over the fake registry and
// check the shape of the answer.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { emptyWorld, registryFor, volume } from './_fixtures.ts';
import { executeCollectionQuery } from './execute.ts';
import { parseQuery } from './parse-query.ts';

const VOL_LIST_4X = 'id,name,description,type,wwn,nsid,nguid,appliance_id,state,size,logical_used,node_affinity,creation_timestamp,protection_policy_id,performance_policy_id,qos_performance_policy_id,is_replication_destination,migration_session_id,metro_replication_session_id,is_host_access_available,protection_data,location_history,app_type,app_type_other,type_l10n,state_l10n,node_affinity_l10n,app_type_l10n,volume_groups(name,id), protection_policy(name,id)';
const VOL_LIST_3X = 'id,name,description,type,wwn,appliance_id,state,size,creation_timestamp,protection_policy_id,performance_policy_id,protection_policy(name,id),performance_policy(name,id),is_replication_destination,logical_used,protection_data,location_history,type_l10n,state_l10n,host_group(name,id),volume_groups(name,id),mapped_volumes(id,logical_unit_number),nsid,nguid,node_affinity,node_affinity_l10n,metro_replication_session_id,is_host_access_available,app_type,app_type_other,app_type_l10n,migration_session_id';
const RS_LIST = 'id,name,description,serial_number,version,management_address,management_port,type,user_name,state,data_connection_type,data_connection_state,iscsi_addresses,fc_target_wwns,discovery_chap_mode,session_chap_mode,data_network_latency,data_connections,capabilities,file_connection_address,file_connection_state,vnx_file_username,import_sessions,appliance_details,type_l10n,replication_sessions,state_l10n,data_connection_type_l10n,file_connection_state_l10n,data_connection_state_l10n,discovery_chap_mode_l10n,session_chap_mode_l10n,data_network_latency_l10n,capabilities_l10n,storage_container_destinations(id,storage_container_id,remote_system_id,remote_storage_container_id,storage_container(id,name))';
const JOB_LIST = 'id,resource_action,resource_type,resource_id,resource_name,description_l10n,state,start_time,phase,end_time,estimated_completion_time,progress_percentage,parent_id,root_id,user,response_body,response_status,step_order,resource_action_l10n,resource_type_l10n,state_l10n,phase_l10n,response_status_l10n';
const SESSION_LIST = 'id,state,role,resource_type,last_sync_timestamp,local_resource_id,remote_resource_id,remote_system_id,progress_percentage,estimated_completion_timestamp,replication_rule_id,storage_element_pairs,state_l10n,role_l10n,resource_type_l10n,remote_system(id,name),migration_session(id,name),replication_rule(id,name),data_transfer_state,type,last_sync_duration,type_l10n,next_sync_timestamp,failover_test_in_progress,error_code,data_connection_state,parent_replication_session_id,local_resource_state,data_transfer_state_l10n,data_connection_state_l10n,local_resource_state_l10n';
const VG_LIST = 'id,name,description,creation_timestamp,is_protectable, protection_policy_id,protection_policy(name,id),qos_performance_policy_id,qos_performance_policy(id,name),migration_session_id,is_write_order_consistent,placement_rule,type,is_replication_destination,protection_data,is_importing,location_history,type_l10n,volumes(name,id)';
const POLICY_GO = '*,replication_rules(*),snapshot_rules(*),virtual_machines(*),file_systems(*),performance_rules(*),volumes(*),volume_groups(*)';
const RR_GO = 'id,name,rpo,remote_system_id,alert_threshold,is_read_only,is_replica,managed_by,managed_by_id,policies(id,name),remote_system(id,name),replication_sessions(id,state),policies';

/** [description, resource, query parameters in the order the client adds them]. */
const CORPUS: [string, string, [string, string][]][] = [
  ['guide appliance nested', 'volume', [['select', 'id,name,appliance(id,name)']]],
  ['guide embedded object', 'volume', [['select', 'id,protection_data']]],
  ['guide bare association', 'volume', [['select', 'id,name,volume_groups']]],
  ['gopowerstore star', 'volume', [['select', '*']]],
  ['gopowerstore policy by name', 'policy', [['select', POLICY_GO], ['name', 'eq.pp1'], ['type', 'eq.Protection']]],
  ['gopowerstore replication rule by name', 'replication_rule', [['select', RR_GO], ['name', 'eq.rr1']]],
  ['gopowerstore session by local resource', 'replication_session', [['select', 'id,state,role,resource_type,local_resource_id,remote_resource_id,remote_system_id,type,storage_element_pairs'], ['local_resource_id', 'eq.V1']]],
  ['gopowerstore GetVolumeGroup dotted item', 'volume_group', [['select', 'id,name,description,protection_policy_id,volume.volume_group_membership(id,name,protection_policy_id,state,protection_data)']]],
  ['gopowerstore snapshots', 'volume', [['select', 'id,name'], ['type', 'not.eq.Snapshot']]],
  ['gopowerstore paging', 'volume', [['select', 'id,name'], ['order', 'name'], ['offset', '0'], ['limit', '1000']]],
  ['PyPowerStore get_volume_by_name 4.x', 'volume', [['select', VOL_LIST_4X], ['name', 'eq.v1']]],
  ['PyPowerStore get_volume_details 3.x', 'volume', [['select', VOL_LIST_3X]]],
  ['PyPowerStore host_volume_mapping', 'host_volume_mapping', [['select', 'id, host_id, host_group_id,logical_unit_number'], ['volume_id', 'eq.V1']]],
  ['PyPowerStore get_volume_snapshots', 'volume', [['select', 'id,name'], ['protection_data->>source_id', 'eq.V1'], ['type', 'eq.Snapshot']]],
  ['PyPowerStore get_volume_group_snapshots', 'volume_group', [['select', 'id,name'], ['protection_data->>source_id', 'eq.G1'], ['type', 'eq.Snapshot']]],
  ['PyPowerStore volume group details', 'volume_group', [['select', VG_LIST]]],
  ['PyPowerStore replication rule details', 'replication_rule', [['select', 'id,name,rpo,remote_system_id,is_replica,alert_threshold,policies(id,name)']]],
  ['PyPowerStore replication sessions', 'replication_session', [['select', 'id'], ['local_resource_id', 'eq.V1']]],
  ['PyPowerStore session details', 'replication_session', [['select', SESSION_LIST]]],
  ['PyPowerStore protection policies', 'policy', [['type', 'eq.Protection'], ['select', 'id,name']]],
  ['PyPowerStore policy details', 'policy', [['select', 'id,name,description,type,replication_rules(id,name),snapshot_rules(id,name)']]],
  ['PyPowerStore snapshot rule details', 'snapshot_rule', [['select', 'id,name,interval,days_of_week,time_of_day,desired_retention,is_secure,policies(id,name)']]],
  ['PyPowerStore remote system by address', 'remote_system', [['select', RS_LIST], ['name', 'eq.B'], ['management_address', 'eq.10.0.0.2']]],
  ['PyPowerStore job details', 'job', [['select', JOB_LIST]]],
  ['PyPowerStore software_installed', 'software_installed', [['select', 'release_version']]],
  ['PyPowerStore empty select', 'replication_session', [['select', '']]],
  ['PyPowerStore modify_remote_system', 'remote_system', [['is_async', 'true']]],
  ['Cinder failover', 'replication_session', [['is_async', 'True']]],
  ['Cinder type in', 'volume', [['type', 'in.(Primary,Clone)']]],
  ['Cinder host initiators', 'host', [['select', 'id,name'], ['host_initiators->0->>port_type', 'eq.iSCSI']]],
  ['Cinder fc_port', 'fc_port', [['select', 'id,name'], ['is_link_up', 'eq.True']]],
  ['Cinder job lookup', 'job', [['resource_type', 'eq.replication_session'], ['resource_action', 'eq.delete'], ['resource_id', 'eq.S1'], ['state', 'eq.COMPLETED']]],
  ['guide and', 'volume', [['and', '(size.gt.50,performance_policy_id.eq.default_high)']]],
  ['guide not in', 'job', [['resource_type', 'not.in.(volume,policy)']]],
  ['guide ilike', 'volume', [['name', 'ilike.User*']]],
  ['guide cs', 'fc_port', [['supported_speeds', 'cs.{1_Gbps,10_Gbps}']]],
];

/** requests and Go's url.Values both form-encode: space → '+', ',' → %2C, '>' → %3E. */
function encoded(params: [string, string][]): string {
  return new URLSearchParams(params).toString();
}

/** Resources the corpus names but the fixture lacks get a pass-through schema. */
function registry() {
  const w = emptyWorld();
  w.appliances.push({ id: 'A1', name: 'Appliance-1', model: '500T' });
  w.groups.push({ id: 'G1', name: 'vg1', policyId: null });
  w.volumes.push(volume({ id: 'V1', name: 'v1', groupIds: ['G1'] }), volume({ id: 'S1', name: 's1', kind: 'Snapshot', sourceId: 'V1' }));
  const reg = registryFor(w);
  for (const name of ['replication_session', 'host_volume_mapping', 'job', 'software_installed']) {
    reg[name] = { name, fields: (row) => ({ ...(row as Record<string, unknown>) }) };
  }
  return { world: w, reg };
}

test('every client querystring parses URL-encoded and raw, to the same query', () => {
  for (const [name, , params] of CORPUS) {
    const fromEncoded = parseQuery(encoded(params));
    const raw = params.map(([k, v]) => `${k}=${v}`).join('&');
    assert.deepEqual(parseQuery(raw), fromEncoded, name);
    assert.deepEqual(parseQuery(new URLSearchParams(params)), fromEncoded, name);
    assert.equal(fromEncoded.filters.length, params.filter(([k]) => !['select', 'order', 'limit', 'offset', 'is_async'].includes(k)).length, name);
  }
});

test('every client querystring runs; an absent or empty select returns ids only', () => {
  const { world, reg } = registry();
  const rowsFor: Record<string, unknown[]> = {
    volume: world.volumes, volume_group: world.groups,
    replication_session: [{ id: 'S1', state: 'OK', local_resource_id: 'V1' }],
    host_volume_mapping: [{ id: 'M1', host_id: 'H1', host_group_id: null, logical_unit_number: 1, volume_id: 'V1' }],
    job: [{ id: 'J1', resource_type: 'replication_session', resource_action: 'delete', resource_id: 'S1', state: 'COMPLETED' }],
    software_installed: [{ id: 'SW1', release_version: '4.1.0.0' }],
  };
  for (const [name, resource, params] of CORPUS) {
    const result = executeCollectionQuery(rowsFor[resource] ?? [], resource, reg, parseQuery(encoded(params)));
    assert.equal(result.status, 200, name);
    if (!params.some(([k, v]) => k === 'select' && v.trim() !== '')) {
      for (const row of result.body) assert.deepEqual(Object.keys(row), ['id'], name);
    }
  }
});

test('PyPowerStore get_volume_snapshots finds the snapshot by protection_data->>source_id', () => {
  const { world, reg } = registry();
  const qs = 'select=id%2Cname&protection_data-%3E%3Esource_id=eq.V1&type=eq.Snapshot';
  assert.deepEqual(executeCollectionQuery(world.volumes, 'volume', reg, parseQuery(qs)).body, [{ id: 'S1', name: 's1' }]);
});

test('PyPowerStore 4.x volume select with "+" for the space yields the volume groups and policy', () => {
  const { world, reg } = registry();
  const body = executeCollectionQuery(world.volumes, 'volume', reg, parseQuery(encoded([['select', VOL_LIST_4X], ['name', 'eq.v1']]))).body;
  assert.equal(body.length, 1);
  assert.deepEqual(body[0]!['volume_groups'], [{ name: 'vg1', id: 'G1' }]);
  assert.equal(body[0]!['protection_policy'], null);
  assert.equal(body[0]!['size'], 1073741824);
  assert.equal('wwn' in body[0]!, false, 'fields the schema lacks are left out, not invented');
});

test('Cinder job lookup matches on all four filters', () => {
  const { reg } = registry();
  const jobs = [
    { id: 'J1', resource_type: 'replication_session', resource_action: 'delete', resource_id: 'S1', state: 'COMPLETED' },
    { id: 'J2', resource_type: 'replication_session', resource_action: 'delete', resource_id: 'S1', state: 'FAILED' },
  ];
  const qs = 'resource_type=eq.replication_session&resource_action=eq.delete&resource_id=eq.S1&state=eq.COMPLETED';
  assert.deepEqual(executeCollectionQuery(jobs, 'job', reg, parseQuery(qs)).body, [{ id: 'J1' }]);
});
