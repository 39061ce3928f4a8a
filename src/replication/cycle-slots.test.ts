// Goal: cycle slots bound how many cycles run at once, admit the waiting ones in the order they
// asked, report idle only when none runs or waits; a session's spread fraction is fixed and the
// fractions of many sessions cover the window. Method: cycles are promises the test resolves by
// hand, so every step is explicit (no clock, no sleep).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CycleSlots, spreadFraction } from './cycle-slots.ts';

function gate(): { promise: Promise<void>; open(): void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

test('at most slotsMax cycles run at once, and the others start in the order they asked', async () => {
  const slots = new CycleSlots(3);
  const gates = Array.from({ length: 7 }, gate);
  const started: number[] = [];
  const runs = gates.map((g, i) => slots.run(async () => {
    started.push(i);
    await g.promise;
    return i;
  }));
  await turn();
  assert.deepEqual(started, [0, 1, 2], 'three admitted at once');
  assert.equal(slots.running, 3);
  assert.equal(slots.queued, 4);
  gates[1]!.open();
  await turn();
  assert.deepEqual(started, [0, 1, 2, 3], 'a freed slot goes to the first waiting');
  gates[0]!.open();
  gates[3]!.open();
  await turn();
  assert.deepEqual(started, [0, 1, 2, 3, 4, 5]);
  assert.equal(slots.running, 3, 'never more than the limit');
  let idle = false;
  void slots.idle().then(() => (idle = true));
  for (const g of gates) g.open();
  assert.deepEqual(await Promise.all(runs), [0, 1, 2, 3, 4, 5, 6]);
  await turn();
  assert.equal(idle, true, 'idle once all ran');
  assert.equal(slots.running, 0);
  assert.equal(slots.runningHighWater, 3);
});

test('a failing cycle frees its slot', async () => {
  const slots = new CycleSlots(1);
  await assert.rejects(slots.run(async () => { throw new Error('cycle failed'); }));
  assert.equal(await slots.run(async () => 'next'), 'next');
  assert.equal(slots.running, 0);
  await slots.idle();
});

test('a spread fraction is fixed per session, in [0, 1), and many sessions fill the window evenly', () => {
  assert.equal(spreadFraction('session-a'), spreadFraction('session-a'));
  const buckets = new Array(10).fill(0);
  for (let i = 0; i < 5000; i++) {
    const f = spreadFraction(`3f2a${i.toString(16).padStart(4, '0')}-1b2c-4d5e-8f90-${(i * 7919).toString(16).padStart(12, '0')}`);
    assert.ok(f >= 0 && f < 1);
    buckets[Math.floor(f * 10)] += 1;
  }
  // 500 per tenth expected; a hash that clusters would leave some tenths far below.
  for (const count of buckets) assert.ok(count > 350 && count < 650, `tenths ${buckets.join(', ')}`);
});
