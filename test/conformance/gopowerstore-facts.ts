// Dell's Go SDK gopowerstore v1.20.1 as csi-powerstore v2.15.1 (controller, node registration and
// the replication extension) calls it, recorded from a run of the real SDK against a Tandem lab
// (GOPOWERSTORE_DEBUG=true dumps every request). Paths, queries (the SDK's own `select` lists and
// paging) and bodies are as the SDK sends them; the expectations are what the SDK's decoding and
// its APIError helpers (gopowerstore_types.go) and the driver's code read from the answers.
// test/conformance/pypowerstore-replay.test.ts already checks the SDK's transport (Basic + token,
// no content-type, order/offset/limit paging); these cases add what it lacks.
import type { Exchange } from './replay.ts';

const GiB = 1024 ** 3;

// The SDK's select lists (QueryParamsWithFields over its structs, URL-encoded as it sends them).
const VOLUME_SELECT = 'select=%2A';
const HOST_SELECT = 'select=%2A';
const MAPPING_SELECT = 'select=volume%28appliance_id%29%2Chost_group_id%2Chost_id%2Cid%2Clogical_unit_number%2Cvolume_id';
const SESSION_SELECT = 'select=id%2Cstate%2Crole%2Cresource_type%2Clocal_resource_id%2Cremote_resource_id%2Cremote_system_id%2Ctype%2Cstorage_element_pairs';
const GROUP_SELECT = 'select=%2A%2Cvolumes%28%2A%29%2Cprotection_policy%28%2A%29%2Cprotection_data%2Clocation_history%2Cmigration_session%28%2A%29';
const POLICY_SELECT = 'select=%2A%2Creplication_rules%28%2A%29%2Csnapshot_rules%28%2A%29%2Cvirtual_machines%28%2A%29%2Cfile_systems%28%2A%29%2Cperformance_rules%28%2A%29%2Cvolumes%28%2A%29%2Cvolume_groups%28%2A%29';
const RULE_SELECT = 'select=id%2Cname%2Crpo%2Cremote_system_id%2Calert_threshold%2Cis_read_only%2Cis_replica%2Cmanaged_by%2Cmanaged_by_id%2Cpolicies%28id%2Cname%29%2Cremote_system%28id%2Cname%29%2Creplication_sessions%28id%2Cstate%29%2Cpolicies';
const REMOTE_SELECT = 'select=id%2Cname%2Cdescription%2Cserial_number%2Ctype%2Cmanagement_address%2Cdata_connection_state%2Cdata_network_latency%2Ccapabilities';
const INTERNAL = { 'DELL-VISIBILITY': 'internal' };

/** Node registration, snapshots, publish/unpublish, capacity: the plain SDK calls the fixes touch. */
export const sdkLifecycle: Exchange[] = [
  // GetSoftwareMajorMinorVersion (IsK8sMetadataSupported): the is_cluster row's build_version must parse as ≥ 3.0.
  { name: 'GetSoftwareInstalled', on: 'a', method: 'GET', path: '/software_installed?limit=1000&offset=0&order=id&select=id%2Cis_cluster%2Crelease_version%2Cbuild_version%2Cbuild_id', status: 200, expect: { '0.is_cluster': true, '0.build_version': '<nonempty>' } },
  // GetCluster: the driver reads name and management_address (CreateStorageProtectionGroup).
  { name: 'GetCluster', on: 'a', method: 'GET', path: '/cluster?select=id%2Cname%2Cmanagement_address%2Cstate%2Csystem_time%2Cnvm_subsystem_nqn', status: 200, expect: { '0.id': '0', '0.name': '${nameA}', '0.management_address': '<nonempty>' } },
  // registerHost (pkg/node): CreateHost with metadata under DELL-VISIBILITY: internal. Was 400 "[metadata] not allowed".
  {
    name: 'CreateHost with metadata k8s_node_name (csi node registerHost)', on: 'a', method: 'POST', path: '/host', headers: INTERNAL,
    body: { description: 'k8s node: worker-1', initiators: [{ port_name: 'iqn.1994-05.com.redhat:go1', port_type: 'iSCSI' }], name: 'go-node-10.0.0.5', os_type: 'Linux', metadata: { k8s_node_name: 'worker-1' }, host_connectivity: 'Local_Only' },
    status: 201, capture: { host: 'id' },
  },
  { name: 'host metadata is stored and returned', on: 'a', method: 'GET', path: '/host?id=eq.${host}&select=id%2Cmetadata', status: 200, expect: { '0.metadata': { k8s_node_name: 'worker-1' } } },
  { name: 'CreateHost with metadata that is not string-valued is refused and creates nothing', on: 'a', method: 'POST', path: '/host', body: { initiators: [{ port_name: 'iqn.1994-05.com.redhat:go2', port_type: 'iSCSI' }], name: 'go-node-bad', os_type: 'Linux', metadata: { k8s_node_name: 7 } }, status: 400, expect: { 'messages.0.code': '0xE04040030001' } },
  { name: 'GetHostByName of the refused host → HostIsNotExist (404)', on: 'a', method: 'GET', path: `/host?name=eq.go-node-bad&${HOST_SELECT}`, status: 200, expect: { length: 0 } },
  { name: 'GetHostByName (ControllerPublishVolume)', on: 'a', method: 'GET', path: `/host?name=eq.go-node-10.0.0.5&${HOST_SELECT}`, status: 200, expect: { '0.id': '${host}', '0.initiators.0.port_name': 'iqn.1994-05.com.redhat:go1' } },
  // CreateVolume (SCSICreator.Create): metadata in the body, the x-csi-pv-* headers, DELL-VISIBILITY.
  {
    name: 'CreateVolume with metadata and x-csi headers', on: 'a', method: 'POST', path: '/volume', headers: { ...INTERNAL, 'X-Csi-Pv-Name': 'go-pv1', 'X-Csi-Pv-Claimname': 'pvc-1', 'X-Csi-Pv-Namespace': 'default' },
    body: { name: 'go-pv1', size: GiB, description: 'csi', metadata: { k8s_pvol_name: 'go-pv1', k8s_claim_name: 'pvc-1', k8s_claim_namespace: 'default' } }, status: 201, capture: { vol: 'id' },
  },
  { name: 'volume metadata is stored and returned', on: 'a', method: 'GET', path: '/volume/${vol}?select=id%2Cmetadata', status: 200, expect: { metadata: { k8s_pvol_name: 'go-pv1', k8s_claim_name: 'pvc-1', k8s_claim_namespace: 'default' } } },
  { name: 'CreateVolume with metadata that is not an object is refused and creates nothing', on: 'a', method: 'POST', path: '/volume', body: { name: 'go-pv-bad', size: GiB, metadata: ['k8s'] }, status: 400 },
  { name: 'the refused volume does not exist (GetVolumeByName)', on: 'a', method: 'GET', path: `/volume?name=eq.go-pv-bad&${VOLUME_SELECT}`, status: 200, expect: { length: 0 } },
  // CreateSnapshot: SnapshotNameIsAlreadyUse() is StatusCode == 400; the driver then looks it up by name.
  { name: 'CreateSnapshot', on: 'a', method: 'POST', path: '/volume/${vol}/snapshot', body: { name: 'go-snap1' }, status: 200, capture: { snap: 'id' } },
  { name: 'CreateSnapshot with a taken name → 400 (SnapshotNameIsAlreadyUse)', on: 'a', method: 'POST', path: '/volume/${vol}/snapshot', body: { name: 'go-snap1' }, status: 400, expect: { 'messages.0.code': '0xE0A07001000B', 'messages.0.message_l10n': '<nonempty>' } },
  { name: 'CreateSnapshot named like a volume → 400 too (one namespace)', on: 'a', method: 'POST', path: '/volume/${vol}/snapshot', body: { name: 'go-pv1' }, status: 400 },
  { name: 'GetVolumeByName finds the existing snapshot (csi CreateSnapshot idempotency)', on: 'a', method: 'GET', path: `/volume?name=eq.go-snap1&${VOLUME_SELECT}`, status: 200, expect: { '0.id': '${snap}', '0.type': 'Snapshot' } },
  { name: 'CreateVolume with a taken name stays 422 (VolumeNameIsAlreadyUse)', on: 'a', method: 'POST', path: '/volume', body: { name: 'go-pv1', size: GiB }, status: 422 },
  // ControllerPublishVolume: attach, then the mapping's logical_unit_number.
  { name: 'AttachVolumeToHost', on: 'a', method: 'POST', path: '/host/${host}/attach', body: { volume_id: '${vol}' }, status: 204 },
  { name: 'GetHostVolumeMappingByVolumeID', on: 'a', method: 'GET', path: `/host_volume_mapping?limit=1000&offset=0&order=id&${MAPPING_SELECT}&volume_id=eq.\${vol}`, status: 200, expect: { length: 1, '0.host_id': '${host}', '0.logical_unit_number': '<number>' } },
  // ControllerUnpublishVolume: detach twice; the second is HostIsNotAttachedToVolume (400) and its
  // message holds "Host is not attached to volume", which detachVolumeFromHost treats as done. Was 422.
  { name: 'DetachVolumeFromHost', on: 'a', method: 'POST', path: '/host/${host}/detach', body: { volume_id: '${vol}' }, status: 204 },
  { name: 'DetachVolumeFromHost again → 400 HostIsNotAttachedToVolume', on: 'a', method: 'POST', path: '/host/${host}/detach', body: { volume_id: '${vol}' }, status: 400, expect: { 'messages.0.code': '0xE0A08001000F' } },
  { name: 'volume-side detach of an unmapped volume stays 422 (Cinder VOLUME_NOT_MAPPED_ERROR)', on: 'a', method: 'POST', path: '/volume/${vol}/detach', body: { host_id: '${host}' }, status: 422, expect: { 'messages.0.code': '0xE0A08001000F' } },
  // GetCapacity: POST /metrics/generate with select, the last entry's physical_total - physical_used. Was 404.
  { name: 'GetCapacity (space_metrics_by_cluster, entity_id 0)', on: 'a', method: 'POST', path: '/metrics/generate?select=physical_total%2Cphysical_used', body: { entity: 'space_metrics_by_cluster', entity_id: '0', interval: 'Five_Mins' }, status: 200, expect: { length: 1, '0.physical_total': '<number>', '0.physical_used': '<number>', '0.logical_used': '<absent>' } },
  { name: 'SpaceMetricsByCluster (all fields)', on: 'a', method: 'POST', path: '/metrics/generate', body: { entity: 'space_metrics_by_cluster', entity_id: '0', interval: 'Five_Mins' }, status: 200, expect: { '0.entity': 'space_metrics_by_cluster', '0.cluster_id': '0', '0.timestamp': '<string>', '0.logical_provisioned': GiB, '0.repeat_count': 1 } },
  { name: 'SpaceMetricsByAppliance', on: 'a', method: 'POST', path: '/metrics/generate', body: { entity: 'space_metrics_by_appliance', entity_id: 'A1', interval: 'Five_Mins' }, status: 200, expect: { '0.appliance_id': 'A1', '0.physical_total': '<number>' } },
  { name: 'SpaceMetricsByVolume', on: 'a', method: 'POST', path: '/metrics/generate', body: { entity: 'space_metrics_by_volume', entity_id: '${vol}', interval: 'Five_Mins' }, status: 200, expect: { '0.volume_id': '${vol}', '0.logical_provisioned': GiB, '0.logical_used': 0 } },
  { name: 'metrics with an interval outside MetricsIntervalEnum → 400', on: 'a', method: 'POST', path: '/metrics/generate', body: { entity: 'space_metrics_by_cluster', entity_id: '0', interval: 'Two_Sec' }, status: 400, expect: { 'messages.0.code': '0xE04040010005' } },
  { name: 'metrics for an unknown entity → 400', on: 'a', method: 'POST', path: '/metrics/generate', body: { entity: 'space_metrics_by_toaster', entity_id: '0' }, status: 400 },
  { name: 'metrics without entity_id → 400', on: 'a', method: 'POST', path: '/metrics/generate', body: { entity: 'space_metrics_by_cluster' }, status: 400 },
  // getMaximumVolumeSize: GET /limit?select=id,limit under DELL-VISIBILITY: internal; Max_Volume_Size. Was 404.
  { name: 'GetMaxVolumeSize (GET /limit)', on: 'a', method: 'GET', path: '/limit?select=id%2Climit', headers: INTERNAL, status: 200, expect: { '0.id': 'Max_Volume_Size', '0.limit': 256 * 1024 ** 4 } },
  // DeleteHost needs no volumes attached; DeleteSnapshot then the volume (csi DeleteVolume).
  { name: 'DeleteHost', on: 'a', method: 'DELETE', path: '/host/${host}', status: 204 },
  { name: 'DeleteSnapshot', on: 'a', method: 'DELETE', path: '/volume/${snap}', status: 204 },
  { name: 'DeleteVolume', on: 'a', method: 'DELETE', path: '/volume/${vol}', status: 204 },
];

/**
 * The CSI driver's replicated storage class (pkg/controller CreateVolume with replication, and the
 * replication extension): rule, policy and group named after the class, PVs created straight into
 * the group with volume_group_id, CreateRemoteVolume reading storage_element_pairs at once,
 * expand, DeleteVolume, DeleteLocalVolume on the remote array, DeleteStorageProtectionGroup on both.
 */
export const csiReplicatedGroup: Exchange[] = [
  { name: 'GetVolumeGroupByName → none yet', on: 'a', method: 'GET', path: `/volume_group?name=eq.csi-go-site-b-Five_Minutes&${GROUP_SELECT}`, status: 200, expect: { length: 0 } },
  { name: 'GetRemoteSystemByName (EnsureProtectionPolicyExists)', on: 'a', method: 'GET', path: `/remote_system?name=eq.\${nameB}&${REMOTE_SELECT}`, status: 200, expect: { '0.id': '${rsOnA}', '0.serial_number': '<nonempty>', '0.management_address': '<nonempty>' } },
  { name: 'GetProtectionPolicyByName → none yet', on: 'a', method: 'GET', path: `/policy?name=eq.pp-csi-go-site-b-Five_Minutes&${POLICY_SELECT}&type=eq.Protection`, status: 200, expect: { length: 0 } },
  { name: 'GetReplicationRuleByName → none yet', on: 'a', method: 'GET', path: `/replication_rule?name=eq.rr-csi-go-site-b-Five_Minutes&${RULE_SELECT}`, status: 200, expect: { length: 0 } },
  { name: 'CreateReplicationRule', on: 'a', method: 'POST', path: '/replication_rule', body: { name: 'rr-csi-go-site-b-Five_Minutes', rpo: 'Five_Minutes', remote_system_id: '${rsOnA}' }, status: 201, capture: { rule: 'id' } },
  // ProtectionPolicyCreate has no omitempty on snapshot_rule_ids: the SDK sends null.
  { name: 'CreateProtectionPolicy (snapshot_rule_ids null)', on: 'a', method: 'POST', path: '/policy', body: { name: 'pp-csi-go-site-b-Five_Minutes', replication_rule_ids: ['${rule}'], snapshot_rule_ids: null }, status: 201, capture: { policy: 'id' } },
  { name: 'CreateVolumeGroup with the policy', on: 'a', method: 'POST', path: '/volume_group', body: { name: 'csi-go-site-b-Five_Minutes', protection_policy_id: '${policy}' }, status: 201, capture: { group: 'id' } },
  { name: 'GetVolumeGroup', on: 'a', method: 'GET', path: `/volume_group/\${group}?${GROUP_SELECT}`, status: 200, expect: { protection_policy_id: '${policy}', volumes: [] } },
  {
    name: 'CreateVolume into the replicated group (volume_group_id, metadata)', on: 'a', method: 'POST', path: '/volume', headers: { ...INTERNAL, 'X-Csi-Pv-Name': 'go-rpv1' },
    body: { name: 'go-rpv1', size: 3 * GiB, volume_group_id: '${group}', description: 'csi', metadata: { k8s_pvol_name: 'go-rpv1', k8s_claim_name: 'c', k8s_claim_namespace: 'default' } }, status: 201, capture: { pv1: 'id' },
  },
  // CreateRemoteVolume: GetVolumeGroupsByVolumeID, then the group's session by local resource id and
  // the pair of this volume. The pair must be there when the create answered, not a cycle later.
  { name: 'GetVolumeGroupsByVolumeID', on: 'a', method: 'GET', path: '/volume/${pv1}?select=volume_groups%28id%2Cname%2Cprotection_policy_id%29', status: 200, expect: { 'volume_groups.0.id': '${group}' } },
  { name: 'GetReplicationSessionByLocalResourceID (group): the new member has its pair', on: 'a', method: 'GET', path: `/replication_session?local_resource_id=eq.\${group}&${SESSION_SELECT}`, status: 200, expect: { '0.role': 'Source', '0.remote_resource_id': '<nonempty>', '0.storage_element_pairs.0.local_storage_element_id': '${pv1}', '0.storage_element_pairs.0.remote_storage_element_id': '<nonempty>' }, capture: { session: '0.id', groupOnB: '0.remote_resource_id', rpv1: '0.storage_element_pairs.0.remote_storage_element_id' } },
  { name: 'a second PV created into the group gets its pair at once too', on: 'a', method: 'POST', path: '/volume', body: { name: 'go-rpv2', size: GiB, volume_group_id: '${group}' }, status: 201, capture: { pv2: 'id' } },
  { name: 'two pairs', on: 'a', method: 'GET', path: `/replication_session/\${session}?${SESSION_SELECT}`, status: 200, expect: { 'storage_element_pairs.length': 2, 'storage_element_pairs.1.local_storage_element_id': '${pv2}' }, capture: { rpv2: 'storage_element_pairs.1.remote_storage_element_id' } },
  { name: 'GetRemoteSystem (remote serial_number is the remote array id)', on: 'a', method: 'GET', path: `/remote_system/\${rsOnA}?${REMOTE_SELECT}`, status: 200, expect: { serial_number: '<nonempty>', name: '${nameB}' } },
  // ControllerExpandVolume: VolumeModify has no omitempty on protection_policy_id and description.
  { name: 'ModifyVolume size (expand) with protection_policy_id "" on a group member', on: 'a', method: 'PATCH', path: '/volume/${pv1}', body: { size: 4 * GiB, protection_policy_id: '', description: '' }, status: 204 },
  { name: 'the group keeps its policy', on: 'a', method: 'GET', path: `/volume_group/\${group}?${GROUP_SELECT}`, status: 200, expect: { protection_policy_id: '${policy}' } },
  // GetStorageProtectionGroupStatus on both arrays.
  { name: 'status on A: OK, Source', on: 'a', method: 'GET', path: `/replication_session?local_resource_id=eq.\${group}&${SESSION_SELECT}`, status: 200, until: { '0.state': 'OK' }, expect: { '0.role': 'Source' } },
  { name: 'status on B: Destination', on: 'b', method: 'GET', path: `/replication_session?local_resource_id=eq.\${groupOnB}&${SESSION_SELECT}`, status: 200, expect: { '0.role': 'Destination', '0.remote_resource_id': '${group}' } },
  // DeleteVolume on A: remove from the group, unassign (protection_policy_id ""), delete.
  { name: 'RemoveMembersFromVolumeGroup', on: 'a', method: 'POST', path: '/volume_group/${group}/remove_members', body: { volume_ids: ['${pv1}'] }, status: 204 },
  { name: 'RemoveMembersFromVolumeGroup again → 422 "not part" (VolumeAlreadyRemovedFromVolumeGroup)', on: 'a', method: 'POST', path: '/volume_group/${group}/remove_members', body: { volume_ids: ['${pv1}'] }, status: 422 },
  { name: 'ModifyVolume protection_policy_id ""', on: 'a', method: 'PATCH', path: '/volume/${pv1}', body: { protection_policy_id: '', description: '' }, status: 204 },
  { name: 'DeleteVolume on A', on: 'a', method: 'DELETE', path: '/volume/${pv1}', status: 204 },
  // DeleteLocalVolume on B: in no group, no policy, then deletable.
  { name: 'DeleteLocalVolume: GetVolumeGroupsByVolumeID on B → none', on: 'b', method: 'GET', path: '/volume/${rpv1}?select=volume_groups%28id%2Cname%2Cprotection_policy_id%29', status: 200, expect: { volume_groups: [] } },
  { name: 'DeleteLocalVolume: GetVolume on B → no policy', on: 'b', method: 'GET', path: `/volume/\${rpv1}?${VOLUME_SELECT}`, status: 200, expect: { protection_policy_id: null } },
  { name: 'DeleteLocalVolume: DeleteVolume on B', on: 'b', method: 'DELETE', path: '/volume/${rpv1}', status: 204 },
  { name: 'DeleteVolume of the second PV (same sequence)', on: 'a', method: 'POST', path: '/volume_group/${group}/remove_members', body: { volume_ids: ['${pv2}'] }, status: 204 },
  { name: 'second PV deleted on A', on: 'a', method: 'DELETE', path: '/volume/${pv2}', status: 204 },
  // DeleteStorageProtectionGroup on A, then on B.
  { name: 'ModifyVolumeGroup protection_policy_id "" (unassign)', on: 'a', method: 'PATCH', path: '/volume_group/${group}', body: { protection_policy_id: '', description: '' }, status: 204 },
  { name: 'DeleteVolumeGroup on A', on: 'a', method: 'DELETE', path: '/volume_group/${group}', status: 204 },
  { name: 'GetProtectionPolicyByName on A: unused', on: 'a', method: 'GET', path: `/policy?name=eq.pp-csi-go-site-b-Five_Minutes&${POLICY_SELECT}&type=eq.Protection`, status: 200, expect: { '0.volumes': [], '0.volume_groups': [] } },
  { name: 'DeleteProtectionPolicy on A', on: 'a', method: 'DELETE', path: '/policy/${policy}', status: 204 },
  { name: 'GetReplicationRuleByName on A: no policies', on: 'a', method: 'GET', path: `/replication_rule?name=eq.rr-csi-go-site-b-Five_Minutes&${RULE_SELECT}`, status: 200, expect: { '0.policies': [] } },
  { name: 'DeleteReplicationRule on A', on: 'a', method: 'DELETE', path: '/replication_rule/${rule}', status: 204 },
  { name: 'B: the former destination group is ordinary', on: 'b', method: 'GET', path: `/volume_group/\${groupOnB}?${GROUP_SELECT}`, status: 200, expect: { is_replication_destination: false, protection_policy_id: null } },
  { name: 'B: the second replica left the group with its source (DeleteLocalVolume)', on: 'b', method: 'GET', path: '/volume/${rpv2}?select=volume_groups%28id%2Cname%2Cprotection_policy_id%29', status: 200, expect: { volume_groups: [] } },
  { name: 'B: DeleteLocalVolume deletes it', on: 'b', method: 'DELETE', path: '/volume/${rpv2}', status: 204 },
  { name: 'DeleteVolumeGroup on B', on: 'b', method: 'DELETE', path: '/volume_group/${groupOnB}', status: 204 },
  { name: 'GetProtectionPolicyByName on B (the replica)', on: 'b', method: 'GET', path: `/policy?name=eq.pp-csi-go-site-b-Five_Minutes&${POLICY_SELECT}&type=eq.Protection`, status: 200, expect: { '0.volumes': [], '0.volume_groups': [] }, capture: { policyOnB: '0.id' } },
  { name: 'DeleteProtectionPolicy on B', on: 'b', method: 'DELETE', path: '/policy/${policyOnB}', status: 204 },
  { name: 'GetReplicationRuleByName on B (the replica)', on: 'b', method: 'GET', path: `/replication_rule?name=eq.rr-csi-go-site-b-Five_Minutes&${RULE_SELECT}`, status: 200, expect: { '0.policies': [] }, capture: { ruleOnB: '0.id' } },
  { name: 'DeleteReplicationRule on B', on: 'b', method: 'DELETE', path: '/replication_rule/${ruleOnB}', status: 204 },
];
