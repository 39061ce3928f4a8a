// Goal: a REC session can be created on either box (research/eternus-api.md §2.4). Issued on the
// destination box, the create is carried out by the source box: the session exists on both boxes
// when the job succeeds, the job names the destination box's copy session, and real bytes arrive.
// Every refusal, whichever box finds it, leaves nothing on either box and registers no job.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { eternusJob, heartbeats, makeEternusVolume, startPair, tickBoth, type Pair } from '../helpers/pair.ts';
import { MiB } from '../helpers/system.ts';

let p: Pair;
let boxA = '';
let boxB = '';
let tenantUser = '';
before(async () => {
  p = await startPair();
  boxA = p.a.system.identity.boxId;
  boxB = p.b.system.identity.boxId;
  assert.equal((await p.b.control('POST', '/users', { name: 'tb', password: 'password-123', role: 'StorageAdmin', tenant: 'tenant-b' })).status, 201);
  tenantUser = await p.b.etLogin('tb', 'password-123');
});
after(() => p.close());

const block = (byte: number) => Buffer.alloc(4096, byte);
const count = async () => (await p.a.et('GET', '/copysession')).body.total_count + (await p.b.et('GET', '/copysession')).body.total_count;

test('created on the destination box: refusals change nothing, then the session runs from the source box', async () => {
  const src = await makeEternusVolume(p.a, 'fwd-src', 16);
  const dst = await makeEternusVolume(p.b, 'fwd-dst', 16);
  const small = await makeEternusVolume(p.b, 'fwd-small', 8);
  await p.a.system.services.ctx.store.write(src.id, 4 * MiB, block(0x5a));
  const body = { source_volume_id: src.number, destination_volume_id: dst.number, source_boxid: boxA, destination_boxid: boxB, transfer_mode: 'Stack' };
  // A volume number free on box A, checked only there (box B has no say about it).
  const missingOnA = Math.max(...p.a.system.services.ctx.meta.listShared('volume').map((v) => v.number)) + 1000;
  const refused: [Record<string, unknown>, number, string | undefined][] = [
    [{ ...body, source_volume_id: missingOnA }, 404, undefined], // found missing by the source box
    [{ ...body, destination_volume_id: 999999 }, 404, undefined], // found missing here
    [{ ...body, destination_volume_id: small.number }, 409, undefined], // too small: the source box's create is refused by this box
    [{ ...body, source_boxid: 'X'.repeat(40) }, 400, undefined],
    [{ ...body, source_boxid: boxB }, 400, undefined],
    [body, 403, tenantUser],
  ];
  for (const [b, status, bearer] of refused) {
    const r = await p.b.et('POST', '/copysession/rec', b, bearer ? { authorization: bearer } : undefined);
    assert.equal(r.status, status, `${JSON.stringify(b)} → ${JSON.stringify(r.body)}`);
    assert.ok(r.body.error_code && r.body.message, 'the dialect error body');
    assert.equal(await count(), 0, 'nothing on either box');
  }
  // The link down: the source box cannot be asked (503), nothing is created.
  const cut = await p.b.control('POST', '/faults', { kind: 'link_down' });
  assert.equal(cut.status, 201);
  const unreachable = await p.b.et('POST', '/copysession/rec', body);
  assert.equal(unreachable.status, 503, JSON.stringify(unreachable.body));
  assert.equal(unreachable.body.error_code, '0150');
  assert.equal((await p.b.control('DELETE', `/faults/${cut.body.id}`)).status, 204);
  await heartbeats(p);
  assert.equal(await count(), 0, 'nothing on either box');
  assert.equal((await p.b.et('GET', '/job')).body.job_list.filter((j: any) => j.description.includes('copysession')).length, 0, 'no job was registered');
  assert.equal((await p.b.ps('GET', `/volume/${dst.id}?select=is_replication_destination`)).body.is_replication_destination, false);

  const job = await eternusJob(p, p.b, await p.b.et('POST', '/copysession/rec', body));
  assert.equal(job.status, 'Success', JSON.stringify(job));
  assert.equal(job.resource_href_list.length, 1);
  const onB = Number(job.resource_href_list[0].split('/').pop());
  await tickBoth(p);
  const b = (await p.b.et('GET', `/copysession/${onB}`)).body;
  assert.equal(b.is_local_source_volume, false, 'box B holds the destination');
  assert.equal(b.source_volume_number, src.number);
  assert.equal(b.destination_volume_number, dst.number);
  assert.equal(b.transfer_mode, 'Stack');
  const a = (await p.a.et('GET', `/copysession/${b.remote_copysession_id}`)).body;
  assert.equal(a.is_local_source_volume, true);
  assert.equal(a.remote_copysession_id, onB);
  assert.equal(a.phase, 'Equivalent');
  assert.deepEqual(await p.b.system.services.ctx.store.read(dst.id, 4 * MiB, 4096), block(0x5a), 'the source bytes arrived');

  // The same source volume again, now in a session: refused by the source box, nothing added.
  const again = await p.b.et('POST', '/copysession/rec', { ...body, destination_volume_id: (await makeEternusVolume(p.b, 'fwd-dst2', 16)).number });
  assert.equal(again.status, 409, JSON.stringify(again.body));
  assert.equal(await count(), 2);
});
