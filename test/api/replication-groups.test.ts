// Goal: a protected volume group replicates as one: the destination group and its members are
// created with the same names, every member is cut at one instant, and growth and membership
// changes on the source are carried over by the next cycle.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { heartbeats, settle, startPair, type Pair } from '../helpers/pair.ts';
import type { BlockStore } from '../../src/core/ports.ts';
import { MiB } from '../helpers/system.ts';

let p: Pair;
before(async () => {
  p = await startPair();
});
after(() => p.close());

const block = (byte: number) => Buffer.alloc(4096, byte);

/**
 * A group of two 8 MiB members `<memberPrefix>-m1` and `-m2` (m2 holding `m2Data` at 0) on site-a,
 * protected by a policy `pp-<tag>` with a One_Hour rule `rr-<tag>`, its first cycle synced.
 */
async function syncedTwoMemberGroup(tag: string, memberPrefix: string, m2Data: Buffer): Promise<{ m1: string; m2: string; storeA: BlockStore; groupId: string; sessionId: string }> {
  const a = p.a;
  const rule = await a.ps('POST', '/replication_rule', { name: `rr-${tag}`, rpo: 'One_Hour', remote_system_id: p.rsOnA });
  const policy = await a.ps('POST', '/policy', { name: `pp-${tag}`, replication_rule_ids: [rule.body.id] });
  const m1 = (await a.ps('POST', '/volume', { name: `${memberPrefix}-m1`, size: 8 * MiB })).body.id as string;
  const m2 = (await a.ps('POST', '/volume', { name: `${memberPrefix}-m2`, size: 8 * MiB })).body.id as string;
  const storeA = a.system.services.ctx.store;
  await storeA.write(m2, 0, m2Data);
  const group = await a.ps('POST', '/volume_group', { name: `vg-${tag}`, volume_ids: [m1, m2], protection_policy_id: policy.body.id });
  assert.equal(group.status, 201, JSON.stringify(group.body));
  const sessionId = (await a.ps('GET', `/replication_session?select=id&local_resource_id=eq.${group.body.id}`)).body[0].id as string;
  await a.system.services.replication.sync(sessionId);
  return { m1, m2, storeA, groupId: group.body.id as string, sessionId };
}

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
  const { m1, m2, storeA, groupId, sessionId } = await syncedTwoMemberGroup('readd', 'r', block(5));

  // Removed on the source: the destination's replica leaves its group as an ordinary volume, and
  // hosts may use it.
  assert.equal((await a.ps('POST', `/volume_group/${groupId}/remove_members`, { volume_ids: [m2] })).status, 204);
  await a.system.services.replication.sync(sessionId);
  const released = await p.b.ps('GET', '/volume?select=id,is_replication_destination,volume_groups(id)&name=eq.r-m2');
  assert.equal(released.body.length, 1, JSON.stringify(released.body));
  assert.deepEqual(released.body[0].volume_groups, []);
  assert.equal(released.body[0].is_replication_destination, false);
  const storeB = p.b.system.services.ctx.store;
  await storeB.write(released.body[0].id, 0, block(9));

  // Added back: the next cycles ask for a new replica; the name is taken, so it gets a free one.
  await storeA.write(m2, 4096, block(6));
  assert.equal((await a.ps('POST', `/volume_group/${groupId}/add_members`, { volume_ids: [m2] })).status, 204);
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
  assert.equal((await a.ps('POST', `/volume_group/${groupId}/remove_members`, { volume_ids: [m2] })).status, 204);
  await a.system.services.replication.sync(sessionId);
  assert.equal((await a.ps('POST', `/volume_group/${groupId}/add_members`, { volume_ids: [m2] })).status, 204);
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

// Simulation seed 375 (v4): a member removed on the source while the link was down and the
// destination failed over; the reprotect's cycle made the member anew on the old source and
// shipped only the diff from the new source's base, so the new replica missed the older data.
test('a member the destination makes anew gets its data whole, not a diff from a base it never had', async () => {
  const a = p.a;
  const { m1, m2, storeA, groupId, sessionId } = await syncedTwoMemberGroup('anew', 'n', block(7));

  const cut = await a.control('POST', '/faults', { kind: 'link_down' });
  assert.equal(cut.status, 201);
  assert.equal((await a.ps('POST', `/volume_group/${groupId}/remove_members`, { volume_ids: [m2] })).status, 204);
  assert.equal((await p.b.ps('POST', `/replication_session/${sessionId}/failover`, { is_planned: false })).status, 204);
  const m2OnB = (await p.b.ps('GET', '/volume?select=id&name=eq.n-m2')).body[0].id as string;
  const storeB = p.b.system.services.ctx.store;
  await storeB.write(m2OnB, 4096, block(8)); // after the common base
  assert.equal((await a.control('DELETE', `/faults/${cut.body.id}`)).status, 204);
  await heartbeats(p);
  await a.system.services.replication.reconcileWith(p.b.system.identity.id);
  assert.equal((await p.b.ps('POST', `/replication_session/${sessionId}/reprotect`)).status, 204);
  await settle(p);

  const session = await p.b.ps('GET', `/replication_session/${sessionId}?select=state,storage_element_pairs`);
  assert.equal(session.body.state, 'OK');
  const pairOfM2 = session.body.storage_element_pairs.find((e: { local_storage_element_id: string }) => e.local_storage_element_id === m2OnB);
  assert.ok(pairOfM2, 'the member is still in the new source\'s session');
  assert.notEqual(pairOfM2.remote_storage_element_id, m2, 'the old source made it anew: its own n-m2 left the session');
  assert.deepEqual(await storeA.read(pairOfM2.remote_storage_element_id, 0, 4096), block(7), 'data older than the common base arrived');
  assert.deepEqual(await storeA.read(pairOfM2.remote_storage_element_id, 4096, 4096), block(8));
});
