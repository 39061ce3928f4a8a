// Goal: POST /metrics/generate answers from real figures. Host I/O over NBD shows in
// performance_metrics_by_volume (and by appliance and cluster) as rates over the closed 20 s
// interval, rolled up for Five_Mins; space metrics follow what was written; GET /limit names
// Max_Volume_Size. Method: one system on a manual clock, I/O through the raw NBD client.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ManualClock } from '../../src/core/clock.ts';
import { IO_SAMPLE_INTERVAL_MS, VOLUME_BYTES_MAX } from '../../src/limits.ts';
import { C, RawNbdClient } from '../../src/nbd/testing/raw-client.ts';
import { MiB, startTestSystem, type TestSystem } from '../helpers/system.ts';

let t: TestSystem;
const clock = new ManualClock();
let client: RawNbdClient | null = null;
before(async () => {
  t = await startTestSystem({ name: 'metrics', clock });
});
after(async () => {
  client?.close();
  await t.close();
});

let handle = 1n;
async function io(kind: 'read' | 'write', offset: number, length: number): Promise<void> {
  const h = handle++;
  if (kind === 'write') client!.request(C.CMD_WRITE, h, offset, length, { payload: Buffer.alloc(length, 7) });
  else client!.request(C.CMD_READ, h, offset, length);
  const reply = await client!.readReply();
  assert.equal(reply.error, 0);
}

const generate = (entity: string, entityId: string, interval?: string) => t.ps('POST', '/metrics/generate', { entity, entity_id: entityId, ...(interval ? { interval } : {}) });

test('host I/O shows in the performance metrics of the volume, the appliance and the cluster', async () => {
  const vol = (await t.ps('POST', '/volume', { name: 'm-vol', size: 8 * MiB })).body.id as string;
  assert.deepEqual((await generate('performance_metrics_by_volume', vol, 'Twenty_Sec')).body, [], 'no interval closed yet');
  ({ client } = await RawNbdClient.open(t.system.ports.nbd, 'm-vol'));
  for (let i = 0; i < 4; i++) await io('write', i * 65536, 65536);
  await io('read', 0, 4096);
  clock.advanceMs(IO_SAMPLE_INTERVAL_MS);

  const seconds = IO_SAMPLE_INTERVAL_MS / 1000;
  const r = await generate('performance_metrics_by_volume', vol, 'Twenty_Sec');
  assert.equal(r.status, 200);
  assert.equal(r.body.length, 1);
  const s = r.body[0];
  assert.equal(s.entity, 'performance_metrics_by_volume');
  assert.equal(s.volume_id, vol);
  assert.equal(s.timestamp, new Date(clock.nowMs()).toISOString());
  assert.equal(s.write_iops, 4 / seconds);
  assert.equal(s.read_iops, 1 / seconds);
  assert.equal(s.total_iops, 5 / seconds);
  assert.equal(s.write_bandwidth, (4 * 65536) / seconds);
  assert.equal(s.avg_write_size, 65536);
  assert.equal(s.avg_io_size, (4 * 65536 + 4096) / 5);
  assert.ok(s.avg_write_latency > 0, 'latency measured');

  clock.advanceMs(IO_SAMPLE_INTERVAL_MS);
  const twenty = (await generate('performance_metrics_by_volume', vol, 'Twenty_Sec')).body;
  assert.equal(twenty.length, 2);
  assert.equal(twenty[1].total_iops, 0, 'an idle interval is zeros, not an estimate');
  const five = (await generate('performance_metrics_by_volume', vol, 'Five_Mins')).body;
  assert.equal(five.length, 1, 'both samples fall in one five-minute bucket');
  assert.equal(five[0].write_iops, 4 / (2 * seconds));
  assert.deepEqual((await generate('performance_metrics_by_volume', vol, 'Five_Sec')).body, [], 'Five_Sec is not collected');
  const appliance = (await generate('performance_metrics_by_appliance', 'A1', 'Twenty_Sec')).body;
  assert.equal(appliance[0].appliance_id, 'A1');
  assert.equal(appliance[0].total_iops, 5 / seconds);
  const cluster = (await generate('performance_metrics_by_cluster', '0', 'Twenty_Sec')).body;
  assert.equal(cluster[0].cluster_id, '0');
  assert.deepEqual((await generate('performance_metrics_by_appliance', 'A2')).body, []);
});

test('space metrics follow what was written; GetCapacity is total minus used', async () => {
  const vol = (await t.ps('GET', '/volume?select=id&name=eq.m-vol')).body[0].id as string;
  const v = (await generate('space_metrics_by_volume', vol, 'Five_Mins')).body[0];
  assert.equal(v.logical_provisioned, 8 * MiB);
  assert.equal(v.logical_used, 4 * 65536, 'mapped bytes of the four writes');
  const c = (await t.ps('POST', '/metrics/generate?select=physical_total,physical_used', { entity: 'space_metrics_by_cluster', entity_id: '0', interval: 'Five_Mins' })).body;
  assert.deepEqual(Object.keys(c[0]).sort(), ['physical_total', 'physical_used']);
  assert.ok(c[0].physical_used >= 4 * 65536, 'the engine holds the written data');
  assert.ok(c[0].physical_total > c[0].physical_used);
  const all = (await generate('space_metrics_by_cluster', '0')).body[0];
  assert.equal(all.logical_used, 4 * 65536);
  assert.ok(all.data_physical_used >= 4 * 65536);
  assert.deepEqual((await generate('space_metrics_by_cluster', '1')).body, [], 'no such cluster');
  assert.deepEqual((await generate('copy_metrics_by_remote_system', 'x')).body, []);
});

test('GET /limit lists the maximum volume size', async () => {
  const r = await t.ps('GET', '/limit?select=id,limit');
  assert.equal(r.status, 200);
  assert.deepEqual(r.body, [{ id: 'Max_Volume_Size', limit: VOLUME_BYTES_MAX }]);
});
