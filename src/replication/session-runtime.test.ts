// Goal: the one write path of session records. Bookkeeping cannot touch what the state machine
// decides; a transition's bookkeeping and the records it goes with are written in its one
// metadata transaction; an event no row takes writes nothing.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManualClock } from '../core/clock.ts';
import type { CoreContext } from '../core/context.ts';
import { MutationLock } from '../core/mutation-lock.ts';
import { session } from '../core/replication/session-fixture.ts';
import { SqliteMetaStore } from '../meta/sqlite-meta-store.ts';
import { ReplicationRuntime, type SessionSchedule } from './session-runtime.ts';
import type { PeerTransport } from './transport.ts';

function runtime() {
  const meta = new SqliteMetaStore(':memory:');
  const ctx = { meta, clock: new ManualClock(), lock: new MutationLock() } as unknown as CoreContext;
  const written: string[] = [];
  const rt = new ReplicationRuntime(ctx, {} as PeerTransport, () => undefined, {} as SessionSchedule, (s) => written.push(s.id));
  // Counts outermost transactions (a put opens one of its own unless inside another).
  let commits = 0;
  let depth = 0;
  const transaction = meta.transaction.bind(meta);
  meta.transaction = <T>(fn: () => T): T => {
    if (depth === 0) commits += 1;
    depth += 1;
    try {
      return transaction(fn);
    } finally {
      depth -= 1;
    }
  };
  return { rt, meta, written, commits: () => commits };
}

test('record writes bookkeeping and refuses what the state machine decides', () => {
  const { rt, meta } = runtime();
  rt.create(session({ id: 's1' }));
  assert.equal(rt.record('s1', { progressPercentage: 40, nextSyncMs: 9 })?.progressPercentage, 40);
  assert.equal(meta.get('replication_session', 's1')?.nextSyncMs, 9);
  for (const changes of [{ state: 'Paused' }, { baseCycle: 9 }, { pendingCycle: null }, { openCycle: null }, { rpoSeconds: 60 }, { elementPairs: [] }]) {
    assert.throws(() => rt.record('s1', changes as never), /change only through the session state machine/);
  }
  assert.equal(meta.get('replication_session', 's1')?.state, 'OK', 'a refused change wrote nothing');
  assert.equal(rt.record('gone', { progressPercentage: 1 }), undefined, 'a record that is not there is not made');
});

test('what waits for a session\'s stop wakes at the write that asks for it, and at shutdown; a disposed wait is forgotten', async () => {
  const { rt } = runtime();
  rt.create(session({ id: 's1', state: 'OK' }));
  rt.create(session({ id: 's2', state: 'OK' }));
  const woke: string[] = [];
  const w1 = rt.whenStopRequested('s1');
  void w1.stopped.then(() => woke.push('s1'));
  const w2 = rt.whenStopRequested('s2');
  void w2.stopped.then(() => woke.push('s2'));
  rt.record('s1', { progressPercentage: 10 });
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(woke.join(), '', 'a write that asks no stop wakes nothing');
  // The pause's effects (the peer told, the timer cancelled) are not what this is about.
  Object.assign(rt.effects, { tell_peer_state: () => undefined, cancel_timer: () => undefined });
  await rt.apply('s1', { type: 'pause', nowMs: 1 });
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(woke.join(), 's1', 'the pause (stopRequested) woke the wait on s1 only');
  const stoppedAlready = rt.whenStopRequested('s1');
  await stoppedAlready.stopped;
  w2.dispose();
  const w3 = rt.whenStopRequested('s2');
  void w3.stopped.then(() => woke.push('s2 at shutdown'));
  rt.markStopped();
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(woke.join(), 's1,s2 at shutdown', 'shutdown wakes what still waits; the disposed wait stays asleep');
});

test('create checks the facts and refuses a second record of the same id', () => {
  const { rt } = runtime();
  assert.throws(() => rt.create(session({ id: 'bad', role: 'Destination', hostWritable: true })), /never host-writable/);
  rt.create(session({ id: 's1' }));
  assert.throws(() => rt.create(session({ id: 's1' })), /exists already/);
});

test('a transition, its bookkeeping and the records alongside are one metadata commit; an event no row takes writes nothing', async () => {
  const { rt, meta, written, commits } = runtime();
  rt.create(session({ id: 's1', state: 'OK', baseCycle: 3 }));
  const before = commits();
  const copies = { v1: { number: 4, remoteNumber: 5, remoteVolume: null } };
  await rt.apply('s1', { type: 'cycle_opened', cycle: 4, snapshotIds: { v1: 'cut4' } }, { record: { memberCopies: copies }, alongside: () => meta.setSetting('unused', 'x') });
  assert.equal(commits() - before, 1);
  const s = meta.get('replication_session', 's1')!;
  assert.deepEqual([s.state, s.pendingCycle?.cycle, s.memberCopies], ['Synchronizing', 4, copies]);
  const writes = written.length;
  await rt.apply('s1', { type: 'timer_fired' }); // no row: a cycle runs already
  assert.equal(written.length, writes, 'nothing written');
  assert.equal(commits() - before, 1);
});

// Simulation seed 271 (v4): a member joined a group on a failed-over source; the failback's final
// cycle brought it into the record after host access was taken away, and it stayed host-writable
// on what became the destination.
test('a member that joins takes the record\'s host access, in the same commit', async () => {
  const { rt, meta } = runtime();
  const volume = (id: string, isReplicationDestination: boolean) => ({ id, name: id, isReplicationDestination, type: 'Primary' }) as never;
  meta.put('volume', volume('v1', true));
  meta.put('volume', volume('v2', false));
  rt.create(session({ id: 's1', state: 'Failing_Over', hostWritable: false, elementPairs: [{ localVolumeId: 'v1', remoteVolumeId: 'r1', localBaseSnapshotId: 'b1' }] }));
  const pairs = [{ localVolumeId: 'v1', remoteVolumeId: 'r1', localBaseSnapshotId: 'b1' }, { localVolumeId: 'v2', remoteVolumeId: 'r2', localBaseSnapshotId: null }];
  Object.assign(rt.effects, { cycle_soon: () => undefined }); // the cycle that ships the new member whole
  await rt.apply('s1', { type: 'members_changed', elementPairs: pairs });
  assert.equal(meta.get('volume', 'v2')?.isReplicationDestination, true, 'the new member is read-only, as the record');
  assert.equal(meta.get('volume', 'v1')?.isReplicationDestination, true);
});
