// Goal: REC buffer overload as a DR engineer tests it (docs/eternus.md "REC buffer overload"): with
// a 1 MB buffer and a monitoring time of 1 minute on the source box, a Consistency session whose
// backlog fills the buffer for that minute goes Halt on both boxes (PowerStore: System_Paused,
// Faulted), ships nothing more, keeps tracking, is not freed by recovery mode Automatic (not even
// when the link drops and returns), and comes back with a forced suspend and a resume, after which
// the destination holds every byte written (or, through PowerStore, with a pause and a resume).
// A backlog below the buffer never halts.
// The clocks are manual: the cycle queued after a write runs only after the clock moved, so the
// backlog stands for the whole minute, as behind a link too slow to drain it.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { eternusJob, heartbeats, makeEternusVolume, settle, startPair, tickBoth, type Pair } from '../helpers/pair.ts';
import { MiB, type TestSystem } from '../helpers/system.ts';

let p: Pair;
before(async () => {
  p = await startPair();
});
after(() => p.close());

let src = { id: '', number: 0 };
let dst = { id: '', number: 0 };
let csA = 0;
let csB = 0;

const cs = async (t: TestSystem, id: number) => {
  const r = await t.et('GET', `/copysession/${id}`);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body;
};
const psSession = async () => {
  const r = await p.a.ps('GET', `/replication_session?select=id,state,data_transfer_state,error_code,data_connection_state&local_resource_id=eq.${src.id}`);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body[0];
};
const readDst = (offset: number, length: number) => p.b.system.services.ctx.store.read(dst.id, offset, length);
/**
 * One long clock step on both boxes. A heartbeat ping started inside the step times out on the
 * manual clock before it can be answered; real pings first and after keep the link OK, since
 * one failed ping is not a loss.
 */
const longTick = async (ms: number) => {
  await heartbeats(p);
  await tickBoth(p, ms);
  await heartbeats(p);
};

test('a Consistency session under a backlog that fills a 1 MB buffer for the monitoring time halts; a smaller backlog does not', async () => {
  src = await makeEternusVolume(p.a, 'buf-src', 16);
  dst = await makeEternusVolume(p.b, 'buf-dst', 16);
  const body = { source_volume_id: src.number, destination_volume_id: dst.number, source_boxid: p.a.system.identity.boxId, destination_boxid: p.b.system.identity.boxId, transfer_mode: 'Consistency', recovery_mode: 'Automatic' };
  const job = await eternusJob(p, p.a, await p.a.et('POST', '/copysession/rec', body));
  csA = Number(job.resource_href_list[0].split('/').pop());
  await tickBoth(p);
  const a = await cs(p.a, csA);
  assert.equal(a.phase, 'Equivalent');
  csB = a.remote_copysession_id;

  const put = await p.a.control('PUT', '/rec_buffer', { size_mb: 1, monitoring_time_minutes: 1 });
  assert.equal(put.status, 200, JSON.stringify(put.body));
  assert.deepEqual(put.body, { size_mb: 1, monitoring_time_minutes: 1 });

  // Half the buffer for well over a minute: no high load.
  const small = randomBytes(MiB / 2);
  await p.a.system.services.ctx.store.write(src.id, 8 * MiB, small);
  await longTick(90_000);
  assert.equal((await cs(p.a, csA)).status, 'Active');
  assert.deepEqual(await readDst(8 * MiB, small.length), small, 'shipped as usual');

  // Four times the buffer.
  const big = randomBytes(4 * MiB);
  await p.a.system.services.ctx.store.write(src.id, 0, big);
  const writtenAtMs = p.clockA.nowMs();
  // One clock step: split in two, the queued cycle would drain the backlog in between. The exact
  // minute (not a sample earlier) is src/replication/rec-buffer-monitor.test.ts's.
  await longTick(61_000);
  const halted = await cs(p.a, csA);
  assert.equal(halted.status, 'Halt');
  assert.equal(halted.phase, 'Equivalent', 'Halt keeps the last phase');
  assert.equal(halted.error_code, 'b1');
  const haltedAtMs = Date.parse(halted.error_ocurrence_time);
  assert.ok(haltedAtMs >= writtenAtMs + 60_000 && haltedAtMs <= writtenAtMs + 61_000, `halted a minute after the buffer filled (${halted.error_ocurrence_time})`);
  assert.ok(halted.uncopied_data_size >= 4, `the backlog is uncopied (${halted.uncopied_data_size} MB)`);
  assert.equal(halted.tracking_data_size, 4, 'changes are tracked');
  const onB = await cs(p.b, csB);
  assert.equal(onB.status, 'Halt', 'the destination box shows the halt too');
  assert.equal(onB.error_ocurrence_time, halted.error_ocurrence_time);
  assert.deepEqual(await psSession(), { id: (await psSession()).id, state: 'System_Paused', data_transfer_state: 'Faulted', error_code: 'REC_BUFFER_OVERLOAD', data_connection_state: 'OK' });
  assert.deepEqual(await readDst(0, 4 * MiB), Buffer.alloc(4 * MiB), 'the halted backlog was not shipped');
});

test('the halt waits for an operator: recovery mode Automatic does not free it, nor a link that drops and returns, nor a PowerStore sync', async () => {
  await heartbeats(p);
  await longTick(120_000);
  assert.equal((await cs(p.a, csA)).status, 'Halt');
  const cut = await p.a.control('POST', '/faults', { kind: 'link_down' });
  assert.equal(cut.status, 201);
  await heartbeats(p);
  await tickBoth(p, 2_000);
  assert.equal((await p.a.control('DELETE', `/faults/${cut.body.id}`)).status, 204);
  await heartbeats(p);
  await settle(p);
  await longTick(60_000);
  assert.equal((await cs(p.a, csA)).status, 'Halt', 'still halted on the source box');
  assert.equal((await cs(p.b, csB)).status, 'Halt', 'and on the destination box');
  assert.equal((await cs(p.a, csA)).error_code, 'b1');
  const sessionId = (await psSession()).id;
  const sync = await p.a.ps('POST', `/replication_session/${sessionId}/sync`);
  assert.equal(sync.status, 422, JSON.stringify(sync.body));
  assert.equal((await p.a.et('POST', `/copysession/${csA}/suspend`)).status, 409, 'a normal suspend is refused: the session is halted');
  assert.equal((await p.a.et('POST', `/copysession/${csA}/resume`)).status, 409, 'a halted session is not resumed directly');
  assert.deepEqual(await readDst(0, 4 * MiB), Buffer.alloc(4 * MiB), 'still nothing shipped');
});

test('forced suspend, then resume: only the differences ship and the destination holds every byte written', async () => {
  const big = await p.a.system.services.ctx.store.read(src.id, 0, 4 * MiB);
  const late = randomBytes(4096);
  await p.a.system.services.ctx.store.write(src.id, 12 * MiB, late); // written while halted
  const forced = await eternusJob(p, p.a, await p.a.et('POST', `/copysession/${csA}/suspend`, { is_forced: true }));
  assert.equal(forced.status, 'Success');
  for (const [t, id] of [[p.a, csA], [p.b, csB]] as const) {
    const s = await cs(t, id);
    assert.deepEqual([s.status, s.phase, s.error_code, s.error_ocurrence_time], ['Active', 'Suspend', null, null]);
  }
  const shippedBefore = p.a.system.services.replication.shippedBytes((await psSession()).id);
  assert.equal((await eternusJob(p, p.a, await p.a.et('POST', `/copysession/${csA}/resume`))).status, 'Success');
  await tickBoth(p);
  const back = await cs(p.a, csA);
  assert.deepEqual([back.status, back.phase, back.error_code], ['Active', 'Equivalent', null]);
  assert.equal((await psSession()).state, 'OK');
  assert.deepEqual(await readDst(0, 4 * MiB), big);
  assert.deepEqual(await readDst(12 * MiB, 4096), late);
  const shipped = p.a.system.services.replication.shippedBytes((await psSession()).id) - shippedBefore;
  assert.equal(shipped, 4 * MiB + 4096, 'the differences only, not the whole volume');
  // In step again with nothing waiting: the small buffer stays quiet.
  await longTick(120_000);
  assert.equal((await cs(p.a, csA)).status, 'Active');
});

test('through PowerStore the same halt is freed by pause then resume; no error shows on either box afterwards', async () => {
  const again = randomBytes(2 * MiB);
  await p.a.system.services.ctx.store.write(src.id, 4 * MiB, again);
  await longTick(61_000);
  assert.equal((await cs(p.a, csA)).status, 'Halt');
  assert.equal((await psSession()).error_code, 'REC_BUFFER_OVERLOAD');
  const sessionId = (await psSession()).id;
  assert.equal((await p.a.ps('POST', `/replication_session/${sessionId}/pause`)).status, 204);
  assert.equal((await p.a.ps('POST', `/replication_session/${sessionId}/resume`)).status, 204);
  await tickBoth(p);
  for (const [t, id] of [[p.a, csA], [p.b, csB]] as const) {
    const s = await cs(t, id);
    assert.deepEqual([s.status, s.phase, s.error_code, s.error_ocurrence_time], ['Active', 'Equivalent', null, null], t === p.a ? 'source box' : 'destination box');
  }
  assert.deepEqual(await psSession(), { id: sessionId, state: 'OK', data_transfer_state: 'Asynchronous', error_code: null, data_connection_state: 'OK' });
  assert.deepEqual(await readDst(4 * MiB, again.length), again);
});
