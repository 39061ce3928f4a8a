// What Dell's Ansible collection dellemc.powerstore 3.8.1 (through PyPowerStore 3.4.2) was seen to
// send to a two-site Tandem lab, and the parts of the answers its modules' code reads. Recorded
// with a logging proxy in front of `tandem lab` while the replication, remote system, block/host
// and info playbooks ran (issue 10); each case names the module and the PyPowerStore call.
//
// Queries are written decoded and encoded by pyQuery exactly as `requests` encodes them (commas
// %2C, the spaces PyPowerStore leaves in some selects as '+', '->>' as %3E%3E), in the order the
// client sends them. Bodies are as sent, nulls included: the modules pass None for every option a
// playbook leaves out.
import { ADMIN_PASSWORD } from '../helpers/system.ts';
import type { Exchange } from './replay.ts';

/** urlencode with quote_plus, as python-requests builds PyPowerStore's query strings. */
export function pyQuery(params: Record<string, string>): string {
  const plus = (s: string) =>
    s
      .split(/(\$\{\w+\})/)
      .map((part, i) => (i % 2 === 1 ? part : encodeURIComponent(part).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`).replace(/%20/g, '+')))
      .join('');
  return Object.entries(params)
    .map(([k, v]) => `${plus(k)}=${plus(v)}`)
    .join('&');
}

const at = (path: string, params: Record<string, string>) => `${path}?${pyQuery(params)}`;

// The selects PyPowerStore 3.4.2 sends (utils/constants.py), as they go on the wire.
export const SELECT = {
  cluster: 'id,global_id,name,management_address,storage_discovery_address,master_appliance_id,appliance_count,physical_mtu,is_encryption_enabled,compatibility_level,state,state_l10n',
  loginSession: 'id,user,role_ids,is_password_change_required,is_built_in_user,idle_timeout',
  remoteSystem:
    'id,name,description,serial_number,version,management_address,management_port,type,user_name,state,data_connection_type,data_connection_state,iscsi_addresses,fc_target_wwns,discovery_chap_mode,session_chap_mode,data_network_latency,data_connections,capabilities,file_connection_address,file_connection_state,vnx_file_username,import_sessions,appliance_details,type_l10n,replication_sessions,state_l10n,data_connection_type_l10n,file_connection_state_l10n,data_connection_state_l10n,discovery_chap_mode_l10n,session_chap_mode_l10n,data_network_latency_l10n,capabilities_l10n,storage_container_destinations(id,storage_container_id,remote_system_id,remote_storage_container_id,storage_container(id,name))',
  replicationRule: 'id,name,rpo,remote_system_id,is_replica,alert_threshold,policies(id,name)',
  policy: 'id,name,description,type,replication_rules(id,name),snapshot_rules(id,name)',
  snapshotRule: 'id,name,interval,days_of_week,time_of_day,desired_retention,policies(id,name)',
  volume:
    'id,name,description,type,wwn,nsid,nguid,appliance_id,state,size,logical_used,node_affinity,creation_timestamp,protection_policy_id,performance_policy_id,qos_performance_policy_id,is_replication_destination,migration_session_id,metro_replication_session_id,is_host_access_available,protection_data,location_history,app_type,app_type_other,type_l10n,state_l10n,node_affinity_l10n,app_type_l10n,volume_groups(name,id), protection_policy(name,id)',
  mapping: 'id, host_id, host_group_id,logical_unit_number',
  session:
    'id,state,role,resource_type,last_sync_timestamp,local_resource_id,remote_resource_id,remote_system_id,progress_percentage,estimated_completion_timestamp,replication_rule_id,storage_element_pairs,state_l10n,role_l10n,resource_type_l10n,remote_system(id,name),migration_session(id,name),replication_rule(id,name),data_transfer_state,type,last_sync_duration,type_l10n,next_sync_timestamp,failover_test_in_progress,error_code,data_connection_state,parent_replication_session_id,local_resource_state,data_transfer_state_l10n,data_connection_state_l10n,local_resource_state_l10n',
  volumeGroup:
    'id,name,description,creation_timestamp,is_protectable, protection_policy_id,protection_policy(name,id),migration_session_id,is_write_order_consistent,placement_rule,type,is_replication_destination,protection_data,is_importing,location_history,type_l10n,volumes(name,id)',
  host: 'id,name,description,type,os_type,host_group_id,host_connectivity,os_type_l10n,mapped_hosts(id,logical_unit_number,host_group(id,name),volume(id,name)),type_l10n,host_connectivity_l10n,initiators(id,port_name,port_type,chap_single_username,chap_mutual_username,active_sessions),host_initiators,host_virtual_volume_mappings(id,host_id,host_group_id,virtual_volume_id)',
  job: 'id,resource_action,resource_type,resource_id,resource_name,description_l10n,state,start_time,phase,end_time,estimated_completion_time,progress_percentage,parent_id,root_id,user,response_body,response_status,step_order,resource_action_l10n,resource_type_l10n,state_l10n,phase_l10n,response_status_l10n',
  hostGroup: 'name,id,description,hosts(id,name,host_virtual_volume_mappings(id,host_id,host_group_id,virtual_volume_id)),host_connectivity,host_connectivity_l10n,mapped_host_groups(id,volume_id,logical_unit_number)',
} as const;

const GiB = 1024 * 1024 * 1024;

/** Every module starts here (utils.get_powerstore_connection, then get_cluster_list and the version). */
export const ansibleConnect: Exchange[] = [
  { name: 'PowerStoreConn login: login_session (the client reads role_ids, idle_timeout)', on: 'a', method: 'GET', path: at('/login_session', { select: SELECT.loginSession }), status: 200, expect: { '0.user': 'admin', '0.role_ids': ['1'], '0.idle_timeout': '<number>' } },
  { name: 'helpers.is_foot_hill_prime_or_higher: software_installed release_version', on: 'a', method: 'GET', path: at('/software_installed', { select: 'release_version' }), status: 200, expect: { '0.release_version': '4.1.0.0' } },
  { name: 'every module: get_cluster_list → cluster name and id (the "global id" in messages)', on: 'a', method: 'GET', path: at('/cluster', { select: SELECT.cluster }), status: 200, expect: { length: 1, '0.id': '0', '0.name': '${nameA}' } },
];

/**
 * remotesystem: remove the peer (unused), add it back as the module does (exchange, then create
 * with only management_address, description and data_network_latency: no `type`, 4.1 requires
 * nothing), modify with nulls for the options not given. `portB` is site-b's HTTPS port.
 */
export function ansibleRemoteSystem(portB: number): Exchange[] {
  return [
    { name: 'remotesystem get_remote_system_by_mgmt_address (reads id, name, management_address)', on: 'a', method: 'GET', path: at('/remote_system', { select: SELECT.remoteSystem, management_address: 'eq.127.0.0.1' }), status: 200, expect: { length: 1, '0.id': '${rsOnA}', '0.name': '${nameB}', '0.management_address': '127.0.0.1', '0.type': 'PowerStore' } },
    { name: 'remotesystem state absent: delete_remote_system (is_async false)', on: 'a', method: 'DELETE', path: '/remote_system/${rsOnA}', status: 204 },
    { name: 'remotesystem state absent again: lookup finds nothing → changed false', on: 'a', method: 'GET', path: at('/remote_system', { select: SELECT.remoteSystem, management_address: 'eq.127.0.0.1' }), status: 200, expect: { length: 0 } },
    { name: 'remotesystem exchange_certificates (x509_certificate/exchange, Replication_HTTP)', on: 'a', method: 'POST', path: '/x509_certificate/exchange', body: { address: '127.0.0.1', port: portB, username: 'admin', password: ADMIN_PASSWORD, service: 'Replication_HTTP' }, status: 204 },
    { name: 'remotesystem create_remote_system: no type, null description and latency (was 400 missing /type)', on: 'a', method: 'POST', path: '/remote_system', body: { management_address: '127.0.0.1', description: null, data_network_latency: null }, status: 201, expect: { id: '<string>' }, capture: { rs: 'id' } },
    { name: 'create_remote_system then get_remote_system_details: a PowerStore, paired both ways', on: 'a', method: 'GET', path: at('/remote_system/${rs}', { select: SELECT.remoteSystem }), status: 200, expect: { name: '${nameB}', type: 'PowerStore', management_port: portB, data_network_latency: 'Low', description: null } },
    { name: 'site-b has site-a again', on: 'b', method: 'GET', path: at('/remote_system', { select: 'id,name' }), status: 200, expect: { length: 1, '0.name': '${nameA}' }, capture: { rsB: '0.id' } },
    { name: 'remotesystem modify: management_address null (no new_remote_address), description given', on: 'a', method: 'PATCH', path: '/remote_system/${rs}', body: { management_address: null, description: 'DR site managed by ansible', data_network_latency: 'Low' }, status: 204 },
    { name: 'remotesystem modify: latency null leaves it, description changes', on: 'a', method: 'PATCH', path: '/remote_system/${rs}', body: { management_address: null, description: 'lab peer', data_network_latency: null }, status: 204 },
    { name: 'modify_remote_system_required compares description and data_network_latency', on: 'a', method: 'GET', path: at('/remote_system/${rs}', { select: SELECT.remoteSystem }), status: 200, expect: { description: 'lab peer', data_network_latency: 'Low', management_address: '127.0.0.1' } },
    { name: 'negative: exchange with an address where no array answers → 422 peer unreachable', on: 'a', method: 'POST', path: '/x509_certificate/exchange', body: { address: '127.0.0.2', port: 9, username: 'admin', password: 'not-the-password', service: 'Replication_HTTP' }, status: 422, expect: { 'messages.0.code': '0xE0201002004B' } },
  ];
}

/** replication.yml: rule, policy, protected volume, session states through failback, negatives, cleanup on both. */
export const ansibleReplication: Exchange[] = [
  { name: 'replicationrule get by name (none yet)', on: 'a', method: 'GET', path: at('/replication_rule', { select: 'id,name', name: 'eq.ans_rr' }), status: 200, expect: { length: 0 } },
  { name: 'replicationrule create_replication_rule', on: 'a', method: 'POST', path: '/replication_rule', body: { name: 'ans_rr', rpo: 'Five_Minutes', remote_system_id: '${rs}', alert_threshold: 15 }, status: 201, capture: { rule: 'id' } },
  { name: 'replicationrule details (module compares rpo, alert_threshold, remote_system_id)', on: 'a', method: 'GET', path: at('/replication_rule/${rule}', { select: SELECT.replicationRule }), status: 200, expect: { rpo: 'Five_Minutes', alert_threshold: 15, remote_system_id: '${rs}', is_replica: false, policies: [] } },
  { name: 'replicationrule modify rpo and threshold', on: 'a', method: 'PATCH', path: '/replication_rule/${rule}', body: { rpo: 'One_Hour', alert_threshold: 60 }, status: 204 },
  { name: 'replicationrule rename', on: 'a', method: 'PATCH', path: '/replication_rule/${rule}', body: { name: 'ans_rr_renamed' }, status: 204 },
  { name: 'replicationrule rename back, Five_Minutes', on: 'a', method: 'PATCH', path: '/replication_rule/${rule}', body: { name: 'ans_rr', rpo: 'Five_Minutes' }, status: 204 },
  { name: 'protectionpolicy get by name (type Protection)', on: 'a', method: 'GET', path: at('/policy', { type: 'eq.Protection', select: 'id,name', name: 'eq.ans_pp' }), status: 200, expect: { length: 0 } },
  { name: 'protectionpolicy create: snapshot_rule_ids [] with the replication rule', on: 'a', method: 'POST', path: '/policy', body: { name: 'ans_pp', description: 'DR policy', snapshot_rule_ids: [], replication_rule_ids: ['${rule}'] }, status: 201, capture: { policy: 'id' } },
  { name: 'protectionpolicy details (module compares description and rule names)', on: 'a', method: 'GET', path: at('/policy/${policy}', { select: SELECT.policy }), status: 200, expect: { type: 'Protection', 'replication_rules.0.name': 'ans_rr', snapshot_rules: [] } },
  { name: 'protectionpolicy modify description', on: 'a', method: 'PATCH', path: '/policy/${policy}', body: { description: 'DR policy, five minutes' }, status: 204 },
  { name: 'volume get by name (none yet)', on: 'a', method: 'GET', path: at('/volume', { select: SELECT.volume, name: 'eq.ans_dr_vol' }), status: 200, expect: { length: 0 } },
  { name: 'volume create with protection_policy_id', on: 'a', method: 'POST', path: '/volume', body: { name: 'ans_dr_vol', size: GiB, description: 'DR protected volume', protection_policy_id: '${policy}' }, status: 201, capture: { vol: 'id' } },
  { name: 'volume details: the module compares size, description and +protection_policy(name,id)', on: 'a', method: 'GET', path: at('/volume/${vol}', { select: SELECT.volume }), status: 200, expect: { size: GiB, description: 'DR protected volume', protection_policy_id: '${policy}', 'protection_policy.name': 'ans_pp', volume_groups: [] } },
  { name: 'volume: host mappings of the volume (none)', on: 'a', method: 'GET', path: at('/host_volume_mapping', { select: SELECT.mapping, volume_id: 'eq.${vol}' }), status: 200, expect: { length: 0 } },
  { name: 'replicationsession get_replication_session by volume: local_resource_id filter', on: 'a', method: 'GET', path: at('/replication_session', { select: 'id', local_resource_id: 'eq.${vol}' }), status: 200, expect: { length: 1 }, capture: { session: '0.id' } },
  { name: 'replicationsession details: state (lower-cased by the module), role, type', on: 'a', method: 'GET', path: at('/replication_session/${session}', { select: SELECT.session }), status: 200, until: { state: 'OK' }, expect: { role: 'Source', type: 'Asynchronous', resource_type: 'volume', local_resource_id: '${vol}', 'remote_system.id': '${rs}', 'replication_rule.name': 'ans_rr' }, capture: { volB: 'remote_resource_id' } },
  { name: 'destination view by session id on site-b mirrors it', on: 'b', method: 'GET', path: at('/replication_session/${session}', { select: SELECT.session }), status: 200, expect: { role: 'Destination', local_resource_id: '${volB}', remote_resource_id: '${vol}', state: 'OK' } },
  { name: 'session_state paused from OK: pause_replication_session (no body)', on: 'a', method: 'POST', path: '/replication_session/${session}/pause', status: 204 },
  { name: 'second run sees Paused → changed false', on: 'a', method: 'GET', path: at('/replication_session/${session}', { select: SELECT.session }), status: 200, expect: { state: 'Paused' } },
  { name: 'site-b sees it paused too', on: 'b', method: 'GET', path: at('/replication_session/${session}', { select: SELECT.session }), status: 200, expect: { state: 'Paused' } },
  { name: 'session_state synchronizing from paused: resume', on: 'a', method: 'POST', path: '/replication_session/${session}/resume', status: 204 },
  { name: 'then sync (source only)', on: 'a', method: 'POST', path: '/replication_session/${session}/sync', status: 204 },
  { name: 'OK again', on: 'a', method: 'GET', path: at('/replication_session/${session}', { select: SELECT.session }), status: 200, until: { state: 'OK' } },
  { name: 'session_state failed_over on the source: planned failover (no body)', on: 'a', method: 'POST', path: '/replication_session/${session}/failover', status: 204 },
  { name: 'second run on site-a: Destination, Failed_Over → changed false', on: 'a', method: 'GET', path: at('/replication_session/${session}', { select: SELECT.session }), status: 200, expect: { role: 'Destination', state: 'Failed_Over' } },
  { name: 'site-b is the source, Failed_Over', on: 'b', method: 'GET', path: at('/replication_session/${session}', { select: SELECT.session }), status: 200, expect: { role: 'Source', state: 'Failed_Over' } },
  { name: 'session_state synchronizing on site-b from failed_over: reprotect', on: 'b', method: 'POST', path: '/replication_session/${session}/reprotect', status: 204 },
  { name: 'then sync', on: 'b', method: 'POST', path: '/replication_session/${session}/sync', status: 204 },
  { name: 'site-b source, OK', on: 'b', method: 'GET', path: at('/replication_session/${session}', { select: SELECT.session }), status: 200, until: { state: 'OK' }, expect: { role: 'Source', local_resource_id: '${volB}', remote_resource_id: '${vol}' } },
  { name: 'pause from the destination side is accepted', on: 'a', method: 'POST', path: '/replication_session/${session}/pause', status: 204 },
  { name: 'resume on the source', on: 'b', method: 'POST', path: '/replication_session/${session}/resume', status: 204 },
  { name: 'sync on the source', on: 'b', method: 'POST', path: '/replication_session/${session}/sync', status: 204 },
  { name: 'OK on site-b', on: 'b', method: 'GET', path: at('/replication_session/${session}', { select: SELECT.session }), status: 200, until: { state: 'OK' } },
  { name: 'failback: planned failover from site-b', on: 'b', method: 'POST', path: '/replication_session/${session}/failover', status: 204 },
  { name: 'site-a: Source, Failed_Over', on: 'a', method: 'GET', path: at('/replication_session/${session}', { select: SELECT.session }), status: 200, expect: { role: 'Source', state: 'Failed_Over' } },
  { name: 'reprotect on site-a', on: 'a', method: 'POST', path: '/replication_session/${session}/reprotect', status: 204 },
  { name: 'sync on site-a', on: 'a', method: 'POST', path: '/replication_session/${session}/sync', status: 204 },
  { name: 'site-a source, OK, as at the start', on: 'a', method: 'GET', path: at('/replication_session/${session}', { select: SELECT.session }), status: 200, until: { state: 'OK' }, expect: { role: 'Source', local_resource_id: '${vol}', remote_resource_id: '${volB}' } },
  // Negatives: the module reports the array's message and code.
  { name: 'negative: unknown volume name (module: no replication session found)', on: 'a', method: 'GET', path: at('/volume', { select: SELECT.volume, name: 'eq.no_such_volume' }), status: 200, expect: { length: 0 } },
  { name: 'negative: unknown session id → 404 (the module treats 404 as "not found")', on: 'a', method: 'GET', path: at('/replication_session/00000000-0000-0000-0000-000000000000', { select: SELECT.session }), status: 404, expect: { 'messages.0.code': '0xE04040020009' } },
  { name: 'negative: unknown remote system name for a rule', on: 'a', method: 'GET', path: at('/remote_system', { select: SELECT.remoteSystem, name: 'eq.no_such_remote' }), status: 200, expect: { length: 0 } },
  { name: 'negative: delete a policy in use → 422 in use', on: 'a', method: 'DELETE', path: '/policy/${policy}', status: 422, expect: { 'messages.0.code': '0xE04040040002' } },
  { name: 'negative: delete a rule in use → 422 in use', on: 'a', method: 'DELETE', path: '/replication_rule/${rule}', status: 422, expect: { 'messages.0.code': '0xE04040040002' } },
  { name: 'negative: delete the remote system in use → 422 in use', on: 'a', method: 'DELETE', path: '/remote_system/${rs}', status: 422, expect: { 'messages.0.code': '0xE04040040002' } },
  { name: 'negative: delete the protected volume → 422', on: 'a', method: 'DELETE', path: '/volume/${vol}', status: 422, expect: { 'messages.0.code': '0xE04040040002' } },
  // Cleanup on both systems, in the order a playbook runs it.
  { name: 'volume protection_policy "": unassign', on: 'a', method: 'PATCH', path: '/volume/${vol}', body: { protection_policy_id: '' }, status: 204 },
  { name: 'no session left on site-a', on: 'a', method: 'GET', path: at('/replication_session', { select: 'id', local_resource_id: 'eq.${vol}' }), status: 200, expect: { length: 0 } },
  { name: 'no session left on site-b either', on: 'b', method: 'GET', path: at('/replication_session', { select: 'id', local_resource_id: 'eq.${volB}' }), status: 200, expect: { length: 0 } },
  { name: 'volume state absent on site-a', on: 'a', method: 'DELETE', path: '/volume/${vol}', status: 204 },
  { name: 'volume state absent on site-b: the former destination, by name', on: 'b', method: 'GET', path: at('/volume', { select: SELECT.volume, name: 'eq.ans_dr_vol' }), status: 200, expect: { length: 1, '0.id': '${volB}', '0.is_replication_destination': false } },
  { name: 'delete it', on: 'b', method: 'DELETE', path: '/volume/${volB}', status: 204 },
  { name: 'second run: the volume is gone (404 with the volume code)', on: 'b', method: 'GET', path: at('/volume/${volB}', { select: SELECT.volume }), status: 404, expect: { 'messages.0.code': '0xE0A07001000C' } },
  { name: 'protectionpolicy state absent on site-a', on: 'a', method: 'DELETE', path: '/policy/${policy}', status: 204 },
  { name: 'replicationrule state absent on site-a', on: 'a', method: 'DELETE', path: '/replication_rule/${rule}', status: 204 },
  { name: 'info on site-b: the replica policy', on: 'b', method: 'GET', path: at('/policy', { type: 'eq.Protection', select: 'id,name' }), status: 200, expect: { length: 1, '0.name': 'ans_pp' }, capture: { policyB: '0.id' } },
  { name: 'protectionpolicy absent on site-b (replica, unused)', on: 'b', method: 'DELETE', path: '/policy/${policyB}', status: 204 },
  { name: 'info on site-b: the replica rule', on: 'b', method: 'GET', path: at('/replication_rule', { select: 'id,name' }), status: 200, expect: { length: 1, '0.name': 'ans_rr' }, capture: { ruleB: '0.id' } },
  { name: 'replicationrule absent on site-b', on: 'b', method: 'DELETE', path: '/replication_rule/${ruleB}', status: 204 },
  { name: 'nothing of ours left on site-b', on: 'b', method: 'GET', path: at('/volume', { select: 'id,name' }), status: 200, expect: { length: 0 } },
];

/** blocks.yml: snapshot rules, a snapshot policy, volumes, snapshots, clone, restore, refresh, a group, a host. */
export const ansibleBlocks: Exchange[] = [
  { name: 'snapshotrule get by name (none)', on: 'a', method: 'GET', path: at('/snapshot_rule', { select: 'id,name', name: 'eq.ans_sr_hourly' }), status: 200, expect: { length: 0 } },
  { name: 'snapshotrule create with interval', on: 'a', method: 'POST', path: '/snapshot_rule', body: { name: 'ans_sr_hourly', desired_retention: 24, interval: 'One_Hour' }, status: 201, capture: { sr1: 'id' } },
  { name: 'snapshotrule details (module compares interval, days_of_week, time_of_day, desired_retention)', on: 'a', method: 'GET', path: at('/snapshot_rule/${sr1}', { select: SELECT.snapshotRule }), status: 200, expect: { interval: 'One_Hour', time_of_day: null, desired_retention: 24, 'days_of_week.length': 7, policies: [] } },
  { name: 'snapshotrule create with time_of_day and days', on: 'a', method: 'POST', path: '/snapshot_rule', body: { name: 'ans_sr_daily', desired_retention: 72, time_of_day: '02:30', days_of_week: ['Monday', 'Wednesday', 'Friday'] }, status: 201, capture: { sr2: 'id' } },
  { name: 'snapshotrule modify retention and days', on: 'a', method: 'PATCH', path: '/snapshot_rule/${sr2}', body: { desired_retention: 96, days_of_week: ['Monday', 'Friday'] }, status: 204 },
  { name: 'modified rule reads back (second run changed false)', on: 'a', method: 'GET', path: at('/snapshot_rule/${sr2}', { select: SELECT.snapshotRule }), status: 200, expect: { desired_retention: 96, days_of_week: ['Monday', 'Friday'], time_of_day: '02:30', interval: null } },
  { name: 'protectionpolicy create with a snapshot rule (no replication_rule_ids key)', on: 'a', method: 'POST', path: '/policy', body: { name: 'ans_pp_snap', description: 'snapshots only', snapshot_rule_ids: ['${sr1}'] }, status: 201, capture: { pp: 'id' } },
  { name: 'protectionpolicy add_snapshot_rule_ids', on: 'a', method: 'PATCH', path: '/policy/${pp}', body: { add_snapshot_rule_ids: ['${sr2}'] }, status: 204 },
  { name: 'two snapshot rules', on: 'a', method: 'GET', path: at('/policy/${pp}', { select: SELECT.policy }), status: 200, expect: { 'snapshot_rules.length': 2, replication_rules: [] } },
  { name: 'protectionpolicy remove_snapshot_rule_ids', on: 'a', method: 'PATCH', path: '/policy/${pp}', body: { remove_snapshot_rule_ids: ['${sr2}'] }, status: 204 },
  { name: 'one snapshot rule', on: 'a', method: 'GET', path: at('/policy/${pp}', { select: SELECT.policy }), status: 200, expect: { 'snapshot_rules.length': 1, 'snapshot_rules.0.id': '${sr1}' } },
  { name: 'volume create', on: 'a', method: 'POST', path: '/volume', body: { name: 'ans_blk_vol1', size: GiB, description: 'ansible block volume' }, status: 201, capture: { v1: 'id' } },
  { name: 'volume create 2', on: 'a', method: 'POST', path: '/volume', body: { name: 'ans_blk_vol2', size: GiB, description: 'ansible block volume' }, status: 201, capture: { v2: 'id' } },
  { name: 'volume expand (size only grows)', on: 'a', method: 'PATCH', path: '/volume/${v1}', body: { size: 2 * GiB }, status: 204 },
  { name: 'volume modify description and assign the policy', on: 'a', method: 'PATCH', path: '/volume/${v1}', body: { description: 'protected by snapshots', protection_policy_id: '${pp}' }, status: 204 },
  { name: 'volume details after modify (module compares size, description, protection_policy name)', on: 'a', method: 'GET', path: at('/volume/${v1}', { select: SELECT.volume }), status: 200, expect: { size: 2 * GiB, description: 'protected by snapshots', 'protection_policy.name': 'ans_pp_snap', type: 'Primary', state: 'Ready' } },
  { name: 'volume rename', on: 'a', method: 'PATCH', path: '/volume/${v2}', body: { name: 'ans_blk_vol2_renamed' }, status: 204 },
  { name: 'volume rename back', on: 'a', method: 'PATCH', path: '/volume/${v2}', body: { name: 'ans_blk_vol2' }, status: 204 },
  { name: 'snapshot: existing snapshots of the volume by source_id', on: 'a', method: 'GET', path: at('/volume', { select: 'id,name', 'protection_data->>source_id': 'eq.${v1}', type: 'eq.Snapshot' }), status: 200, expect: { length: 0 } },
  { name: 'snapshot create_volume_snapshot (name, description; retention comes as a PATCH)', on: 'a', method: 'POST', path: '/volume/${v1}/snapshot', body: { name: 'ans_v1_snap1', description: 'before change' }, status: 200, capture: { snap: 'id' } },
  { name: 'snapshot expiration_timestamp from desired_retention', on: 'a', method: 'PATCH', path: '/volume/${snap}', body: { expiration_timestamp: '2030-12-08T06:31:00Z' }, status: 204 },
  { name: 'snapshot modify description', on: 'a', method: 'PATCH', path: '/volume/${snap}', body: { description: 'before the change' }, status: 204 },
  { name: 'snapshot rename', on: 'a', method: 'PATCH', path: '/volume/${snap}', body: { name: 'ans_v1_snap1_renamed' }, status: 204 },
  { name: 'snapshot rename back', on: 'a', method: 'PATCH', path: '/volume/${snap}', body: { name: 'ans_v1_snap1' }, status: 204 },
  { name: 'snapshot found by source_id (second run: changed false)', on: 'a', method: 'GET', path: at('/volume', { select: 'id,name', 'protection_data->>source_id': 'eq.${v1}', type: 'eq.Snapshot' }), status: 200, expect: { length: 1, '0.name': 'ans_v1_snap1' } },
  { name: 'snapshot details (module compares description and expiration)', on: 'a', method: 'GET', path: at('/volume/${snap}', { select: SELECT.volume }), status: 200, expect: { type: 'Snapshot', description: 'before the change', 'protection_data.source_id': '${v1}', 'protection_data.expiration_timestamp': '2030-12-08T06:31:00.000+00:00' } },
  { name: 'volume clone_volume', on: 'a', method: 'POST', path: '/volume/${v1}/clone', body: { name: 'ans_blk_clone1', description: 'clone of vol1' }, status: 200, capture: { clone: 'id' } },
  { name: 'clone found by family (second run: changed false)', on: 'a', method: 'GET', path: at('/volume', { select: SELECT.volume, name: 'eq.ans_blk_clone1' }), status: 200, expect: { length: 1, '0.type': 'Clone' } },
  { name: 'volume restore from the snapshot with a backup snapshot', on: 'a', method: 'POST', path: '/volume/${v1}/restore', body: { from_snap_id: '${snap}', create_backup_snap: true, backup_snap_profile: { name: 'ans_v1_restore_backup', description: 'backup before restore' } }, status: 200, expect: { backup_snapshot_id: '<string>' }, capture: { backup: 'backup_snapshot_id' } },
  { name: 'volume refresh of the clone, no backup (backup_snap_profile {})', on: 'a', method: 'POST', path: '/volume/${clone}/refresh', body: { from_object_id: '${v1}', create_backup_snap: false, backup_snap_profile: {} }, status: 204 },
  { name: 'volumegroup create (members follow as add_members)', on: 'a', method: 'POST', path: '/volume_group', body: { name: 'ans_blk_vg', description: 'ansible group', is_write_order_consistent: true }, status: 201, capture: { vg: 'id' } },
  { name: 'volumegroup add_members with force_internal false', on: 'a', method: 'POST', path: '/volume_group/${vg}/add_members', body: { volume_ids: ['${v2}'], force_internal: false }, status: 204 },
  { name: 'volumegroup details (module compares members by name, description, write order, policy)', on: 'a', method: 'GET', path: at('/volume_group/${vg}', { select: SELECT.volumeGroup }), status: 200, expect: { 'volumes.length': 1, 'volumes.0.name': 'ans_blk_vol2', is_write_order_consistent: true, protection_policy_id: null, is_protectable: true } },
  { name: 'volumegroup remove_members', on: 'a', method: 'POST', path: '/volume_group/${vg}/remove_members', body: { volume_ids: ['${v2}'], force_internal: false }, status: 204 },
  { name: 'volumegroup add it back', on: 'a', method: 'POST', path: '/volume_group/${vg}/add_members', body: { volume_ids: ['${v2}'], force_internal: false }, status: 204 },
  { name: 'volumegroup modify description, write order and policy', on: 'a', method: 'PATCH', path: '/volume_group/${vg}', body: { description: 'ansible group, protected', is_write_order_consistent: false, protection_policy_id: '${pp}' }, status: 204 },
  { name: 'snapshot of the group: existing ones by source_id', on: 'a', method: 'GET', path: at('/volume_group', { select: 'id,name', 'protection_data->>source_id': 'eq.${vg}', type: 'eq.Snapshot' }), status: 200, expect: { length: 0 } },
  { name: 'snapshot of the group', on: 'a', method: 'POST', path: '/volume_group/${vg}/snapshot', body: { name: 'ans_vg_snap1', description: 'group snapshot', expiration_timestamp: '2030-01-01T00:00:00Z' }, status: 200, capture: { vgsnap: 'id' } },
  { name: 'group snapshot expiration change', on: 'a', method: 'PATCH', path: '/volume_group/${vgsnap}', body: { expiration_timestamp: '2031-01-01T00:00:00Z' }, status: 204 },
  { name: 'group snapshot found (second run: changed false)', on: 'a', method: 'GET', path: at('/volume_group', { select: 'id,name', 'protection_data->>source_id': 'eq.${vg}', type: 'eq.Snapshot' }), status: 200, expect: { length: 1, '0.name': 'ans_vg_snap1' } },
  { name: 'volumegroup vg_clone', on: 'a', method: 'POST', path: '/volume_group/${vg}/clone', body: { name: 'ans_blk_vg_clone', description: 'clone of the group' }, status: 200, capture: { vgclone: 'id' } },
  { name: 'host get by name (none)', on: 'a', method: 'GET', path: at('/host', { select: SELECT.host, name: 'eq.ans_host1' }), status: 200, expect: { length: 0 } },
  { name: 'host create with an iSCSI initiator', on: 'a', method: 'POST', path: '/host', body: { name: 'ans_host1', description: 'ansible host', os_type: 'Linux', initiators: [{ port_name: 'iqn.1994-05.com.redhat:ans-host1-a', port_type: 'iSCSI' }] }, status: 201, capture: { host: 'id' } },
  { name: 'host details (module compares initiators by port_name, os_type, description)', on: 'a', method: 'GET', path: at('/host/${host}', { select: SELECT.host }), status: 200, expect: { os_type: 'Linux', host_group_id: null, 'initiators.length': 1, 'initiators.0.port_name': 'iqn.1994-05.com.redhat:ans-host1-a', 'initiators.0.port_type': 'iSCSI', mapped_hosts: [] } },
  { name: 'host add_initiators', on: 'a', method: 'PATCH', path: '/host/${host}', body: { add_initiators: [{ port_name: 'iqn.1994-05.com.redhat:ans-host1-b', port_type: 'iSCSI' }] }, status: 204 },
  { name: 'host remove_initiators (port names)', on: 'a', method: 'PATCH', path: '/host/${host}', body: { remove_initiators: ['iqn.1994-05.com.redhat:ans-host1-a'] }, status: 204 },
  { name: 'host rename with description', on: 'a', method: 'PATCH', path: '/host/${host}', body: { name: 'ans_host1_x', description: 'ansible host, renamed' }, status: 204 },
  { name: 'host rename back', on: 'a', method: 'PATCH', path: '/host/${host}', body: { name: 'ans_host1' }, status: 204 },
  { name: 'host create with detailed_initiators: CHAP username and password', on: 'a', method: 'POST', path: '/host', body: { name: 'ans_host_chap', os_type: 'ESXi', host_connectivity: 'Local_Only', initiators: [{ port_name: 'iqn.1998-01.com.vmware:ans-chap-1', port_type: 'iSCSI', chap_single_username: 'chapuserSingle', chap_single_password: 'chappasswd12345', chap_mutual_username: null, chap_mutual_password: null }] }, status: 201, capture: { chapHost: 'id' } },
  { name: 'CHAP username reported, password never', on: 'a', method: 'GET', path: at('/host/${chapHost}', { select: SELECT.host }), status: 200, expect: { 'initiators.0.chap_single_username': 'chapuserSingle', 'initiators.0.chap_mutual_username': null, 'host_initiators.0.chap_single_username': 'chapuserSingle', 'initiators.0.chap_single_password': '<absent>' } },
  { name: 'host again with detailed iSCSI initiators: modify_initiators (was 400 not supported)', on: 'a', method: 'PATCH', path: '/host/${chapHost}', body: { modify_initiators: [{ port_name: 'iqn.1998-01.com.vmware:ans-chap-1', chap_single_username: 'chapuserSingle', chap_single_password: 'chappasswd12345', chap_mutual_username: 'chapuserMutual', chap_mutual_password: 'chappasswd54321' }] }, status: 204 },
  { name: 'mutual username now reported', on: 'a', method: 'GET', path: at('/host/${chapHost}', { select: SELECT.host }), status: 200, expect: { 'initiators.0.chap_mutual_username': 'chapuserMutual' } },
  { name: 'host_connectivity change', on: 'a', method: 'PATCH', path: '/host/${chapHost}', body: { host_connectivity: 'Metro_Optimize_Local' }, status: 204 },
  { name: 'CHAP host absent', on: 'a', method: 'DELETE', path: '/host/${chapHost}', status: 204 },
  { name: 'remotesystem lookup by address', on: 'a', method: 'GET', path: at('/remote_system', { select: SELECT.remoteSystem, management_address: 'eq.127.0.0.1' }), status: 200, expect: { length: 1 }, capture: { rsNow: '0.id' } },
  { name: 'remotesystem modify without wait_for_completion: is_async=true → 202 and a job id', on: 'a', method: 'PATCH', path: '/remote_system/${rsNow}?is_async=true', body: { management_address: null, description: 'async change', data_network_latency: null }, status: 202, expect: { id: '<string>' }, capture: { job: 'id' } },
  { name: 'job module get_job_details (reads state, resource_type, resource_action)', on: 'a', method: 'GET', path: at('/job/${job}', { select: SELECT.job }), status: 200, until: { state: 'COMPLETED' }, expect: { resource_type: 'remote_system', resource_action: 'modify', resource_id: '${rsNow}', progress_percentage: 100, response_status: '204' } },
  { name: 'volume mapping_state mapped: attach with logical_unit_number', on: 'a', method: 'POST', path: '/volume/${v1}/attach', body: { host_id: '${host}', logical_unit_number: 1 }, status: 204 },
  { name: 'mapping read back through the volume (second run: changed false)', on: 'a', method: 'GET', path: at('/host_volume_mapping', { select: SELECT.mapping, volume_id: 'eq.${v1}' }), status: 200, expect: { length: 1, '0.host_id': '${host}', '0.host_group_id': null, '0.logical_unit_number': 1 } },
  { name: 'host details list the mapping', on: 'a', method: 'GET', path: at('/host/${host}', { select: SELECT.host }), status: 200, expect: { 'initiators.length': 1, 'initiators.0.port_name': 'iqn.1994-05.com.redhat:ans-host1-b', 'mapped_hosts.0.volume.id': '${v1}', 'mapped_hosts.0.logical_unit_number': 1 } },
  { name: 'hostgroup get by name: none (a PowerStore without host groups lists none)', on: 'a', method: 'GET', path: at('/host_group', { select: SELECT.hostGroup, name: 'eq.ans_hg' }), status: 200, expect: { length: 0 } },
  { name: 'hostgroup create fails cleanly: 405 in the error shape', on: 'a', method: 'POST', path: '/host_group', body: { name: 'ans_hg', host_ids: ['${host}'] }, status: 405, expect: { 'messages.0.code': '0xE04040010006', 'messages.0.severity': 'Error', 'messages.0.message_l10n': '<nonempty>' } },
  { name: 'negative: delete a host with a mapped volume → 422 in use', on: 'a', method: 'DELETE', path: '/host/${host}', status: 422, expect: { 'messages.0.code': '0xE04040040002' } },
  { name: 'negative: delete a snapshot rule in a policy (delete_snaps false) → 422 in use', on: 'a', method: 'DELETE', path: '/snapshot_rule/${sr1}', body: { delete_snaps: false }, status: 422, expect: { 'messages.0.code': '0xE04040040002' } },
  { name: 'negative: a volume of 1000 TB → 400 with the vendor validation code', on: 'a', method: 'POST', path: '/volume', body: { name: 'ans_blk_huge', size: 1000 * 1024 * GiB }, status: 400, expect: { 'messages.0.code': '0xE04040030001' } },
  { name: 'negative: snapshotrule desired_retention over a year (local rules keep at most 8760 hours) → 400', on: 'a', method: 'POST', path: '/snapshot_rule', body: { name: 'ans_sr_long', desired_retention: 100000, interval: 'One_Hour' }, status: 400, expect: { 'messages.0.code': '0xE04040030001' } },
  { name: 'volume mapping_state unmapped: detach', on: 'a', method: 'POST', path: '/volume/${v1}/detach', body: { host_id: '${host}' }, status: 204 },
  { name: 'host state absent', on: 'a', method: 'DELETE', path: '/host/${host}', status: 204 },
  { name: 'group snapshot state absent', on: 'a', method: 'DELETE', path: '/volume_group/${vgsnap}', status: 204 },
  { name: 'volumegroup protection_policy "": unassign', on: 'a', method: 'PATCH', path: '/volume_group/${vg}', body: { protection_policy_id: '' }, status: 204 },
  { name: 'volumegroup state absent', on: 'a', method: 'DELETE', path: '/volume_group/${vg}', status: 204 },
  { name: 'cloned group state absent', on: 'a', method: 'DELETE', path: '/volume_group/${vgclone}', status: 204 },
  { name: 'snapshot state absent', on: 'a', method: 'DELETE', path: '/volume/${snap}', status: 204 },
  { name: 'restore backup snapshot absent', on: 'a', method: 'DELETE', path: '/volume/${backup}', status: 204 },
  { name: 'volume protection_policy "": unassign', on: 'a', method: 'PATCH', path: '/volume/${v1}', body: { protection_policy_id: '' }, status: 204 },
  { name: 'clone absent', on: 'a', method: 'DELETE', path: '/volume/${clone}', status: 204 },
  { name: 'volume absent', on: 'a', method: 'DELETE', path: '/volume/${v1}', status: 204 },
  { name: 'volume 2 absent', on: 'a', method: 'DELETE', path: '/volume/${v2}', status: 204 },
  { name: 'policy absent', on: 'a', method: 'DELETE', path: '/policy/${pp}', status: 204 },
  { name: 'snapshot rule absent with delete_snaps', on: 'a', method: 'DELETE', path: '/snapshot_rule/${sr1}', body: { delete_snaps: true }, status: 204 },
  { name: 'snapshot rule 2 absent', on: 'a', method: 'DELETE', path: '/snapshot_rule/${sr2}', body: { delete_snaps: true }, status: 204 },
];

/**
 * The info module's subsets (one list call each). Out-of-scope resources list empty, whatever
 * their select; the appliance's own configuration has its rows; the module only reads the list.
 */
export const ansibleInfo: Exchange[] = [
  ['host_group', 'id,name', 0],
  ['nas_server', 'id,name', 0],
  ['nfs_export', 'id,name', 0],
  ['smb_share', 'id,name,path,description,umask,is_continuous_availability_enabled,is_encryption_enabled,is_ABE_enabled,is_branch_cache_enabled,offline_availability,file_system(id,name,filesystem_type,nas_server(id,name))', 0],
  ['file_tree_quota', 'id,path', 0],
  ['file_user_quota', null, 0],
  ['file_system', 'id,name', 0],
  ['file_ftp', null, 0],
  ['file_ldap', null, 0],
  ['email_notify_destination', 'id,email_address', 0],
  ['snmp_server', 'id, ip_address, port, version, trap_community,alert_severity, user_name, auth_protocol, privacy_protocol', 0],
  ['remote_support_contact', 'id', 0],
  ['ldap_account', 'id,role_id,domain_id,name,type,type_l10n,dn', 0],
  ['ldap_domain', 'id,domain_name,ldap_servers,port,ldap_server_type,protocol,bind_user,ldap_timeout,is_global_catalog,user_id_attribute,user_object_class,user_search_path,group_name_attribute,group_member_attribute,group_object_class,group_search_path,group_search_level,ldap_server_type_l10n,protocol_l10n', 0],
  ['vcenter', 'id', 0],
  ['virtual_volume', 'id,name,size,type,usage_type,appliance_id,storage_container_id,io_priority,profile_id,replication_group_id,creator_type,is_readonly,migration_session_id,virtual_machine_uuid,family_id,parent_id,source_id,source_timestamp,creation_timestamp,naa_name,is_replication_destination,location_history,protection_policy_id,nsid,nguid,type_l10n,usage_type_l10n,io_priority_l10n,creator_type_l10n,host_virtual_volume_mappings(id,host_id,host_group_id,virtual_volume_id)', 0],
  ['storage_container', 'id,name,quota,storage_protocol,storage_protocol_l10n,virtual_volumes(id,name),replication_groups(id,name),datastores(id,name),destinations(id,remote_system_id,remote_storage_container_id)', 0],
  ['replication_group', 'id,name,storage_container_id,description,creator_type,creation_timestamp,is_replication_destination,creator_type_l10n,virtual_volumes,storage_container,parent,source,child_replication_groups,target_replication_groups,virtual_machines', 0],
  ['discovered_appliance', 'id,link_local_address,service_name,service_tag,state,mode,model,express_service_code,is_local,management_service_ready,software_version_compatibility,build_version,build_id,power_score,node_count,is_unified_capable,drive_failure_tolerance_level_and_availability(level,availability)', 0],
  ['file_interface', 'id, nas_server_id, ip_address, prefix_length,gateway, vlan_id, name, role, is_disabled,is_destination_override_enabled, ip_port_id,source_parameters, is_dr_test, nas_server(id,name)', 0],
  ['smb_server', 'id, nas_server_id, computer_name, domain,netbios_name, workgroup, description, is_standalone,is_joined, nas_server(id,name)', 0],
  ['nfs_server', 'id, nas_server_id, host_name, is_nfsv3_enabled,is_nfsv4_enabled, is_secure_enabled, is_use_smb_config_enabled,service_principal_name, is_joined, is_extended_credentials_enabled,credentials_cache_TTL, nas_server(id,name)', 0],
  ['file_dns', 'id, nas_server_id, domain, ip_addresses, transport, nas_server(id,name), is_destination_override_enabled', 0],
  ['file_nis', 'id, nas_server_id, domain, ip_addresses,is_destination_override_enabled, nas_server(id,name)', 0],
  ['node', 'id,name', 2],
  ['network', 'id,name', 1],
  ['local_user', 'id,name', 1],
  ['security_config', 'id', 1],
  ['x509_certificate', 'id', 1],
  ['dns', 'id', 1],
  ['ntp', 'id', 1],
  ['smtp_config', 'id', 1],
  ['remote_support', 'id', 1],
  ['service_config', 'id,appliance_id,is_ssh_enabled', 1],
  ['role', 'id,name', 5],
].map(([resource, select, rows]) => ({
  name: `info gather_subset lists ${resource as string}${rows === 0 ? ' (none here: an empty list)' : ''}`,
  on: 'a' as const,
  method: 'GET',
  path: select === null ? `/${resource as string}` : at(`/${resource as string}`, { select: select as string }),
  status: 200,
  expect: { length: rows },
}));

const MiB = 1024 * 1024;

/**
 * replication-groups.yml: a write-order-consistent group created with the policy and then given
 * members (the volumegroup module creates first, adds members after), a member joining while
 * protected, unplanned failover at the destination ({"is_planned": false}), reprotect, failback,
 * a member leaving, cleanup on both systems.
 */
export const ansibleGroupReplication: Exchange[] = [
  { name: 'remote system by name (replicationrule remote_system: site-b)', on: 'a', method: 'GET', path: at('/remote_system', { select: SELECT.remoteSystem, name: 'eq.${nameB}' }), status: 200, expect: { length: 1 }, capture: { rsNow: '0.id' } },
  { name: 'replicationrule create without alert_threshold', on: 'a', method: 'POST', path: '/replication_rule', body: { name: 'ans_rr_grp', rpo: 'One_Hour', remote_system_id: '${rsNow}' }, status: 201, capture: { rule: 'id' } },
  { name: 'snapshotrule create (Four_Hours)', on: 'a', method: 'POST', path: '/snapshot_rule', body: { name: 'ans_sr_grp', desired_retention: 48, interval: 'Four_Hours' }, status: 201, capture: { sr: 'id' } },
  { name: 'protectionpolicy with both kinds of rule', on: 'a', method: 'POST', path: '/policy', body: { name: 'ans_pp_grp', snapshot_rule_ids: ['${sr}'], replication_rule_ids: ['${rule}'] }, status: 201, capture: { policy: 'id' } },
  { name: 'volume create with performance_policy medium and app type', on: 'a', method: 'POST', path: '/volume', body: { name: 'ans_dr_m1', size: 256 * MiB, performance_policy_id: 'default_medium', app_type: 'Relational_Databases_Other', app_type_other: 'MaxDB' }, status: 201, capture: { m1: 'id' } },
  { name: 'the module compares performance_policy_id and app_type on the second run', on: 'a', method: 'GET', path: at('/volume/${m1}', { select: SELECT.volume }), status: 200, expect: { performance_policy_id: 'default_medium', app_type: 'Relational_Databases_Other', app_type_other: 'MaxDB' } },
  { name: 'member 2', on: 'a', method: 'POST', path: '/volume', body: { name: 'ans_dr_m2', size: 256 * MiB, performance_policy_id: 'default_medium', app_type: 'Relational_Databases_Other', app_type_other: 'MaxDB' }, status: 201, capture: { m2: 'id' } },
  { name: 'member 3', on: 'a', method: 'POST', path: '/volume', body: { name: 'ans_dr_m3', size: 256 * MiB, performance_policy_id: 'default_medium', app_type: 'Relational_Databases_Other', app_type_other: 'MaxDB' }, status: 201, capture: { m3: 'id' } },
  { name: 'volumegroup create with the policy and no members yet', on: 'a', method: 'POST', path: '/volume_group', body: { name: 'ans_dr_vg', is_write_order_consistent: true, protection_policy_id: '${policy}' }, status: 201, capture: { vg: 'id' } },
  { name: 'then add_members to the replicated group', on: 'a', method: 'POST', path: '/volume_group/${vg}/add_members', body: { volume_ids: ['${m1}', '${m2}'], force_internal: false }, status: 204 },
  { name: 'replicationsession by volume group: local_resource_id', on: 'a', method: 'GET', path: at('/replication_session', { select: 'id', local_resource_id: 'eq.${vg}' }), status: 200, expect: { length: 1 }, capture: { session: '0.id' } },
  { name: 'group session OK with both members paired', on: 'a', method: 'GET', path: at('/replication_session/${session}', { select: SELECT.session }), status: 200, until: { state: 'OK' }, expect: { resource_type: 'volume_group', 'storage_element_pairs.length': 2 }, capture: { vgB: 'remote_resource_id' } },
  { name: 'a third member while protected', on: 'a', method: 'POST', path: '/volume_group/${vg}/add_members', body: { volume_ids: ['${m3}'], force_internal: false }, status: 204 },
  { name: 'paired at once', on: 'a', method: 'GET', path: at('/replication_session/${session}', { select: SELECT.session }), status: 200, expect: { 'storage_element_pairs.length': 3 } },
  { name: 'pause', on: 'a', method: 'POST', path: '/replication_session/${session}/pause', status: 204 },
  { name: 'resume', on: 'a', method: 'POST', path: '/replication_session/${session}/resume', status: 204 },
  { name: 'sync', on: 'a', method: 'POST', path: '/replication_session/${session}/sync', status: 204 },
  { name: 'OK', on: 'a', method: 'GET', path: at('/replication_session/${session}', { select: SELECT.session }), status: 200, until: { state: 'OK' } },
  { name: 'session_state failed_over at the destination: unplanned failover', on: 'b', method: 'POST', path: '/replication_session/${session}/failover', body: { is_planned: false }, status: 204 },
  { name: 'site-b is the source, Failed_Over (second run: changed false)', on: 'b', method: 'GET', path: at('/replication_session/${session}', { select: SELECT.session }), status: 200, expect: { role: 'Source', state: 'Failed_Over' } },
  { name: 'the group on site-b is writable', on: 'b', method: 'GET', path: at('/volume_group/${vgB}', { select: SELECT.volumeGroup }), status: 200, expect: { is_replication_destination: false, 'volumes.length': 3 } },
  { name: 'reprotect from site-b', on: 'b', method: 'POST', path: '/replication_session/${session}/reprotect', status: 204 },
  { name: 'sync from site-b', on: 'b', method: 'POST', path: '/replication_session/${session}/sync', status: 204 },
  { name: 'OK on site-b', on: 'b', method: 'GET', path: at('/replication_session/${session}', { select: SELECT.session }), status: 200, until: { state: 'OK' }, expect: { role: 'Source' } },
  { name: 'failback: planned failover from site-b (no body)', on: 'b', method: 'POST', path: '/replication_session/${session}/failover', status: 204 },
  { name: 'reprotect on site-a', on: 'a', method: 'POST', path: '/replication_session/${session}/reprotect', status: 204 },
  { name: 'sync on site-a', on: 'a', method: 'POST', path: '/replication_session/${session}/sync', status: 204 },
  { name: 'back to normal with three pairs', on: 'a', method: 'GET', path: at('/replication_session/${session}', { select: SELECT.session }), status: 200, until: { state: 'OK' }, expect: { role: 'Source', 'storage_element_pairs.length': 3 } },
  { name: 'volume by name on site-b (the removed member later)', on: 'b', method: 'GET', path: at('/volume', { select: SELECT.volume, name: 'eq.ans_dr_m3' }), status: 200, expect: { length: 1 }, capture: { m3B: '0.id' } },
  { name: 'remove a member while protected', on: 'a', method: 'POST', path: '/volume_group/${vg}/remove_members', body: { volume_ids: ['${m3}'], force_internal: false }, status: 204 },
  { name: 'removed member deletable on site-a', on: 'a', method: 'DELETE', path: '/volume/${m3}', status: 204 },
  { name: 'and on site-b', on: 'b', method: 'DELETE', path: '/volume/${m3B}', status: 204 },
  { name: 'unassign the group policy', on: 'a', method: 'PATCH', path: '/volume_group/${vg}', body: { protection_policy_id: '' }, status: 204 },
  { name: 'group absent on site-a', on: 'a', method: 'DELETE', path: '/volume_group/${vg}', status: 204 },
  { name: 'group absent on site-b', on: 'b', method: 'DELETE', path: '/volume_group/${vgB}', status: 204 },
  { name: 'members on site-b by name', on: 'b', method: 'GET', path: at('/volume', { select: 'id,name' }), status: 200, expect: { length: 2 }, capture: { b1: '0.id', b2: '1.id' } },
  { name: 'member absent on site-b', on: 'b', method: 'DELETE', path: '/volume/${b1}', status: 204 },
  { name: 'member absent on site-b (2)', on: 'b', method: 'DELETE', path: '/volume/${b2}', status: 204 },
  { name: 'member absent on site-a', on: 'a', method: 'DELETE', path: '/volume/${m1}', status: 204 },
  { name: 'member absent on site-a (2)', on: 'a', method: 'DELETE', path: '/volume/${m2}', status: 204 },
  { name: 'protectionpolicy replicationrule "": remove_replication_rule_ids', on: 'a', method: 'PATCH', path: '/policy/${policy}', body: { remove_replication_rule_ids: ['${rule}'] }, status: 204 },
  { name: 'policy absent', on: 'a', method: 'DELETE', path: '/policy/${policy}', status: 204 },
  { name: 'replica policy on site-b', on: 'b', method: 'GET', path: at('/policy', { type: 'eq.Protection', select: 'id,name', name: 'eq.ans_pp_grp' }), status: 200, expect: { length: 1 }, capture: { policyB: '0.id' } },
  { name: 'replica policy absent', on: 'b', method: 'DELETE', path: '/policy/${policyB}', status: 204 },
  { name: 'rule absent', on: 'a', method: 'DELETE', path: '/replication_rule/${rule}', status: 204 },
  { name: 'replica rule on site-b', on: 'b', method: 'GET', path: at('/replication_rule', { select: 'id,name', name: 'eq.ans_rr_grp' }), status: 200, expect: { length: 1 }, capture: { ruleB: '0.id' } },
  { name: 'replica rule absent', on: 'b', method: 'DELETE', path: '/replication_rule/${ruleB}', status: 204 },
  { name: 'snapshot rule absent (module default delete_snaps false)', on: 'a', method: 'DELETE', path: '/snapshot_rule/${sr}', body: { delete_snaps: false }, status: 204 },
];
