// Goal: /api/v1 storagesystem, tpp and volume are views over the one core: volumes made in one
// dialect show in the other, creation and deletion run as jobs (Running, then Success, Error or
// Partial_Error), and every refused request leaves no job and no change behind. Jobs are held in
// the Running state by occupying the core's mutation lock, so nothing here depends on timing.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { MiB, startTestSystem, type Reply, type TestSystem } from '../helpers/system.ts';

let t: TestSystem;
before(async () => {
  t = await startTestSystem();
});
after(() => t.close());

/** Holds the mutation lock until the returned function is called. */
function holdLock(): () => Promise<void> {
  let release!: () => void;
  const held = t.system.services.ctx.lock.run(() => new Promise<void>((resolve) => (release = resolve)));
  return async () => {
    release();
    await held;
  };
}

async function jobOf(r: Reply): Promise<any> {
  assert.equal(r.status, 202, JSON.stringify(r.body));
  assert.deepEqual(Object.keys(r.body).sort(), ['job_href', 'job_id']);
  assert.equal(r.body.job_href, `/api/v1/job/${r.body.job_id}`);
  await t.system.services.jobs.drain();
  const job = await t.et('GET', `/job/${r.body.job_id}`);
  assert.equal(job.status, 200);
  return job.body;
}

async function state(): Promise<{ jobs: number; volumes: string[] }> {
  const jobs = (await t.et('GET', '/job')).body.total_count;
  const volumes = (await t.ps('GET', '/volume?select=name')).body.map((v: { name: string }) => v.name).sort();
  return { jobs, volumes };
}

test('storagesystem shows the 40-character Box ID, firmware and remote copy licence; fields projects', async () => {
  const r = await t.et('GET', '/storagesystem');
  assert.equal(r.status, 200);
  assert.equal(r.body.boxid, t.system.services.ctx.identity.boxId);
  assert.equal(r.body.boxid.length, 40);
  assert.equal(r.body.name, 'test-system');
  assert.match(r.body.firmware_version, /^V\d\dL\d\d-\d{4}$/);
  assert.equal(r.body.is_remote_copy_available, true);
  assert.equal(typeof r.body.remote_copy_license_type, 'string');
  assert.deepEqual(await t.et('GET', '/storagesystem?fields=firmware_version').then((x) => x.body), { boxid: r.body.boxid, firmware_version: r.body.firmware_version });
  const tpp = await t.et('GET', '/tpp');
  assert.equal(tpp.body.total_count, 1);
  assert.equal(tpp.body.tpp_list[0].tpp_id, 0);
  assert.equal((await t.et('GET', '/tpp/1')).status, 404);
});

test('POST /volume answers 202; the job is Running while the core is busy, then Success with the href', async () => {
  const release = holdLock();
  const r = await t.et('POST', '/volume', { name: 'et-vol1', capacity: 40, tpp_id: 0 });
  assert.equal(r.status, 202);
  const running = await t.et('GET', `/job/${r.body.job_id}`);
  assert.equal(running.body.status, 'Running');
  assert.deepEqual(running.body.resource_href_list, []);
  await release();
  const job = await jobOf(r);
  assert.equal(job.status, 'Success');
  assert.match(job.description, /^POST \/api\/v1\/volume \{"name":"et-vol1"/);
  assert.match(job.created_time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  assert.deepEqual(job.operation_list, [{ result: 'Succeeded', operation: 'create volume -name et-vol1 -type tpv -pool-number 0 -size 40mb' }]);
  assert.deepEqual(job.progress_href_list, []);
  const href = job.resource_href_list[0];
  const volume = await t.et('GET', href.replace('/api/v1', ''));
  assert.equal(volume.status, 200);
  assert.equal(volume.body.name, 'et-vol1');
  assert.equal(volume.body.capacity, 40);
  assert.equal(volume.body.volume_href, href);
  const ps = await t.ps('GET', '/volume?select=id,size&name=eq.et-vol1');
  assert.equal(ps.body[0].size, 40 * MiB, 'the PowerStore view sees the same volume');
});

test('a volume made through PowerStore shows in /api/v1/volume with volume_id = its number', async () => {
  const made = await t.ps('POST', '/volume', { name: 'ps-vol1', size: 8 * MiB });
  const number = t.system.services.volumes.get(made.body.id).number;
  const r = await t.et('GET', `/volume/${number}`);
  assert.equal(r.status, 200);
  assert.equal(r.body.volume_id, number);
  assert.equal(r.body.name, 'ps-vol1');
  assert.equal(r.body.capacity, 8);
  const list = await t.et('GET', '/volume?fields=name');
  assert.ok(list.body.volume_list.some((v: any) => v.volume_id === number && v.name === 'ps-vol1' && Object.keys(v).length === 2));
  assert.equal(list.body.list_count, list.body.volume_list.length);
  assert.equal(list.body.next_href, undefined);
  const after = await t.et('GET', `/volume?last_get_id=${number}`);
  assert.ok(after.body.volume_list.every((v: any) => v.volume_id > number));
  assert.equal(after.body.total_count, list.body.total_count);
});

test('bad input is refused before the 202: no job, no volume', async () => {
  const before = await state();
  const cases: [unknown, number][] = [
    [{ name: 'x'.repeat(33), capacity: 1, tpp_id: 0 }, 400],
    [{ name: '', capacity: 1, tpp_id: 0 }, 400],
    [{ name: 'a,b', capacity: 1, tpp_id: 0 }, 400],
    [{ name: 'a b', capacity: 1, tpp_id: 0 }, 400],
    [{ name: 'ok', capacity: 0, tpp_id: 0 }, 400],
    [{ name: 'ok', capacity: 1.5, tpp_id: 0 }, 400],
    [{ name: 'ok', capacity: '1', tpp_id: 0 }, 400],
    [{ name: 'ok', tpp_id: 0 }, 400],
    [{ name: 'ok', capacity: 1 }, 400],
    [{ name: 'ok', capacity: 1, tpp_id: 0, colour: 'red' }, 400],
    [{ name: 'ok', capacity: 1, tpp_id: 0, raidgroup_id: 1 }, 400],
    [{ name: 'ok', capacity: 1, tpp_id: 7 }, 404],
    [{ name: 'ok', capacity: 1, raidgroup_id: 1 }, 404],
    [{ name: 'ok', capacity: 1, tpp_id: 0, start_number: 1 }, 400],
    [{ name: 'ok', capacity: 1, tpp_id: 0, count: 0 }, 400],
    [{ name: 'ok', capacity: 1, tpp_id: 0, count: 11, number_of_digits: 1 }, 400],
    [{ name: 'x'.repeat(31), capacity: 1, tpp_id: 0, count: 11 }, 400],
    [{ name: 'et-vol1', capacity: 1, tpp_id: 0 }, 409],
    [{ name: 'et-vol', capacity: 1, tpp_id: 0, count: 2, start_number: 1 }, 409],
  ];
  for (const [body, status] of cases) {
    const r = await t.et('POST', '/volume', body);
    assert.equal(r.status, status, `${JSON.stringify(body).slice(0, 80)} → ${JSON.stringify(r.body)}`);
    assert.match(r.body.error_code, /^[0-9A-F]{4}$/);
  }
  assert.deepEqual(await state(), before);
});

test('count creates serially numbered volumes in one job', async () => {
  const job = await jobOf(await t.et('POST', '/volume', { name: 'bulk', capacity: 1, tpp_id: 0, count: 3, start_number: 8, number_of_digits: 3 }));
  assert.equal(job.status, 'Success');
  assert.equal(job.resource_href_list.length, 3);
  const names = (await t.et('GET', '/volume?fields=name')).body.volume_list.map((v: any) => v.name);
  for (const name of ['bulk008', 'bulk009', 'bulk010']) assert.ok(names.includes(name), name);
});

test('a bulk job whose later item loses a race ends Partial_Error; a single one ends Error', async () => {
  const release = holdLock();
  const bulk = await t.et('POST', '/volume', { name: 'race', capacity: 1, tpp_id: 0, count: 3 });
  // Queued behind the bulk job's first create: take the names later creates want.
  const thief = t.system.services.volumes.create({ name: 'race1', sizeBytes: MiB });
  const thief2 = t.system.services.volumes.create({ name: 'race-single', sizeBytes: MiB });
  const single = await t.et('POST', '/volume', { name: 'race-single', capacity: 1, tpp_id: 0 });
  await release();
  await Promise.all([thief, thief2]);
  const partial = await jobOf(bulk);
  assert.equal(partial.status, 'Partial_Error');
  assert.deepEqual(partial.operation_list.map((o: any) => o.result), ['Succeeded', 'Failed', 'Succeeded']);
  assert.equal(partial.succeeded_resource_href_list.length, 2);
  assert.equal(partial.failed_resource_info_list.length, 1);
  assert.equal(partial.failed_resource_info_list[0].error_code, '0112');
  const failed = await jobOf(single);
  assert.equal(failed.status, 'Error');
  assert.deepEqual(failed.operation_list.map((o: any) => o.result), ['Failed']);
  assert.deepEqual(failed.resource_href_list, []);
});

test('DELETE refuses what PowerStore rules forbid with 409 and no job; otherwise deletes in a job', async () => {
  const made = await t.ps('POST', '/volume', { name: 'attached-vol', size: MiB });
  const host = await t.ps('POST', '/host', { name: 'et-host', os_type: 'Linux', initiators: [{ port_name: 'iqn.2026-01.et', port_type: 'iSCSI' }] });
  assert.equal((await t.ps('POST', `/volume/${made.body.id}/attach`, { host_id: host.body.id })).status, 204);
  const number = t.system.services.volumes.get(made.body.id).number;
  const before = await state();
  const refused = await t.et('DELETE', `/volume/${number}`);
  assert.equal(refused.status, 409);
  assert.match(refused.body.message, /attached/);
  assert.deepEqual(await state(), before);
  assert.equal((await t.et('DELETE', '/volume/999999')).status, 404);
  assert.equal((await t.et('DELETE', '/volume/abc')).status, 400);
  assert.deepEqual(await state(), before);
  await t.ps('POST', `/volume/${made.body.id}/detach`, { host_id: host.body.id });
  const job = await jobOf(await t.et('DELETE', `/volume/${number}`));
  assert.equal(job.status, 'Success');
  assert.deepEqual(job.operation_list, [{ result: 'Succeeded', operation: `delete volume -volume-number ${number}` }]);
  assert.equal((await t.et('GET', `/volume/${number}`)).status, 404);
  assert.equal((await t.ps('GET', `/volume/${made.body.id}`)).status, 404);
});

test('copy session views answer empty lists until REC sessions exist', async () => {
  const all = await t.et('GET', '/volume/copysession');
  assert.deepEqual(all.body, { total_count: 0, list_count: 0, copysession_list: [] });
  const number = (await t.et('GET', '/volume')).body.volume_list[0].volume_id;
  assert.deepEqual((await t.et('GET', `/volume/${number}/copysession`)).body, { total_count: 0, list_count: 0, copysession_list: [] });
  assert.equal((await t.et('GET', '/volume/999999/copysession')).status, 404);
});

test('unknown query parameters and unknown fields are 400', async () => {
  assert.equal((await t.et('GET', '/volume?colour=red')).status, 400);
  assert.equal((await t.et('GET', '/volume?fields=volume_list.name')).status, 400);
  assert.equal((await t.et('GET', '/volume?last_get_id=-1')).status, 400);
});
