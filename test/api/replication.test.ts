// Goal: two systems replicate a volume end to end through the PowerStore API, with real bytes
// over the mutual-TLS peer link: pairing, policy-driven session creation, sync, planned failover,
// reprotect, failback with reverse, link loss, unplanned failover while the source is cut off,
// demotion of the old source and reprotect without a full copy, and session deletion.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { heartbeats, settle, startPair, type Pair } from '../helpers/pair.ts';
import { DomainError } from '../../src/core/errors.ts';
import { SUSPEND_NOTICE_RETRY_MS } from '../../src/replication/limits.ts';
import { RPC } from '../../src/replication/wire.ts';
import { MiB } from '../helpers/system.ts';

let p: Pair;
before(async () => {
  p = await startPair();
});
after(() => p.close());

const SESSION_SELECT =
  'id,state,role,resource_type,data_transfer_state,type,last_sync_timestamp,local_resource_id,remote_resource_id,remote_system_id,progress_percentage,estimated_completion_timestamp,replication_rule_id,last_sync_duration,next_sync_timestamp,storage_element_pairs,failover_test_in_progress,error_code,data_connection_state,remote_system(id,name),migration_session(id,name),replication_rule(id,name)';

const block = (byte: number) => Buffer.alloc(4096, byte);
let volA = '';
let volB = '';
let sessionId = '';

async function session(side: 'a' | 'b') {
  const r = await p[side].ps('GET', `/replication_session/${sessionId}?select=${SESSION_SELECT}`);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body;
}

async function readB(offset: number) {
  return p.b.system.services.ctx.store.read(volB, offset, 4096);
}

test('pairing created the remote system on both sides with the peer names', async () => {
  const onA = await p.a.ps('GET', `/remote_system/${p.rsOnA}?select=id,name,type,state,data_connection_state,serial_number,capabilities,management_address,management_port`);
  assert.equal(onA.body.name, 'site-b');
  assert.equal(onA.body.type, 'PowerStore');
  assert.equal(onA.body.data_connection_state, 'OK');
  const onB = await p.b.ps('GET', `/remote_system/${p.rsOnB}?select=name,management_port`);
  assert.equal(onB.body.name, 'site-a');
  assert.equal(onB.body.management_port, p.a.system.ports.https);
  const again = await p.a.ps('POST', '/remote_system', { management_address: '127.0.0.1', management_port: p.b.system.ports.https, type: 'PowerStore' });
  assert.equal(again.status, 400, 'a second relationship with the same peer is refused');
  const noTrust = await p.a.ps('POST', '/remote_system', { management_address: '10.9.9.9', type: 'PowerStore' });
  assert.equal(noTrust.status, 422, 'without an exchange there is no trust');
  assert.equal((await p.a.ps('GET', '/remote_system')).body.length, 1, 'refused creates left nothing');
});

test('assigning a policy creates the session and the destination; sync moves real bytes', async () => {
  const rule = await p.a.ps('POST', '/replication_rule', { name: 'rr1', rpo: 'Five_Minutes', remote_system_id: p.rsOnA, alert_threshold: 15 });
  assert.equal(rule.status, 201);
  const policy = await p.a.ps('POST', '/policy', { name: 'pp1', replication_rule_ids: [rule.body.id] });
  assert.equal(policy.status, 201);
  const pol = await p.a.ps('GET', `/policy/${policy.body.id}?select=replication_rules(id,name)`);
  assert.deepEqual(pol.body.replication_rules, [{ id: rule.body.id, name: 'rr1' }]);
  assert.equal((await p.a.ps('DELETE', `/remote_system/${p.rsOnA}`)).status, 422, 'a referenced remote system cannot be deleted');

  const created = await p.a.ps('POST', '/volume', { name: 'repl-vol', size: 16 * MiB, protection_policy_id: policy.body.id });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  volA = created.body.id;
  await p.a.system.services.ctx.store.write(volA, 0, block(0x11));
  await p.a.system.services.ctx.store.write(volA, 8 * MiB, block(0x12));

  const sessions = await p.a.ps('GET', `/replication_session?select=id,role,state&local_resource_id=eq.${volA}`);
  assert.equal(sessions.body.length, 1);
  sessionId = sessions.body[0].id;
  const destination = await p.b.ps('GET', '/volume?select=id,name,size,is_replication_destination,protection_policy_id&name=eq.repl-vol');
  assert.equal(destination.body.length, 1, 'the destination volume has the same name');
  volB = destination.body[0].id;
  assert.equal(destination.body[0].is_replication_destination, true);
  assert.equal(destination.body[0].size, 16 * MiB);

  assert.equal((await p.a.ps('POST', `/replication_session/${sessionId}/sync`)).status, 204);
  const onA = await session('a');
  assert.equal(onA.role, 'Source');
  assert.equal(onA.state, 'OK');
  assert.equal(onA.type, 'Asynchronous');
  assert.ok(onA.last_sync_timestamp && onA.next_sync_timestamp);
  assert.deepEqual(onA.storage_element_pairs, [{ local_storage_element_id: volA, remote_storage_element_id: volB, storage_element_type: 'volume', replication_shadow_id: null }]);
  assert.deepEqual(onA.remote_system, { id: p.rsOnA, name: 'site-b' });
  const onB = await session('b');
  assert.equal(onB.role, 'Destination');
  assert.equal(onB.id, sessionId, 'the same session id on both systems');
  assert.equal(onB.local_resource_id, volB);
  assert.deepEqual(await readB(0), block(0x11));
  assert.deepEqual(await readB(8 * MiB), block(0x12));

  const replicaRule = await p.b.ps('GET', `/replication_rule/${rule.body.id}?select=is_replica,managed_by`);
  assert.deepEqual(replicaRule.body, { is_replica: true, managed_by: 'Replication' });
  assert.equal((await p.b.ps('PATCH', `/volume/${volB}`, { name: 'renamed' })).status, 422, 'destination refuses management changes');
  assert.equal((await p.b.ps('DELETE', `/volume/${volB}`)).status, 422);
  const exp = p.b.system.services.nbd;
  assert.ok(exp, 'nbd server present');
});

test('negative checks from the PyPowerStore acceptance script', async () => {
  const reprotect = await p.a.ps('POST', `/replication_session/${sessionId}/reprotect`);
  assert.equal(reprotect.status, 422);
  const unknownKey = await p.a.ps('POST', `/replication_session/${sessionId}/failover`, { dupe_is_planned: true });
  assert.equal(unknownKey.status, 400);
  assert.equal(unknownKey.body.messages[0].code, '0xE04040030001');
  const unknownId = await p.a.ps('GET', '/replication_session/00000000-0000-0000-0000-00000000dead');
  assert.equal(unknownId.status, 404);
  assert.equal(unknownId.body.messages[0].code, '0xE04040020009');
  const fromDestination = await p.b.ps('POST', `/replication_session/${sessionId}/failover`, { is_planned: true });
  assert.equal(fromDestination.status, 400, 'planned failover from the destination');
  assert.equal((await session('a')).state, 'OK', 'refused actions changed nothing');
});

test('pause and resume are seen on both sides; the RPO schedule runs cycles on the injected clock', async () => {
  assert.equal((await p.a.ps('POST', `/replication_session/${sessionId}/pause`)).status, 204);
  assert.equal((await session('a')).state, 'Paused');
  assert.equal((await session('b')).state, 'Paused');
  await p.a.system.services.ctx.store.write(volA, 4096, block(0x21));
  p.clockA.advanceMs(10 * 60_000);
  await settle(p);
  assert.deepEqual(await readB(4096), Buffer.alloc(4096), 'no cycle while paused');
  assert.equal((await p.a.ps('POST', `/replication_session/${sessionId}/resume`)).status, 204);
  await p.a.system.services.replication.sync(sessionId);
  assert.deepEqual(await readB(4096), block(0x21));
  await p.a.system.services.ctx.store.write(volA, 4096, block(0x22));
  p.clockA.advanceMs(4 * 60_000); // 80% of Five_Minutes
  await settle(p);
  await p.a.system.services.replication.sync(sessionId); // waits for the scheduled cycle, then one more
  assert.deepEqual(await readB(4096), block(0x22));
});

test('user snapshots taken on the source are replicated as cut points with the same name', async () => {
  const storeA = p.a.system.services.ctx.store;
  await storeA.write(volA, 2 * 4096, block(0x61));
  const snap = await p.a.ps('POST', `/volume/${volA}/snapshot`, { name: 'repl-vol-snap1', description: 'cut' });
  assert.equal(snap.status, 200);
  await storeA.write(volA, 2 * 4096, block(0x62));
  await p.a.system.services.replication.sync(sessionId);
  const onB = await p.b.ps('GET', `/volume?select=id,name,type,description,protection_data&name=eq.repl-vol-snap1`);
  assert.equal(onB.body.length, 1, 'the destination has a snapshot of the same name');
  assert.equal(onB.body[0].type, 'Snapshot');
  assert.equal(onB.body[0].protection_data.source_id, volB);
  assert.deepEqual(await p.b.system.services.ctx.store.read(onB.body[0].id, 2 * 4096, 4096), block(0x61), 'it holds the bytes of the source snapshot');
  assert.deepEqual(await readB(2 * 4096), block(0x62), 'and the volume moved on to the latest cut');
  await p.a.system.services.replication.sync(sessionId);
  const again = await p.b.ps('GET', `/volume?select=id&name=like.repl-vol-snap1*`);
  assert.equal(again.body.length, 1, 'a snapshot is replicated once');
});

test('a bandwidth fault caps what site-a ships: a sync of 8 MiB at 16 MiB/s takes its time and the bytes arrive', async () => {
  assert.equal((await p.a.control('POST', '/faults', { kind: 'bandwidth', mibps: 0 })).status, 400);
  assert.equal((await p.a.control('POST', '/faults', { kind: 'bandwidth' })).status, 400);
  const data = Buffer.alloc(8 * MiB);
  for (let i = 0; i < data.length; i += 4096) data.fill(i / 4096 + 1, i, i + 4096);
  await p.a.system.services.ctx.store.write(volA, 0, data);
  const cap = await p.a.control('POST', '/faults', { kind: 'bandwidth', mibps: 16 });
  assert.equal(cap.status, 201, JSON.stringify(cap.body));
  assert.deepEqual((await p.a.control('GET', '/faults')).body.map((f: { kind: string; mibps: number }) => [f.kind, f.mibps]), [['bandwidth', 16]]);
  try {
    const startMs = performance.now();
    assert.equal((await p.a.ps('POST', `/replication_session/${sessionId}/sync`)).status, 204);
    const elapsedMs = performance.now() - startMs;
    // Batches of at most 4 MiB: the first leaves at once, the second waits for it (250 ms at 16 MiB/s).
    assert.ok(elapsedMs >= 240, `8 MiB shipped in ${elapsedMs.toFixed(0)} ms under a 16 MiB/s cap`);
  } finally {
    assert.equal((await p.a.control('DELETE', `/faults/${cap.body.id}`)).status, 204);
  }
  assert.deepEqual(await p.b.system.services.ctx.store.read(volB, 0, 8 * MiB), data);
});

test('planned failover swaps roles with no data loss; reprotect and failback with reverse', async () => {
  await p.a.system.services.ctx.store.write(volA, 12 * MiB, block(0x31));
  assert.equal((await p.a.ps('POST', `/replication_session/${sessionId}/failover`)).status, 204);
  let a = await session('a');
  let b = await session('b');
  assert.equal(a.state, 'Failed_Over');
  assert.equal(b.state, 'Failed_Over');
  assert.equal(a.role, 'Destination');
  assert.equal(b.role, 'Source');
  assert.deepEqual(await readB(12 * MiB), block(0x31), 'the final sync carried the last write');
  const volOnB = await p.b.ps('GET', `/volume/${volB}?select=is_replication_destination`);
  assert.equal(volOnB.body.is_replication_destination, false);
  const volOnA = await p.a.ps('GET', `/volume/${volA}?select=is_replication_destination`);
  assert.equal(volOnA.body.is_replication_destination, true);

  await p.b.system.services.ctx.store.write(volB, 0, block(0x41));
  assert.equal((await p.b.ps('POST', `/replication_session/${sessionId}/reprotect`)).status, 204);
  b = await session('b');
  assert.equal(b.state, 'OK');
  assert.deepEqual(await p.a.system.services.ctx.store.read(volA, 0, 4096), block(0x41), 'site-a has what site-b wrote');

  await p.b.system.services.ctx.store.write(volB, 4096, block(0x42));
  assert.equal((await p.b.ps('POST', `/replication_session/${sessionId}/failover`, { is_planned: true, reverse: true })).status, 204);
  await settle(p);
  await p.a.system.services.replication.sync(sessionId);
  a = await session('a');
  assert.equal(a.role, 'Source');
  assert.equal(a.state, 'OK');
  assert.deepEqual(await p.a.system.services.ctx.store.read(volA, 4096, 4096), block(0x42), 'failback carried site-b writes home');
});

test('the reprotect a failback with reverse starts is tried again while the peer does not answer', async () => {
  assert.equal((await p.a.ps('POST', `/replication_session/${sessionId}/failover`, { is_planned: true })).status, 204);
  await settle(p);
  assert.equal((await session('b')).state, 'Failed_Over');
  // Site-a's first two calls preparing site-b as its destination get no answer.
  const peerA = p.a.system.services.peer;
  const peerOf = peerA.peer.bind(peerA);
  let refused = 0;
  peerA.peer = (peerSystemId) => {
    const client = peerOf(peerSystemId);
    return new Proxy(client, {
      get(target, prop) {
        if (prop === 'call') {
          return (method: string, params: unknown, options?: Parameters<typeof client.call>[2]) => {
            if (method !== RPC.becomeDestination || refused >= 2) return target.call(method, params, options);
            refused += 1;
            return Promise.reject(new DomainError('PEER_UNREACHABLE', 'no answer (injected)'));
          };
        }
        const value = Reflect.get(target, prop);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
  };
  try {
    assert.equal((await p.b.ps('POST', `/replication_session/${sessionId}/failover`, { is_planned: true, reverse: true })).status, 204);
    await settle(p);
    assert.equal(refused, 1);
    assert.deepEqual([(await session('a')).role, (await session('a')).state], ['Source', 'Failed_Over'], 'the reverse reprotect failed once');
    p.clockA.advanceMs(SUSPEND_NOTICE_RETRY_MS);
    await settle(p);
    assert.equal(refused, 2);
    assert.equal((await session('a')).state, 'Failed_Over');
    p.clockA.advanceMs(SUSPEND_NOTICE_RETRY_MS);
    await settle(p);
  } finally {
    peerA.peer = peerOf;
  }
  assert.equal((await session('a')).state, 'OK', 'the third try reprotected');
  assert.equal((await session('b')).role, 'Destination');
});

test('link down: System_Paused, unplanned failover on the destination, old source demoted, reprotect without a full copy', async () => {
  const storeA = p.a.system.services.ctx.store;
  await storeA.write(volA, 0, block(0x51));
  await p.a.system.services.replication.sync(sessionId);
  const cut = await p.a.control('POST', '/faults', { kind: 'link_down' });
  assert.equal(cut.status, 201);
  await storeA.write(volA, 0, block(0x52)); // never replicated
  const sizeBefore = (await p.a.ps('GET', `/volume/${volA}?select=size`)).body.size;
  assert.equal((await p.a.ps('PATCH', `/volume/${volA}`, { size: sizeBefore + 8 * MiB })).status, 204, 'grown: never replicated either');
  await assert.rejects(p.a.system.services.replication.sync(sessionId));
  assert.equal((await session('a')).state, 'System_Paused');
  assert.equal((await session('a')).data_connection_state, 'Complete_Data_Connection_Loss');

  const failover = await p.b.ps('POST', `/replication_session/${sessionId}/failover`, { is_planned: false });
  assert.equal(failover.status, 204, JSON.stringify(failover.body));
  const b = await session('b');
  assert.equal(b.role, 'Source');
  assert.equal(b.state, 'Failed_Over');
  assert.deepEqual(await readB(0), block(0x51), 'the destination serves the last synced data');
  await p.b.system.services.ctx.store.write(volB, 4096, block(0x53));
  const again = await p.b.ps('POST', `/replication_session/${sessionId}/failover`, { is_planned: false });
  assert.equal(again.status, 422);

  assert.equal((await p.a.control('DELETE', `/faults/${cut.body.id}`)).status, 204);
  await heartbeats(p);
  await p.a.system.services.replication.reconcileWith(p.b.system.identity.id);
  const a = await session('a');
  assert.equal(a.role, 'Destination', 'the old source comes back as destination');
  assert.equal(a.state, 'Failed_Over');

  assert.equal((await p.b.ps('POST', `/replication_session/${sessionId}/reprotect`)).status, 204);
  assert.equal((await session('b')).state, 'OK');
  assert.deepEqual(await storeA.read(volA, 0, 4096), block(0x51), 'unreplicated writes on the old source were discarded');
  // Its growth after the last common cut goes with its writes: the replica has its source's size
  // (here the restore to the common base undoes it; v5 seed 219 shows a reprotect by full copy).
  assert.equal((await p.a.ps('GET', `/volume/${volA}?select=size`)).body.size, sizeBefore, 'the old source grown during the outage takes its new source\'s size');
  assert.equal(storeA.sizeBytes(volA), sizeBefore);
  assert.deepEqual(await storeA.read(volA, 4096, 4096), block(0x53), 'writes made after failover reached the old source');
  assert.deepEqual(await storeA.read(volA, 12 * MiB, 4096), block(0x31), 'no full copy was needed to keep older data');
});

test('removing the policy deletes the session in a background job and keeps the destination', async () => {
  // After the failovers site-b is the source; the original policy is assigned on site-a. Fail back first.
  assert.equal((await p.b.ps('POST', `/replication_session/${sessionId}/failover`, { is_planned: true, reverse: true })).status, 204);
  await settle(p);
  // While the session uses it, the destination stays one: hosts would write what replication writes.
  const refused = await p.b.ps('PATCH', `/volume/${volB}`, { is_replication_destination: false });
  assert.equal(refused.status, 422, JSON.stringify(refused.body));
  assert.match(refused.body.messages[0].message_l10n, /is the destination of replication session .*only once no replication session uses it/);
  assert.equal((await p.b.ps('GET', `/volume/${volB}?select=is_replication_destination`)).body.is_replication_destination, true, 'unchanged');
  await p.a.system.services.replication.sync(sessionId);
  assert.equal((await p.a.ps('PATCH', `/volume/${volA}`, { protection_policy_id: '' })).status, 204);
  await settle(p);
  const jobs = await p.a.ps('GET', `/job?select=id,state&resource_type=eq.replication_session&resource_action=eq.delete&resource_id=eq.${sessionId}&state=eq.COMPLETED`);
  assert.equal(jobs.body.length, 1);
  assert.equal((await p.a.ps('GET', `/replication_session/${sessionId}`)).status, 404);
  assert.equal((await p.b.ps('GET', `/replication_session/${sessionId}`)).status, 404);
  const dest = await p.b.ps('GET', `/volume/${volB}?select=is_replication_destination`);
  assert.equal(dest.body.is_replication_destination, false, 'the former destination is an ordinary volume');
  assert.equal((await p.b.ps('PATCH', `/volume/${volB}`, { is_replication_destination: false })).status, 204, 'what Cinder sends next still answers 204');
  assert.equal((await p.b.ps('PATCH', `/volume/${volB}`, { name: 'now-mine' })).status, 204);
});

test('protection that cannot start (peer cut off) refuses the change and leaves nothing behind', async () => {
  const rule = await p.a.ps('POST', '/replication_rule', { name: 'rr-cut', rpo: 'One_Hour', remote_system_id: p.rsOnA });
  const policy = await p.a.ps('POST', '/policy', { name: 'pp-cut', replication_rule_ids: [rule.body.id] });
  const cut = await p.a.control('POST', '/faults', { kind: 'link_down' });
  try {
    const refused = await p.a.ps('POST', '/volume', { name: 'cut-vol', size: 8 * MiB, protection_policy_id: policy.body.id });
    assert.equal(refused.status, 422);
    assert.equal((await p.a.ps('GET', '/volume?name=eq.cut-vol')).body.length, 0, 'the volume was not created');
    const plain = await p.a.ps('POST', '/volume', { name: 'cut-vol2', size: 8 * MiB });
    const assign = await p.a.ps('PATCH', `/volume/${plain.body.id}`, { protection_policy_id: policy.body.id, description: 'x' });
    assert.equal(assign.status, 422);
    const after = await p.a.ps('GET', `/volume/${plain.body.id}?select=protection_policy_id,description`);
    assert.deepEqual(after.body, { protection_policy_id: null, description: null }, 'the refused modify changed nothing');
    assert.equal((await p.a.ps('GET', `/replication_session?local_resource_id=eq.${plain.body.id}`)).body.length, 0);
  } finally {
    await p.a.control('DELETE', `/faults/${cut.body.id}`);
  }
});
