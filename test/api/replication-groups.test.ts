// Goal: a protected volume group replicates as one: the destination group and its members are
// created with the same names, every member is cut at one instant, and growth and membership
// changes on the source are carried over by the next cycle.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { settle, startPair, type Pair } from '../helpers/pair.ts';
import { MiB } from '../helpers/system.ts';

let p: Pair;
before(async () => {
  p = await startPair();
});
after(() => p.close());

const block = (byte: number) => Buffer.alloc(4096, byte);

test('group replication: same names, consistent members, growth and new members carried over', async () => {
  const a = p.a;
  const rule = await a.ps('POST', '/replication_rule', { name: 'rr-g', rpo: 'One_Hour', remote_system_id: p.rsOnA });
  const policy = await a.ps('POST', '/policy', { name: 'pp-g', replication_rule_ids: [rule.body.id] });
  const m1 = (await a.ps('POST', '/volume', { name: 'g-m1', size: 8 * MiB })).body.id;
  const m2 = (await a.ps('POST', '/volume', { name: 'g-m2', size: 8 * MiB })).body.id;
  const storeA = a.system.services.ctx.store;
  await storeA.write(m1, 0, block(1));
  await storeA.write(m2, 0, block(2));
  const group = await a.ps('POST', '/volume_group', { name: 'vg-repl', volume_ids: [m1, m2], protection_policy_id: policy.body.id });
  assert.equal(group.status, 201, JSON.stringify(group.body));
  const sessions = await a.ps('GET', `/replication_session?select=id,resource_type,storage_element_pairs&local_resource_id=eq.${group.body.id}`);
  assert.equal(sessions.body.length, 1);
  assert.equal(sessions.body[0].resource_type, 'volume_group');
  assert.equal(sessions.body[0].storage_element_pairs.length, 2, 'one pair per member');
  const sessionId = sessions.body[0].id;
  await a.system.services.replication.sync(sessionId);

  const destGroup = await p.b.ps('GET', '/volume_group?select=id,name,is_replication_destination,is_write_order_consistent,volumes(id,name)&name=eq.vg-repl');
  assert.equal(destGroup.body.length, 1);
  assert.equal(destGroup.body[0].is_replication_destination, true);
  assert.deepEqual(destGroup.body[0].volumes.map((v: { name: string }) => v.name).sort(), ['g-m1', 'g-m2']);
  const storeB = p.b.system.services.ctx.store;
  const idOnB = (name: string) => destGroup.body[0].volumes.find((v: { name: string }) => v.name === name).id as string;
  assert.deepEqual(await storeB.read(idOnB('g-m1'), 0, 4096), block(1));
  assert.deepEqual(await storeB.read(idOnB('g-m2'), 0, 4096), block(2));
  assert.equal((await p.b.ps('POST', `/volume_group/${destGroup.body[0].id}/add_members`, { volume_ids: [idOnB('g-m1')] })).status, 422, 'destination membership is frozen');

  // Growth and a new member on the source arrive with the next cycle.
  assert.equal((await a.ps('PATCH', `/volume/${m1}`, { size: 16 * MiB })).status, 204);
  await storeA.write(m1, 12 * MiB, block(3));
  const m3 = (await a.ps('POST', '/volume', { name: 'g-m3', size: 8 * MiB })).body.id;
  await storeA.write(m3, 4096, block(4));
  assert.equal((await a.ps('POST', `/volume_group/${group.body.id}/add_members`, { volume_ids: [m3] })).status, 204);
  await a.system.services.replication.sync(sessionId);
  const grown = await p.b.ps('GET', `/volume/${idOnB('g-m1')}?select=size`);
  assert.equal(grown.body.size, 16 * MiB);
  assert.deepEqual(await storeB.read(idOnB('g-m1'), 12 * MiB, 4096), block(3));
  const after3 = await p.b.ps('GET', '/volume_group?select=volumes(id,name)&name=eq.vg-repl');
  const m3OnB = after3.body[0].volumes.find((v: { name: string }) => v.name === 'g-m3');
  assert.ok(m3OnB, 'the new member exists on the destination');
  assert.deepEqual(await storeB.read(m3OnB.id, 4096, 4096), block(4));
  const pairs = await a.ps('GET', `/replication_session/${sessionId}?select=storage_element_pairs`);
  assert.equal(pairs.body.storage_element_pairs.length, 3);
});

test('a member removed and added back gets a new replica under a free name; the released volume stays the user\'s', async () => {
  const a = p.a;
  const rule = await a.ps('POST', '/replication_rule', { name: 'rr-readd', rpo: 'One_Hour', remote_system_id: p.rsOnA });
  const policy = await a.ps('POST', '/policy', { name: 'pp-readd', replication_rule_ids: [rule.body.id] });
  const m1 = (await a.ps('POST', '/volume', { name: 'r-m1', size: 8 * MiB })).body.id;
  const m2 = (await a.ps('POST', '/volume', { name: 'r-m2', size: 8 * MiB })).body.id;
  const storeA = a.system.services.ctx.store;
  await storeA.write(m2, 0, block(5));
  const group = await a.ps('POST', '/volume_group', { name: 'vg-readd', volume_ids: [m1, m2], protection_policy_id: policy.body.id });
  assert.equal(group.status, 201, JSON.stringify(group.body));
  const sessionId = (await a.ps('GET', `/replication_session?select=id&local_resource_id=eq.${group.body.id}`)).body[0].id as string;
  await a.system.services.replication.sync(sessionId);

  // Removed on the source: the destination's replica leaves its group as an ordinary volume, and
  // hosts may use it.
  assert.equal((await a.ps('POST', `/volume_group/${group.body.id}/remove_members`, { volume_ids: [m2] })).status, 204);
  await a.system.services.replication.sync(sessionId);
  const released = await p.b.ps('GET', '/volume?select=id,is_replication_destination,volume_groups(id)&name=eq.r-m2');
  assert.equal(released.body.length, 1, JSON.stringify(released.body));
  assert.deepEqual(released.body[0].volume_groups, []);
  assert.equal(released.body[0].is_replication_destination, false);
  const storeB = p.b.system.services.ctx.store;
  await storeB.write(released.body[0].id, 0, block(9));

  // Added back: the next cycles ask for a new replica; the name is taken, so it gets a free one.
  await storeA.write(m2, 4096, block(6));
  assert.equal((await a.ps('POST', `/volume_group/${group.body.id}/add_members`, { volume_ids: [m2] })).status, 204);
  await a.system.services.replication.sync(sessionId);
  const state = await a.ps('GET', `/replication_session/${sessionId}?select=state,storage_element_pairs`);
  assert.equal(state.body.state, 'OK');
  assert.equal(state.body.storage_element_pairs.length, 2);
  const members = (await p.b.ps('GET', '/volume_group?select=volumes(id,name)&name=eq.vg-readd')).body[0].volumes as { id: string; name: string }[];
  assert.deepEqual(members.map((v) => v.name).sort(), ['r-m1', 'r-m2.replica']);
  const replica = members.find((v) => v.name === 'r-m2.replica')!;
  assert.notEqual(replica.id, released.body[0].id);
  assert.deepEqual(await storeB.read(replica.id, 0, 4096), block(5), 'the new replica holds the source');
  assert.deepEqual(await storeB.read(replica.id, 4096, 4096), block(6));
  assert.deepEqual(await storeB.read(released.body[0].id, 0, 4096), block(9), 'the released volume keeps what hosts wrote');
  const pairOfM2 = state.body.storage_element_pairs.find((e: { local_storage_element_id: string }) => e.local_storage_element_id === m2);
  assert.equal(pairOfM2.remote_storage_element_id, replica.id);

  // Once more: the first free name of the series.
  assert.equal((await a.ps('POST', `/volume_group/${group.body.id}/remove_members`, { volume_ids: [m2] })).status, 204);
  await a.system.services.replication.sync(sessionId);
  assert.equal((await a.ps('POST', `/volume_group/${group.body.id}/add_members`, { volume_ids: [m2] })).status, 204);
  await a.system.services.replication.sync(sessionId);
  assert.equal((await a.ps('GET', `/replication_session/${sessionId}?select=state`)).body.state, 'OK');
  const again = (await p.b.ps('GET', '/volume_group?select=volumes(name)&name=eq.vg-readd')).body[0].volumes as { name: string }[];
  assert.deepEqual(again.map((v) => v.name).sort(), ['r-m1', 'r-m2.replica-2']);
});

test('a group whose session is still being deleted (its policy removed with the link down) cannot be deleted until the session is gone', async () => {
  const a = p.a;
  const rule = await a.ps('POST', '/replication_rule', { name: 'rr-gd', rpo: 'One_Hour', remote_system_id: p.rsOnA });
  const policy = await a.ps('POST', '/policy', { name: 'pp-gd', replication_rule_ids: [rule.body.id] });
  const m1 = (await a.ps('POST', '/volume', { name: 'gd-m1', size: 8 * MiB })).body.id;
  const group = await a.ps('POST', '/volume_group', { name: 'vg-gd', volume_ids: [m1], protection_policy_id: policy.body.id });
  assert.equal(group.status, 201, JSON.stringify(group.body));
  const cut = await a.control('POST', '/faults', { kind: 'link_down' });
  assert.equal(cut.status, 201);
  assert.equal((await a.ps('PATCH', `/volume_group/${group.body.id}`, { protection_policy_id: '' })).status, 204);
  const [session] = (await a.ps('GET', `/replication_session?select=id,state&local_resource_id=eq.${group.body.id}`)).body;
  assert.equal(session.state, 'Deleting', 'the peer cannot be told: the session waits');
  const refused = await a.ps('DELETE', `/volume_group/${group.body.id}`, { delete_members: true });
  assert.equal(refused.status, 422, JSON.stringify(refused.body));
  assert.match(refused.body.messages[0].message_l10n, /being deleted/);
  assert.equal((await a.ps('GET', `/volume/${m1}?select=id`)).status, 200, 'the member is still there');
  assert.equal((await a.ps('GET', `/volume_group/${group.body.id}?select=id`)).status, 200, 'and so is the group');
  assert.equal((await a.control('DELETE', `/faults/${cut.body.id}`)).status, 204);
  for (let i = 0; i < 5 && (await a.ps('GET', `/replication_session/${session.id}`)).status !== 404; i++) {
    await p.clockA.advanceMs(10_000);
    await settle(p);
  }
  assert.equal((await a.ps('GET', `/replication_session/${session.id}`)).status, 404, 'the session is gone once the peer hears');
  assert.equal((await a.ps('DELETE', `/volume_group/${group.body.id}`, { delete_members: true })).status, 204);
  assert.equal((await a.ps('GET', `/volume/${m1}?select=id`)).status, 404);
});
