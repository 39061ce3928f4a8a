// Goal: ETERNUS roles, job ownership and tenants. Roles map onto Tandem's (Admin = Administrator,
// StorageAdmin = Storage_Administrator, Monitor = Operator); a Monitor may read but not create
// (403, nothing registered); jobs are visible only to their owner and vanish 30 minutes after
// they finish (manual clock); tenant users see and delete only their tenant's volumes; the control
// API sets a volume's tenant by either dialect's id and refuses bad requests without a change.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ManualClock } from '../../src/core/clock.ts';
import { MiB, startTestSystem, type TestSystem } from '../helpers/system.ts';

let t: TestSystem;
const clock = new ManualClock();
let monitor: string;
let storage: string;
let tenantA: string;
before(async () => {
  t = await startTestSystem({ clock });
  for (const [name, role, tenant] of [
    ['mon', 'Monitor', null],
    ['sto', 'StorageAdmin', null],
    ['ta', 'Storage_Administrator', 'tenant-a'],
  ] as const) {
    const r = await t.control('POST', '/users', { name, password: 'password-123', role, tenant });
    assert.equal(r.status, 201, JSON.stringify(r.body));
  }
  monitor = await t.etLogin('mon', 'password-123');
  storage = await t.etLogin('sto', 'password-123');
  tenantA = await t.etLogin('ta', 'password-123');
});
after(() => t.close());

const as = (bearer: string) => ({ authorization: bearer });

test('auth_list follows the role; a Monitor reads but gets 403 on create and delete, with no job', async () => {
  const session = await t.et('POST', '/session', { user_name: 'mon', password: 'password-123' }, { authorization: '' });
  const info = await t.et('GET', `/session/${session.body.session_id}`, undefined, as(`Bearer ${session.body.token}`));
  assert.deepEqual(info.body.auth_list, ['Status_Display']);
  assert.equal((await t.et('GET', '/volume', undefined, as(monitor))).status, 200);
  const refused = await t.et('POST', '/volume', { name: 'mon-vol', capacity: 1, tpp_id: 0 }, as(monitor));
  assert.equal(refused.status, 403);
  assert.equal((await t.et('GET', '/job', undefined, as(monitor))).body.total_count, 0);
  const made = await t.ps('POST', '/volume', { name: 'victim', size: MiB });
  const number = t.system.services.volumes.get(made.body.id).number;
  assert.equal((await t.et('DELETE', `/volume/${number}`, undefined, as(monitor))).status, 403);
  assert.equal((await t.et('GET', `/volume/${number}`)).status, 200, 'still there');
  assert.equal((await t.ps('GET', '/volume?name=eq.mon-vol')).body.length, 0);
});

test('jobs are visible only to their owner and are gone 30 minutes after they finish', async () => {
  const r = await t.et('POST', '/volume', { name: 'sto-vol', capacity: 1, tpp_id: 0 }, as(storage));
  assert.equal(r.status, 202);
  await t.system.services.jobs.drain();
  const mine = await t.et('GET', `/job/${r.body.job_id}`, undefined, as(storage));
  assert.equal(mine.body.status, 'Success');
  assert.equal((await t.et('GET', `/job/${r.body.job_id}`)).status, 404, 'admin does not see another user\'s job');
  assert.ok(!(await t.et('GET', '/job')).body.job_list.some((j: any) => j.job_id === r.body.job_id));
  const listed = await t.et('GET', '/job?fields=status', undefined, as(storage));
  assert.deepEqual(listed.body.job_list, [{ job_id: r.body.job_id, status: 'Success' }]);
  clock.advanceMs(30 * 60_000 - 1000);
  storage = await t.etLogin('sto', 'password-123');
  assert.equal((await t.et('GET', `/job/${r.body.job_id}`, undefined, as(storage))).status, 200);
  clock.advanceMs(1000);
  assert.equal((await t.et('GET', `/job/${r.body.job_id}`, undefined, as(storage))).status, 404);
  assert.equal((await t.et('GET', '/job', undefined, as(storage))).body.total_count, 0);
  tenantA = await t.etLogin('ta', 'password-123');
  monitor = await t.etLogin('mon', 'password-123');
});

test('a finished job can be deleted by its owner only', async () => {
  const r = await t.et('POST', '/volume', { name: 'del-job-vol', capacity: 1, tpp_id: 0 }, as(storage));
  await t.system.services.jobs.drain();
  assert.equal((await t.et('DELETE', `/job/${r.body.job_id}`)).status, 404);
  assert.equal((await t.et('DELETE', `/job/${r.body.job_id}`, undefined, as(storage))).status, 200);
  assert.equal((await t.et('GET', `/job/${r.body.job_id}`, undefined, as(storage))).status, 404);
});

test('tenant users see, read and delete only their tenant\'s volumes; their new volumes join the tenant', async () => {
  const other = await t.ps('POST', '/volume', { name: 'untenanted', size: MiB });
  const otherNumber = t.system.services.volumes.get(other.body.id).number;
  assert.equal((await t.et('GET', '/volume', undefined, as(tenantA))).body.total_count, 0);
  assert.equal((await t.et('GET', `/volume/${otherNumber}`, undefined, as(tenantA))).status, 404);
  assert.equal((await t.et('DELETE', `/volume/${otherNumber}`, undefined, as(tenantA))).status, 404);
  assert.equal((await t.et('GET', `/volume/${otherNumber}`)).status, 200, 'the refused delete changed nothing');

  const r = await t.et('POST', '/volume', { name: 'ta-vol', capacity: 2, tpp_id: 0 }, as(tenantA));
  await t.system.services.jobs.drain();
  const job = (await t.et('GET', `/job/${r.body.job_id}`, undefined, as(tenantA))).body;
  assert.equal(job.status, 'Success');
  const list = await t.et('GET', '/volume', undefined, as(tenantA));
  assert.deepEqual(list.body.volume_list.map((v: any) => [v.name, v.tenant_name]), [['ta-vol', 'tenant-a']]);
  assert.ok((await t.et('GET', '/volume')).body.volume_list.some((v: any) => v.name === 'ta-vol'), 'admin (no tenant) sees it too');

  const moved = await t.control('PUT', `/volumes/${otherNumber}/tenant`, { tenant: 'tenant-a' });
  assert.equal(moved.status, 200);
  assert.deepEqual(moved.body, { id: other.body.id, volume_id: otherNumber, name: 'untenanted', tenant: 'tenant-a' });
  assert.equal((await t.et('GET', '/volume', undefined, as(tenantA))).body.total_count, 2);
  const job2 = await t.et('DELETE', `/volume/${otherNumber}`, undefined, as(tenantA));
  assert.equal(job2.status, 202);
  assert.equal((await t.ps('GET', `/volume/${other.body.id}`)).status, 404);
});

test('PUT /tandem/v1/volumes/{id}/tenant takes a UUID or a volume_id; bad requests change nothing', async () => {
  const made = await t.ps('POST', '/volume', { name: 'tenant-target', size: MiB });
  const id = made.body.id;
  const number = t.system.services.volumes.get(id).number;
  const tenantOf = () => t.system.services.volumes.get(id).tenant;
  assert.equal((await t.control('PUT', `/volumes/${id}/tenant`, { tenant: 'tenant-b' })).status, 200);
  assert.equal(tenantOf(), 'tenant-b');
  const refusals: [string, unknown, Record<string, string>, number][] = [
    [String(number), { tenant: '' }, {}, 400],
    [String(number), { tenant: 7 }, {}, 400],
    [String(number), { tenant: 'x'.repeat(65) }, {}, 400],
    [String(number), {}, {}, 400],
    [String(number), { tenant: 'c', extra: 1 }, {}, 400],
    ['999999', { tenant: 'c' }, {}, 404],
    ['00000000-0000-0000-0000-000000000000', { tenant: 'c' }, {}, 404],
    [String(number), { tenant: 'c' }, { authorization: `Basic ${Buffer.from('sto:password-123').toString('base64')}` }, 403],
  ];
  for (const [path, body, headers, status] of refusals) {
    const r = await t.control('PUT', `/volumes/${path}/tenant`, body, headers);
    assert.equal(r.status, status, `${path} ${JSON.stringify(body)} → ${JSON.stringify(r.body)}`);
    assert.equal(tenantOf(), 'tenant-b');
  }
  assert.equal((await t.control('PUT', `/volumes/${number}/tenant`, { tenant: null })).status, 200);
  assert.equal(tenantOf(), null);
});
