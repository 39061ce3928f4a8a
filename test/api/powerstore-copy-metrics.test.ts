// Goal: copy_metrics_by_replication_session and _by_remote_system report what the source's cycles
// really shipped in each 20 s interval and what is left to copy at its end; the destination, which
// copies nothing, reports no samples. Method: a pair on manual clocks, host writes through the
// system's VolumeIo, a sync action, then samples closed by advancing the clocks.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { IO_SAMPLE_INTERVAL_MS } from '../../src/limits.ts';
import { settle, startPair, tickBoth, type Pair } from '../helpers/pair.ts';
import { MiB } from '../helpers/system.ts';

let p: Pair;
before(async () => {
  p = await startPair();
});
after(() => p.close());

const copyMetrics = (on: 'a' | 'b', entity: string, id: string, interval = 'Twenty_Sec') =>
  p[on].ps('POST', '/metrics/generate', { entity: `copy_metrics_by_${entity}`, entity_id: id, interval });

test('bytes shipped by a sync show in the interval they were shipped in; remaining is what is left', async () => {
  const rule = (await p.a.ps('POST', '/replication_rule', { name: 'cm-rr', rpo: 'One_Hour', remote_system_id: p.rsOnA })).body.id;
  const policy = (await p.a.ps('POST', '/policy', { name: 'cm-pp', replication_rule_ids: [rule] })).body.id;
  const vol = (await p.a.ps('POST', '/volume', { name: 'cm-vol', size: 8 * MiB, protection_policy_id: policy })).body.id as string;
  const session = (await p.a.ps('GET', `/replication_session?select=id&local_resource_id=eq.${vol}`)).body[0].id as string;
  await settle(p);
  await p.a.ps('POST', `/replication_session/${session}/sync`, {});
  await settle(p);
  await tickBoth(p, IO_SAMPLE_INTERVAL_MS); // closes an interval after the initial copy
  const before = (await copyMetrics('a', 'replication_session', session)).body as any[];
  assert.ok(before.length >= 1);

  const io = p.a.system.services.io;
  await io.write(vol, 0, Buffer.alloc(65536, 1));
  await io.write(vol, 1 * MiB, Buffer.alloc(65536, 2));
  await tickBoth(p, IO_SAMPLE_INTERVAL_MS);
  let samples = (await copyMetrics('a', 'replication_session', session)).body as any[];
  let last = samples.at(-1);
  assert.equal(last.data_transferred, 0, 'nothing shipped yet');
  assert.equal(last.data_remaining, 2 * 65536, 'the two writes wait to be copied');
  assert.equal(last.session_type, 'replication_session');
  assert.equal(last.remote_system_id, p.rsOnA);

  assert.equal((await p.a.ps('POST', `/replication_session/${session}/sync`, {})).status, 204);
  await settle(p);
  await tickBoth(p, IO_SAMPLE_INTERVAL_MS);
  samples = (await copyMetrics('a', 'replication_session', session)).body as any[];
  last = samples.at(-1);
  assert.equal(last.data_transferred, 2 * 65536, 'the sync shipped the two writes');
  assert.equal(last.data_remaining, 0);
  const byRemote = (await copyMetrics('a', 'remote_system', p.rsOnA)).body as any[];
  assert.equal(byRemote.at(-1).data_transferred, 2 * 65536);
  const fiveMins = (await copyMetrics('a', 'replication_session', session, 'Five_Mins')).body as any[];
  assert.equal(fiveMins.reduce((sum, s) => sum + s.data_transferred, 0), samples.reduce((sum, s) => sum + s.data_transferred, 0), 'roll-ups add up');
  assert.deepEqual((await copyMetrics('b', 'replication_session', session)).body, [], 'the destination copies nothing');
  assert.deepEqual((await copyMetrics('a', 'remote_system', 'nope')).body, []);
});
