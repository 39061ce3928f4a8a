// Goal: ETERNUS REC copy sessions between two paired systems with real bytes over the peer link:
// create (every refused precondition changes nothing), Consistency reaches Equivalent, a normal
// suspend flushes and makes the destination usable, PATCH of modes while suspended, resume ships
// only the differences and overwrites what the destination wrote, reverse, link loss with
// recovery Automatic and Manual, Through tracks without shipping, multi-suspend Partial_Error,
// tenant refusals, forced delete, and visibility through the PowerStore dialect both ways.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { eternusJob, heartbeats, makeEternusVolume, settle, startPair, tickBoth, type Pair } from '../helpers/pair.ts';
import { MiB, type TestSystem } from '../helpers/system.ts';

let p: Pair;
let boxA = '';
let boxB = '';
let tenantUser = '';
let monitor = '';
before(async () => {
  p = await startPair();
  boxA = p.a.system.identity.boxId;
  boxB = p.b.system.identity.boxId;
  for (const [name, role, tenant] of [
    ['ta', 'StorageAdmin', 'tenant-a'],
    ['mon', 'Monitor', null],
  ] as const) {
    assert.equal((await p.a.control('POST', '/users', { name, password: 'password-123', role, tenant })).status, 201);
  }
  tenantUser = await p.a.etLogin('ta', 'password-123');
  monitor = await p.a.etLogin('mon', 'password-123');
});
after(() => p.close());

const block = (byte: number) => Buffer.alloc(4096, byte);
const as = (bearer: string) => ({ authorization: bearer });

const makeVolume = makeEternusVolume;

const jobOf = (t: TestSystem, r: { status: number; body: any }) => eternusJob(p, t, r);

/** One REC cycle interval on both clocks, then everything it started. */
const tick = (ms = 1000) => tickBoth(p, ms);

let src = { id: '', number: 0 };
let dst = { id: '', number: 0 };
let csA = 0;
let csB = 0;
const cs = async (side: 'a' | 'b') => {
  const r = await p[side].et('GET', `/copysession/${side === 'a' ? csA : csB}`);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body;
};
const readSrc = (offset: number) => p.a.system.services.ctx.store.read(src.id, offset, 4096);
const readDst = (offset: number) => p.b.system.services.ctx.store.read(dst.id, offset, 4096);
const nothingOn = async () => {
  assert.equal((await p.a.et('GET', '/copysession')).body.total_count, 0);
  assert.equal((await p.b.et('GET', '/copysession')).body.total_count, 0);
};

test('create: every refused precondition changes nothing; a Consistency REC reaches Equivalent with real bytes', async () => {
  src = await makeVolume(p.a, 'rec-src', 16);
  dst = await makeVolume(p.b, 'rec-dst', 16);
  const small = await makeVolume(p.b, 'rec-small', 8);
  await p.b.system.services.ctx.store.write(dst.id, 12 * MiB, block(0xee)); // old content: the initial copy overwrites it
  const body = { source_volume_id: src.number, destination_volume_id: dst.number, source_boxid: boxA, destination_boxid: boxB, transfer_mode: 'Consistency' };
  const refused: [Record<string, unknown>, number, Record<string, string> | undefined][] = [
    [{ ...body, transfer_mode: 'Consistency', split_mode: 'Manual' }, 400, undefined], // split_mode is for Synchronous only
    [{ ...body, transfer_mode: 'Fast' }, 400, undefined],
    [{ ...body, split_mode: 'Automatic' }, 400, undefined],
    [{ ...body, destination_volume_id: small.number }, 409, undefined],
    [{ ...body, destination_volume_id: 999999 }, 404, undefined],
    [{ ...body, destination_boxid: 'X'.repeat(40) }, 400, undefined],
    [{ ...body, source_boxid: boxA, destination_boxid: boxA }, 400, undefined],
    [{ ...body, source_volume_id: 999999 }, 404, undefined],
    [body, 403, as(tenantUser)],
    [body, 403, as(monitor)],
  ];
  for (const [b, status, headers] of refused) {
    const r = await p.a.et('POST', '/copysession/rec', b, headers);
    assert.equal(r.status, status, `${JSON.stringify(b)} → ${JSON.stringify(r.body)}`);
    assert.ok(r.body.error_code && r.body.message, 'the dialect error body');
  }
  await nothingOn();
  assert.equal((await p.a.et('GET', '/job')).body.job_list.filter((j: any) => j.description.includes('copysession')).length, 0, 'no job was registered');
  assert.equal((await p.b.ps('GET', `/volume/${dst.id}?select=is_replication_destination`)).body.is_replication_destination, false);

  await p.a.system.services.ctx.store.write(src.id, 0, block(0x11));
  await p.a.system.services.ctx.store.write(src.id, 8 * MiB, block(0x12));
  const job = await jobOf(p.a, await p.a.et('POST', '/copysession/rec', { ...body, recovery_mode: 'Automatic' }));
  assert.equal(job.status, 'Success');
  assert.equal(job.resource_href_list.length, 1);
  csA = Number(job.resource_href_list[0].split('/').pop());
  await tick();
  const a = await cs('a');
  csB = a.remote_copysession_id;
  assert.deepEqual(
    Object.keys(a).sort(),
    [
      'backup_time', 'concurrent_suspend_result', 'copy_range', 'copysession_href', 'copysession_id', 'destination_volume_href', 'destination_volume_name',
      'destination_volume_number', 'elapsed_time', 'error_code', 'error_ocurrence_time', 'generation', 'generation_count', 'is_local_source_volume', 'phase',
      'progress', 'recovery_mode', 'remain_time_to_finish_suspend', 'remote_boxid', 'remote_copysession_id', 'requestor', 'resolution', 'source_volume_href',
      'source_volume_name', 'source_volume_number', 'split_mode', 'status', 'total_data_size', 'tracking_data_size', 'transfer_mode', 'type',
      'uncopied_data_size',
    ].sort(),
  );
  assert.equal(a.type, 'REC');
  assert.equal(a.status, 'Active');
  assert.equal(a.phase, 'Equivalent');
  assert.equal(a.transfer_mode, 'Consistency');
  assert.equal(a.split_mode, 'Manual');
  assert.equal(a.recovery_mode, 'Automatic');
  assert.equal(a.remote_boxid, boxB);
  assert.equal(a.is_local_source_volume, true);
  assert.equal(a.source_volume_number, src.number);
  assert.equal(a.source_volume_href, `/api/v1/volume/${src.number}`);
  assert.equal(a.destination_volume_number, dst.number);
  assert.equal(a.destination_volume_name, 'rec-dst');
  assert.equal(a.total_data_size, 16);
  assert.equal(a.uncopied_data_size, 0);
  assert.equal(a.progress, 100);
  const b = await cs('b');
  assert.equal(b.is_local_source_volume, false);
  assert.equal(b.remote_copysession_id, csA);
  assert.equal(b.remote_boxid, boxA);
  assert.equal(b.destination_volume_href, `/api/v1/volume/${dst.number}`);
  assert.equal(b.source_volume_name, 'rec-src');
  assert.deepEqual(await readDst(0), block(0x11));
  assert.deepEqual(await readDst(8 * MiB), block(0x12));
  assert.deepEqual(await readDst(12 * MiB), Buffer.alloc(4096), 'the destination\'s old content was overwritten by the initial copy');
  assert.equal((await p.b.ps('GET', `/volume/${dst.id}?select=is_replication_destination`)).body.is_replication_destination, true);
  assert.equal((await p.b.et('DELETE', `/volume/${dst.number}`)).status, 409, 'the destination cannot be deleted');
  assert.equal((await p.a.et('DELETE', `/volume/${src.number}`)).status, 409, 'nor the source while paired');
  const again = await p.a.et('POST', '/copysession/rec', body);
  assert.equal(again.status, 409, 'a volume is in one session at a time');

  // Later writes reach the destination within a cycle.
  await p.a.system.services.ctx.store.write(src.id, 4096, block(0x13));
  await tick();
  assert.deepEqual(await readDst(4096), block(0x13));
});

test('the session is one core session: PowerStore and the volume views show it', async () => {
  const sessions = await p.a.ps('GET', `/replication_session?select=id,state,role,type,local_resource_id&local_resource_id=eq.${src.id}`);
  assert.equal(sessions.body.length, 1);
  assert.equal(sessions.body[0].state, 'OK');
  assert.equal(sessions.body[0].role, 'Source');
  const onB = await p.b.ps('GET', `/replication_session/${sessions.body[0].id}?select=role,local_resource_id`);
  assert.deepEqual(onB.body, { role: 'Destination', local_resource_id: dst.id }, 'the same id on both systems');
  const vA = await p.a.et('GET', `/volume/${src.number}/copysession`);
  assert.equal(vA.body.total_count, 1);
  const item = vA.body.copysession_list[0];
  assert.equal(item.is_copy_source_volume, true);
  assert.equal(item.backup_volume_list[0].destination_boxid, boxB);
  assert.equal(item.backup_volume_list[0].backup_type, 'Remote_Mirror');
  assert.equal(item.backup_volume_list[0].copysession_href, `/api/v1/copysession/${csA}`);
  const vB = await p.b.et('GET', '/volume/copysession?is_copy_source_volume=false');
  assert.equal(vB.body.total_count, 1);
  assert.equal(vB.body.copysession_list[0].volume_id, dst.number);
  assert.equal(vB.body.copysession_list[0].source_boxid, boxA);
  assert.equal(vB.body.copysession_list[0].phase, 'Equivalent');
  assert.equal((await p.b.et('GET', '/volume/copysession?is_copy_source_volume=true')).body.total_count, 0);
});

test('a volume in a copy session cannot be expanded (through PowerStore PATCH /volume): refused, the size unchanged on both sides', async () => {
  const before = (await p.a.ps('GET', `/volume/${src.id}?select=size`)).body.size;
  const grown = await p.a.ps('PATCH', `/volume/${src.id}`, { size: before + 8 * MiB });
  assert.equal(grown.status, 422, JSON.stringify(grown.body));
  assert.match(grown.body.messages[0].message_l10n, /copy session .*cannot be expanded/);
  assert.equal((await p.a.ps('GET', `/volume/${src.id}?select=size`)).body.size, before);
  assert.equal(p.a.system.services.ctx.store.sizeBytes(src.id), before, 'the engine volume did not grow either');
  assert.equal((await p.b.ps('GET', `/volume/${dst.id}?select=size`)).body.size, before);
});

test('while not suspended: PATCH, reverse, resume and a normal delete of Consistency are 409 and change nothing', async () => {
  const before = await cs('a');
  for (const [method, path, body] of [
    ['PATCH', `/copysession/${csA}`, { transfer_mode: 'Stack' }],
    ['POST', `/copysession/${csA}/reverse`, undefined],
    ['POST', `/copysession/${csA}/resume`, undefined],
    ['DELETE', `/copysession/${csA}`, undefined],
  ] as const) {
    const r = await p.a.et(method, path, body);
    assert.equal(r.status, 409, `${method} ${path}: ${JSON.stringify(r.body)}`);
  }
  assert.equal((await p.a.et('PATCH', '/copysession/4242', {})).status, 404);
  const after = await cs('a');
  assert.equal(after.transfer_mode, before.transfer_mode);
  assert.equal(after.is_local_source_volume, true);
  assert.equal(after.phase, 'Equivalent');
});

test('normal suspend flushes the last writes; the destination is usable and holds the same bytes', async () => {
  await p.a.system.services.ctx.store.write(src.id, 2 * 4096, block(0x21)); // not shipped yet
  const r = await p.a.et('POST', `/copysession/${csA}/suspend`);
  const job = await jobOf(p.a, r);
  assert.equal(job.status, 'Success');
  assert.deepEqual(job.progress_href_list, [`/api/v1/copysession/${csA}`], 'a Consistency suspend may lag its job');
  const a = await cs('a');
  const b = await cs('b');
  assert.equal(a.phase, 'Suspend');
  assert.equal(b.phase, 'Suspend');
  assert.equal(a.status, 'Active');
  for (const offset of [0, 4096, 2 * 4096, 8 * MiB]) assert.deepEqual(await readDst(offset), await readSrc(offset), `offset ${offset}`);
  const destVolume = p.b.system.services.volumes.get(dst.id);
  assert.equal(p.b.system.services.replication.isHostWritable(destVolume), true, 'hosts may write the suspended destination');
  const ps = await p.a.ps('GET', `/replication_session?select=state&local_resource_id=eq.${src.id}`);
  assert.equal(ps.body[0].state, 'Paused', 'PowerStore shows a suspend as Paused');
  assert.equal((await p.a.et('POST', `/copysession/${csA}/suspend`)).status, 409, 'already suspended');
  await tick(5000);
  assert.equal((await cs('a')).phase, 'Suspend', 'no cycle runs while suspended');
});

test('PATCH while suspended: split_mode with async and unknown modes are 400; mode change applies on both sides', async () => {
  assert.equal((await p.a.et('PATCH', `/copysession/${csA}`, { split_mode: 'Automatic' })).status, 400);
  assert.equal((await p.a.et('PATCH', `/copysession/${csA}`, { transfer_mode: 'Stack', split_mode: 'Manual' })).status, 400);
  assert.equal((await p.a.et('PATCH', `/copysession/${csA}`, { transfer_mode: 'Asynchronous' })).status, 400, 'a PowerStore mode, not an ETERNUS one');
  assert.equal((await p.a.et('PATCH', `/copysession/${csA}`, { recovery_mode: 'Sometimes' })).status, 400);
  assert.equal((await p.a.et('PATCH', `/copysession/${csA}`, { copy_range: 'Totally' })).status, 400);
  assert.equal((await cs('a')).transfer_mode, 'Consistency', 'refused PATCHes changed nothing');
  const job = await jobOf(p.a, await p.a.et('PATCH', `/copysession/${csA}`, { transfer_mode: 'Stack' }));
  assert.equal(job.status, 'Success');
  assert.equal((await cs('a')).transfer_mode, 'Stack');
  assert.equal((await cs('b')).transfer_mode, 'Stack');
  assert.equal((await cs('a')).split_mode, 'Manual');
});

test('resume ships only the source\'s differences and overwrites what the destination wrote while suspended', async () => {
  const storeA = p.a.system.services.ctx.store;
  const storeB = p.b.system.services.ctx.store;
  await storeA.write(src.id, 3 * 4096, Buffer.alloc(8192, 0x31)); // two blocks changed on the source
  await storeB.write(dst.id, 10 * MiB, block(0x99)); // a host wrote the suspended destination
  await storeB.write(dst.id, 0, block(0x98));
  const a = await cs('a');
  assert.equal(a.tracking_data_size, 1, 'changes tracked while suspended (MB, rounded up)');
  const shippedBefore = p.a.system.services.replication.shippedBytes(p.a.system.services.replication.sessionOfVolume(src.id)!.id);
  const job = await jobOf(p.a, await p.a.et('POST', `/copysession/${csA}/resume`));
  assert.equal(job.status, 'Success');
  await tick();
  const shipped = p.a.system.services.replication.shippedBytes(p.a.system.services.replication.sessionOfVolume(src.id)!.id) - shippedBefore;
  assert.equal(shipped, 8192, 'only the two changed blocks crossed the link');
  assert.deepEqual(await readDst(3 * 4096), block(0x31));
  assert.deepEqual(await readDst(4 * 4096), block(0x31));
  assert.deepEqual(await readDst(10 * MiB), Buffer.alloc(4096), 'the destination\'s own write is gone');
  assert.deepEqual(await readDst(0), block(0x11), 'and its overwrite of source data is rolled back');
  const after = await cs('a');
  assert.equal(after.phase, 'Equivalent', 'Stack is Equivalent once drained');
  assert.equal(after.transfer_mode, 'Stack');
  assert.equal(p.b.system.services.replication.isHostWritable(p.b.system.services.volumes.get(dst.id)), false, 'read-only again');
});

test('reverse swaps the direction of a suspended session; resume then copies the other way', async () => {
  await jobOf(p.a, await p.a.et('POST', `/copysession/${csA}/suspend`));
  assert.equal((await cs('a')).phase, 'Suspend');
  const job = await jobOf(p.a, await p.a.et('POST', `/copysession/${csA}/reverse`));
  assert.equal(job.status, 'Success');
  assert.equal((await cs('a')).is_local_source_volume, false);
  assert.equal((await cs('b')).is_local_source_volume, true);
  assert.equal((await cs('b')).source_volume_number, dst.number);
  await p.b.system.services.ctx.store.write(dst.id, 5 * 4096, block(0x41));
  await jobOf(p.a, await p.a.et('POST', `/copysession/${csA}/resume`)); // issued on the new destination box
  await tick();
  assert.deepEqual(await readSrc(5 * 4096), block(0x41), 'site-b\'s write reached site-a');
  assert.equal((await cs('b')).phase, 'Equivalent');
  // And back: suspend, reverse, resume.
  await jobOf(p.b, await p.b.et('POST', `/copysession/${csB}/suspend`));
  await jobOf(p.b, await p.b.et('POST', `/copysession/${csB}/reverse`));
  await jobOf(p.a, await p.a.et('POST', `/copysession/${csA}/resume`));
  await tick();
  assert.equal((await cs('a')).is_local_source_volume, true);
  assert.equal((await cs('a')).phase, 'Equivalent');
});

test('link loss halts the session; recovery Automatic catches up by itself when the link returns', async () => {
  const cut = await p.a.control('POST', '/faults', { kind: 'link_down' });
  assert.equal(cut.status, 201);
  await p.a.system.services.ctx.store.write(src.id, 6 * 4096, block(0x51));
  await heartbeats(p);
  await tick(); // the cycle fails
  const halted = await cs('a');
  assert.equal(halted.status, 'Halt');
  assert.ok(halted.error_ocurrence_time, 'the time of the halt');
  assert.equal(halted.error_code, 'b1');
  assert.equal((await p.a.ps('GET', `/replication_session?select=state&local_resource_id=eq.${src.id}`)).body[0].state, 'System_Paused');
  assert.equal((await p.a.control('DELETE', `/faults/${cut.body.id}`)).status, 204);
  await heartbeats(p);
  await settle(p);
  await tick();
  const back = await cs('a');
  assert.equal(back.status, 'Active');
  assert.equal(back.phase, 'Equivalent');
  assert.equal(back.error_ocurrence_time, null);
  assert.deepEqual(await readDst(6 * 4096), block(0x51));
});

test('recovery Manual stays Halt after the link returns until a forced suspend and a resume', async () => {
  await jobOf(p.a, await p.a.et('POST', `/copysession/${csA}/suspend`));
  await jobOf(p.a, await p.a.et('PATCH', `/copysession/${csA}`, { recovery_mode: 'Manual' }));
  await jobOf(p.a, await p.a.et('POST', `/copysession/${csA}/resume`));
  await tick();
  assert.equal((await cs('b')).recovery_mode, 'Manual');
  const cut = await p.a.control('POST', '/faults', { kind: 'link_down' });
  await p.a.system.services.ctx.store.write(src.id, 7 * 4096, block(0x61));
  await heartbeats(p);
  await tick();
  assert.equal((await cs('a')).status, 'Halt');
  await p.a.control('DELETE', `/faults/${cut.body.id}`);
  await heartbeats(p);
  await settle(p);
  await tick(60_000);
  assert.equal((await cs('a')).status, 'Halt', 'still halted with the link back');
  assert.deepEqual(await readDst(7 * 4096), Buffer.alloc(4096), 'nothing shipped');
  assert.equal((await p.a.et('POST', `/copysession/${csA}/suspend`)).status, 409, 'a halted session needs a forced suspend');
  assert.equal((await p.a.et('POST', `/copysession/${csA}/resume`)).status, 409, 'and cannot be resumed directly');
  const forced = await jobOf(p.a, await p.a.et('POST', `/copysession/${csA}/suspend`, { is_forced: true }));
  assert.equal(forced.status, 'Success');
  assert.equal((await cs('a')).phase, 'Suspend');
  assert.equal((await cs('b')).phase, 'Suspend');
  await jobOf(p.a, await p.a.et('POST', `/copysession/${csA}/resume`));
  await tick();
  assert.equal((await cs('a')).status, 'Active');
  assert.equal((await cs('a')).phase, 'Equivalent');
  assert.deepEqual(await readDst(7 * 4096), block(0x61));
});

test('Through tracks without shipping; multi-suspend reports Partial_Error for the sessions it cannot suspend', async () => {
  const src2 = await makeVolume(p.a, 'rec-src2', 8);
  const dst2 = await makeVolume(p.b, 'rec-dst2', 8);
  const job = await jobOf(p.a, await p.a.et('POST', '/copysession/rec', { source_volume_id: src2.number, destination_volume_id: dst2.number, source_boxid: boxA, destination_boxid: boxB, transfer_mode: 'Through' }));
  const cs2 = Number(job.resource_href_list[0].split('/').pop());
  await p.a.system.services.ctx.store.write(src2.id, 0, block(0x71));
  await tick(5000);
  const through = (await p.a.et('GET', `/copysession/${cs2}`)).body;
  assert.equal(through.transfer_mode, 'Through');
  assert.equal(through.phase, 'Copying', 'changes are tracked, not shipped');
  assert.deepEqual(await p.b.system.services.ctx.store.read(dst2.id, 0, 4096), Buffer.alloc(4096));
  const list = await p.a.et('GET', `/copysession?copysession_id=${csA},${cs2}&fields=transfer_mode`);
  assert.deepEqual(list.body.copysession_list, [
    { copysession_id: csA, transfer_mode: 'Stack' },
    { copysession_id: cs2, transfer_mode: 'Through' },
  ]);
  assert.equal((await p.a.et('POST', '/copysession/suspend', { copysession_id_list: [csA, 999] })).status, 404, 'an unknown id refuses the whole request');
  const multi = await jobOf(p.a, await p.a.et('POST', '/copysession/suspend', { copysession_id_list: [csA, cs2] }));
  assert.equal(multi.status, 'Partial_Error');
  assert.deepEqual(multi.succeeded_resource_href_list, [`/api/v1/copysession/${csA}`]);
  assert.equal(multi.failed_resource_info_list[0].resource_href, `/api/v1/copysession/${cs2}`);
  assert.equal((await cs('a')).phase, 'Suspend');
  // A Through session is not for the single-session suspend, forced or not (§2.6); the
  // multi-session one suspends it with force. Set to Stack and resumed, it ships.
  for (const body of [undefined, { is_forced: true }]) {
    const r = await p.a.et('POST', `/copysession/${cs2}/suspend`, body);
    assert.equal(r.status, 409, JSON.stringify(r.body));
    assert.match(r.body.message, /Through mode is suspended with POST \/copysession\/suspend/);
  }
  assert.equal((await p.a.et('GET', `/copysession/${cs2}`)).body.phase, 'Copying', 'refused, nothing changed');
  const forced = await jobOf(p.a, await p.a.et('POST', '/copysession/suspend', { copysession_id_list: [cs2], is_forced: true }));
  assert.equal(forced.status, 'Success', JSON.stringify(forced));
  await jobOf(p.a, await p.a.et('PATCH', `/copysession/${cs2}`, { transfer_mode: 'Stack' }));
  await jobOf(p.a, await p.a.et('POST', `/copysession/${cs2}/resume`));
  await tick();
  assert.deepEqual(await p.b.system.services.ctx.store.read(dst2.id, 0, 4096), block(0x71));
  assert.equal((await p.a.et('GET', `/copysession/${cs2}`)).body.phase, 'Equivalent');
  // A Stack session in Equivalent deletes without force; the destination is an ordinary volume again.
  const del = await jobOf(p.a, await p.a.et('DELETE', `/copysession/${cs2}`));
  assert.equal(del.status, 'Success');
  assert.equal((await p.a.et('GET', `/copysession/${cs2}`)).status, 404);
  assert.equal((await p.b.et('GET', '/copysession')).body.total_count, 1);
  assert.equal((await p.b.ps('GET', `/volume/${dst2.id}?select=is_replication_destination`)).body.is_replication_destination, false);
});

test('tenant users: no create, reverse or delete; suspend, resume and PATCH only for their tenant\'s local volume', async () => {
  // The session is suspended (multi-suspend above).
  assert.equal((await p.a.et('POST', `/copysession/${csA}/resume`, undefined, as(tenantUser))).status, 403);
  assert.equal((await p.a.et('PATCH', `/copysession/${csA}`, { recovery_mode: 'Automatic' }, as(tenantUser))).status, 403);
  assert.equal((await p.a.et('POST', '/copysession/suspend', { copysession_id_list: [csA] }, as(tenantUser))).status, 403);
  assert.equal((await p.a.et('GET', `/copysession/${csA}`, undefined, as(tenantUser))).status, 200, 'tenant users read every copy session');
  assert.equal((await p.a.control('PUT', `/volumes/${src.number}/tenant`, { tenant: 'tenant-a' })).status, 200);
  assert.equal((await p.a.et('POST', `/copysession/${csA}/reverse`, undefined, as(tenantUser))).status, 403, 'never reverse');
  assert.equal((await p.a.et('DELETE', `/copysession/${csA}`, { is_forced: true }, as(tenantUser))).status, 403, 'never delete');
  assert.equal((await cs('a')).phase, 'Suspend', 'refusals changed nothing');
  const patched = await p.a.et('PATCH', `/copysession/${csA}`, { recovery_mode: 'Automatic' }, as(tenantUser));
  assert.equal(patched.status, 202);
  const resumed = await p.a.et('POST', `/copysession/${csA}/resume`, undefined, as(tenantUser));
  assert.equal(resumed.status, 202);
  await tick();
  const a = await cs('a');
  assert.equal(a.recovery_mode, 'Automatic');
  assert.equal(a.phase, 'Equivalent');
});

test('Consistency sessions delete only with force; the volumes are ordinary again on both sides', async () => {
  await jobOf(p.a, await p.a.et('POST', `/copysession/${csA}/suspend`));
  await jobOf(p.a, await p.a.et('PATCH', `/copysession/${csA}`, { transfer_mode: 'Consistency' }));
  assert.equal((await p.a.et('DELETE', `/copysession/${csA}`)).status, 409);
  assert.equal((await p.a.et('DELETE', `/copysession/${csA}?is_forced=maybe`)).status, 400);
  assert.equal((await cs('a')).transfer_mode, 'Consistency');
  const del = await jobOf(p.a, await p.a.et('DELETE', `/copysession/${csA}`, { is_forced: true }));
  assert.equal(del.status, 'Success');
  await nothingOn();
  assert.equal((await p.b.ps('GET', `/volume/${dst.id}?select=is_replication_destination`)).body.is_replication_destination, false);
  assert.equal((await p.a.et('GET', `/volume/${src.number}/copysession`)).body.total_count, 0);
});

test('a PowerStore-made session shows in the ETERNUS dialect and is not deleted through it', async () => {
  const rule = await p.a.ps('POST', '/replication_rule', { name: 'rr-et', rpo: 'Five_Minutes', remote_system_id: p.rsOnA });
  const policy = await p.a.ps('POST', '/policy', { name: 'pp-et', replication_rule_ids: [rule.body.id] });
  const vol = await p.a.ps('POST', '/volume', { name: 'ps-repl', size: 8 * MiB, protection_policy_id: policy.body.id });
  assert.equal(vol.status, 201, JSON.stringify(vol.body));
  await settle(p);
  const number = p.a.system.services.volumes.get(vol.body.id).number;
  const list = await p.a.et('GET', '/copysession');
  assert.equal(list.body.total_count, 1);
  const item = list.body.copysession_list[0];
  assert.equal(item.source_volume_number, number);
  assert.equal(item.destination_volume_name, 'ps-repl');
  assert.equal(item.transfer_mode, 'Consistency');
  assert.equal(item.phase, 'Equivalent');
  assert.equal((await p.b.et('GET', `/copysession/${item.remote_copysession_id}`)).body.remote_copysession_id, item.copysession_id);
  assert.equal((await p.a.et('DELETE', `/copysession/${item.copysession_id}`, { is_forced: true })).status, 409, 'managed by its protection policy');
  assert.equal((await p.a.et('GET', '/copysession')).body.total_count, 1);
  // Nor are its modes changed through it, suspended or not: its rule decides them.
  await jobOf(p.a, await p.a.et('POST', `/copysession/${item.copysession_id}/suspend`));
  assert.equal((await p.a.et('GET', `/copysession/${item.copysession_id}`)).body.phase, 'Suspend');
  for (const body of [{ recovery_mode: 'Manual' }, { transfer_mode: 'Synchronous' }]) {
    const r = await p.a.et('PATCH', `/copysession/${item.copysession_id}`, body);
    assert.equal(r.status, 409, JSON.stringify(r.body));
    assert.match(r.body.message, /belongs to a protection policy/);
  }
  const after = (await p.a.et('GET', `/copysession/${item.copysession_id}`)).body;
  assert.equal(after.transfer_mode, 'Consistency');
  assert.equal(after.recovery_mode, 'Automatic');
});

test('a REC session paused through PowerStore shows Suspend, and its modes can be changed as when suspended', async () => {
  const s2 = await makeVolume(p.a, 'rec-paused-src', 8);
  const d2 = await makeVolume(p.b, 'rec-paused-dst', 8);
  const job = await jobOf(p.a, await p.a.et('POST', '/copysession/rec', { source_volume_id: s2.number, destination_volume_id: d2.number, source_boxid: boxA, destination_boxid: boxB, transfer_mode: 'Stack' }));
  const n = Number(job.resource_href_list[0].split('/').pop());
  await tick();
  const id = p.a.system.services.replication.list().find((x) => x.number === n)!.id;
  assert.equal((await p.a.ps('POST', `/replication_session/${id}/pause`)).status, 204);
  assert.equal((await p.a.et('GET', `/copysession/${n}`)).body.phase, 'Suspend');
  const patched = await jobOf(p.a, await p.a.et('PATCH', `/copysession/${n}`, { recovery_mode: 'Manual' }));
  assert.equal(patched.status, 'Success', JSON.stringify(patched));
  assert.equal((await p.a.et('GET', `/copysession/${n}`)).body.recovery_mode, 'Manual');
  assert.equal((await p.b.et('GET', `/copysession/${(await p.a.et('GET', `/copysession/${n}`)).body.remote_copysession_id}`)).body.recovery_mode, 'Manual', 'on both boxes');
});
