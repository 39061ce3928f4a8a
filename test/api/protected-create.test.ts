// Goal (issue 14): creating a protected volume holds the management lock only to validate and to
// commit, not across the peer's createDestination round trip, and a create that fails at any step
// leaves nothing behind on either system (a real array's rule). Method: a pair; the peer link is
// slowed (delay fault) or cut (link_down) and the policy changed, or the local commit made to fail,
// while a create is in flight; then both systems are searched for the volume and its session.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { heartbeats, settle, startPair, tickBoth, type Pair } from '../helpers/pair.ts';
import { ORPHAN_DESTINATION_AGE_MS } from '../../src/replication/link-state.ts';
import { MiB } from '../helpers/system.ts';
import { HoldingClock } from '../helpers/holding-clock.ts';

let p: Pair;
let ruleId = '';
let policyId = '';
/** Site-a's delay faults: a create's createDestination call is held there until the test releases it. */
const faultClockA = new HoldingClock();

before(async () => {
  p = await startPair({ peerFaultClockA: faultClockA });
  const rule = await p.a.ps('POST', '/replication_rule', { name: 'rr-create', rpo: 'Five_Minutes', remote_system_id: p.rsOnA });
  ruleId = rule.body.id;
  const policy = await p.a.ps('POST', '/policy', { name: 'pp-create', replication_rule_ids: [ruleId] });
  policyId = policy.body.id;
});
after(() => p.close());

/** The volumes named `name` and the sessions on each system (its replica on site-b has the same name). */
async function traces(name: string): Promise<{ a: number; b: number; sessionsA: number; sessionsB: number }> {
  const a = await p.a.ps('GET', `/volume?select=id&name=eq.${name}`);
  const b = await p.b.ps('GET', `/volume?select=id&name=eq.${name}`);
  const sessionsA = await p.a.ps('GET', '/replication_session?select=id');
  const sessionsB = await p.b.ps('GET', '/replication_session?select=id');
  return { a: a.body.length, b: b.body.length, sessionsA: sessionsA.body.length, sessionsB: sessionsB.body.length };
}

/** Engine volumes of a system that no record names (what a failed create must not leave). */
function engineVolumes(which: 'a' | 'b'): number {
  return p[which].system.services.ctx.store.volumeIds().length;
}

// A lock held across the peer's call would wait for the held create for good: the timeout fails it instead.
test('the management lock is free while the peer makes the destination: other mutations go on meanwhile', { timeout: 60_000 }, async () => {
  const fault = await p.a.control('POST', '/faults', { kind: 'delay', delay_ms: 300 });
  try {
    faultClockA.holding = 1;
    let answered = false;
    const creating = p.a.ps('POST', '/volume', { name: 'slow-peer', size: 8 * MiB, protection_policy_id: policyId }).finally(() => (answered = true));
    await faultClockA.untilHeld(); // the create waits for the peer's createDestination now, until released
    const plain = await p.a.ps('POST', '/volume', { name: 'meanwhile', size: 8 * MiB });
    assert.equal(plain.status, 201);
    assert.equal(answered, false, 'a plain create was answered while the protected one waited for the peer');
    const sameName = await p.a.ps('POST', '/volume', { name: 'slow-peer', size: 8 * MiB });
    assert.equal(sameName.status, 422, 'the name is reserved while its create is in flight');
    assert.equal(sameName.body.messages[0].code, '0xE0A07001000B');
    faultClockA.release();
    assert.equal((await creating).status, 201);
  } finally {
    faultClockA.release();
    await p.a.control('DELETE', `/faults/${fault.body.id}`);
  }
  await settle(p);
  const t = await traces('slow-peer');
  assert.deepEqual([t.a, t.b], [1, 1]);
});

test('a create whose policy stops replicating while the peer works is refused, and the peer keeps nothing of it', { timeout: 60_000 }, async () => {
  const before = await traces('changed-policy');
  const engineA = engineVolumes('a');
  const engineB = engineVolumes('b');
  // A policy that keeps a snapshot rule, so that its replication rule may be removed.
  const snapRule = await p.a.ps('POST', '/snapshot_rule', { name: 'sr-create', interval: 'One_Day', desired_retention: 2 });
  const both = await p.a.ps('POST', '/policy', { name: 'pp-both', replication_rule_ids: [ruleId], snapshot_rule_ids: [snapRule.body.id] });
  assert.equal(both.status, 201, JSON.stringify(both.body));
  const fault = await p.a.control('POST', '/faults', { kind: 'delay', delay_ms: 300 });
  let refused;
  try {
    faultClockA.holding = 1;
    const creating = p.a.ps('POST', '/volume', { name: 'changed-policy', size: 8 * MiB, protection_policy_id: both.body.id });
    await faultClockA.untilHeld(); // the peer is making the destination
    const detached = await p.a.ps('PATCH', `/policy/${both.body.id}`, { remove_replication_rule_ids: [ruleId] });
    assert.equal(detached.status, 204, JSON.stringify(detached.body));
    faultClockA.release();
    refused = await creating;
  } finally {
    faultClockA.release();
    await p.a.control('DELETE', `/faults/${fault.body.id}`);
  }
  assert.equal(refused.status, 422, JSON.stringify(refused.body));
  await settle(p);
  assert.deepEqual(await traces('changed-policy'), before, 'no volume or session on either system');
  assert.equal(engineVolumes('a'), engineA, 'no engine volume left on site-a');
  assert.equal(engineVolumes('b'), engineB, 'no engine volume left on site-b');
});

test('a local commit that fails after the peer made the destination leaves nothing on either system', async () => {
  const before = await traces('commit-fails');
  const engineB = engineVolumes('b');
  const meta = p.a.system.services.ctx.meta as unknown as { transaction: (fn: () => unknown) => unknown };
  const original = meta.transaction;
  meta.transaction = function (this: unknown, fn: () => unknown) {
    // The create's commit is the one that stages a session record with the volume.
    return original.call(this, () => {
      const result = fn();
      const staged = (this as { staged: Map<string, Map<string, unknown>> | null }).staged;
      if (staged?.get('volume') && staged.get('replication_session')) throw new Error('disk full (injected)');
      return result;
    });
  };
  let failed;
  try {
    failed = await p.a.ps('POST', '/volume', { name: 'commit-fails', size: 8 * MiB, protection_policy_id: policyId });
  } finally {
    meta.transaction = original;
  }
  assert.equal(failed.status, 500, JSON.stringify(failed.body));
  await settle(p);
  assert.deepEqual(await traces('commit-fails'), before);
  assert.equal(engineVolumes('b'), engineB, 'the destination volume was removed from the engine too');
  const again = await p.a.ps('POST', '/volume', { name: 'commit-fails', size: 8 * MiB, protection_policy_id: policyId });
  assert.equal(again.status, 201, 'the name is free again on both systems');
  await settle(p);
});

test('a create refused by the peer (the name is taken there) leaves nothing on site-a and the peer volume as it was', async () => {
  const theirs = await p.b.ps('POST', '/volume', { name: 'taken-on-b', size: 8 * MiB });
  assert.equal(theirs.status, 201);
  const engineA = engineVolumes('a');
  const refused = await p.a.ps('POST', '/volume', { name: 'taken-on-b', size: 8 * MiB, protection_policy_id: policyId });
  assert.equal(refused.status, 422, JSON.stringify(refused.body));
  await settle(p);
  const t = await traces('taken-on-b');
  assert.deepEqual([t.a, t.b], [0, 1]);
  assert.equal(engineVolumes('a'), engineA);
  const kept = await p.b.ps('GET', `/volume/${theirs.body.id}?select=is_replication_destination`);
  assert.equal(kept.body.is_replication_destination, false);
});

test('creates in flight with the same name: one is created, the others are refused, one destination on the peer', async () => {
  const replies = await Promise.all([1, 2, 3].map(() => p.a.ps('POST', '/volume', { name: 'raced', size: 8 * MiB, protection_policy_id: policyId })));
  assert.deepEqual(replies.map((r) => r.status).sort(), [201, 422, 422]);
  await settle(p);
  const t = await traces('raced');
  assert.deepEqual([t.a, t.b], [1, 1]);
});

test('a destination the source could not cancel (the link lost with the create) is removed when the link returns', async () => {
  const before = await traces('orphaned');
  const engineB = engineVolumes('b');
  const faults = p.a.system.services.peer.faults;
  const meta = p.a.system.services.ctx.meta as unknown as { transaction: (fn: () => unknown) => unknown };
  const original = meta.transaction;
  let cutId: string | null = null;
  meta.transaction = function (this: unknown, fn: () => unknown) {
    return original.call(this, () => {
      const result = fn();
      const staged = (this as { staged: Map<string, Map<string, unknown>> | null }).staged;
      if (staged?.get('volume') && staged.get('replication_session')) {
        cutId = faults.add({ kind: 'link_down' }).id; // the link goes as the commit fails: the cancel cannot reach site-b
        throw new Error('disk full (injected)');
      }
      return result;
    });
  };
  try {
    const reply = await p.a.ps('POST', '/volume', { name: 'orphaned', size: 8 * MiB, protection_policy_id: policyId });
    assert.equal(reply.status, 500);
  } finally {
    meta.transaction = original;
  }
  assert.ok(cutId);
  await settle(p);
  const left = await traces('orphaned');
  assert.deepEqual([left.a, left.b, left.sessionsB], [0, 1, before.sessionsB + 1], 'the destination is left on site-b while the link is down');
  faults.remove(cutId);
  await tickBoth(p, ORPHAN_DESTINATION_AGE_MS + 1_000);
  await heartbeats(p);
  await settle(p);
  assert.deepEqual(await traces('orphaned'), before, 'gone once the link is back and the create is old enough');
  assert.equal(engineVolumes('b'), engineB);
});
