// Goal: synchronous replication between two paired systems in one process, real bytes over the
// mTLS peer link. A host write (through the VolumeIo NBD uses, and once through a real NBD client)
// is on the destination when it resolves; FLUSH waits for the remote flush; link loss with split
// mode Automatic keeps host writes going and halts, Manual refuses them (NBD EIO) until a forced
// suspend; recovery Manual waits for forced suspend + resume; a mode change on a suspended session
// ships only the differences; PowerStore rpo Zero makes Synchronous sessions.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { DomainError } from '../../src/core/errors.ts';
import { nbdErrnoFor } from '../../src/nbd/errors.ts';
import { NBD_ERR } from '../../src/nbd/protocol.ts';
import { CYCLE_RETRY_MS } from '../../src/replication/limits.ts';
import { eternusJob, heartbeats, makeEternusVolume, restart, settle, startPair, tickBoth, type Pair } from '../helpers/pair.ts';
import { MiB, type TestSystem } from '../helpers/system.ts';

let p: Pair;
let boxA = '';
let boxB = '';
before(async () => {
  p = await startPair();
  boxA = p.a.system.identity.boxId;
  boxB = p.b.system.identity.boxId;
});
after(() => p.close());

const block = (byte: number, size = 4096) => Buffer.alloc(size, byte);

const makeVolume = makeEternusVolume;

async function jobOf(t: TestSystem, r: { status: number; body: any }) {
  const job = await eternusJob(p, t, r);
  assert.equal(job.status, 'Success', JSON.stringify(job));
  return job;
}

const tick = (ms = 1000) => tickBoth(p, ms);

let src = { id: '', number: 0 };
let dst = { id: '', number: 0 };
let csA = 0;
const cs = async () => {
  const r = await p.a.et('GET', `/copysession/${csA}`);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body;
};
const io = () => p.a.system.services.io;
const readSrc = (offset: number, length = 4096) => p.a.system.services.ctx.store.read(src.id, offset, length);
/** The destination applies a mirrored write right after acknowledging it (sync-receiver.ts); reads wait for that. */
const readB = async (volumeId: string, offset: number, length: number) => {
  await p.b.system.services.replication.idle();
  return p.b.system.services.ctx.store.read(volumeId, offset, length);
};
const readDst = (offset: number, length = 4096) => readB(dst.id, offset, length);
const sessionId = () => p.a.system.services.replication.sessionOfVolume(src.id)!.id;
const shipped = () => p.a.system.services.replication.shippedBytes(sessionId());
const linkDown = async () => {
  const cut = await p.a.control('POST', '/faults', { kind: 'link_down' });
  assert.equal(cut.status, 201);
  return async () => {
    assert.equal((await p.a.control('DELETE', `/faults/${cut.body.id}`)).status, 204);
    await heartbeats(p);
    await settle(p);
  };
};

/** The ps-sync volume's session, in step: settled first unless told not to, then `tickMs` more. */
async function inStepSession(options: { settle?: boolean; tickMs?: number } = {}) {
  const [ps] = (await p.a.ps('GET', '/volume?select=id&name=eq.ps-sync')).body;
  const repl = p.a.system.services.replication;
  const id: string = repl.sessionOfVolume(ps.id)!.id;
  if (options.settle ?? true) await settle(p);
  if (options.tickMs !== undefined) await tick(options.tickMs);
  assert.ok(repl.isMirroring(id), `in step (state ${repl.get(id).state})`);
  return { ps, repl, id, remoteId: repl.get(id).elementPairs[0]!.remoteVolumeId };
}

test('create Synchronous: initial copy, then in step (Equivalent); a host write is on the destination when it resolves', async () => {
  src = await makeVolume(p.a, 'sync-src', 16);
  dst = await makeVolume(p.b, 'sync-dst', 16);
  await p.a.system.services.ctx.store.write(src.id, 0, block(0x11));
  const body = { source_volume_id: src.number, destination_volume_id: dst.number, source_boxid: boxA, destination_boxid: boxB };
  assert.equal((await p.a.et('POST', '/copysession/rec', { ...body, transfer_mode: 'Consistency', split_mode: 'Automatic' })).status, 400, 'split_mode is for Synchronous only');
  const job = await jobOf(p.a, await p.a.et('POST', '/copysession/rec', body)); // the vendor's default is Synchronous
  csA = Number(job.resource_href_list[0].split('/').pop());
  await tick();
  const a = await cs();
  assert.equal(a.transfer_mode, 'Synchronous');
  assert.equal(a.split_mode, 'Automatic', 'ACM -y defaults to Automatic Split');
  assert.equal(a.status, 'Active');
  assert.equal(a.phase, 'Equivalent');
  assert.deepEqual(await readDst(0), block(0x11), 'initial copy');
  assert.equal(p.a.system.services.replication.isMirroring(sessionId()), true);

  await io().write(src.id, 4096, block(0x21));
  assert.deepEqual(await readDst(4096), block(0x21), 'mirrored: acknowledged before the write resolved, applied right after; no cycle');
  await io().write(src.id, 5 * MiB, block(0x22, 64 * 1024), { fua: true });
  assert.deepEqual(await readDst(5 * MiB, 64 * 1024), block(0x22, 64 * 1024), 'FUA write');
  await io().trim(src.id, 0, 4096);
  assert.deepEqual(await readDst(0), Buffer.alloc(4096), 'trim mirrored');
  // Several writes in flight at once (pipelined on the one HTTP/2 session), all on both sides.
  await Promise.all(Array.from({ length: 32 }, (_, i) => io().write(src.id, 8 * MiB + i * 4096, block(0x30 + i))));
  assert.deepEqual(await readDst(8 * MiB, 32 * 4096), await readSrc(8 * MiB, 32 * 4096));
  const before = shipped();
  await tick(10_000);
  assert.equal(shipped(), before, 'no cycles while in step');
  assert.equal((await cs()).phase, 'Equivalent');
  // A volume outside any synchronous session passes straight through.
  const plain = await makeVolume(p.a, 'plain', 4);
  await io().write(plain.id, 0, block(0x01));
  assert.equal(io().modeOf(plain.id), null);
});

test('FLUSH waits for the remote flush, and only sessions with writes since the last one flush remotely', async () => {
  const storeB = p.b.system.services.ctx.store;
  const original = storeB.flush.bind(storeB);
  let remoteFlushes = 0;
  let remoteDone = false;
  storeB.flush = async () => {
    remoteFlushes += 1;
    await new Promise((r) => setTimeout(r, 50));
    await original();
    remoteDone = true;
  };
  try {
    await io().write(src.id, 12 * MiB, block(0x41));
    await io().flush();
    assert.equal(remoteFlushes, 1);
    assert.equal(remoteDone, true, 'the FLUSH reply came after the remote flush');
    await io().flush();
    assert.equal(remoteFlushes, 1, 'nothing written since: no remote flush');
  } finally {
    storeB.flush = original;
  }
});

test('a remote flush that fails before the local one is done halts the session and stops nothing (no unhandled rejection)', async () => {
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  process.on('unhandledRejection', onUnhandled);
  // A dropped call fails at once, inside the call, while the local flush still waits for the disk.
  const repl = p.a.system.services.replication;
  assert.ok(repl.isMirroring(sessionId()), 'in step to begin with');
  await io().write(src.id, 13 * MiB, block(0x43)); // mirrored: the next FLUSH flushes remotely
  const drop = await p.a.control('POST', '/faults', { kind: 'drop', fraction: 1 });
  try {
    await io().flush(); // split mode Automatic: the FLUSH stands here
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(unhandled, [], 'no rejection went unhandled');
    assert.ok(!repl.isMirroring(sessionId()), 'the failed remote flush halted the session');
  } finally {
    process.off('unhandledRejection', onUnhandled);
    assert.equal((await p.a.control('DELETE', `/faults/${drop.body.id}`)).status, 204);
  }
  await heartbeats(p);
  await tick(CYCLE_RETRY_MS);
  await tick(1000);
  assert.ok(repl.isMirroring(sessionId()), `in step again (state ${repl.get(sessionId()).state})`);
  assert.deepEqual(await readDst(13 * MiB), block(0x43));
});

test('link down with split mode Automatic: host writes succeed, the session halts; the link back resyncs to the same bytes', async () => {
  const restore = await linkDown();
  await io().write(src.id, 6 * 4096, block(0x51)); // the mirrored half fails: halt, the write stands
  await io().write(src.id, 7 * 4096, block(0x52));
  await heartbeats(p);
  const halted = await cs();
  assert.equal(halted.status, 'Halt');
  const ps = await p.a.ps('GET', `/replication_session?select=state,type,data_transfer_state&local_resource_id=eq.${src.id}`);
  assert.equal(ps.body[0].state, 'System_Paused');
  assert.equal(ps.body[0].type, 'Synchronous');
  assert.equal(ps.body[0].data_transfer_state, 'Faulted');
  assert.deepEqual(await readSrc(6 * 4096), block(0x51));
  // While the source resyncs, the destination must not call itself in step: every state the
  // destination records on the way back is checked against the source's state at that moment.
  const metaB = p.b.system.services.ctx.meta;
  const put = metaB.put.bind(metaB);
  const claimedInStep: string[] = [];
  metaB.put = ((kind: string, record: any) => {
    if (kind === 'replication_session' && record.id === sessionId() && record.state === 'OK') {
      const source = p.a.system.services.replication.get(sessionId());
      if (source.state !== 'OK' || !p.a.system.services.replication.isMirroring(source.id)) claimedInStep.push(`destination OK while the source is ${source.state}`);
    }
    return (put as (k: string, r: unknown) => void)(kind, record);
  }) as typeof metaB.put;
  try {
    await restore(); // recovery Automatic: resync and back to mirroring on its own
    await tick();
  } finally {
    metaB.put = put;
  }
  assert.deepEqual(claimedInStep, []);
  const onB = (await p.b.et('GET', '/copysession')).body.copysession_list.find((c: any) => c.destination_volume_number === dst.number);
  assert.equal(onB.phase, 'Equivalent', 'in step again: the destination box says so too');
  const back = await cs();
  assert.equal(back.status, 'Active');
  assert.equal(back.phase, 'Equivalent');
  assert.deepEqual(await readDst(0, 16 * MiB), await readSrc(0, 16 * MiB), 'the destination holds the same bytes');
  await io().write(src.id, 9 * 4096, block(0x53));
  assert.deepEqual(await readDst(9 * 4096), block(0x53), 'mirroring again');
});

test('a mirrored write from an earlier mirroring (older base cycle) is refused by the destination', async () => {
  const s = p.a.system.services.replication.get(sessionId());
  assert.ok(s.baseCycle > 1, 'the resync above committed a new base');
  const before = await readDst(11 * 4096);
  const late = p.a.system.services.peer.peer(s.peerSystemId).call('repl.sync.write', { sessionId: s.id, remoteVolumeId: s.elementPairs[0]!.remoteVolumeId, baseCycle: s.baseCycle - 1, offsetBytes: 11 * 4096, fua: false }, { payload: block(0xee), lane: true });
  await assert.rejects(late, (e: DomainError) => e.code === 'STATE_INVALID');
  assert.deepEqual(await readDst(11 * 4096), before, 'the destination kept its bytes');
  assert.equal((await cs()).phase, 'Equivalent', 'host writes still mirror');
  await io().write(src.id, 11 * 4096, block(0x54));
  assert.deepEqual(await readDst(11 * 4096), block(0x54));
});

test('split mode Manual: with the path down host writes fail (NBD EIO) until a forced suspend; resume ships the differences', async () => {
  await jobOf(p.a, await p.a.et('POST', `/copysession/${csA}/suspend`));
  assert.equal((await cs()).phase, 'Suspend');
  await jobOf(p.a, await p.a.et('PATCH', `/copysession/${csA}`, { split_mode: 'Manual' }));
  await jobOf(p.a, await p.a.et('POST', `/copysession/${csA}/resume`));
  await tick();
  assert.equal((await cs()).phase, 'Equivalent');
  assert.equal((await cs()).split_mode, 'Manual');
  const restore = await linkDown();
  const error = await io().write(src.id, 10 * 4096, block(0x61)).then(() => null, (e: unknown) => e);
  assert.ok(error instanceof DomainError, String(error));
  assert.equal(nbdErrnoFor(error), NBD_ERR.EIO);
  await heartbeats(p);
  assert.equal((await cs()).status, 'Halt');
  await assert.rejects(io().write(src.id, 11 * 4096, block(0x62)), (e: unknown) => nbdErrnoFor(e) === NBD_ERR.EIO, 'still refused');
  await jobOf(p.a, await p.a.et('POST', `/copysession/${csA}/suspend`, { is_forced: true }));
  assert.equal((await cs()).phase, 'Suspend');
  await io().write(src.id, 11 * 4096, block(0x62)); // accepted after the forced suspend, tracked
  await restore();
  const before = shipped();
  await jobOf(p.a, await p.a.et('POST', `/copysession/${csA}/resume`));
  await tick();
  assert.equal((await cs()).phase, 'Equivalent');
  assert.ok(shipped() - before <= 2 * 4096, `only the differences: ${shipped() - before}`);
  assert.deepEqual(await readDst(0, 16 * MiB), await readSrc(0, 16 * MiB));
});

test('a forced suspend during an outage too short for heartbeats still reaches the peer', async () => {
  assert.equal((await cs()).phase, 'Equivalent');
  const cut = await p.a.control('POST', '/faults', { kind: 'link_down' });
  await jobOf(p.a, await p.a.et('POST', `/copysession/${csA}/suspend`, { is_forced: true }));
  assert.equal((await p.a.control('DELETE', `/faults/${cut.body.id}`)).status, 204);
  // No heartbeat round ran: the peer never saw the outage, so only the retry can tell it.
  const peerState = () => p.b.system.services.replication.get(sessionId()).state;
  assert.notEqual(peerState(), 'Suspended');
  await tick(2_000);
  for (let i = 0; i < 100 && peerState() !== 'Suspended'; i++) await new Promise((r) => setTimeout(r, 20));
  assert.equal(peerState(), 'Suspended', 'the peer learned of the forced suspend');
  await jobOf(p.a, await p.a.et('POST', `/copysession/${csA}/resume`));
  await tick();
  assert.equal((await cs()).phase, 'Equivalent');
  assert.deepEqual(await readDst(0, 16 * MiB), await readSrc(0, 16 * MiB));
});

test('a lost in-step notice is sent again: the destination box shows Copying until it hears, then Equivalent', async () => {
  await jobOf(p.a, await p.a.et('POST', `/copysession/${csA}/suspend`, { is_forced: true }));
  // The destination's handler for state notices fails the first "in step" one, as a dropped call would.
  const handlers = (p.b.system.services.peer as unknown as { handlers: Map<string, (r: any) => Promise<unknown>> }).handlers;
  const setState = handlers.get('repl.setState')!;
  let refused = 0;
  handlers.set('repl.setState', async (request) => {
    if ((request.params as { state: string }).state === 'OK' && refused === 0) {
      refused += 1;
      throw new DomainError('PEER_UNREACHABLE', 'dropped by the test');
    }
    return setState(request);
  });
  try {
    await jobOf(p.a, await p.a.et('POST', `/copysession/${csA}/resume`));
    await tick();
    assert.equal((await cs()).phase, 'Equivalent');
    assert.equal(refused, 1);
    const onB = async () => (await p.b.et('GET', '/copysession')).body.copysession_list.find((c: any) => c.destination_volume_number === dst.number);
    assert.equal((await onB()).phase, 'Copying', 'the destination has not heard yet');
    await tick(2_000);
    for (let i = 0; i < 100 && (await onB()).phase !== 'Equivalent'; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal((await onB()).phase, 'Equivalent', 'the notice was sent again');
  } finally {
    handlers.set('repl.setState', setState);
  }
});

test('recovery Manual stays Halt after the path returns until a forced suspend and a resume', async () => {
  await jobOf(p.a, await p.a.et('POST', `/copysession/${csA}/suspend`));
  await jobOf(p.a, await p.a.et('PATCH', `/copysession/${csA}`, { split_mode: 'Automatic', recovery_mode: 'Manual' }));
  await jobOf(p.a, await p.a.et('POST', `/copysession/${csA}/resume`));
  await tick();
  assert.equal((await cs()).phase, 'Equivalent');
  const restore = await linkDown();
  await io().write(src.id, 13 * 4096, block(0x71));
  await heartbeats(p);
  assert.equal((await cs()).status, 'Halt');
  await restore();
  await tick(60_000);
  assert.equal((await cs()).status, 'Halt', 'still halted with the path back');
  assert.deepEqual(await readDst(13 * 4096), Buffer.alloc(4096), 'nothing shipped');
  await io().write(src.id, 14 * 4096, block(0x72)); // host writes go on (tracked)
  await jobOf(p.a, await p.a.et('POST', `/copysession/${csA}/suspend`, { is_forced: true }));
  await jobOf(p.a, await p.a.et('POST', `/copysession/${csA}/resume`));
  await tick();
  assert.equal((await cs()).status, 'Active');
  assert.equal((await cs()).phase, 'Equivalent');
  assert.deepEqual(await readDst(0, 16 * MiB), await readSrc(0, 16 * MiB));
});

test('mode change on a suspended session (sync → Consistency → sync) ships only the differences', async () => {
  await jobOf(p.a, await p.a.et('POST', `/copysession/${csA}/suspend`));
  await jobOf(p.a, await p.a.et('PATCH', `/copysession/${csA}`, { transfer_mode: 'Consistency' }));
  assert.equal((await cs()).split_mode, 'Manual', 'sync → async makes split mode Manual (seed 003)');
  await io().write(src.id, 2 * MiB, block(0x81, 8192));
  assert.equal(io().modeOf(src.id), null, 'Consistency does not route host writes');
  let before = shipped();
  await jobOf(p.a, await p.a.et('POST', `/copysession/${csA}/resume`));
  await tick();
  assert.equal(shipped() - before, 8192, 'two blocks');
  assert.equal((await cs()).phase, 'Equivalent');
  await jobOf(p.a, await p.a.et('POST', `/copysession/${csA}/suspend`));
  await jobOf(p.a, await p.a.et('PATCH', `/copysession/${csA}`, { transfer_mode: 'Synchronous' }));
  assert.equal((await cs()).split_mode, 'Manual', 'and stays Manual back in Synchronous unless given');
  await io().write(src.id, 3 * MiB, block(0x82));
  before = shipped();
  await jobOf(p.a, await p.a.et('POST', `/copysession/${csA}/resume`));
  await tick();
  assert.equal(shipped() - before, 4096, 'one block');
  assert.equal((await cs()).phase, 'Equivalent');
  assert.equal(p.a.system.services.replication.isMirroring(sessionId()), true);
  await io().write(src.id, 3 * MiB + 4096, block(0x83));
  assert.deepEqual(await readDst(3 * MiB + 4096), block(0x83));
});

test('through a real NBD client: nbdcopy writes to the source export land on the destination', { skip: !existsSync('/usr/bin/nbdcopy') && 'nbdcopy not installed' }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-sync-'));
  try {
    const file = join(dir, 'data.bin');
    const data = Buffer.alloc(2 * MiB);
    for (let i = 0; i < data.length; i += 4096) data.fill((i / 4096) % 251, i, i + 4096);
    writeFileSync(file, data);
    // nbdcopy flushes at the end: the FLUSH covers both sides.
    // Asynchronous: the NBD server runs in this process.
    await promisify(execFile)('nbdcopy', [file, `${p.a.system.urls.nbd}/sync-src`], { timeout: 30_000 });
    assert.deepEqual(await readDst(0, 2 * MiB), data);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('PowerStore: a replication rule with rpo Zero makes Synchronous sessions; a group needs write-order consistency', async () => {
  const rule = await p.a.ps('POST', '/replication_rule', { name: 'rr-zero', rpo: 'Zero', remote_system_id: p.rsOnA });
  assert.equal(rule.status, 201, JSON.stringify(rule.body));
  const policy = await p.a.ps('POST', '/policy', { name: 'pp-zero', replication_rule_ids: [rule.body.id] });
  assert.equal(policy.status, 201, JSON.stringify(policy.body));
  const refused = await p.a.ps('POST', '/volume_group', { name: 'vg-unordered', is_write_order_consistent: false, protection_policy_id: policy.body.id });
  assert.equal(refused.status, 400, JSON.stringify(refused.body));
  const created = await p.a.ps('POST', '/volume', { name: 'ps-sync', size: 8 * MiB, protection_policy_id: policy.body.id });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  await settle(p);
  await tick();
  const sessions = await p.a.ps('GET', `/replication_session?select=id,state,type,data_transfer_state,storage_element_pairs&local_resource_id=eq.${created.body.id}`);
  assert.equal(sessions.body.length, 1);
  const s = sessions.body[0];
  assert.equal(s.type, 'Synchronous');
  assert.equal(s.state, 'OK');
  assert.equal(s.data_transfer_state, 'Synchronous');
  await io().write(created.body.id, 4096, block(0x91));
  const remoteId = s.storage_element_pairs[0].remote_storage_element_id;
  assert.deepEqual(await readB(remoteId, 4096, 4096), block(0x91));

  // Paused on site-a, resumed from site-b: the source resyncs and mirrors again.
  assert.equal((await p.a.ps('POST', `/replication_session/${s.id}/pause`)).status, 204);
  await io().write(created.body.id, 8192, block(0x92)); // tracked, not mirrored
  const resumed = await p.b.ps('POST', `/replication_session/${s.id}/resume`);
  assert.equal(resumed.status, 204, JSON.stringify(resumed.body));
  await settle(p);
  await tick();
  const after = (await p.a.ps('GET', `/replication_session/${s.id}?select=state,data_transfer_state`)).body;
  assert.deepEqual(after, { state: 'OK', data_transfer_state: 'Synchronous' });
  assert.ok(p.a.system.services.replication.isMirroring(s.id), 'the source mirrors again');
  assert.deepEqual(await readB(remoteId, 8192, 4096), block(0x92), 'the resync shipped the paused write');
  await io().write(created.body.id, 12288, block(0x93));
  assert.deepEqual(await readB(remoteId, 12288, 4096), block(0x93), 'and new writes are mirrored');
});

test('a checkpoint the destination committed but the source did not record is adopted on resync, not a full copy', async () => {
  const { ps, repl, id } = await inStepSession({ settle: false });
  const before = repl.get(id).baseCycle;
  // The source's own record of the new base fails after the destination took it, as a crash
  // between the two would leave it: the cut stays recorded as pendingCycle.
  const internals = repl as unknown as { recordCommitted: (...args: unknown[]) => Promise<void> };
  const recordCommitted = internals.recordCommitted;
  internals.recordCommitted = async () => {
    throw new Error('crash before the source recorded the checkpoint');
  };
  try {
    await assert.rejects(repl.sync(id));
  } finally {
    internals.recordCommitted = recordCommitted;
  }
  assert.equal(p.b.system.services.replication.get(id).baseCycle, before + 1, 'the destination committed the checkpoint');
  assert.equal(repl.get(id).baseCycle, before, 'the source did not');
  assert.equal(repl.get(id).pendingCycle?.cycle, before + 1);
  await io().write(ps.id, 0, block(0x94)); // split mode Automatic: tracked while halted
  const shippedBefore = repl.shippedBytes(id);
  await heartbeats(p);
  await tick(30_000); // recovery Automatic: the halted session retries (CYCLE_RETRY_MS) and resyncs
  await settle(p);
  const after = repl.get(id);
  assert.equal(after.state, 'OK', JSON.stringify({ state: after.state, error: after.errorCode }));
  assert.ok(after.baseCycle > before + 1);
  assert.ok(repl.shippedBytes(id) - shippedBefore <= 64 * 1024, `resync shipped ${repl.shippedBytes(id) - shippedBefore} bytes: only the change, not the volume`);
  const remoteId = after.elementPairs[0]!.remoteVolumeId;
  assert.deepEqual(await readB(remoteId, 0, 8 * MiB), await p.a.system.services.ctx.store.read(ps.id, 0, 8 * MiB));
});

test('growing a mirrored volume: a write past the old end reaches the destination', async () => {
  const [ps] = (await p.a.ps('GET', '/volume?select=id,size&name=eq.ps-sync')).body;
  const repl = p.a.system.services.replication;
  const id = repl.sessionOfVolume(ps.id)!.id;
  await settle(p);
  assert.ok(repl.isMirroring(id));
  const grown = await p.a.ps('PATCH', `/volume/${ps.id}`, { size: 16 * MiB });
  assert.equal(grown.status, 204, JSON.stringify(grown.body));
  await io().write(ps.id, 12 * MiB, block(0x95));
  const s = repl.get(id);
  assert.equal(s.state, 'OK', `the session stays in step (state ${s.state}, error ${s.errorCode})`);
  const remoteId = s.elementPairs[0]!.remoteVolumeId;
  assert.deepEqual(await readB(remoteId, 12 * MiB, 4096), block(0x95));
  assert.equal((await p.b.ps('GET', `/volume/${remoteId}?select=size`)).body.size, 16 * MiB);
});

test('a snapshot of a volume in step is replicated at the same instant: same name and bytes on the destination', async () => {
  const { ps, repl, id } = await inStepSession({ settle: false });
  await io().write(ps.id, 4 * 4096, block(0x96));
  const snap = await p.a.ps('POST', `/volume/${ps.id}/snapshot`, { name: 'ps-sync-snap-1', description: 'before the change' });
  assert.equal(snap.status, 200, JSON.stringify(snap.body));
  await io().write(ps.id, 4 * 4096, block(0x97)); // after the snapshot: not in it, on either side
  const onB = (await p.b.ps('GET', '/volume?select=id,name,type,description&name=eq.ps-sync-snap-1')).body;
  assert.equal(onB.length, 1, 'the destination has a snapshot of the same name');
  assert.equal(onB[0].type, 'Snapshot');
  assert.equal(onB[0].description, 'before the change');
  const storeB = p.b.system.services.ctx.store;
  assert.deepEqual(await storeB.read(onB[0].id, 0, 16 * MiB), await p.a.system.services.ctx.store.read(snap.body.id, 0, 16 * MiB), 'same bytes as the source snapshot');
  assert.deepEqual(await storeB.read(onB[0].id, 4 * 4096, 4096), block(0x96));
  assert.equal(repl.get(id).state, 'OK', 'still in step');
  // A later resync does not ship it again.
  assert.equal(repl.get(id).snapshotWatermark, p.a.system.services.ctx.meta.get('volume', snap.body.id)!.number);
});

test('a resync after the volume grew in step ships past the old end (the base is the old size)', async () => {
  const { ps, repl, id } = await inStepSession();
  const restore = await linkDown();
  await io().write(ps.id, 14 * MiB, block(0x9a)); // split mode Automatic: tracked, shipped by the resync
  await heartbeats(p);
  assert.equal(repl.isMirroring(id), false);
  await restore();
  await tick(1000);
  assert.ok(repl.isMirroring(id), `in step again (state ${repl.get(id).state}, error ${repl.get(id).errorCode})`);
  assert.deepEqual(await readB(repl.get(id).elementPairs[0]!.remoteVolumeId, 14 * MiB, 4096), block(0x9a));
});

test('a write the destination acknowledged but could not apply halts the session at once; its resync delivers it', async () => {
  const { ps, repl, id, remoteId } = await inStepSession();
  const storeB = p.b.system.services.ctx.store;
  const original = storeB.write.bind(storeB);
  let failed = 0;
  storeB.write = async (volumeId, offsetBytes, data, options) => {
    if (volumeId === remoteId && failed === 0) {
      failed += 1;
      throw new Error('injected apply failure');
    }
    return original(volumeId, offsetBytes, data, options);
  };
  try {
    await io().write(ps.id, 9 * 4096, block(0x98)); // acknowledged: the host's write succeeds
    await settle(p);
    assert.equal(failed, 1);
    assert.equal(repl.isMirroring(id), false, 'the source was told and left mirroring');
    assert.notEqual(repl.get(id).state, 'OK');
    // Until a resync, the destination refuses more mirrored writes of that base.
    const base = repl.get(id).baseCycle;
    await assert.rejects(
      p.a.system.services.peer.peer(p.b.system.identity.id).call('repl.sync.write', { sessionId: id, remoteVolumeId: remoteId, baseCycle: base, offsetBytes: 0 }, { payload: block(1) }),
      /could not apply a mirrored write/,
    );
  } finally {
    storeB.write = original;
  }
  // Split mode Automatic, recovery Automatic: the next cycle attempt (CYCLE_RETRY_MS) resyncs,
  // shipping everything since the base.
  await tick(CYCLE_RETRY_MS);
  await tick(1000);
  assert.ok(repl.isMirroring(id), `in step again (state ${repl.get(id).state})`);
  assert.deepEqual(await storeB.read(remoteId, 9 * 4096, 4096), block(0x98), 'the lost write arrived with the resync');
});

test('a failover test on the destination does not disturb mirroring: writes and checkpoints go to the shadow, and after the test the destination holds them all', async () => {
  const { ps, repl, id, remoteId } = await inStepSession({ tickMs: 1000 });
  const storeB = p.b.system.services.ctx.store;
  const started = await p.b.ps('POST', `/replication_session/${id}/start_failover_test`, {});
  assert.equal(started.status, 204, JSON.stringify(started.body));
  const shadowId = p.b.system.services.replication.get(id).failoverTest!.shadowVolumeIds[remoteId]!;
  // Hosts test on the destination volume; the source's writes keep being mirrored, into the shadow.
  await p.b.system.services.io.write(remoteId, 20 * 4096, block(0x71));
  await io().write(ps.id, 21 * 4096, block(0x72));
  assert.ok(repl.isMirroring(id), 'the mirrored write was taken: the source stays in step');
  assert.equal(repl.get(id).state, 'OK');
  assert.deepEqual(await readB(shadowId, 21 * 4096, 4096), block(0x72), 'the mirrored write landed in the shadow');
  assert.deepEqual(await readB(remoteId, 20 * 4096, 4096), block(0x71), 'the test volume keeps the test write');
  // A checkpoint during the test: the destination's new base is cut from the shadow (simulation seed 8021).
  await repl.sync(id);
  const dstSession = p.b.system.services.replication.get(id);
  assert.deepEqual(await storeB.read(dstSession.elementPairs[0]!.localBaseSnapshotId!, 21 * 4096, 4096), block(0x72));
  const stopped = await p.b.ps('POST', `/replication_session/${id}/stop_failover_test`, {});
  assert.equal(stopped.status, 204, JSON.stringify(stopped.body));
  await io().write(ps.id, 22 * 4096, block(0x73));
  assert.ok(repl.isMirroring(id), 'still in step after the test');
  assert.deepEqual(await readB(remoteId, 0, 16 * MiB), await p.a.system.services.ctx.store.read(ps.id, 0, 16 * MiB), 'the destination equals the source: the test writes are gone');
  assert.equal(p.b.system.services.replication.get(id).state, 'OK');
});

test('the destination remembers a lost mirrored write across a restart: it refuses that base until a resync', async () => {
  const { ps, repl, id, remoteId } = await inStepSession();
  const base = repl.get(id).baseCycle;
  const storeB = p.b.system.services.ctx.store;
  const original = storeB.write.bind(storeB);
  storeB.write = async (volumeId, offsetBytes, data, options) => {
    if (volumeId === remoteId) throw new Error('injected apply failure');
    return original(volumeId, offsetBytes, data, options);
  };
  try {
    await io().write(ps.id, 10 * 4096, block(0x99)); // acknowledged, then lost on the destination
    await settle(p);
  } finally {
    storeB.write = original;
  }
  assert.deepEqual(p.b.system.services.replication.get(id).mirroredWriteLost, { baseCycle: base, reason: 'injected apply failure' }, 'recorded in the session');
  // A restart of the destination does not forget it (it used to be a map in memory).
  const b = await restart(p, 'b');
  await heartbeats(p);
  assert.equal(b.system.services.replication.get(id).mirroredWriteLost?.baseCycle, base);
  await assert.rejects(
    p.a.system.services.peer.peer(b.system.identity.id).call('repl.sync.write', { sessionId: id, remoteVolumeId: remoteId, baseCycle: base, offsetBytes: 0 }, { payload: block(1) }),
    /could not apply a mirrored write/,
  );
  // The resync commits a new base holding the lost write; the mark goes with the old base.
  await tick(CYCLE_RETRY_MS);
  await tick(1000);
  assert.ok(repl.isMirroring(id), `in step again (state ${repl.get(id).state})`);
  assert.equal(b.system.services.replication.get(id).mirroredWriteLost, null);
  assert.deepEqual(await readB(remoteId, 10 * 4096, 4096), block(0x99), 'the lost write arrived with the resync');
});

test('a sync that waited for a mirrored write which then failed takes no checkpoint without it: a cycle ships the write', async () => {
  const { ps, repl, id, remoteId } = await inStepSession();
  // The destination holds a FUA write (applied before its answer) until released, then fails it.
  const storeB = p.b.system.services.ctx.store;
  const original = storeB.write.bind(storeB);
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  let reachedPeer = false;
  storeB.write = async (volumeId, offsetBytes, data, options) => {
    if (volumeId !== remoteId) return original(volumeId, offsetBytes, data, options);
    reachedPeer = true;
    await gate;
    throw new Error('injected apply failure');
  };
  // hold() stops host writes at once and then waits for the ones in flight: called means holding.
  const mirrored = io();
  const originalHold = mirrored.hold.bind(mirrored);
  let holding = false;
  mirrored.hold = (volumeId) => {
    holding = true;
    return originalHold(volumeId);
  };
  const turn = () => new Promise((resolve) => setImmediate(resolve));
  let synced: string;
  try {
    const late = io().write(ps.id, 5 * MiB, block(0x62), { fua: true });
    while (!reachedPeer) await turn();
    // The sync's checkpoint holds host writes and waits for the one in flight.
    const sync = repl.sync(id).then(() => 'synced', (e: unknown) => String(e));
    while (!holding) await turn();
    release();
    await late; // split mode Automatic: the write stands here, the session halts
    assert.ok(!repl.isMirroring(id), 'the failed mirrored write halted the session');
    synced = await sync;
  } finally {
    storeB.write = original;
    mirrored.hold = originalHold;
  }
  // Taken as a checkpoint, the new base held the write here and not on the destination, and no
  // later diff from it carried the write (simulation v6 seed 1142). As a cycle, it ships it.
  assert.equal(synced, 'synced');
  assert.deepEqual(await readB(remoteId, 5 * MiB, 4096), block(0x62), 'the sync delivered the write the mirror lost');
  await heartbeats(p);
  await tick(CYCLE_RETRY_MS);
  await tick(1000);
  assert.ok(repl.isMirroring(id), `in step again (state ${repl.get(id).state})`);
  assert.deepEqual(await readB(remoteId, 0, 8 * MiB), await p.a.system.services.ctx.store.read(ps.id, 0, 8 * MiB));
});

test('restore of a volume in step is refused and changes nothing; paused, it is allowed and the resume brings the destination to the restored bytes', async () => {
  const { ps, repl, id, remoteId } = await inStepSession();
  const storeA = p.a.system.services.ctx.store;
  await io().write(ps.id, 6 * 4096, block(0x71));
  const snap = await p.a.ps('POST', `/volume/${ps.id}/snapshot`, { name: 'ps-sync-before-restore' });
  assert.equal(snap.status, 200, JSON.stringify(snap.body));
  // Mirrored after the snapshot: a restore takes the volume back past them, where its base may not differ.
  await io().write(ps.id, 6 * 4096, block(0x72));
  await io().write(ps.id, 7 * MiB, block(0x73));
  const snapshotsBefore = (await p.a.ps('GET', '/volume?select=id&type=eq.Snapshot')).body.length;
  const refused = await p.a.ps('POST', `/volume/${ps.id}/restore`, { from_snap_id: snap.body.id });
  assert.equal(refused.status, 422, JSON.stringify(refused.body));
  assert.match(refused.body.messages[0].message_l10n, /in step; pause the session/);
  assert.equal((await p.a.ps('GET', '/volume?select=id&type=eq.Snapshot')).body.length, snapshotsBefore, 'no backup snapshot was left');
  assert.deepEqual(await storeA.read(ps.id, 6 * 4096, 4096), block(0x72), 'the volume is as it was');
  const refresh = await p.a.ps('POST', `/volume/${ps.id}/refresh`, { from_object_id: snap.body.id });
  assert.equal(refresh.status, 422, 'refresh too');

  assert.equal((await p.a.ps('POST', `/replication_session/${id}/pause`)).status, 204);
  const restored = await p.a.ps('POST', `/volume/${ps.id}/restore`, { from_snap_id: snap.body.id });
  assert.equal(restored.status, 200, JSON.stringify(restored.body));
  assert.deepEqual(await storeA.read(ps.id, 6 * 4096, 4096), block(0x71));
  assert.equal((await p.a.ps('POST', `/replication_session/${id}/resume`)).status, 204);
  await settle(p);
  await tick();
  assert.ok(repl.isMirroring(id), `in step again (state ${repl.get(id).state})`);
  // The destination's staging starts from its base, not from its volume: the mirrored writes the
  // restore undid go too, where the source's base and now do not differ.
  assert.deepEqual(await readB(remoteId, 0, 8 * MiB), await storeA.read(ps.id, 0, 8 * MiB), 'the destination holds the restored bytes');
  assert.deepEqual(await readB(remoteId, 7 * MiB, 4096), block(0), 'a write after the snapshot is gone on both sides');
});
