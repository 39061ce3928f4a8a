// Goal: what a restart must know is in the session record, not in memory. A destination that
// crashed with a cycle open (staging made, no commit) finds the cycle and its staging in its
// record at start and drops exactly those; the source's next cycle then commits as usual.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { heartbeats, restart, settle, startPair, type Pair } from '../helpers/pair.ts';
import { MiB } from '../helpers/system.ts';

let p: Pair;
before(async () => {
  p = await startPair();
});
after(() => p.close());

const block = (byte: number) => Buffer.alloc(4096, byte);

test('a cycle open on the destination at a crash is in its record; the restart drops its staging, and the next cycle commits', async () => {
  const rule = await p.a.ps('POST', '/replication_rule', { name: 'rr-restart', rpo: 'Five_Minutes', remote_system_id: p.rsOnA });
  const policy = await p.a.ps('POST', '/policy', { name: 'pp-restart', replication_rule_ids: [rule.body.id] });
  const created = await p.a.ps('POST', '/volume', { name: 'restart-vol', size: 16 * MiB, protection_policy_id: policy.body.id });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const volA = created.body.id;
  await settle(p);
  const replA = p.a.system.services.replication;
  const id = replA.sessionOfVolume(volA)!.id;
  const before = replA.get(id);
  assert.equal(before.state, 'OK');
  const volB = before.elementPairs[0]!.remoteVolumeId;

  // The source opens its next cycle, as cycles.ts does, and the destination makes its staging.
  const peerB = () => p.a.system.services.peer.peer(p.b.system.identity.id);
  await peerB().call('repl.cycle.begin', { sessionId: id, cycle: before.baseCycle + 1, baseCycle: before.baseCycle, members: [{ sourceVolumeId: volA, remoteVolumeId: volB, name: 'restart-vol', sizeBytes: 16 * MiB }], sourceResourceId: volA });
  const open = p.b.system.services.replication.get(id).openCycle;
  assert.equal(open?.cycle, before.baseCycle + 1, 'the open cycle is in the record');
  const staging = Object.values(open!.stagingIds);
  assert.equal(staging.length, 1);
  assert.ok(p.b.system.services.ctx.store.hasVolume(staging[0]!), 'its staging exists');

  // The destination crashes before the commit.
  const b = await restart(p, 'b');
  assert.equal(b.system.services.replication.get(id).openCycle, null, 'the restart ended the cycle');
  await b.system.services.replication.idle();
  assert.equal(b.system.services.ctx.store.hasVolume(staging[0]!), false, 'and dropped its staging');
  await assert.rejects(
    peerB().call('repl.cycle.extents', { sessionId: id, cycle: before.baseCycle + 1, remoteVolumeId: volB, extents: [] }),
    /No open cycle/,
    'nothing ships into a cycle the restart ended',
  );

  // The source's next cycle commits as usual.
  await heartbeats(p);
  await p.a.system.services.ctx.store.write(volA, 0, block(0x5a));
  assert.equal((await p.a.ps('POST', `/replication_session/${id}/sync`)).status, 204);
  await settle(p);
  assert.equal(replA.get(id).baseCycle, before.baseCycle + 1);
  assert.equal(b.system.services.replication.get(id).baseCycle, before.baseCycle + 1);
  assert.equal(b.system.services.replication.get(id).openCycle, null);
  assert.deepEqual(await b.system.services.ctx.store.read(volB, 0, 4096), block(0x5a));
});
