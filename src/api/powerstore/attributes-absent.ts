// The attributes of the resources this system has none of (routes/absent.ts), so that a select
// naming anything else is refused with 400 as on the real array, even though the collections are
// empty. Each list is the properties of the resource's *_instance definition in the PowerStore 4.1
// schema (specs/powerstore-openapi-4.1.json), embedded relationships included: they are answered
// by no row, so a nested select on them (smb_share's file_system(...), the file resources'
// nas_server(...)) is accepted as the array accepts it, without checking inside.
export const ABSENT_ATTRIBUTES: Record<string, readonly string[]> = {
  host_group: [
    'id', 'name', 'description', 'host_connectivity', 'host_connectivity_l10n', 'hosts',
    'mapped_host_groups', 'host_virtual_volume_mappings',
  ],
  nas_server: [
    'id', 'name', 'description', 'operational_status', 'current_node_id', 'preferred_node_id',
    'default_unix_user', 'default_windows_user', 'current_unix_directory_service',
    'is_username_translation_enabled', 'is_auto_user_mapping_enabled',
    'production_IPv4_interface_id', 'production_IPv6_interface_id', 'backup_IPv4_interface_id',
    'backup_IPv6_interface_id', 'current_preferred_IPv4_interface_id',
    'current_preferred_IPv6_interface_id', 'protection_policy_id', 'performance_policy_id',
    'file_events_publishing_mode', 'is_replication_destination', 'is_production_mode_enabled',
    'is_dr_test', 'operational_status_l10n', 'current_unix_directory_service_l10n',
    'file_events_publishing_mode_l10n', 'protection_policy', 'performance_policy',
    'file_interfaces', 'file_ndmps', 'file_virus_checkers', 'nfs_servers', 'smb_servers',
    'file_dnses', 'file_ftps', 'file_kerberoses', 'file_ldaps', 'file_nises', 'file_systems',
    'file_dhsm_configs', 'file_events_publishers',
  ],
  file_system: [
    'id', 'name', 'description', 'nas_server_id', 'parent_id', 'filesystem_type', 'size_total',
    'size_used', 'config_type', 'protection_policy_id', 'performance_policy_id', 'access_policy',
    'locking_policy', 'folder_rename_policy', 'is_smb_sync_writes_enabled',
    'is_smb_op_locks_enabled', 'is_smb_no_notify_enabled', 'is_smb_notify_on_access_enabled',
    'is_smb_notify_on_write_enabled', 'smb_notify_on_change_dir_depth', 'is_async_MTime_enabled',
    'is_quota_enabled', 'grace_period', 'default_hard_limit', 'default_soft_limit',
    'creation_timestamp', 'expiration_timestamp', 'last_refresh_timestamp',
    'last_writable_timestamp', 'is_modified', 'access_type', 'creator_type',
    'file_events_publishing_mode', 'flr_attributes', 'host_io_size', 'is_secure',
    'filesystem_type_l10n', 'config_type_l10n', 'access_policy_l10n', 'locking_policy_l10n',
    'folder_rename_policy_l10n', 'access_type_l10n', 'creator_type_l10n',
    'file_events_publishing_mode_l10n', 'host_io_size_l10n', 'nas_server', 'protection_policy',
    'performance_policy', 'file_tree_quotas', 'file_user_quotas', 'nfs_exports', 'smb_shares',
  ],
  nfs_export: [
    'id', 'file_system_id', 'name', 'path', 'description', 'default_access', 'min_security',
    'nfs_owner_username', 'no_access_hosts', 'read_only_hosts', 'read_only_root_hosts',
    'read_write_hosts', 'read_write_root_hosts', 'anonymous_UID', 'anonymous_GID', 'is_no_SUID',
    'default_access_l10n', 'min_security_l10n', 'file_system', 'datastores',
  ],
  nfs_server: [
    'id', 'host_name', 'nas_server_id', 'is_nfsv3_enabled', 'is_nfsv4_enabled', 'is_secure_enabled',
    'is_use_smb_config_enabled', 'service_principal_name', 'is_joined',
    'is_extended_credentials_enabled', 'credentials_cache_TTL', 'nas_server',
  ],
  smb_server: [
    'id', 'nas_server_id', 'computer_name', 'domain', 'netbios_name', 'workgroup', 'description',
    'is_standalone', 'is_joined', 'nas_server',
  ],
  smb_share: [
    'id', 'file_system_id', 'name', 'path', 'description', 'is_continuous_availability_enabled',
    'is_encryption_enabled', 'is_ABE_enabled', 'is_branch_cache_enabled', 'offline_availability',
    'umask', 'offline_availability_l10n', 'file_system',
  ],
  file_interface: [
    'id', 'nas_server_id', 'ip_address', 'prefix_length', 'gateway', 'vlan_id', 'name', 'role',
    'is_disabled', 'is_destination_override_enabled', 'ip_port_id', 'source_parameters',
    'is_dr_test', 'role_l10n', 'nas_server', 'ip_port', 'file_interface_routes',
  ],
  file_dns: [
    'id', 'nas_server_id', 'domain', 'ip_addresses', 'transport', 'is_destination_override_enabled',
    'source_parameters', 'transport_l10n', 'nas_server',
  ],
  file_nis: [
    'id', 'nas_server_id', 'domain', 'ip_addresses', 'is_destination_override_enabled',
    'source_parameters', 'nas_server',
  ],
  file_ftp: [
    'id', 'nas_server_id', 'is_ftp_enabled', 'is_sftp_enabled', 'is_smb_authentication_enabled',
    'is_unix_authentication_enabled', 'is_anonymous_authentication_enabled',
    'is_homedir_limit_enabled', 'default_homedir', 'welcome_message', 'message_of_the_day',
    'is_audit_enabled', 'audit_dir', 'audit_max_size', 'hosts', 'users', 'groups',
    'is_allowed_hosts', 'is_allowed_users', 'is_allowed_groups', 'nas_server',
  ],
  file_ldap: [
    'id', 'nas_server_id', 'base_DN', 'profile_DN', 'addresses', 'port_number',
    'authentication_type', 'protocol', 'is_verify_server_certificate', 'bind_DN',
    'is_smb_account_used', 'principal', 'realm', 'schema_type', 'is_config_file_uploaded',
    'is_certificate_uploaded', 'is_destination_override_enabled', 'source_parameters',
    'authentication_type_l10n', 'protocol_l10n', 'schema_type_l10n', 'nas_server',
  ],
  file_tree_quota: [
    'id', 'file_system_id', 'path', 'description', 'is_user_quotas_enforced', 'state', 'hard_limit',
    'soft_limit', 'remaining_grace_period', 'size_used', 'grace_period', 'state_l10n',
    'file_system', 'file_user_tree_quotas',
  ],
  file_user_quota: [
    'id', 'file_system_id', 'tree_quota_id', 'uid', 'unix_name', 'windows_name', 'windows_sid',
    'state', 'hard_limit', 'soft_limit', 'remaining_grace_period', 'size_used', 'state_l10n',
    'file_system', 'tree_quota',
  ],
  virtual_volume: [
    'id', 'name', 'size', 'type', 'usage_type', 'appliance_id', 'storage_container_id',
    'io_priority', 'profile_id', 'replication_group_id', 'creator_type', 'is_readonly',
    'migration_session_id', 'virtual_machine_uuid', 'family_id', 'parent_id', 'source_id',
    'source_timestamp', 'creation_timestamp', 'naa_name', 'is_replication_destination',
    'location_history', 'protection_policy_id', 'nsid', 'nguid', 'type_l10n', 'usage_type_l10n',
    'io_priority_l10n', 'creator_type_l10n', 'appliance', 'storage_container', 'replication_group',
    'migration_session', 'parent', 'child_virtual_volumes', 'source', 'target_virtual_volumes',
    'protection_policy', 'host_virtual_volume_mappings', 'virtual_machines',
  ],
  storage_container: [
    'id', 'name', 'quota', 'storage_protocol', 'storage_protocol_l10n', 'virtual_volumes',
    'replication_groups', 'datastores', 'destinations',
  ],
  vcenter: [
    'id', 'instance_uuid', 'address', 'username', 'is_verify_server_cert', 'version',
    'vendor_provider_status', 'vendor_provider_status_l10n', 'virtual_machines', 'datastores',
    'vsphere_hosts',
  ],
  replication_group: [
    'id', 'storage_container_id', 'name', 'description', 'creator_type', 'creation_timestamp',
    'is_replication_destination', 'parent_id', 'source_id', 'creator_type_l10n', 'virtual_volumes',
    'storage_container', 'parent', 'child_replication_groups', 'source',
    'target_replication_groups', 'virtual_machines', 'policies',
  ],
  discovered_appliance: [
    'id', 'link_local_address', 'service_name', 'service_tag', 'state', 'mode', 'model',
    'express_service_code', 'is_local', 'management_service_ready',
    'software_version_compatibility', 'build_version', 'build_id', 'power_score', 'node_count',
    'is_unified_capable', 'drive_failure_tolerance_level_and_availability', 'is_hyper_converged',
    'storage_class', 'clustering_compatibilities', 'version',
  ],
  ldap_domain: [
    'id', 'domain_name', 'ldap_servers', 'port', 'ldap_server_type', 'protocol', 'bind_user',
    'ldap_timeout', 'is_global_catalog', 'user_id_attribute', 'user_object_class',
    'user_search_path', 'group_name_attribute', 'group_member_attribute', 'group_object_class',
    'group_search_path', 'group_search_level', 'ldap_server_type_l10n', 'protocol_l10n',
  ],
  ldap_account: [
    'id', 'name', 'type', 'dn', 'domain_id', 'role_id', 'type_l10n',
  ],
  snmp_server: [
    'id', 'ip_address', 'port', 'version', 'alert_severity', 'trap_community', 'user_name',
    'auth_protocol', 'privacy_protocol', 'version_l10n', 'alert_severity_l10n',
    'auth_protocol_l10n', 'privacy_protocol_l10n',
  ],
  email_notify_destination: [
    'id', 'email_address', 'notify_critical', 'notify_major', 'notify_minor', 'notify_info',
  ],
  remote_support_contact: [
    'id', 'first_name', 'last_name', 'email', 'phone',
  ],
};
