// Goal: the /volume resource as PyPowerStore and gopowerstore drive it — create, query with their
// exact select lists and filters, modify, snapshot, clone, refresh, restore, attach, detach,
// delete — and every refused input answers the vendor's error and changes nothing.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { MiB, startTestSystem, type TestSystem } from '../helpers/system.ts';

let t: TestSystem;
before(async () => {
  t = await startTestSystem();
});
after(() => t.close());

const VOL_SELECT =
  'id,name,description,type,wwn,nsid,nguid,appliance_id,state,size,logical_used,node_affinity,creation_timestamp,protection_policy_id,performance_policy_id,qos_performance_policy_id,is_replication_destination,migration_session_id,metro_replication_session_id,is_host_access_available,protection_data,location_history,app_type,app_type_other,type_l10n,state_l10n,node_affinity_l10n,app_type_l10n,volume_groups(name,id), protection_policy(name,id)';

async function createVolume(name: string, size = 8 * MiB, extra: Record<string, unknown> = {}): Promise<string> {
  const r = await t.ps('POST', '/volume', { name, size, ...extra });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  assert.deepEqual(Object.keys(r.body), ['id']);
  return r.body.id;
}

async function snapshotOfState(): Promise<string> {
  const vols = await t.ps('GET', '/volume?select=*&order=name');
  const maps = await t.ps('GET', '/host_volume_mapping?select=*');
  return JSON.stringify([vols.body, maps.body]);
}

test('create, then read back with PyPowerStore 4.x select list', async () => {
  const id = await createVolume('vol-a', 16 * MiB, { description: 'first' });
  const r = await t.ps('GET', `/volume?select=${encodeURIComponent(VOL_SELECT)}&name=eq.vol-a`);
  assert.equal(r.status, 200);
  assert.equal(r.body.length, 1);
  const v = r.body[0];
  assert.equal(v.id, id);
  assert.equal(v.size, 16 * MiB);
  assert.equal(v.type, 'Primary');
  assert.equal(v.state, 'Ready');
  assert.equal(v.is_replication_destination, false);
  assert.deepEqual(v.volume_groups, []);
  assert.equal(v.protection_policy, null);
  assert.equal(v.logical_used, 0);
  const topLevel = VOL_SELECT.replace(/\([^)]*\)/g, '').split(',').map((f) => f.trim());
  for (const field of topLevel) assert.ok(field in v, `field ${field} answered`);
  const bare = await t.ps('GET', '/volume');
  assert.deepEqual(Object.keys(bare.body[0]), ['id'], 'without select only id');
  const byName = await t.ps('GET', `/volume/name:vol-a?select=name`);
  assert.equal(byName.body.name, 'vol-a');
});

test('refused inputs answer the vendor error and change nothing', async () => {
  await createVolume('vol-dup');
  const before = await snapshotOfState();
  const cases: [unknown, number, string][] = [
    [{ name: 'x1', size: 8 * MiB, bogus: 1 }, 400, '0xE04040030001'],
    [{ size: 8 * MiB }, 400, '0xE04040030001'],
    [{ name: 'x2' }, 400, '0xE04040030001'],
    [{ name: 'x3', size: '8388608' }, 400, '0xE04040030001'],
    [{ name: 'x4', size: 8 * MiB + 512 }, 400, '0xE04040030001'],
    [{ name: 'x5', size: 1024 }, 400, '0xE04040030001'],
    [{ name: 'vol-dup', size: 8 * MiB }, 422, ''],
    [{ name: 'x6', size: 8 * MiB, volume_group_id: 'no-such-vg' }, 404, ''],
    [{ name: 'x7', size: 8 * MiB, protection_policy_id: 'no-such-policy' }, 404, '0xE0A090010001'],
    [{ name: 'x8', size: 8 * MiB, host_id: 'no-such-host' }, 404, ''],
    [{ name: '', size: 8 * MiB }, 400, ''],
    ['{not json', 400, ''],
  ];
  for (const [body, status, code] of cases) {
    const r = await t.ps('POST', '/volume', body);
    assert.equal(r.status, status, `${JSON.stringify(body)} → ${JSON.stringify(r.body)}`);
    assert.ok(Array.isArray(r.body.messages) && r.body.messages[0].message_l10n, 'error_response body');
    if (code) assert.equal(r.body.messages[0].code, code);
  }
  assert.equal(await snapshotOfState(), before);
  const unknownId = await t.ps('GET', '/volume/00000000-0000-0000-0000-000000000000');
  assert.equal(unknownId.status, 404);
  const badFilter = await t.ps('GET', '/volume?size=zz.1');
  assert.equal(badFilter.status, 400);
});

test('modify: rename, grow only, and unknown properties refused', async () => {
  const id = await createVolume('vol-mod', 8 * MiB);
  assert.equal((await t.ps('PATCH', `/volume/${id}`, { name: 'vol-mod2', size: 16 * MiB, description: '' })).status, 204);
  let v = (await t.ps('GET', `/volume/${id}?select=name,size,description`)).body;
  assert.deepEqual(v, { name: 'vol-mod2', size: 16 * MiB, description: '' });
  const shrink = await t.ps('PATCH', `/volume/${id}`, { size: 8 * MiB });
  assert.equal(shrink.status, 422);
  const unknown = await t.ps('PATCH', `/volume/${id}`, { name: 'zz', sizee: 1 });
  assert.equal(unknown.status, 400);
  assert.match(unknown.body.messages[0].message_l10n, /sizee/);
  v = (await t.ps('GET', `/volume/${id}?select=name,size`)).body;
  assert.deepEqual(v, { name: 'vol-mod2', size: 16 * MiB }, 'refused modifies changed nothing');
  assert.equal((await t.ps('PATCH', `/volume/${id}`)).status, 204, 'an empty PATCH is accepted');
});

test('snapshots, clones, restore and refresh hold the right bytes', async () => {
  const store = t.system.services.ctx.store;
  const id = await createVolume('vol-data', 8 * MiB);
  const a = Buffer.alloc(4096, 0xaa);
  const b = Buffer.alloc(4096, 0xbb);
  await store.write(id, 0, a);
  const snap = await t.ps('POST', `/volume/${id}/snapshot`, { name: 'vol-data-snap1', description: 'before b' });
  assert.equal(snap.status, 200);
  const snapId = snap.body.id;
  await store.write(id, 0, b);
  const snaps = await t.ps('GET', `/volume?select=id,name&protection_data->>source_id=eq.${id}&type=eq.Snapshot`);
  assert.deepEqual(snaps.body, [{ id: snapId, name: 'vol-data-snap1' }]);
  const snapDetails = (await t.ps('GET', `/volume/${snapId}?select=type,protection_data,size`)).body;
  assert.equal(snapDetails.type, 'Snapshot');
  assert.equal(snapDetails.protection_data.source_id, id);
  assert.deepEqual(await store.read(snapId, 0, 4096), a);

  const clone = await t.ps('POST', `/volume/${snapId}/clone`, { name: 'vol-data-clone' });
  assert.equal(clone.status, 200);
  assert.deepEqual(await store.read(clone.body.id, 0, 4096), a, 'clone of the snapshot reads the snapshot bytes');
  await store.write(clone.body.id, 0, b);
  assert.deepEqual(await store.read(snapId, 0, 4096), a, 'writing the clone leaves the snapshot alone');

  const restore = await t.ps('POST', `/volume/${id}/restore`, { from_snap_id: snapId, backup_snap_profile: {} });
  assert.equal(restore.status, 200);
  assert.ok(restore.body.backup_snapshot_id);
  assert.deepEqual(await store.read(id, 0, 4096), a, 'restore brings the snapshot bytes back');
  assert.deepEqual(await store.read(restore.body.backup_snapshot_id, 0, 4096), b, 'backup snapshot kept the pre-restore bytes');

  const refresh = await t.ps('POST', `/volume/${clone.body.id}/refresh`, { from_object_id: id, create_backup_snap: false });
  assert.equal(refresh.status, 204);
  assert.deepEqual(await store.read(clone.body.id, 0, 4096), a);

  const wrongRestore = await t.ps('POST', `/volume/${clone.body.id}/restore`, { from_snap_id: snapId });
  assert.equal(wrongRestore.status, 422, 'a snapshot of another volume cannot restore this one');

  const other = await createVolume('vol-other');
  const wrongRefresh = await t.ps('POST', `/volume/${other}/refresh`, { from_object_id: id });
  assert.equal(wrongRefresh.status, 422, 'refresh only within one family');
});

test('attach and detach through host mappings, delete rules', async () => {
  const host = await t.ps('POST', '/host', { name: 'host-1', os_type: 'Linux', initiators: [{ port_name: 'iqn.2026-01.host1', port_type: 'iSCSI' }] });
  assert.equal(host.status, 201);
  const id = await createVolume('vol-att');
  assert.equal((await t.ps('POST', `/volume/${id}/attach`, { host_id: host.body.id, logical_unit_number: 5 })).status, 204);
  const maps = await t.ps('GET', `/host_volume_mapping?select=id, host_id, host_group_id,logical_unit_number&volume_id=eq.${id}`);
  assert.equal(maps.body.length, 1);
  assert.equal(maps.body[0].logical_unit_number, 5);
  assert.equal(maps.body[0].host_group_id, null);
  assert.equal((await t.ps('DELETE', `/volume/${id}`)).status, 422, 'attached volume cannot be deleted');
  assert.equal((await t.ps('DELETE', `/host/${host.body.id}`)).status, 422, 'host with volumes cannot be deleted');
  assert.equal((await t.ps('POST', `/volume/${id}/detach`, { host_id: host.body.id })).status, 204);
  const again = await t.ps('POST', `/volume/${id}/detach`, { host_id: host.body.id });
  assert.equal(again.status, 422);
  const snap = await t.ps('POST', `/volume/${id}/snapshot`, {});
  assert.equal(snap.status, 200);
  assert.equal((await t.ps('DELETE', `/volume/${id}`, { immediate: true })).status, 204);
  assert.equal((await t.ps('GET', `/volume/${id}`)).status, 404);
  assert.equal((await t.ps('GET', `/volume/${snap.body.id}`)).status, 404, 'deleting a volume deletes its snapshots');
  assert.equal(t.system.services.ctx.store.hasVolume(id), false);
});

test('concurrent creates with one name: exactly one wins, no corruption', async () => {
  const results = await Promise.all(Array.from({ length: 20 }, () => t.ps('POST', '/volume', { name: 'race', size: 8 * MiB })));
  assert.equal(results.filter((r) => r.status === 201).length, 1);
  assert.equal(results.filter((r) => r.status === 422).length, 19);
  const distinct = await Promise.all(Array.from({ length: 20 }, (_, i) => t.ps('POST', '/volume', { name: `par-${i}`, size: 8 * MiB })));
  assert.ok(distinct.every((r) => r.status === 201));
  const listed = await t.ps('GET', '/volume?select=id,name&name=like.par-*');
  assert.equal(listed.body.length, 20);
  const ids = new Set(t.system.services.ctx.store.volumeIds());
  for (const v of listed.body) assert.ok(ids.has(v.id), 'every listed volume exists in the engine');
});

test('is_async=true answers 202 with a job that completes with the result', async () => {
  const r = await t.ps('POST', '/volume?is_async=true', { name: 'vol-async', size: 8 * MiB });
  assert.equal(r.status, 202);
  await t.system.services.jobs.drain();
  const job = await t.ps('GET', `/job/${r.body.id}?select=id,state,phase,progress_percentage,response_body,resource_action,resource_type`);
  assert.equal(job.body.state, 'COMPLETED');
  assert.equal(job.body.phase, 'Completed');
  assert.equal(job.body.progress_percentage, 100);
  assert.equal(job.body.resource_action, 'create');
  const created = await t.ps('GET', '/volume?select=id&name=eq.vol-async');
  assert.equal(job.body.response_body.id, created.body[0].id);
  const failing = await t.ps('POST', '/volume?is_async=true', { name: 'vol-async', size: 8 * MiB });
  await t.system.services.jobs.drain();
  const failed = await t.ps('GET', `/job/${failing.body.id}?select=state,response_body`);
  assert.equal(failed.body.state, 'FAILED');
  assert.equal(failed.body.response_body.response_type, 'job_error_response');
  // The failure carries PowerStore's code and status, as the synchronous request would have answered.
  assert.equal(failed.body.response_body.messages[0].code, '0xE0A07001000B');
  assert.equal((await t.ps('GET', `/job/${failing.body.id}?select=response_status`)).body.response_status, '422');
  const bad = await t.ps('POST', '/volume?is_async=true', { name: 'x', size: 8 * MiB, nope: true });
  assert.equal(bad.status, 400, 'schema errors are refused at once, not as a job');
});

test('paging: Range and limit follow the PowerStore guide', async () => {
  for (let i = 0; i < 5; i++) await createVolume(`page-${i}`);
  const r = await t.ps('GET', '/volume?select=name&name=like.page-*&order=name&limit=2');
  assert.equal(r.status, 206);
  assert.equal(r.headers['content-range'], '0-1/5');
  const ranged = await t.ps('GET', '/volume?select=name&name=like.page-*&order=name', undefined, { range: '2-10' });
  assert.deepEqual(ranged.body.map((v: { name: string }) => v.name), ['page-2', 'page-3', 'page-4']);
  const past = await t.ps('GET', '/volume?select=name&name=like.page-*&offset=10');
  assert.equal(past.status, 416);
});

test('support resources answer what clients probe first', async () => {
  const sw = await t.ps('GET', '/software_installed?select=release_version');
  assert.equal(sw.body[0].release_version, '4.1.0.0');
  const cluster = await t.ps('GET', '/cluster?select=id,global_id,name,management_address,state');
  assert.equal(cluster.body[0].name, 'test-system');
  assert.ok(cluster.body[0].global_id);
  const appliance = await t.ps('GET', '/appliance?select=id,name');
  assert.equal(appliance.body[0].id, 'A1');
  const unknown = await t.ps('GET', '/nonexistent');
  assert.equal(unknown.status, 404);
});
