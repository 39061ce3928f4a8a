// Goal: a volume group replicated through the PowerStore dialect is visible through the ETERNUS
// dialect on both boxes as one REC copy session per member, each with its own number, volumes and
// partner number; suspend and resume of any member act on the whole group with real bytes; the
// group's modes, direction and life stay with the PowerStore dialect (409, nothing changed); a
// member that joins the group shows on both boxes after its first cycle.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { eternusJob, settle, startPair, type Pair } from '../helpers/pair.ts';
import { MiB, type TestSystem } from '../helpers/system.ts';

let p: Pair;
before(async () => {
  p = await startPair();
});
after(() => p.close());

const block = (byte: number) => Buffer.alloc(4096, byte);
const jobOf = (t: TestSystem, r: { status: number; body: any }) => eternusJob(p, t, r);
const numberOf = (t: TestSystem, id: string) => t.system.services.ctx.meta.get('volume', id)!.number;
const copies = async (t: TestSystem) => {
  const r = await t.et('GET', '/copysession');
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body.copysession_list as any[];
};

let sessionId = '';
let groupId = '';
const members: { id: string; name: string; onB: string }[] = [];

test('a protected volume group shows as one copy session per member on both boxes', async () => {
  const a = p.a;
  const rule = await a.ps('POST', '/replication_rule', { name: 'rr-eg', rpo: 'One_Hour', remote_system_id: p.rsOnA });
  const policy = await a.ps('POST', '/policy', { name: 'pp-eg', replication_rule_ids: [rule.body.id] });
  for (const [i, name] of ['eg-m1', 'eg-m2'].entries()) {
    const id = (await a.ps('POST', '/volume', { name, size: 8 * MiB })).body.id as string;
    await a.system.services.ctx.store.write(id, 0, block(i + 1));
    members.push({ id, name, onB: '' });
  }
  // A volume session beside it: member numbers and session numbers never collide.
  const lone = (await a.ps('POST', '/volume', { name: 'eg-lone', size: 8 * MiB, protection_policy_id: policy.body.id })).body.id as string;
  const group = await a.ps('POST', '/volume_group', { name: 'vg-eternus', volume_ids: members.map((m) => m.id), protection_policy_id: policy.body.id });
  assert.equal(group.status, 201, JSON.stringify(group.body));
  groupId = group.body.id;
  const sessions = await a.ps('GET', `/replication_session?select=id&local_resource_id=eq.${groupId}`);
  sessionId = sessions.body[0].id;
  await a.system.services.replication.sync(sessionId);
  await settle(p);
  const onB = await p.b.ps('GET', '/volume_group?select=volumes(id,name)&name=eq.vg-eternus');
  for (const m of members) m.onB = onB.body[0].volumes.find((v: { name: string }) => v.name === m.name).id;

  const onA = await copies(a);
  const listB = await copies(p.b);
  assert.equal(onA.length, 3, 'two members and the lone volume');
  assert.equal(new Set(onA.map((c) => c.copysession_id)).size, 3, 'distinct numbers');
  assert.ok(onA.some((c) => c.source_volume_number === numberOf(a, lone)));
  for (const m of members) {
    const ca = onA.find((c) => c.source_volume_number === numberOf(a, m.id));
    const cb = listB.find((c) => c.destination_volume_number === numberOf(p.b, m.onB));
    assert.ok(ca && cb, `${m.name} shows on both boxes`);
    assert.equal(ca.source_volume_name, m.name);
    assert.equal(ca.destination_volume_number, numberOf(p.b, m.onB), 'the partner volume by its number on box B');
    assert.equal(ca.destination_volume_name, m.name);
    assert.equal(cb.source_volume_number, numberOf(a, m.id));
    assert.equal(ca.remote_copysession_id, cb.copysession_id);
    assert.equal(cb.remote_copysession_id, ca.copysession_id);
    assert.equal(ca.is_local_source_volume, true);
    assert.equal(cb.is_local_source_volume, false);
    assert.equal(ca.status, 'Active');
    assert.equal(ca.phase, 'Equivalent');
    assert.equal(ca.transfer_mode, 'Consistency');
    assert.equal(ca.total_data_size, 8);
    assert.equal(ca.remote_boxid, p.b.system.identity.boxId);
    const one = await a.et('GET', `/copysession/${ca.copysession_id}`);
    assert.deepEqual(one.body, ca);
    const vol = await a.et('GET', `/volume/${numberOf(a, m.id)}/copysession`);
    assert.equal(vol.body.copysession_list.length, 1);
    assert.equal(vol.body.copysession_list[0].backup_volume_list[0].copysession_href, `/api/v1/copysession/${ca.copysession_id}`);
  }
});

test('modes, reverse and delete of a group member are refused with 409 and change nothing', async () => {
  const [first] = (await copies(p.a)).filter((c) => c.source_volume_name.startsWith('eg-m'));
  const n = first.copysession_id;
  const before = p.a.system.services.replication.get(sessionId);
  for (const [method, path, body] of [
    ['PATCH', `/copysession/${n}`, { recovery_mode: 'Manual' }],
    ['POST', `/copysession/${n}/reverse`, {}],
    ['DELETE', `/copysession/${n}?is_forced=true`, undefined],
  ] as const) {
    const r = await p.a.et(method, path, body);
    assert.equal(r.status, 409, `${method} ${path} → ${JSON.stringify(r.body)}`);
    assert.match(r.body.message, new RegExp(`copy session ${n}: it is a member of the replication session of volume group vg-eternus`));
  }
  const now = p.a.system.services.replication.get(sessionId);
  assert.equal(now.state, before.state);
  assert.equal(now.recoveryMode, before.recoveryMode);
  assert.equal(now.role, 'Source');
});

test('suspending one member suspends the group; resume from the other box ships what changed', async () => {
  const list = (await copies(p.a)).filter((c) => c.source_volume_name.startsWith('eg-m'));
  const hrefs = list.map((c) => c.copysession_href).sort();
  const m1 = list.find((c) => c.source_volume_name === 'eg-m1');
  const m2 = list.find((c) => c.source_volume_name === 'eg-m2');
  const job = await jobOf(p.a, await p.a.et('POST', `/copysession/${m1.copysession_id}/suspend`));
  assert.equal(job.status, 'Success', JSON.stringify(job));
  assert.deepEqual([...job.resource_href_list].sort(), hrefs, 'the job names every member it suspended');
  for (const c of (await copies(p.a)).filter((x) => x.source_volume_name.startsWith('eg-m'))) assert.equal(c.phase, 'Suspend');
  assert.equal((await p.a.ps('GET', `/replication_session/${sessionId}?select=state`)).body.state, 'Paused');
  // Suspended: the destination volumes take host writes, the source tracks its own changes.
  const vb = p.b.system.services.ctx.meta.get('volume', members[1]!.onB)!;
  assert.equal(p.b.system.services.replication.isHostWritable(vb), true);
  await p.b.system.services.ctx.store.write(members[1]!.onB, 0, block(0xbb));
  await p.a.system.services.ctx.store.write(members[0]!.id, 4096, block(0x11));
  const tracked = await copies(p.a);
  assert.equal(tracked.find((c) => c.copysession_id === m1.copysession_id).tracking_data_size, 1);
  assert.equal(tracked.find((c) => c.copysession_id === m2.copysession_id).tracking_data_size, 0);

  const onB = (await copies(p.b)).find((c) => c.copysession_id === m2.remote_copysession_id);
  const resumed = await jobOf(p.b, await p.b.et('POST', `/copysession/${onB.copysession_id}/resume`));
  assert.equal(resumed.status, 'Success', JSON.stringify(resumed));
  await p.a.system.services.replication.sync(sessionId);
  await settle(p);
  const storeB = p.b.system.services.ctx.store;
  assert.deepEqual(await storeB.read(members[0]!.onB, 4096, 4096), block(0x11), 'the change made while suspended arrived');
  assert.deepEqual(await storeB.read(members[1]!.onB, 0, 4096), block(2), "the destination's own write was rolled back");
  for (const c of (await copies(p.a)).filter((x) => x.source_volume_name.startsWith('eg-m'))) {
    assert.equal(c.status, 'Active');
    assert.equal(c.phase, 'Equivalent');
  }

  // Both members in one multi-session suspend: one step for the group, not a second that fails.
  const multi = await jobOf(p.a, await p.a.et('POST', '/copysession/suspend', { copysession_id_list: [m1.copysession_id, m2.copysession_id] }));
  assert.equal(multi.status, 'Success', JSON.stringify(multi));
  assert.equal(p.a.system.services.replication.get(sessionId).state, 'Suspended');
  await jobOf(p.a, await p.a.et('POST', `/copysession/${m2.copysession_id}/resume`));
  await p.a.system.services.replication.sync(sessionId);
  await settle(p);
});

test('a member that joins the group shows on both boxes after its first cycle', async () => {
  const a = p.a;
  const m3 = (await a.ps('POST', '/volume', { name: 'eg-m3', size: 8 * MiB })).body.id as string;
  assert.equal((await a.ps('POST', `/volume_group/${groupId}/add_members`, { volume_ids: [m3] })).status, 204);
  await a.system.services.replication.sync(sessionId);
  await settle(p);
  const ca = (await copies(a)).find((c) => c.source_volume_name === 'eg-m3');
  assert.ok(ca, 'the new member shows on box A');
  const cb = (await copies(p.b)).find((c) => c.copysession_id === ca.remote_copysession_id);
  assert.ok(cb, 'and on box B, under the number box A learnt');
  assert.equal(cb.remote_copysession_id, ca.copysession_id);
  assert.equal(cb.destination_volume_name, 'eg-m3');
  const numbers = (await copies(a)).map((c) => c.copysession_id);
  assert.equal(new Set(numbers).size, numbers.length);
});
