// Goal: the console's lag chart is the sawtooth the session lived: growing a second per second,
// dropping at each commit, flat at 0 for a synchronous session in step, cut to the last hour, and
// forgotten with the session. Method: session records written by hand, a manual clock.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManualClock } from '../core/clock.ts';
import type { ReplicationSession } from '../core/replication/model.ts';
import { LAG_HISTORY_MS, LagHistory } from './lag-history.ts';

const session = (fields: Partial<ReplicationSession>): ReplicationSession => ({ transferMode: 'Asynchronous', state: 'Initializing', lastSyncMs: null, createdAtMs: 0, ...fields }) as ReplicationSession;

test('the lag grows between commits and drops at each', () => {
  const clock = new ManualClock();
  const start = clock.nowMs();
  const h = new LagHistory(clock);
  const created = session({ createdAtMs: start });
  h.observe('s', undefined, created);
  clock.advanceMs(10_000);
  const ok = session({ createdAtMs: start, state: 'OK', lastSyncMs: start + 8_000 });
  h.observe('s', created, ok);
  h.observe('s', ok, { ...ok }); // a write that changes nothing the lag depends on
  clock.advanceMs(5_000);
  assert.deepEqual(
    h.samples('s').map((p) => [p.atMs - start, p.lagSeconds]),
    [
      [0, 0],
      [10_000, 10],
      [10_000, 2],
      [15_000, 7],
    ],
  );
  h.observe('s', ok, undefined);
  assert.deepEqual(h.samples('s'), []);
});

test('a synchronous session in step stays at 0; only the last hour is drawn', () => {
  const clock = new ManualClock();
  const start = clock.nowMs();
  const h = new LagHistory(clock);
  const inStep = session({ transferMode: 'Synchronous', state: 'OK', lastSyncMs: start });
  h.observe('s', undefined, inStep);
  clock.advanceMs(2 * LAG_HISTORY_MS);
  const samples = h.samples('s');
  assert.deepEqual(samples.map((p) => p.lagSeconds), [0, 0]);
  assert.equal(samples[0]!.atMs, clock.nowMs() - LAG_HISTORY_MS);
  h.observe('s', inStep, { ...inStep, state: 'System_Paused' });
  clock.advanceMs(3_000);
  assert.deepEqual(h.samples('s').at(-1)!.lagSeconds, 2 * LAG_HISTORY_MS / 1000 + 3);
});
