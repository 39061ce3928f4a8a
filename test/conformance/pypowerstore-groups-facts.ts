// PyPowerStore 3.4.2 volume group calls the lifecycle run found missing or wrong:
// refresh_volume_group (POST /volume_group/{id}/refresh {from_object_id}) and
// restore_volume_group (POST /volume_group/{id}/restore {from_snap_id}), which answer the backup
// snapshot set's id, and deleting members leaves no empty snapshot sets behind.
import type { Exchange } from './replay.ts';

const MiB = 1024 * 1024;

export const groupRefreshRestore: Exchange[] = [
  { name: 'create_volume m1', on: 'a', method: 'POST', path: '/volume', body: { name: 'pg-m1', size: 8 * MiB }, status: 201, capture: { m1: 'id' } },
  { name: 'create_volume m2', on: 'a', method: 'POST', path: '/volume', body: { name: 'pg-m2', size: 8 * MiB }, status: 201, capture: { m2: 'id' } },
  { name: 'create_volume_group', on: 'a', method: 'POST', path: '/volume_group', body: { name: 'pg', volume_ids: ['${m1}', '${m2}'], is_write_order_consistent: true }, status: 201, capture: { group: 'id' } },
  { name: 'create_volume_group_snapshot', on: 'a', method: 'POST', path: '/volume_group/${group}/snapshot', body: { name: 'pg-snap' }, status: 200, capture: { set: 'id' } },
  { name: 'clone_volume_group', on: 'a', method: 'POST', path: '/volume_group/${group}/clone', body: { name: 'pg-clone' }, status: 200, capture: { clone: 'id' } },
  { name: 'restore_volume_group (backup by default)', on: 'a', method: 'POST', path: '/volume_group/${group}/restore', body: { from_snap_id: '${set}' }, status: 200, expect: { backup_snapshot_id: '<nonempty>' }, capture: { backup: 'backup_snapshot_id' } },
  { name: 'the backup is a snapshot set of the group', on: 'a', method: 'GET', path: '/volume_group/${backup}?select=type,volumes(id)', status: 200, expect: { type: 'Snapshot', 'volumes.length': 2 } },
  { name: 'refresh_volume_group from the group into its clone, no backup', on: 'a', method: 'POST', path: '/volume_group/${clone}/refresh', body: { from_object_id: '${group}', create_backup_snap: false }, status: 204 },
  { name: 'restore from a set of another group is refused', on: 'a', method: 'POST', path: '/volume_group/${clone}/restore', body: { from_snap_id: '${set}' }, status: 422, expect: { 'messages.0.code': '0xE04040040001' } },
  { name: 'restore from an unknown set', on: 'a', method: 'POST', path: '/volume_group/${group}/restore', body: { from_snap_id: 'nope' }, status: 404 },
  { name: 'restore without from_snap_id', on: 'a', method: 'POST', path: '/volume_group/${group}/restore', body: {}, status: 400 },
  { name: 'delete_volume_group with members', on: 'a', method: 'DELETE', path: '/volume_group/${group}', body: { delete_members: true }, status: 204 },
  { name: 'the group\'s snapshot sets went with their member snapshots', on: 'a', method: 'GET', path: '/volume_group?select=id,name&type=eq.Snapshot', status: 200, expect: { length: 0 } },
  { name: 'delete the clone group', on: 'a', method: 'DELETE', path: '/volume_group/${clone}', body: { delete_members: true }, status: 204 },
  { name: 'nothing left', on: 'a', method: 'GET', path: '/volume_group?select=id', status: 200, expect: { length: 0 } },
];
