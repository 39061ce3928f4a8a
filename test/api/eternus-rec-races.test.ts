// Goal: REC races the simulation found end with one source and both boxes agreeing.
//
// 1. A REC destination left Suspended under a source that resumed converges with the link up.
// A reconcile answer the source gave while its resume waited for the rollback (it still said
// Suspended) reached the destination after the rollback and suspended it again (simulation seed
// 946, v3): the source cycled into it, was refused (STATE_INVALID), halted, asked its view and
// retried at once, for good. Here the stale notice is sent by hand (RPC rec.suspended, as a
// suspend's late retry would be); hosts write to the destination, open while it is Suspended. The
// source, told Suspended at its reconcile, rolls the destination back again (the hosts' writes go,
// as at any resume) and both boxes are Active and equal.
//
// 2. Resume and reverse issued together on the destination box (simulation seed 1150, v3): the
// source box reversed while the resume it was forwarded waited for the rollback, the destination
// box, rolled back and active, refused its own half of the reverse: two destinations for good.
// The source box handles a reverse in the session's turn: after the resume it refuses it.
//
// 3. Reverses issued on both boxes at once must not wait on each other's turn (they did, with the
// fix of 2 alone, until the calls timed out, which the ManualClock never does): when they cross
// both are refused and nothing changes; one source and one generation whatever the timing.
//
// 4. A summary the source gives while its resume waits for the rollback's answer says Suspended
// (simulation seed 324, v5): the destination, rolled back meanwhile, took it for a resume whose
// rollback answer was lost (seed 307) and went Suspended again under a source that went OK; a
// Stack source with no writes never cycles, so nothing repaired it. Here the destination box asks
// for the source's view (RPC repl.sessionStates) while the source's rollback call is held, and
// gets that answer applied after the resume (the same RPC, sent to it with the answer's sessions);
// then an answer it got before the resume began, overtaken on the wire by the rollback.
//
// 5. While a resume waits for the rollback, a second resume (issued on either box), a reverse or
// a PATCH is busy (503 0060): a second resume was recorded at once, and the first one's failure
// then told the destination a Suspended view with the second's number, which suspended it again
// under a source the second resumed (simulation seed 1313, v4).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { HoldingClock } from '../helpers/holding-clock.ts';
import { eternusJob, makeEternusVolume, startPair, tickBoth, type Pair } from '../helpers/pair.ts';

/** Site-a's delay faults: the rollback of the last test is held until released, the rest wait in real time. */
const faultClockA = new HoldingClock();

let p: Pair;
before(async () => {
  p = await startPair({ peerFaultClockA: faultClockA });
});
after(() => p.close());

const block = (byte: number) => Buffer.alloc(4096, byte);

/** A REC from a new 8 MB volume on site-a to one on site-b (POST /copysession/rec); csA is site-a's copy session number. */
async function createRec(prefix: string, transferMode: string): Promise<{ src: { id: string; number: number }; dst: { id: string; number: number }; csA: number }> {
  const src = await makeEternusVolume(p.a, `${prefix}-src`, 8);
  const dst = await makeEternusVolume(p.b, `${prefix}-dst`, 8);
  const body = { source_volume_id: src.number, destination_volume_id: dst.number, source_boxid: p.a.system.identity.boxId, destination_boxid: p.b.system.identity.boxId, transfer_mode: transferMode };
  const job = await eternusJob(p, p.a, await p.a.et('POST', '/copysession/rec', body));
  return { src, dst, csA: Number(job.resource_href_list[0].split('/').pop()) };
}

/**
 * Holds site-a's calls to site-b at the fault point (delay_ms) and starts a resume of the REC on
 * site-a: returns once its rollback call is held, with the resume and the fault's removal.
 */
async function resumeWithRollbackHeld(id: string, delayMs: number): Promise<{ resuming: Promise<void>; release: () => Promise<void> }> {
  const delay = await p.a.control('POST', '/faults', { kind: 'delay', delay_ms: delayMs });
  assert.equal(delay.status, 201, JSON.stringify(delay.body));
  const resuming = p.a.system.services.replication.recResume(id);
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r)); // the rollback is held at the fault point now
  return { resuming, release: async () => assert.equal((await p.a.control('DELETE', `/faults/${delay.body.id}`)).status, 204) };
}

test('a destination suspended again under a resumed source is rolled back again and catches up', async () => {
  const { src, dst, csA } = await createRec('st', 'Consistency');
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

test('a reverse from the destination box that reaches the source box while its resume waits for the rollback is refused after the resume, not applied in the middle', async () => {
  const { src, csA } = await createRec('rr', 'Consistency');
  await tickBoth(p);
  await eternusJob(p, p.a, await p.a.et('POST', `/copysession/${csA}/suspend`));
  const id = p.a.system.services.replication.sessionOfVolume(src.id)!.id;

  // The source box's calls are held (its rollback of the resume among them); the destination box's are not.
  const { resuming, release } = await resumeWithRollbackHeld(id, 300);
  // The destination box's half of a reverse issued there (recReverse: this box takes our role, Destination).
  const reverse = await p.b.system.services.peer
    .peer(p.a.system.identity.id)
    .call('rec.reverse', { sessionId: id, generation: 1, role: 'Destination' })
    .then(() => 'reversed', (e: unknown) => String(e));
  await resuming;
  await release();
  for (let i = 0; i < 3; i++) await tickBoth(p);

  const a = p.a.system.services.replication.get(id);
  const b = p.b.system.services.replication.get(id);
  const outcome = JSON.stringify({ reverse, a: [a.role, a.state, a.generation], b: [b.role, b.state, b.generation] });
  assert.match(reverse, /not suspended/, outcome);
  assert.deepEqual([a.role, a.state, a.generation, b.role, b.state, b.generation], ['Source', 'OK', 0, 'Destination', 'OK', 0], outcome);
});

test('reverses issued on both boxes at once: not both applied, no wait on each other; one source, one generation', async () => {
  const { src, csA } = await createRec('rb', 'Consistency');
  await tickBoth(p);
  const csB = (await p.a.et('GET', `/copysession/${csA}`)).body.remote_copysession_id as number;
  await eternusJob(p, p.a, await p.a.et('POST', `/copysession/${csA}/suspend`));
  const started = Date.now();
  const answers = await Promise.all([p.a.et('POST', `/copysession/${csA}/reverse`), p.b.et('POST', `/copysession/${csB}/reverse`)]);
  await tickBoth(p);
  assert.ok(Date.now() - started < 5000, 'neither box waited for the other until a timeout');
  const id = p.a.system.services.replication.sessionOfVolume(src.id)!.id;
  const a = p.a.system.services.replication.get(id);
  const b = p.b.system.services.replication.get(id);
  const outcome = JSON.stringify({ answers: answers.map((r) => [r.status, r.body]), a: [a.role, a.state, a.generation], b: [b.role, b.state, b.generation] });
  assert.notEqual(a.role, b.role, outcome);
  assert.equal(a.generation, b.generation, outcome);
  assert.deepEqual([a.state, b.state], ['Suspended', 'Suspended'], outcome);
});

test('a summary the source gave while its resume waited for the rollback, or before it began, does not suspend the rolled-back destination again', async () => {
  const { src, csA } = await createRec('sr', 'Stack');
  await p.a.system.services.ctx.store.write(src.id, 0, block(0x33));
  await tickBoth(p);
  await eternusJob(p, p.a, await p.a.et('POST', `/copysession/${csA}/suspend`));
  const id = p.a.system.services.replication.sessionOfVolume(src.id)!.id;
  const states = () => [p.a.system.services.replication.get(id).state, p.b.system.services.replication.get(id).state];
  assert.deepEqual(states(), ['Suspended', 'Suspended']);

  // A summary taken before the resume began, overtaken on the wire by the resume's rollback.
  const askSource = async () => (await p.b.system.services.peer.peer(p.a.system.identity.id).call<{ sessions: { id: string; state: string }[] }>('repl.sessionStates', { sessions: [] })).result.sessions.filter((s) => s.id === id);
  const early = await askSource();
  assert.deepEqual(early.map((s) => s.state), ['Suspended']);

  // The source box's calls are held (its rollback among them); the destination box's are not.
  const { resuming, release } = await resumeWithRollbackHeld(id, 300);
  // The destination box's reconcile: the source's view while its resume waits.
  const stale = await askSource();
  assert.deepEqual(stale.map((s) => s.state), ['Suspended'], 'the source still says Suspended while its resume waits');
  await resuming;
  await release();
  assert.deepEqual(states(), ['OK', 'OK'], 'resumed: the destination rolled back, the source heard it');

  // The answer reaches the destination box late: applied after the resume, as in the seed.
  await p.a.system.services.peer.peer(p.b.system.identity.id).call('repl.sessionStates', { sessions: stale });
  for (let i = 0; i < 3; i++) await tickBoth(p);
  assert.deepEqual(states(), ['OK', 'OK'], 'the destination is not Suspended again under a resumed source');
  await p.a.system.services.peer.peer(p.b.system.identity.id).call('repl.sessionStates', { sessions: early });
  for (let i = 0; i < 3; i++) await tickBoth(p);
  assert.deepEqual(states(), ['OK', 'OK'], 'nor by a summary older than the resume');
  const a = (await p.a.et('GET', `/copysession/${csA}`)).body;
  const b = (await p.b.et('GET', `/copysession/${a.remote_copysession_id}`)).body;
  assert.deepEqual([a.status, b.status], ['Active', 'Active']);
});

test('while a resume waits for the rollback, a second resume (from either box) and a PATCH are busy, and the first resume stands', { timeout: 60_000 }, async () => {
  const { src, csA } = await createRec('r2', 'Consistency');
  await tickBoth(p);
  const csB = (await p.a.et('GET', `/copysession/${csA}`)).body.remote_copysession_id as number;
  await eternusJob(p, p.a, await p.a.et('POST', `/copysession/${csA}/suspend`));
  const id = p.a.system.services.replication.sessionOfVolume(src.id)!.id;

  // The source box's rollback is held until released; its other calls wait 1 s, the destination box's not at all.
  faultClockA.holding = 1;
  const { resuming, release } = await resumeWithRollbackHeld(id, 1000);
  await faultClockA.untilHeld();
  const [onA, patch, onB] = await Promise.all([
    p.a.et('POST', `/copysession/${csA}/resume`),
    p.a.et('PATCH', `/copysession/${csA}`, { transfer_mode: 'Stack' }),
    p.b.et('POST', `/copysession/${csB}/resume`),
  ]);
  assert.equal(p.a.system.services.replication.get(id).resumePending, true, 'the three answers came while the resume still waited');
  await release();
  faultClockA.release();
  await resuming;
  for (let i = 0; i < 3; i++) await tickBoth(p);

  const outcome = JSON.stringify({ onB: [onB.status, onB.body], patch: [patch.status, patch.body], onA: [onA.status, onA.body] });
  for (const answer of [onB, patch, onA]) assert.equal(answer.status, 503, outcome);
  assert.match(JSON.stringify(onA.body), /0060/, outcome);
  assert.deepEqual([p.a.system.services.replication.get(id).state, p.b.system.services.replication.get(id).state], ['OK', 'OK'], outcome);
  assert.equal(p.a.system.services.replication.get(id).transferMode, 'Consistency', 'the PATCH changed nothing');
});
