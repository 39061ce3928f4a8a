// Goal: what REC requests do while the peer link is down (docs/eternus.md "Peer link down"), and
// PATCH without anything to change. Every refusal is the dialect's error body, registers no job
// and changes nothing: a normal suspend is refused even before either box noticed the loss (409 as
// for any halted session), requests issued on the destination box need the link (503 0150), a
// session suspended before the loss cannot be resumed, reversed, PATCHed or deleted normally
// (503 0150) but works once the link is back, and a forced delete's partner record outlives the
// outage only on a source box.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { eternusJob, heartbeats, makeEternusVolume, settle, startPair, tickBoth, type Pair } from '../helpers/pair.ts';
import type { TestSystem } from '../helpers/system.ts';

let p: Pair;
before(async () => {
  p = await startPair();
});
after(() => p.close());

interface Rec {
  a: number; // copysession_id on box A (the source)
  b: number; // copysession_id on box B
}

async function makeRec(name: string, transferMode: string): Promise<Rec> {
  const src = await makeEternusVolume(p.a, `${name}-src`, 8);
  const dst = await makeEternusVolume(p.b, `${name}-dst`, 8);
  const body = { source_volume_id: src.number, destination_volume_id: dst.number, source_boxid: p.a.system.identity.boxId, destination_boxid: p.b.system.identity.boxId, transfer_mode: transferMode };
  const job = await eternusJob(p, p.a, await p.a.et('POST', '/copysession/rec', body));
  const a = Number(job.resource_href_list[0].split('/').pop());
  await tickBoth(p);
  const got = await p.a.et('GET', `/copysession/${a}`);
  assert.equal(got.body.phase, 'Equivalent');
  return { a, b: got.body.remote_copysession_id };
}

const view = async (t: TestSystem, id: number) => {
  const r = await t.et('GET', `/copysession/${id}`);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const { status, phase, transfer_mode, split_mode, recovery_mode, is_local_source_volume } = r.body;
  return { status, phase, transfer_mode, split_mode, recovery_mode, is_local_source_volume };
};
const jobCount = async (t: TestSystem) => (await t.et('GET', '/job')).body.total_count as number;

/** Asserts a refusal in the dialect's format and that it registered no job on the box. */
async function refused(t: TestSystem, method: 'POST' | 'PATCH' | 'DELETE', path: string, body: unknown, status: number, errorCode: string) {
  const jobs = await jobCount(t);
  const r = await t.et(method, path, body);
  assert.equal(r.status, status, `${method} ${path} ${JSON.stringify(body)} → ${JSON.stringify(r.body)}`);
  assert.deepEqual(Object.keys(r.body).sort(), ['error_code', 'internal_code', 'message']);
  assert.equal(r.body.error_code, errorCode, r.body.message);
  assert.equal(await jobCount(t), jobs, `${method} ${path}: no job was registered`);
}

let consistency: Rec;
let stack: Rec;
let suspended: Rec;
let faultId = '';

test('link down, not noticed yet: a normal suspend is refused without a job (409, the session is halted); resume, reverse and PATCH are 409; on the destination box even a forced suspend is 503 0150', async () => {
  consistency = await makeRec('lk-c', 'Consistency');
  stack = await makeRec('lk-k', 'Stack');
  suspended = await makeRec('lk-s', 'Stack');
  await eternusJob(p, p.a, await p.a.et('POST', `/copysession/${suspended.a}/suspend`));
  assert.equal((await view(p.a, suspended.a)).phase, 'Suspend');

  const cut = await p.a.control('POST', '/faults', { kind: 'link_down' });
  assert.equal(cut.status, 201);
  faultId = cut.body.id;
  // No heartbeat and no cycle ran since the cut: both boxes still show the sessions Active.
  assert.equal((await view(p.a, consistency.a)).status, 'Active');
  assert.equal((await view(p.a, stack.a)).status, 'Active');

  // Before the fix, this Consistency suspend answered 202 and its job Success while the session
  // ended Halt instead of Suspend.
  await refused(p.a, 'POST', `/copysession/${consistency.a}/suspend`, undefined, 409, '0101');
  assert.deepEqual(await view(p.a, consistency.a), { status: 'Halt', phase: 'Equivalent', transfer_mode: 'Consistency', split_mode: 'Manual', recovery_mode: 'Automatic', is_local_source_volume: true });
  await refused(p.a, 'POST', `/copysession/${stack.a}/suspend`, undefined, 409, '0101');
  await refused(p.a, 'POST', '/copysession/suspend', { copysession_id_list: [] }, 400, '0001');
  for (const [method, path, body] of [
    ['POST', `/copysession/${consistency.a}/resume`, undefined],
    ['POST', `/copysession/${consistency.a}/reverse`, undefined],
    ['PATCH', `/copysession/${consistency.a}`, { recovery_mode: 'Manual' }],
  ] as const) {
    await refused(p.a, method, path, body, 409, '0101');
  }
  // Issued on the destination box, a suspend is forwarded to the source box: it needs the link.
  await refused(p.b, 'POST', `/copysession/${stack.b}/suspend`, undefined, 503, '0150');
  await refused(p.b, 'POST', `/copysession/${stack.b}/suspend`, { is_forced: true }, 503, '0150');
  assert.equal((await view(p.a, stack.a)).status, 'Halt');
  assert.equal((await view(p.a, consistency.a)).recovery_mode, 'Automatic', 'nothing changed');

  // On the source box a forced suspend goes through without the peer.
  const forced = await eternusJob(p, p.a, await p.a.et('POST', `/copysession/${stack.a}/suspend`, { is_forced: true }));
  assert.equal(forced.status, 'Success');
  assert.equal((await view(p.a, stack.a)).phase, 'Suspend');
});

test('a session suspended before the link went down: resume (either box), reverse, PATCH and a normal delete are 503 0150 with nothing changed; all work once the link is back', async () => {
  await heartbeats(p);
  await heartbeats(p);
  await tickBoth(p, 2000);
  const before = { a: await view(p.a, suspended.a), b: await view(p.b, suspended.b) };
  assert.equal(before.a.phase, 'Suspend');
  assert.equal(before.b.phase, 'Suspend');
  for (const [t, method, path, body] of [
    [p.a, 'POST', `/copysession/${suspended.a}/resume`, undefined],
    [p.b, 'POST', `/copysession/${suspended.b}/resume`, undefined],
    [p.a, 'POST', `/copysession/${suspended.a}/reverse`, undefined],
    [p.a, 'PATCH', `/copysession/${suspended.a}`, { transfer_mode: 'Consistency', recovery_mode: 'Manual' }],
    [p.a, 'DELETE', `/copysession/${suspended.a}`, undefined],
  ] as const) {
    await refused(t, method, path, body, 503, '0150');
  }
  await refused(p.a, 'POST', `/copysession/${suspended.a}/suspend`, undefined, 409, '0101'); // already suspended
  assert.deepEqual({ a: await view(p.a, suspended.a), b: await view(p.b, suspended.b) }, before, 'nothing changed on either box');

  assert.equal((await p.a.control('DELETE', `/faults/${faultId}`)).status, 204);
  await heartbeats(p);
  await settle(p);
  await tickBoth(p, 2000); // the forced suspend's notice is retried every 2 s
  assert.equal((await view(p.b, stack.b)).phase, 'Suspend', 'the destination learned of the forced suspend');
  assert.deepEqual(await view(p.a, consistency.a), { status: 'Active', phase: 'Equivalent', transfer_mode: 'Consistency', split_mode: 'Manual', recovery_mode: 'Automatic', is_local_source_volume: true }, 'recovery Automatic caught up');
  const patched = await eternusJob(p, p.a, await p.a.et('PATCH', `/copysession/${suspended.a}`, { recovery_mode: 'Manual' }));
  assert.equal(patched.status, 'Success');
  assert.equal((await view(p.b, suspended.b)).recovery_mode, 'Manual');
  assert.equal((await eternusJob(p, p.a, await p.a.et('POST', `/copysession/${suspended.a}/resume`))).status, 'Success');
  await tickBoth(p);
  assert.equal((await view(p.a, suspended.a)).phase, 'Equivalent');
});

test('PATCH with nothing to change ({} or no body) is 400 0001 and registers no job; a real change still works', async () => {
  await eternusJob(p, p.a, await p.a.et('POST', `/copysession/${suspended.a}/suspend`));
  const before = await view(p.a, suspended.a);
  assert.equal(before.phase, 'Suspend');
  await refused(p.a, 'PATCH', `/copysession/${suspended.a}`, {}, 400, '0001');
  await refused(p.a, 'PATCH', `/copysession/${suspended.a}`, undefined, 400, '0001');
  await refused(p.b, 'PATCH', `/copysession/${suspended.b}`, {}, 400, '0001');
  assert.deepEqual(await view(p.a, suspended.a), before);
  const job = await eternusJob(p, p.a, await p.a.et('PATCH', `/copysession/${suspended.a}`, { recovery_mode: 'Automatic' }));
  assert.equal(job.status, 'Success');
  assert.equal((await view(p.a, suspended.a)).recovery_mode, 'Automatic');
});

test('forced delete with the link down: a destination partner drops its record when the link returns, a source partner keeps it (Halt) until deleted there', async () => {
  const onSource = await makeRec('lk-d1', 'Stack');
  const onDestination = await makeRec('lk-d2', 'Stack');
  const cut = await p.a.control('POST', '/faults', { kind: 'link_down' });
  await refused(p.a, 'DELETE', `/copysession/${onSource.a}`, undefined, 503, '0150'); // a normal delete needs the partner
  assert.equal((await view(p.a, onSource.a)).status, 'Halt', 'the failed call made the box notice the loss');
  assert.equal((await eternusJob(p, p.a, await p.a.et('DELETE', `/copysession/${onSource.a}`, { is_forced: true }))).status, 'Success');
  assert.equal((await eternusJob(p, p.b, await p.b.et('DELETE', `/copysession/${onDestination.b}`, { is_forced: true }))).status, 'Success');
  assert.equal((await p.b.et('GET', `/copysession/${onSource.b}`)).status, 200, 'the partner keeps its record while the link is down');
  assert.equal((await p.a.et('GET', `/copysession/${onDestination.a}`)).status, 200);
  await p.a.control('DELETE', `/faults/${cut.body.id}`);
  await heartbeats(p);
  await settle(p);
  await tickBoth(p, 2000);
  assert.equal((await p.b.et('GET', `/copysession/${onSource.b}`)).status, 404, 'the destination box dropped it');
  assert.equal((await view(p.a, onDestination.a)).status, 'Halt', 'the source box keeps it');
  assert.equal((await eternusJob(p, p.a, await p.a.et('DELETE', `/copysession/${onDestination.a}`, { is_forced: true }))).status, 'Success');
  assert.equal((await p.a.et('GET', `/copysession/${onDestination.a}`)).status, 404);
});
