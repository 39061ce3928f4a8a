// Goal: the figures every reader shows (metrics, tandem status, the console) are right at their
// edges: lag of a synchronous session in step, before the first sync, with no known creation time;
// RPO compliance; rate from copy samples and from a falling backlog; time left.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BacklogRate, isRpoCompliant, lagSeconds, secondsLeft, shippingRate } from './session-figures.ts';

const base = { transferMode: 'Asynchronous', state: 'OK', lastSyncMs: 10_000, createdAtMs: 1_000 };

test('lag counts from the last sync, from creation before it, and is 0 for a synchronous session in step', () => {
  assert.equal(lagSeconds(base, 15_000), 5);
  assert.equal(lagSeconds({ ...base, lastSyncMs: null }, 15_000), 14);
  assert.equal(lagSeconds({ ...base, lastSyncMs: null, createdAtMs: null }, 15_000), null);
  assert.equal(lagSeconds({ ...base, transferMode: 'Synchronous' }, 99_000), 0);
  assert.equal(lagSeconds({ ...base, transferMode: 'Synchronous', state: 'System_Paused' }, 15_000), 5);
  assert.equal(lagSeconds(base, 5_000), 0, 'a clock behind the cut time reads 0, not a negative lag');
});

test('RPO compliance: a committed copy no older than the RPO; a synchronous session when in step', () => {
  assert.equal(isRpoCompliant({ ...base, rpoSeconds: 300 }, 10_000 + 300_000), true);
  assert.equal(isRpoCompliant({ ...base, rpoSeconds: 300 }, 10_000 + 300_001), false);
  assert.equal(isRpoCompliant({ ...base, lastSyncMs: null, rpoSeconds: 300 }, 2_000), false, 'no copy yet');
  assert.equal(isRpoCompliant({ ...base, transferMode: 'Synchronous', rpoSeconds: null }, 99_000), true);
  assert.equal(isRpoCompliant({ ...base, transferMode: 'Synchronous', state: 'System_Paused', rpoSeconds: null }, 11_000), false);
});

test('rate from copy samples in a window, from a falling backlog, and time left', () => {
  const samples = [
    { endMs: 20_000, durationMs: 20_000, transferredBytes: 999 },
    { endMs: 60_000, durationMs: 20_000, transferredBytes: 20_000 },
    { endMs: 80_000, durationMs: 20_000, transferredBytes: 0 },
  ];
  assert.equal(shippingRate(samples, 80_000, 40_000), 500);
  assert.equal(shippingRate(samples, 200_000, 40_000), null);
  const meter = new BacklogRate();
  assert.equal(meter.sample(1000, 0), null);
  assert.equal(meter.sample(800, 1000), 200);
  assert.equal(meter.sample(400, 2000), 300);
  assert.equal(meter.sample(5000, 3000), null, 'a new cycle starts afresh');
  assert.equal(meter.sample(null, 4000), null);
  assert.equal(secondsLeft(600, 300, null, 0), 2);
  assert.equal(secondsLeft(600, null, 9_000, 4_000), 5);
  assert.equal(secondsLeft(null, null, null, 0), null);
});
