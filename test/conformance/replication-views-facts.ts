// Replication as PyPowerStore 3.4.2, the Ansible collection 3.8.1 and csi-powerstore's replication
// extension (through gopowerstore v1.20.1) see it on both systems: the destination's session view
// mirrors the source's from creation (remote_resource_id, storage_element_pairs, also for a member
// added later), removing a member or the policy finishes on both systems before the source stops
// listing the session, and what is left on the destination is ordinary: deletable volumes and
// groups, deletable replica policies and rules.
import type { Exchange } from './replay.ts';

const SESSION_SELECT = 'id,state,role,resource_type,local_resource_id,remote_resource_id,remote_system_id,storage_element_pairs,replication_rule_id';
const MiB = 1024 * 1024;

export const volumeSessionViews: Exchange[] = [
  { name: 'replicationrule create (Ansible replicationrule, PyPowerStore create_replication_rule)', on: 'a', method: 'POST', path: '/replication_rule', body: { name: 'rv-rule', rpo: 'One_Hour', remote_system_id: '${rsOnA}', alert_threshold: 60 }, status: 201, capture: { rule: 'id' } },
  { name: 'protectionpolicy create with the rule', on: 'a', method: 'POST', path: '/policy', body: { name: 'rv-policy', replication_rule_ids: ['${rule}'] }, status: 201, capture: { policy: 'id' } },
  { name: 'volume create with the policy (Ansible volume, protection_policy)', on: 'a', method: 'POST', path: '/volume', body: { name: 'rv-vol', size: 8 * MiB, protection_policy_id: '${policy}' }, status: 201, capture: { vol: 'id' } },
  { name: 'source session by local resource (gopowerstore GetReplicationSessionByLocalResourceID)', on: 'a', method: 'GET', path: `/replication_session?select=${SESSION_SELECT}&local_resource_id=eq.\${vol}`, status: 200, expect: { length: 1, '0.role': 'Source', '0.storage_element_pairs.0.local_storage_element_id': '${vol}', '0.storage_element_pairs.0.remote_storage_element_id': '<nonempty>' }, capture: { session: '0.id', volOnB: '0.remote_resource_id' } },
  // The destination's view is the mirror of the source's at every moment, first cycle or not.
  { name: 'destination session view mirrors the source (PyPowerStore get_replication_session_details on B)', on: 'b', method: 'GET', path: `/replication_session/\${session}?select=${SESSION_SELECT}`, status: 200, expect: { role: 'Destination', local_resource_id: '${volOnB}', remote_resource_id: '${vol}', 'storage_element_pairs.0.local_storage_element_id': '${volOnB}', 'storage_element_pairs.0.remote_storage_element_id': '${vol}' } },
  { name: 'destination volume is a replication destination', on: 'b', method: 'GET', path: '/volume/${volOnB}?select=id,name,is_replication_destination,protection_policy_id', status: 200, expect: { is_replication_destination: true, name: 'rv-vol' }, capture: { replicaPolicy: 'protection_policy_id' } },
  { name: 'sync (Ansible replicationsession state sync)', on: 'a', method: 'POST', path: '/replication_session/${session}/sync', body: {}, status: 204 },
  { name: 'session OK on A', on: 'a', method: 'GET', path: '/replication_session/${session}?select=state,last_sync_timestamp,last_sync_duration', status: 200, until: { state: 'OK' }, capture: { lastSync: 'last_sync_timestamp', lastDuration: 'last_sync_duration' } },
  { name: 'the destination shows the same last sync (PyPowerStore get_replication_session_details on B)', on: 'b', method: 'GET', path: '/replication_session/${session}?select=state,last_sync_timestamp,last_sync_duration', status: 200, expect: { state: 'OK', last_sync_timestamp: '${lastSync}', last_sync_duration: '<number>' } },
  // Unassigning the policy (Ansible volume state present, protection_policy ''; gopowerstore ModifyVolume).
  { name: 'unassign the policy', on: 'a', method: 'PATCH', path: '/volume/${vol}', body: { protection_policy_id: '' }, status: 204 },
  { name: 'the destination lets go before the source stops listing the session: B has no session', on: 'b', method: 'GET', path: '/replication_session?select=id&local_resource_id=eq.${volOnB}', status: 200, expect: { length: 0 } },
  { name: 'former destination is an ordinary volume', on: 'b', method: 'GET', path: '/volume/${volOnB}?select=is_replication_destination,protection_policy_id', status: 200, expect: { is_replication_destination: false, protection_policy_id: null } },
  { name: 'former destination is deletable at once (Ansible volume state absent on B)', on: 'b', method: 'DELETE', path: '/volume/${volOnB}', status: 204 },
  { name: 'replica policy on B is deletable once unused', on: 'b', method: 'DELETE', path: '/policy/${replicaPolicy}', status: 204 },
  { name: 'replica rule on B is listed', on: 'b', method: 'GET', path: '/replication_rule?select=id,name,is_replica&name=eq.rv-rule', status: 200, expect: { length: 1 }, capture: { replicaRule: '0.id' } },
  { name: 'replica rule on B is deletable once unused', on: 'b', method: 'DELETE', path: '/replication_rule/${replicaRule}', status: 204 },
  { name: 'source volume deletable', on: 'a', method: 'DELETE', path: '/volume/${vol}', status: 204 },
  { name: 'source policy deletable', on: 'a', method: 'DELETE', path: '/policy/${policy}', status: 204 },
  { name: 'source rule deletable', on: 'a', method: 'DELETE', path: '/replication_rule/${rule}', status: 204 },
];

const GROUP_SELECT = 'id,name,is_replication_destination,protection_policy_id,volumes(id,name)';

/**
 * csi-powerstore's replication extension: CreateStorageProtectionGroup puts volumes in a group
 * with a policy, CreateRemoteVolume reads the remote volume id from storage_element_pairs, and
 * DeleteLocalVolume removes a member from the group and deletes it at once.
 */
export const groupSessionViews: Exchange[] = [
  { name: 'rule', on: 'a', method: 'POST', path: '/replication_rule', body: { name: 'gv-rule', rpo: 'Five_Minutes', remote_system_id: '${rsOnA}' }, status: 201, capture: { rule: 'id' } },
  { name: 'policy', on: 'a', method: 'POST', path: '/policy', body: { name: 'gv-policy', replication_rule_ids: ['${rule}'] }, status: 201, capture: { policy: 'id' } },
  { name: 'member 1', on: 'a', method: 'POST', path: '/volume', body: { name: 'gv-m1', size: 8 * MiB }, status: 201, capture: { m1: 'id' } },
  { name: 'member 2', on: 'a', method: 'POST', path: '/volume', body: { name: 'gv-m2', size: 8 * MiB }, status: 201, capture: { m2: 'id' } },
  { name: 'member 3 (joins later)', on: 'a', method: 'POST', path: '/volume', body: { name: 'gv-m3', size: 8 * MiB }, status: 201, capture: { m3: 'id' } },
  { name: 'gopowerstore CreateVolumeGroup with members and policy', on: 'a', method: 'POST', path: '/volume_group', body: { name: 'gv-group', volume_ids: ['${m1}', '${m2}'], protection_policy_id: '${policy}', is_write_order_consistent: true }, status: 201, capture: { group: 'id' } },
  { name: 'source session of the group with both pairs', on: 'a', method: 'GET', path: `/replication_session?select=${SESSION_SELECT}&local_resource_id=eq.\${group}`, status: 200, expect: { length: 1, '0.storage_element_pairs.length': 2, '0.resource_type': 'volume_group' }, capture: { session: '0.id', groupOnB: '0.remote_resource_id' } },
  { name: 'destination view of the group session mirrors it', on: 'b', method: 'GET', path: `/replication_session/\${session}?select=${SESSION_SELECT}`, status: 200, expect: { local_resource_id: '${groupOnB}', remote_resource_id: '${group}', 'storage_element_pairs.length': 2 } },
  { name: 'sync', on: 'a', method: 'POST', path: '/replication_session/${session}/sync', body: {}, status: 204 },
  { name: 'OK', on: 'a', method: 'GET', path: '/replication_session/${session}?select=state', status: 200, until: { state: 'OK' } },
  { name: 'gopowerstore AddMembersToVolumeGroup', on: 'a', method: 'POST', path: '/volume_group/${group}/add_members', body: { volume_ids: ['${m3}'] }, status: 204 },
  // CSI CreateRemoteVolume: the remote volume of a member is in storage_element_pairs right away.
  { name: 'the new member is paired on the source at once', on: 'a', method: 'GET', path: `/replication_session/\${session}?select=${SESSION_SELECT}`, status: 200, expect: { 'storage_element_pairs.length': 3, 'storage_element_pairs.2.local_storage_element_id': '${m3}', 'storage_element_pairs.2.remote_storage_element_id': '<nonempty>' }, capture: { m3OnB: 'storage_element_pairs.2.remote_storage_element_id' } },
  { name: 'and on the destination', on: 'b', method: 'GET', path: `/replication_session/\${session}?select=${SESSION_SELECT}`, status: 200, expect: { 'storage_element_pairs.length': 3, 'storage_element_pairs.2.local_storage_element_id': '${m3OnB}', 'storage_element_pairs.2.remote_storage_element_id': '${m3}' } },
  { name: 'the new member exists on the destination, in the group', on: 'b', method: 'GET', path: '/volume/${m3OnB}?select=name,is_replication_destination,volume_groups(id)', status: 200, expect: { name: 'gv-m3', is_replication_destination: true, 'volume_groups.0.id': '${groupOnB}' } },
  { name: 'a cycle after the join reaches OK', on: 'a', method: 'GET', path: '/replication_session/${session}?select=state,storage_element_pairs', status: 200, until: { state: 'OK' } },
  // DeleteLocalVolume: remove from the group, then delete at once.
  { name: 'gopowerstore RemoveMembersFromVolumeGroup', on: 'a', method: 'POST', path: '/volume_group/${group}/remove_members', body: { volume_ids: ['${m2}'] }, status: 204 },
  { name: 'the removed member is deletable at once (gopowerstore DeleteVolume)', on: 'a', method: 'DELETE', path: '/volume/${m2}', status: 204 },
  { name: 'both views drop the pair', on: 'b', method: 'GET', path: `/replication_session/\${session}?select=${SESSION_SELECT}`, status: 200, expect: { 'storage_element_pairs.length': 2 } },
  { name: 'the destination group lost the member', on: 'b', method: 'GET', path: `/volume_group/\${groupOnB}?select=${GROUP_SELECT}`, status: 200, expect: { 'volumes.length': 2 } },
  { name: 'the former destination member is ordinary', on: 'b', method: 'GET', path: '/volume?select=id,is_replication_destination&name=eq.gv-m2', status: 200, expect: { length: 1, '0.is_replication_destination': false }, capture: { m2OnB: '0.id' } },
  { name: 'and deletable', on: 'b', method: 'DELETE', path: '/volume/${m2OnB}', status: 204 },
  // DeleteStorageProtectionGroup: unassign, then delete both groups and their members.
  { name: 'unassign the policy from the group', on: 'a', method: 'PATCH', path: '/volume_group/${group}', body: { protection_policy_id: '' }, status: 204 },
  { name: 'no session on B', on: 'b', method: 'GET', path: '/replication_session?select=id', status: 200, expect: { length: 0 } },
  { name: 'the destination group is ordinary', on: 'b', method: 'GET', path: `/volume_group/\${groupOnB}?select=${GROUP_SELECT}`, status: 200, expect: { is_replication_destination: false, protection_policy_id: null } },
  { name: 'delete the destination group with its members (gopowerstore DeleteVolumeGroup)', on: 'b', method: 'DELETE', path: '/volume_group/${groupOnB}', body: { delete_members: true }, status: 204 },
  { name: 'delete the source group with its members', on: 'a', method: 'DELETE', path: '/volume_group/${group}', body: { delete_members: true }, status: 204 },
  { name: 'nothing left on B', on: 'b', method: 'GET', path: '/volume?select=id', status: 200, expect: { length: 0 } },
  { name: 'nothing left on A', on: 'a', method: 'GET', path: '/volume?select=id', status: 200, expect: { length: 0 } },
];
