// Goal: volume groups (membership, consistent snapshot sets, clones), hosts, policies and
// snapshot rules as clients drive them; the snapshot scheduler takes and expires snapshots on
// an injected clock, with no sleeping.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ManualClock } from '../../src/core/clock.ts';
import { MiB, startTestSystem, type TestSystem } from '../helpers/system.ts';

let t: TestSystem;
const clock = new ManualClock(Date.UTC(2026, 10, 2, 10, 0, 0)); // a Monday
before(async () => {
  t = await startTestSystem({ clock });
});
after(() => t.close());

async function vol(name: string): Promise<string> {
  const r = await t.ps('POST', '/volume', { name, size: 8 * MiB });
  assert.equal(r.status, 201);
  return r.body.id;
}

const VG_SELECT =
  'id,name,description,creation_timestamp,is_protectable, protection_policy_id,protection_policy(name,id),qos_performance_policy_id,qos_performance_policy(id,name),migration_session_id,is_write_order_consistent,placement_rule,type,is_replication_destination,protection_data,is_importing,location_history,type_l10n,volumes(name,id)';

test('volume group: create with members, add/remove, consistent snapshot set, clone, delete', async () => {
  const v1 = await vol('vg-m1');
  const v2 = await vol('vg-m2');
  const v3 = await vol('vg-m3');
  const g = await t.ps('POST', '/volume_group', { name: 'vg1', volume_ids: [v1, v2] });
  assert.equal(g.status, 201);
  let details = await t.ps('GET', `/volume_group/${g.body.id}?select=${encodeURIComponent(VG_SELECT)}`);
  assert.equal(details.body.is_write_order_consistent, true);
  assert.deepEqual(details.body.volumes.map((v: { name: string }) => v.name).sort(), ['vg-m1', 'vg-m2']);
  assert.equal((await t.ps('POST', `/volume_group/${g.body.id}/add_members`, { volume_ids: [v3], force_internal: false })).status, 204);
  const dupName = await t.ps('POST', '/volume_group', { name: 'VG1' });
  assert.equal(dupName.status, 400, 'group names are unique case-insensitively');
  const already = await t.ps('POST', '/volume_group', { name: 'vg2', volume_ids: [v1] });
  assert.equal(already.status, 422, 'a volume belongs to one group');
  assert.equal((await t.ps('GET', '/volume_group?name=eq.vg2')).body.length, 0);

  const store = t.system.services.ctx.store;
  await store.write(v1, 0, Buffer.alloc(4096, 1));
  await store.write(v3, 4096, Buffer.alloc(4096, 3));
  const set = await t.ps('POST', `/volume_group/${g.body.id}/snapshot`, { name: 'vg1-snap' });
  assert.equal(set.status, 200);
  await store.write(v1, 0, Buffer.alloc(4096, 9));
  const setDetails = await t.ps('GET', `/volume_group/${set.body.id}?select=type,protection_data,volumes(id,name)`);
  assert.equal(setDetails.body.type, 'Snapshot');
  assert.equal(setDetails.body.protection_data.source_id, g.body.id);
  assert.equal(setDetails.body.volumes.length, 3);
  const snapOfV1 = t.system.services.ctx.meta.list('volume').find((v) => v.sourceId === v1 && v.volumeGroupId === set.body.id)!;
  assert.deepEqual(await store.read(snapOfV1.id, 0, 4096), Buffer.alloc(4096, 1));
  const sets = await t.ps('GET', `/volume_group?select=id,name&protection_data->>source_id=eq.${g.body.id}&type=eq.Snapshot`);
  assert.deepEqual(sets.body, [{ id: set.body.id, name: 'vg1-snap' }]);
  assert.equal((await t.ps('POST', `/volume_group/${set.body.id}/add_members`, { volume_ids: [v1] })).status, 422);

  const clone = await t.ps('POST', `/volume_group/${g.body.id}/clone`, { name: 'vg1-clone' });
  assert.equal(clone.status, 200);
  assert.equal((await t.ps('GET', `/volume_group/${clone.body.id}?select=volumes(id)`)).body.volumes.length, 3);

  const notMember = await t.ps('POST', `/volume_group/${g.body.id}/remove_members`, { volume_ids: [await vol('loner')] });
  assert.equal(notMember.status, 422);
  assert.match(notMember.body.messages[0].message_l10n, /not part/);
  assert.equal((await t.ps('DELETE', `/volume/${v1}`)).status, 422, 'a member cannot be deleted');
  assert.equal((await t.ps('POST', `/volume_group/${g.body.id}/remove_members`, { volume_ids: [v1] })).status, 204);
  assert.equal((await t.ps('DELETE', `/volume_group/${set.body.id}`)).status, 204);
  assert.equal((await t.ps('DELETE', `/volume_group/${g.body.id}`, { delete_members: true })).status, 204);
  assert.equal((await t.ps('GET', `/volume/${v2}`)).status, 404);
  assert.equal((await t.ps('GET', `/volume/${v1}`)).status, 200, 'a removed member survives');
});

test('policies and snapshot rules: validation, in-use rules, PyPowerStore delete body', async () => {
  const bad = await t.ps('POST', '/snapshot_rule', { name: 'sr-bad', interval: 'Every_Minute', desired_retention: 1 });
  assert.equal(bad.status, 400);
  assert.equal(bad.body.messages[0].code, '0xE04040010005');
  const rule = await t.ps('POST', '/snapshot_rule', { name: 'sr-hourly', interval: 'One_Hour', desired_retention: 2 });
  assert.equal(rule.status, 201);
  const missingRule = await t.ps('POST', '/policy', { name: 'pp-bad', snapshot_rule_ids: ['nope'] });
  assert.equal(missingRule.status, 404);
  assert.equal(missingRule.body.messages[0].code, '0xE0203001000B');
  const empty = await t.ps('POST', '/policy', { name: 'pp-empty', snapshot_rule_ids: null, replication_rule_ids: null });
  assert.equal(empty.status, 400);
  const policy = await t.ps('POST', '/policy', { name: 'pp1', description: 'hourly', snapshot_rule_ids: [rule.body.id] });
  assert.equal(policy.status, 201);
  const p = await t.ps('GET', `/policy/${policy.body.id}?select=*,snapshot_rules(id,name),replication_rules(*)`);
  assert.deepEqual(p.body.snapshot_rules, [{ id: rule.body.id, name: 'sr-hourly' }]);
  assert.deepEqual(p.body.replication_rules, []);
  assert.equal(p.body.type, 'Protection');
  const notIn = await t.ps('PATCH', `/policy/${policy.body.id}`, { remove_snapshot_rule_ids: ['other'] });
  assert.equal(notIn.status, 404);
  assert.equal(notIn.body.messages[0].code, '0xE02020010007');
  assert.equal((await t.ps('DELETE', `/snapshot_rule/${rule.body.id}`, { delete_snaps: false })).status, 422, 'rule in a policy');
  const noRemote = await t.ps('POST', '/replication_rule', { name: 'rr', rpo: 'Five_Minutes', remote_system_id: 'nope' });
  assert.equal(noRemote.status, 404);
});

test('snapshot rules take scheduled snapshots and expire them by retention', async () => {
  const rule = await t.ps('POST', '/snapshot_rule', { name: 'sr-5m', interval: 'Five_Minutes', desired_retention: 1 });
  const policy = await t.ps('POST', '/policy', { name: 'pp-5m', snapshot_rule_ids: [rule.body.id] });
  const id = (await t.ps('POST', '/volume', { name: 'sched-vol', size: 8 * MiB, protection_policy_id: policy.body.id })).body.id;
  const scheduled = async () =>
    (await t.ps('GET', `/volume?select=id,protection_data&protection_data->>source_id=eq.${id}&type=eq.Snapshot`)).body as { protection_data: Record<string, unknown> }[];
  const tick = async (ms: number) => {
    clock.advanceMs(ms);
    await t.system.services.scheduler.tick();
  };
  await tick(60_000);
  assert.equal((await scheduled()).length, 0, 'first sight only arms the schedule');
  await tick(5 * 60_000);
  const first = await scheduled();
  assert.equal(first.length, 1);
  assert.equal(first[0]!.protection_data.creator_type, 'Scheduler');
  assert.equal(first[0]!.protection_data.created_by_rule_name, 'sr-5m');
  await tick(5 * 60_000);
  assert.equal((await scheduled()).length, 2);
  await tick(61 * 60_000);
  const afterExpiry = await scheduled();
  assert.ok(afterExpiry.length <= 2, `expired snapshots are deleted (have ${afterExpiry.length})`);
  assert.equal((await t.ps('DELETE', `/volume/${id}`)).status, 422, 'a protected volume cannot be deleted');
  assert.equal((await t.ps('DELETE', `/policy/${policy.body.id}`)).status, 422, 'an assigned policy cannot be deleted');
  assert.equal((await t.ps('PATCH', `/volume/${id}`, { protection_policy_id: '' })).status, 204);
  assert.equal((await t.ps('DELETE', `/policy/${policy.body.id}`)).status, 204);
});

test('hosts: initiators unique, bad os_type refused', async () => {
  const bad = await t.ps('POST', '/host', { name: 'h-bad', os_type: 'BeOS', initiators: [] });
  assert.equal(bad.status, 400);
  const h = await t.ps('POST', '/host', { name: 'h-a', os_type: 'Linux', initiators: [{ port_name: 'iqn.a', port_type: 'iSCSI' }] });
  assert.equal(h.status, 201);
  const dup = await t.ps('POST', '/host', { name: 'h-b', os_type: 'Linux', initiators: [{ port_name: 'iqn.a', port_type: 'iSCSI' }] });
  assert.equal(dup.status, 422);
  const got = await t.ps('GET', `/host/${h.body.id}?select=name,os_type,initiators,host_initiators`);
  assert.equal(got.body.initiators[0].port_name, 'iqn.a');
  assert.equal((await t.ps('DELETE', `/host/${h.body.id}`)).status, 204);
});
