// The `select` lists Dell's clients send, as recorded from their sources (PyPowerStore 3.4.2
// PyPowerStore/utils/constants.py and protection.py; the Ansible collection 3.8.1 reaches the array
// only through PyPowerStore; gopowerstore v1.20.1 Fields() methods and explicit Select calls). Tandem
// refuses a select naming an unknown attribute with 400, as the array does, so every one of these
// must answer 200: a client whose select named something Tandem lacked would fail outright.
// Selects on resources Tandem does not have (file, vVol, host group, network, ports) are left out:
// those routes are 404 whatever the select. PyPowerStore's SELECT_ALL_VG (member_type) is never used
// by the library, so it is not replayed.
import type { Exchange } from './replay.ts';

/** Objects of every kind the selects read: a protected volume (so a session exists), a group, a mapped host, rules, a job. */
export const setup: Exchange[] = [
  { name: 'setup volume', on: 'a', method: 'POST', path: '/volume', body: { name: 'sel-vol', size: 1048576 }, status: 201, capture: { vol: 'id' } },
  { name: 'setup group', on: 'a', method: 'POST', path: '/volume_group', body: { name: 'sel-vg' }, status: 201, capture: { vg: 'id' } },
  { name: 'setup host', on: 'a', method: 'POST', path: '/host', body: { name: 'sel-host', os_type: 'Linux', initiators: [{ port_name: 'iqn.1998-01.com.example:sel', port_type: 'iSCSI' }] }, status: 201, capture: { host: 'id' } },
  { name: 'setup attach', on: 'a', method: 'POST', path: '/volume/${vol}/attach', body: { host_id: '${host}' }, status: 204 },
  { name: 'setup snapshot rule', on: 'a', method: 'POST', path: '/snapshot_rule', body: { name: 'sel-sr', interval: 'One_Day', desired_retention: 24 }, status: 201, capture: { sr: 'id' } },
  { name: 'setup replication rule', on: 'a', method: 'POST', path: '/replication_rule', body: { name: 'sel-rr', rpo: 'Five_Minutes', remote_system_id: '${rsOnA}' }, status: 201, capture: { rr: 'id' } },
  { name: 'setup policy', on: 'a', method: 'POST', path: '/policy', body: { name: 'sel-pp', replication_rule_ids: ['${rr}'], snapshot_rule_ids: ['${sr}'] }, status: 201, capture: { pp: 'id' } },
  { name: 'setup protected volume', on: 'a', method: 'POST', path: '/volume', body: { name: 'sel-prot', size: 1048576, protection_policy_id: '${pp}' }, status: 201, capture: { prot: 'id' } },
  { name: 'setup session id', on: 'a', method: 'GET', path: '/replication_session?select=id&local_resource_id=eq.${prot}', status: 200, until: { length: 1 }, capture: { session: '0.id' } },
  { name: 'setup job', on: 'a', method: 'POST', path: '/volume?is_async=true', body: { name: 'sel-async', size: 1048576 }, status: 202, capture: { job: 'id' } },
  { name: 'setup mapping id', on: 'a', method: 'GET', path: '/host_volume_mapping?select=id&volume_id=eq.${vol}', status: 200, capture: { mapping: '0.id' } },
];

interface SelectFact {
  client: string;
  /** Collection path and the id variable of one instance (instance GET replayed too). */
  resource: string;
  id?: string;
  select: string;
}

const PYPOWERSTORE_VOLUME = [
  'id,name,description,type,wwn,appliance_id,state,size,creation_timestamp,protection_policy_id,performance_policy_id,protection_policy(name,id),performance_policy(name,id),is_replication_destination,migration_session_id,protection_data,location_history,type_l10n,state_l10n,host_group(name,id),host(name,id),volume_groups(name,id),mapped_volumes(id,logical_unit_number)',
  'id,name,description,type,wwn,appliance_id,state,size,creation_timestamp,protection_policy_id,performance_policy_id,protection_policy(name,id),performance_policy(name,id),is_replication_destination,migration_session_id,protection_data,location_history,type_l10n,state_l10n,host_group(name,id),host(name,id),volume_groups(name,id),mapped_volumes(id,logical_unit_number),nsid,nguid,node_affinity,node_affinity_l10n',
  'id,name,description,type,wwn,appliance_id,state,size,creation_timestamp,protection_policy_id,performance_policy_id,protection_policy(name,id),performance_policy(name,id),is_replication_destination,logical_used,protection_data,location_history,type_l10n,state_l10n,host_group(name,id),volume_groups(name,id),mapped_volumes(id,logical_unit_number),nsid,nguid,node_affinity,node_affinity_l10n,metro_replication_session_id,is_host_access_available,app_type,app_type_other,app_type_l10n,migration_session_id',
  'id,name,description,type,wwn,nsid,nguid,appliance_id,state,size,logical_used,node_affinity,creation_timestamp,protection_policy_id,performance_policy_id,qos_performance_policy_id,is_replication_destination,migration_session_id,metro_replication_session_id,is_host_access_available,protection_data,location_history,app_type,app_type_other,type_l10n,state_l10n,node_affinity_l10n,app_type_l10n,volume_groups(name,id), protection_policy(name,id)',
];
const PYPOWERSTORE_HOST = [
  'id,name,description,os_type,host_group_id,host_initiators,os_type_l10n,mapped_hosts(id,logical_unit_number,host_group(id,name),volume(id,name)),host_virtual_volume_mappings(id,host_id,host_group_id,virtual_volume_id)',
  'id,name,description,os_type,host_group_id,host_initiators,os_type_l10n,mapped_hosts(id,logical_unit_number,host_group(id,name),volume(id,name)),type,type_l10n,host_virtual_volume_mappings(id,host_id,host_group_id,virtual_volume_id)',
  'id,name,description,type,os_type,host_group_id,host_connectivity,os_type_l10n,mapped_hosts(id,logical_unit_number,host_group(id,name),volume(id,name)),type_l10n,host_connectivity_l10n,initiators(id,port_name,port_type,chap_single_username,chap_mutual_username,active_sessions),host_initiators,host_virtual_volume_mappings(id,host_id,host_group_id,virtual_volume_id)',
];

const facts: SelectFact[] = [
  ...PYPOWERSTORE_VOLUME.map((select) => ({ client: 'PyPowerStore get_volume_details', resource: 'volume', id: 'vol', select })),
  { client: 'PyPowerStore get_volumes / get_volume_snapshots', resource: 'volume', select: 'id,name' },
  ...PYPOWERSTORE_HOST.map((select) => ({ client: 'PyPowerStore get_host_details', resource: 'host', id: 'host', select })),
  { client: 'PyPowerStore get_volume_group_details', resource: 'volume_group', id: 'vg', select: 'id,name,description,creation_timestamp,is_protectable, protection_policy_id,protection_policy(name,id),migration_session_id,is_write_order_consistent,placement_rule,type,is_replication_destination,protection_data,is_importing,location_history,type_l10n,volumes(name,id)' },
  { client: 'PyPowerStore get_host_volume_mapping', resource: 'host_volume_mapping', id: 'mapping', select: 'id, host_id, host_group_id,logical_unit_number' },
  { client: 'PyPowerStore get_job_details (< 2.0)', resource: 'job', id: 'job', select: 'id,resource_action,resource_type,resource_id,resource_name,description_l10n,state,start_time,phase,end_time,estimated_completion_time,progress_percentage,parent_id,root_id,user,response_body,step_order,resource_action_l10n,resource_type_l10n,state_l10n,phase_l10n' },
  { client: 'PyPowerStore get_job_details', resource: 'job', id: 'job', select: 'id,resource_action,resource_type,resource_id,resource_name,description_l10n,state,start_time,phase,end_time,estimated_completion_time,progress_percentage,parent_id,root_id,user,response_body,response_status,step_order,resource_action_l10n,resource_type_l10n,state_l10n,phase_l10n,response_status_l10n' },
  { client: 'PyPowerStore get_cluster_details', resource: 'cluster', select: 'id,global_id,name,management_address,storage_discovery_address,master_appliance_id,appliance_count,physical_mtu,is_encryption_enabled,compatibility_level,state,state_l10n' },
  { client: 'PyPowerStore get_role_details', resource: 'role', select: 'id,name,is_built_in,description' },
  { client: 'PyPowerStore get_appliance_details', resource: 'appliance', select: 'id,name,service_tag,express_service_code,model,nodes,veth_ports(id,name),maintenance_windows,fc_ports(id,name),sas_ports(id,name),eth_ports(id,name),software_installed(id,release_version),virtual_volumes(id,name),hardware(id,name),volumes(id,name),ip_pool_addresses(id,name)' },
  { client: 'PyPowerStore get_appliance_details (>= 3.0)', resource: 'appliance', select: 'id,name,service_tag,express_service_code,model,nodes,veth_ports(id,name),maintenance_windows,fc_ports(id,name),sas_ports(id,name),eth_ports(id,name),eth_be_ports(id,name),software_installed(id,release_version),virtual_volumes(id,name),hardware(id,name),volumes(id,name),ip_pool_addresses(id,name),node_count,drive_failure_tolerance_level,drive_failure_tolerance_level_l10n' },
  { client: 'PyPowerStore get_appliance_list', resource: 'appliance', select: 'id,name,model' },
  { client: 'PyPowerStore get_remote_system_details (< 3.0)', resource: 'remote_system', id: 'rsOnA', select: 'id,name,description,serial_number,management_address,type,user_name,state,data_connection_state,iscsi_addresses,discovery_chap_mode,session_chap_mode,data_network_latency,data_connections,type_l10n,state_l10n,data_connection_state_l10n,discovery_chap_mode_l10n,session_chap_mode_l10n,data_network_latency_l10n,import_sessions,replication_sessions' },
  { client: 'PyPowerStore get_remote_system_details', resource: 'remote_system', id: 'rsOnA', select: 'id,name,description,serial_number,version,management_address,management_port,type,user_name,state,data_connection_type,data_connection_state,iscsi_addresses,fc_target_wwns,discovery_chap_mode,session_chap_mode,data_network_latency,data_connections,capabilities,file_connection_address,file_connection_state,vnx_file_username,import_sessions,appliance_details,type_l10n,replication_sessions,state_l10n,data_connection_type_l10n,file_connection_state_l10n,data_connection_state_l10n,discovery_chap_mode_l10n,session_chap_mode_l10n,data_network_latency_l10n,capabilities_l10n,storage_container_destinations(id,storage_container_id,remote_system_id,remote_storage_container_id,storage_container(id,name))' },
  { client: 'PyPowerStore get_software_version', resource: 'software_installed', select: 'release_version' },
  { client: 'PyPowerStore login_session', resource: 'login_session', select: 'id,user,role_ids,is_password_change_required,is_built_in_user,idle_timeout' },
  { client: 'PyPowerStore get_snapshot_rule_details', resource: 'snapshot_rule', id: 'sr', select: 'id,name,interval,days_of_week,time_of_day,desired_retention,policies(id,name)' },
  { client: 'PyPowerStore get_replication_rule_details', resource: 'replication_rule', id: 'rr', select: 'id,name,rpo,remote_system_id,is_replica,alert_threshold,policies(id,name)' },
  { client: 'PyPowerStore get_protection_policy_details', resource: 'policy', id: 'pp', select: 'id,name,description,type,replication_rules(id,name),snapshot_rules(id,name)' },
  { client: 'PyPowerStore get_replication_session_details (< 3.0)', resource: 'replication_session', id: 'session', select: 'id,state,role,resource_type,last_sync_timestamp,local_resource_id,remote_resource_id,remote_system_id,progress_percentage,estimated_completion_timestamp,replication_rule_id,storage_element_pairs,state_l10n,role_l10n,resource_type_l10n,remote_system(id,name),migration_session(id,name),replication_rule(id,name)' },
  { client: 'PyPowerStore get_replication_session_details', resource: 'replication_session', id: 'session', select: 'id,state,role,resource_type,last_sync_timestamp,local_resource_id,remote_resource_id,remote_system_id,progress_percentage,estimated_completion_timestamp,replication_rule_id,storage_element_pairs,state_l10n,role_l10n,resource_type_l10n,remote_system(id,name),migration_session(id,name),replication_rule(id,name),data_transfer_state,type,last_sync_duration,type_l10n,next_sync_timestamp,failover_test_in_progress,error_code,data_connection_state,parent_replication_session_id,local_resource_state,data_transfer_state_l10n,data_connection_state_l10n,local_resource_state_l10n' },
  // gopowerstore: Fields() of each type, joined by QueryParamsWithFields, plus explicit Select calls.
  { client: 'gopowerstore GetVolume (Volume.Fields)', resource: 'volume', id: 'vol', select: '*' },
  { client: 'gopowerstore GetVolumeGroupsByVolumeID', resource: 'volume', id: 'vol', select: 'volume_groups(id,name,protection_policy_id)' },
  { client: 'gopowerstore GetHost (Host.Fields)', resource: 'host', id: 'host', select: '*' },
  { client: 'gopowerstore GetHostVolumeMappingByVolumeID', resource: 'host_volume_mapping', select: 'volume(appliance_id),host_group_id,host_id,id,logical_unit_number,volume_id' },
  { client: 'gopowerstore GetVolumeGroup', resource: 'volume_group', id: 'vg', select: '*,volumes(*),protection_policy(*),protection_data,location_history,migration_session(*),volume.volume_group_membership(id,name,protection_policy_id,state,protection_data)' },
  { client: 'gopowerstore GetProtectionPolicy', resource: 'policy', id: 'pp', select: '*,replication_rules(*),snapshot_rules(*),virtual_machines(*),file_systems(*),performance_rules(*),volumes(*),volume_groups(*)' },
  { client: 'gopowerstore GetReplicationRuleByName', resource: 'replication_rule', select: 'id,name,rpo,remote_system_id,alert_threshold,is_read_only,is_replica,managed_by,managed_by_id,policies(id,name),remote_system(id,name),replication_sessions(id,state),policies' },
  { client: 'gopowerstore GetSnapshotRule', resource: 'snapshot_rule', id: 'sr', select: 'id,name,interval,time_of_day,timezone,days_of_week,desired_retention,is_replica,nas_access_type,is_read_only,managed_by,managed_by_id,interval_l10n,timezone_l10n,days_of_week_l10n,nas_access_type_l10n,managed_by_l10n,policies,policies' },
  { client: 'gopowerstore GetReplicationSessionByLocalResourceID', resource: 'replication_session', id: 'session', select: 'id,state,role,resource_type,local_resource_id,remote_resource_id,remote_system_id,type,storage_element_pairs' },
  { client: 'gopowerstore GetRemoteSystem', resource: 'remote_system', id: 'rsOnA', select: 'id,name,description,serial_number,type,management_address,data_connection_state,data_network_latency,capabilities' },
  { client: 'gopowerstore GetCluster', resource: 'cluster', select: 'id,name,management_address,state,system_time,nvm_subsystem_nqn' },
  { client: 'gopowerstore GetJob', resource: 'job', id: 'job', select: 'id,resource_action,resource_type,resource_name,state' },
  { client: 'gopowerstore GetSoftwareInstalled', resource: 'software_installed', select: 'id,is_cluster,release_version,build_version,build_id' },
  { client: 'gopowerstore GetAppliance', resource: 'appliance', id: 'appliance', select: 'id,name,service_tag' },
];

/** Each fact as a collection GET and, where it has an id, an instance GET; both must answer 200. */
export const clientSelects: Exchange[] = facts.flatMap((f) => {
  const select = encodeURIComponent(f.select);
  const collection: Exchange = { name: `${f.client} (collection)`, on: 'a', method: 'GET', path: `/${f.resource}?select=${select}`, status: 200, expect: { '0': '<object>' } };
  if (!f.id) return [collection];
  return [collection, { name: `${f.client} (instance)`, on: 'a', method: 'GET', path: `/${f.resource}/\${${f.id}}?select=${select}`, status: 200, expect: { '': '<object>' } }];
});
