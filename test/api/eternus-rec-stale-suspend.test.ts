// Goal: a REC destination left Suspended under a source that resumed converges with the link up.
// A reconcile answer the source gave while its resume waited for the rollback (it still said
// Suspended) reached the destination after the rollback and suspended it again (simulation seed
// 946, v3): the source cycled into it, was refused (STATE_INVALID), halted, asked its view and
// retried at once, for good. Here the stale notice is sent by hand (RPC rec.suspended, as a
// suspend's late retry would be); hosts write to the destination, open while it is Suspended. The
// source, told Suspended at its reconcile, rolls the destination back again (the hosts' writes go,
// as at any resume) and both boxes are Active and equal.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { eternusJob, makeEternusVolume, startPair, tickBoth, type Pair } from '../helpers/pair.ts';

let p: Pair;
before(async () => {
  p = await startPair();
});
after(() => p.close());

const block = (byte: number) => Buffer.alloc(4096, byte);

test('a destination suspended again under a resumed source is rolled back again and catches up', async () => {
  const src = await makeEternusVolume(p.a, 'st-src', 8);
  const dst = await makeEternusVolume(p.b, 'st-dst', 8);
  const body = { source_volume_id: src.number, destination_volume_id: dst.number, source_boxid: p.a.system.identity.boxId, destination_boxid: p.b.system.identity.boxId, transfer_mode: 'Consistency' };
  const job = await eternusJob(p, p.a, await p.a.et('POST', '/copysession/rec', body));
  const csA = Number(job.resource_href_list[0].split('/').pop());
  await p.a.system.services.ctx.store.write(src.id, 0, block(0x11));
  await tickBoth(p);
  const view = async () => {
    const a = (await p.a.et('GET', `/copysession/${csA}`)).body;
    const b = (await p.b.et('GET', `/copysession/${a.remote_copysession_id}`)).body;
    return { a: `${a.status}/${a.phase}`, b: `${b.status}/${b.phase}` };
  };
  assert.deepEqual(await view(), { a: 'Active/Equivalent', b: 'Active/Equivalent' });

  await eternusJob(p, p.a, await p.a.et('POST', `/copysession/${csA}/suspend`));
  await eternusJob(p, p.a, await p.a.et('POST', `/copysession/${csA}/resume`));
  await tickBoth(p);
  assert.deepEqual(await view(), { a: 'Active/Equivalent', b: 'Active/Equivalent' });

  // The stale notice: the destination is Suspended again (open to hosts), the source is not.
  const s = p.a.system.services.replication.sessionOfVolume(src.id)!;
  await p.a.system.services.peer.peer(p.b.system.identity.id).call('rec.suspended', { sessionId: s.id });
  assert.equal(p.b.system.services.replication.get(s.id).state, 'Suspended');
  await p.b.system.services.ctx.store.write(dst.id, 4096, block(0xee)); // a host writes to the suspended destination
  await p.a.system.services.ctx.store.write(src.id, 8192, block(0x22));

  for (let i = 0; i < 5; i++) await tickBoth(p);
  assert.deepEqual(await view(), { a: 'Active/Equivalent', b: 'Active/Equivalent' });
  assert.equal(p.a.system.services.replication.get(s.id).state, 'OK');
  assert.equal(p.b.system.services.replication.get(s.id).state, 'OK');
  assert.deepEqual(await p.b.system.services.ctx.store.read(dst.id, 0, 3 * 4096), await p.a.system.services.ctx.store.read(src.id, 0, 3 * 4096), 'the destination equals the source; the write made while it was suspended is gone');
});
