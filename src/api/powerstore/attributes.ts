// The attributes each PowerStore resource answers in `select` (besides its associations, listed in
// schemas.ts). The real array refuses a select naming anything else with 400, naming the attribute;
// so does Tandem (query/select-check.ts). Every attribute the vendors' clients select (PyPowerStore
// 3.4.2, the Ansible collection 3.8.1 through it, gopowerstore v1.20.1) is here or an association:
// test/conformance/client-selects.test.ts replays their select lists. attributes.test.ts checks
// that each list matches what the resource's fields() answers, so a field added there is added here.
export const ATTRIBUTES: Record<string, readonly string[]> = {
  volume: [
    'id', 'name', 'description', 'type', 'wwn', 'nsid', 'nguid', 'appliance_id', 'state', 'size',
    'logical_used', 'sector_size', 'node_affinity', 'creation_timestamp', 'protection_policy_id',
    'performance_policy_id', 'qos_performance_policy_id', 'is_replication_destination',
    'migration_session_id', 'metro_replication_session_id', 'is_host_access_available',
    'protection_data', 'location_history', 'app_type', 'app_type_other', 'type_l10n',
    'state_l10n', 'node_affinity_l10n', 'app_type_l10n', 'metadata',
  ],
  volume_group: [
    'id', 'name', 'description', 'creation_timestamp', 'is_protectable', 'protection_policy_id',
    'qos_performance_policy_id', 'migration_session_id', 'is_write_order_consistent',
    'placement_rule', 'type', 'is_replication_destination', 'metro_replication_session_id',
    'is_host_access_available', 'protection_data', 'is_importing', 'location_history', 'type_l10n',
  ],
  host: [
    'id', 'name', 'description', 'type', 'os_type', 'host_group_id', 'import_host_system_id',
    'host_connectivity', 'host_initiators', 'initiators', 'type_l10n', 'os_type_l10n',
    'host_connectivity_l10n', 'metadata',
  ],
  host_volume_mapping: ['id', 'host_id', 'host_group_id', 'volume_id', 'logical_unit_number'],
  policy: [
    'id', 'name', 'description', 'type', 'managed_by', 'managed_by_id', 'is_read_only',
    'is_replica', 'file_io_limit_rule_id', 'type_l10n', 'managed_by_l10n',
  ],
  snapshot_rule: [
    'id', 'name', 'remote_system_id', 'interval', 'time_of_day', 'timezone', 'days_of_week',
    'desired_retention', 'is_replica', 'nas_access_type', 'is_read_only', 'managed_by',
    'managed_by_id', 'is_secure', 'interval_l10n', 'timezone_l10n', 'days_of_week_l10n',
    'nas_access_type_l10n', 'managed_by_l10n',
  ],
  replication_rule: [
    'id', 'name', 'rpo', 'remote_system_id', 'is_replica', 'is_read_only', 'alert_threshold',
    'managed_by', 'managed_by_id', 'initial_provisioning_remote_appliance_id', 'rpo_l10n',
    'managed_by_l10n',
  ],
  job: [
    'id', 'resource_action', 'resource_type', 'resource_id', 'resource_name', 'description_l10n',
    'state', 'start_time', 'phase', 'end_time', 'estimated_completion_time',
    'progress_percentage', 'parent_id', 'root_id', 'user', 'response_body', 'response_status',
    'step_order', 'mpa_decision', 'submit_time', 'resource_action_l10n', 'resource_type_l10n',
    'state_l10n', 'phase_l10n', 'response_status_l10n',
  ],
  appliance: [
    'id', 'name', 'service_tag', 'express_service_code', 'model', 'mode',
    'drive_failure_tolerance_level', 'is_hyper_converged', 'node_count', 'storage_class',
    'mode_l10n', 'drive_failure_tolerance_level_l10n', 'storage_class_l10n',
  ],
  cluster: [
    'id', 'global_id', 'name', 'management_address', 'storage_discovery_address',
    'master_appliance_id', 'appliance_count', 'physical_mtu', 'is_encryption_enabled',
    'compatibility_level', 'state', 'state_l10n', 'system_time', 'nvm_subsystem_nqn',
  ],
  software_installed: [
    'id', 'is_cluster', 'release_version', 'build_version', 'release_timestamp', 'installed_date',
    'build_flavor', 'build_type', 'build_id',
  ],
  login_session: [
    'id', 'user', 'role_ids', 'idle_timeout', 'is_password_change_required', 'is_built_in_user',
  ],
  role: ['id', 'name', 'is_built_in', 'description'],
  alert: [
    'id', 'event_code', 'severity', 'resource_type', 'resource_id', 'resource_name',
    'description_l10n', 'generated_timestamp', 'state', 'is_acknowledged', 'raised_timestamp',
    'cleared_timestamp', 'called_home_timestamp', 'email_sent_timestamp', 'snmp_sent_timestamp',
    'acknowledged_timestamp', 'events', 'severity_l10n', 'resource_type_l10n', 'state_l10n',
  ],
  event: [
    'id', 'event_code', 'severity', 'resource_type', 'resource_id', 'resource_name',
    'generated_timestamp', 'description_l10n', 'system_impact_l10n', 'repair_flow_l10n',
    'severity_l10n', 'resource_type_l10n',
  ],
  audit_event: [
    'id', 'type', 'timestamp', 'username', 'is_successful', 'client_address', 'server_address',
    'appliance_id', 'job_id', 'resource_type', 'resource_action', 'message_code',
    'message_arguments', 'message_l10n', 'type_l10n', 'resource_type_l10n', 'resource_action_l10n',
  ],
  remote_system: [
    'id', 'name', 'description', 'serial_number', 'version', 'management_address',
    'management_port', 'type', 'user_name', 'state', 'data_connection_type',
    'data_connection_state', 'iscsi_addresses', 'fc_target_wwns', 'discovery_chap_mode',
    'session_chap_mode', 'data_network_latency', 'data_connections', 'capabilities',
    'file_connection_address', 'file_connection_state', 'vnx_file_username',
    'ppdd_storage_unit_details', 'appliance_details', 'unity_file_details',
    'powerstore_data_network_configuration', 'type_l10n', 'state_l10n',
    'data_connection_type_l10n', 'data_connection_state_l10n', 'discovery_chap_mode_l10n',
    'session_chap_mode_l10n', 'data_network_latency_l10n', 'capabilities_l10n',
    'file_connection_state_l10n',
  ],
  replication_session: [
    'id', 'state', 'role', 'resource_type', 'data_transfer_state', 'type', 'last_sync_timestamp',
    'local_resource_id', 'remote_resource_id', 'remote_system_id', 'progress_percentage',
    'estimated_completion_timestamp', 'replication_rule_id', 'last_sync_duration',
    'next_sync_timestamp', 'storage_element_pairs', 'failover_test_in_progress', 'error_code',
    'data_connection_state', 'parent_replication_session_id', 'local_resource_state',
    'witness_details', 'auto_failover_state', 'state_l10n', 'role_l10n', 'resource_type_l10n',
    'data_transfer_state_l10n', 'type_l10n', 'data_connection_state_l10n',
    'local_resource_state_l10n', 'auto_failover_state_l10n',
  ],
};
