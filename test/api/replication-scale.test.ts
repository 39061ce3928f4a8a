// Goal (issue 14): with many protected volumes, the create, cycle, listing and restart paths cost
// the same whatever their number. Method: the metadata stores of a pair count every full scan
// (list/listShared) of volumes and sessions while a protected volume is created (ETERNUS volume
// numbers too), its cycles run and sessions are listed: the create and cycle paths scan nothing,
// a listing scans only what it lists. The schedule is driven by ManualClock: sessions created at
// one instant come due spread over the window, a wave of due cycles runs at most
// CYCLES_RUNNING_MAX at once, and after a restart overdue sessions are spread, not started at once.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { MetaStore } from '../../src/core/meta-store.ts';
import { CYCLE_FRACTION_OF_RPO, CYCLE_SPREAD_FRACTION, CYCLES_RUNNING_MAX } from '../../src/replication/limits.ts';
import { settle, startPair, tickBoth, type Pair } from '../helpers/pair.ts';
import { MiB, startTestSystem } from '../helpers/system.ts';

let p: Pair;
let policyId = '';
const SESSIONS = 3 * CYCLES_RUNNING_MAX;
const INTERVAL_MS = 5 * 60_000 * CYCLE_FRACTION_OF_RPO;
const SPREAD_MS = INTERVAL_MS * CYCLE_SPREAD_FRACTION;

before(async () => {
  p = await startPair();
  const rule = await p.a.ps('POST', '/replication_rule', { name: 'rr-scale', rpo: 'Five_Minutes', remote_system_id: p.rsOnA, alert_threshold: 15 });
  const policy = await p.a.ps('POST', '/policy', { name: 'pp-scale', replication_rule_ids: [rule.body.id] });
  policyId = policy.body.id;
  // All created at one instant of the manual clock: their initial copies end at the same time too.
  for (let i = 0; i < SESSIONS; i++) {
    const r = await p.a.ps('POST', '/volume', { name: `scale-${i}`, size: 16 * MiB, protection_policy_id: policyId });
    assert.equal(r.status, 201, JSON.stringify(r.body));
  }
  await settle(p);
});
// Not p.close(): it closes the site-a it started, and the last test replaces it with a restarted one.
after(async () => {
  await p.a.close();
  await p.b.close();
});

/**
 * Monitors that visit every session once per period by design (RPO alerts every 10 s, copy
 * metrics every 20 s) run on the same clock as the cycles; their scans are per period, not per
 * operation, and are told apart by their frames.
 */
const PERIODIC_SWEEPS = ['RpoAlerts.check', 'CopyStats.sample'];

/** Counts full scans (list, listShared) of volumes and sessions on a store until stopped. */
function countScans(meta: MetaStore): { scans: Record<string, number>; stop(): void } {
  const scans: Record<string, number> = {};
  const target = meta as unknown as Record<'list' | 'listShared', (kind: string) => unknown>;
  const originals = { list: target.list, listShared: target.listShared };
  for (const name of ['list', 'listShared'] as const) {
    target[name] = function (this: unknown, kind: string) {
      const stack = new Error().stack ?? '';
      if ((kind === 'volume' || kind === 'replication_session') && !PERIODIC_SWEEPS.some((frame) => stack.includes(frame))) {
        scans[`${name}(${kind})`] = (scans[`${name}(${kind})`] ?? 0) + 1;
      }
      return originals[name].call(this, kind);
    };
  }
  return { scans, stop: () => Object.assign(target, originals) };
}

async function sessionsOnA(): Promise<Array<{ id: string; state: string; last_sync_timestamp: string | null; next_sync_timestamp: string | null }>> {
  const r = await p.a.ps('GET', '/replication_session?select=id,state,last_sync_timestamp,next_sync_timestamp&role=eq.Source&limit=2000');
  assert.equal(r.status, 200);
  return r.body;
}

test('creating a protected volume, its initial copy and its scheduled cycles scan no volumes and no sessions on either system', async () => {
  const onA = countScans(p.a.system.services.ctx.meta);
  const onB = countScans(p.b.system.services.ctx.meta);
  try {
    const created = await p.a.ps('POST', '/volume', { name: 'scale-counted', size: 16 * MiB, protection_policy_id: policyId });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    await settle(p);
    await tickBoth(p, INTERVAL_MS); // every session's scheduled cycle
    const number = p.a.system.services.ctx.meta.getShared('volume', created.body.id)!.number;
    const et = await p.a.et('GET', `/volume/${number}`);
    assert.equal(et.status, 200, 'an ETERNUS volume found by number');
  } finally {
    onA.stop();
    onB.stop();
  }
  assert.deepEqual(onA.scans, {}, 'site-a scanned');
  assert.deepEqual(onB.scans, {}, 'site-b scanned');
  const sessions = await sessionsOnA();
  assert.equal(sessions.length, SESSIONS + 1);
  assert.ok(sessions.every((s) => s.state === 'OK'), 'every cycle committed');
});

test('listing sessions with select scans the sessions once and nothing else', async () => {
  const onA = countScans(p.a.system.services.ctx.meta);
  try {
    const r = await p.a.ps('GET', '/replication_session?select=id,state,role,local_resource_id,storage_element_pairs,remote_system(id,name),replication_rule(id,name)');
    assert.equal(r.status, 200);
    assert.equal(r.body.length, SESSIONS + 1);
  } finally {
    onA.stop();
  }
  assert.deepEqual(onA.scans, { 'listShared(replication_session)': 1 });
});

test('sessions created at one instant fall due spread over their window, and a wave of due cycles runs at most CYCLES_RUNNING_MAX at once', async () => {
  const before = await sessionsOnA();
  const nextMs = before.map((s) => Date.parse(s.next_sync_timestamp!));
  const lastMs = before.map((s) => Date.parse(s.last_sync_timestamp!));
  for (let i = 0; i < before.length; i++) {
    const early = lastMs[i]! + INTERVAL_MS - nextMs[i]!;
    assert.ok(early >= 0 && early < SPREAD_MS, `next sync ${early} ms early, within the ${SPREAD_MS} ms window`);
  }
  assert.ok(new Set(nextMs).size > before.length / 2, `due times spread: ${new Set(nextMs).size} distinct of ${before.length}`);

  const slots = p.a.system.services.replication.cycleSlots;
  slots.runningHighWater = 0;
  await tickBoth(p, INTERVAL_MS); // every one of them is due now: one wave
  assert.equal(slots.runningHighWater, CYCLES_RUNNING_MAX, 'the wave filled the slots and no more');
  const afterWave = await sessionsOnA();
  for (const s of afterWave) {
    const previous = before.find((x) => x.id === s.id)!;
    assert.ok(Date.parse(s.last_sync_timestamp!) > Date.parse(previous.last_sync_timestamp!), `session ${s.id} cycled in the wave`);
  }
});

test('RPO timers that fire late after a stall of the event loop are spread over the window, not started at once', async () => {
  const before = await sessionsOnA();
  const earliestMs = Math.min(...before.map((s) => Date.parse(s.next_sync_timestamp!)));
  await tickBoth(p, earliestMs - p.clockA.nowMs() - 1); // just before the first is due
  // A stall: the clock moves past every due time before any timer runs, as when the event loop
  // is blocked (a restart's start-up under load); then the timers all fire at the same instant.
  const stallMs = SPREAD_MS + 2_000;
  for (const clock of [p.clockA, p.clockB]) {
    const inside = clock as unknown as { currentMs: number; timers: { dueMs: number }[] };
    inside.currentMs += stallMs;
    for (const t of inside.timers) t.dueMs = Math.max(t.dueMs, inside.currentMs);
  }
  const stalledAtMs = p.clockA.nowMs();
  const slots = p.a.system.services.replication.cycleSlots;
  slots.runningHighWater = 0;
  await tickBoth(p, 0);
  const after = await sessionsOnA();
  const ran = after.filter((s) => Date.parse(s.last_sync_timestamp!) > Date.parse(before.find((x) => x.id === s.id)!.last_sync_timestamp!));
  // A session that ran may already have finished and been re-armed one interval on: it counts as ran.
  const moved = after.filter((s) => !ran.includes(s) && Date.parse(s.next_sync_timestamp!) > stalledAtMs);
  // Only those less than CYCLE_TIMER_LATE_MS late ran; the others wait at their place in the window.
  assert.ok(ran.length < before.length / 4, `${ran.length} of ${before.length} cycled at the end of the stall`);
  assert.equal(ran.length + moved.length, before.length, 'every session either ran or was armed for later');
  for (const s of moved) assert.ok(Date.parse(s.next_sync_timestamp!) - stalledAtMs < SPREAD_MS, 'within the spread window');
  assert.ok(new Set(moved.map((s) => s.next_sync_timestamp)).size > moved.length / 2, 'not one instant');
  await tickBoth(p, SPREAD_MS);
  const later = await sessionsOnA();
  for (const s of later) assert.ok(Date.parse(s.last_sync_timestamp!) > Date.parse(before.find((x) => x.id === s.id)!.last_sync_timestamp!), `session ${s.id} cycled within the window`);
});

test('after a restart, overdue sessions start spread over the window instead of at once', async () => {
  const dataDir = p.a.dataDir;
  await p.a.system.close(); // the system only: its data stays for the restart
  p.clockA.advanceMs(2 * INTERVAL_MS); // every session is overdue when site-a is back
  const restartedAtMs = p.clockA.nowMs();
  const again = await startTestSystem({ name: 'site-a', clock: p.clockA, dataDir });
  p.a = again;
  const sessions = await sessionsOnA();
  const offsets = sessions.map((s) => Date.parse(s.next_sync_timestamp!) - restartedAtMs);
  for (const offset of offsets) assert.ok(offset >= 0 && offset < SPREAD_MS, `due ${offset} ms after the restart, within ${SPREAD_MS}`);
  assert.ok(new Set(offsets).size > sessions.length / 2, 'not one instant');
  assert.ok(sessions.every((s) => s.state === 'OK'), 'nothing started at the restart itself');
});
