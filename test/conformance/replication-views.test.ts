// Goal: the replication views Dell's clients read stay mirrored on both systems, and what
// replication leaves behind is ordinary once it lets go (cases in replication-views-facts.ts).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { DomainError } from '../../src/core/errors.ts';
import { heartbeats, startPair, tickBoth, type Pair } from '../helpers/pair.ts';
import { replay } from './replay.ts';
import { groupSessionViews, volumeSessionViews } from './replication-views-facts.ts';

let p: Pair;
before(async () => {
  p = await startPair();
});
after(() => p.close());

test('a volume session: mirrored views from creation, unassign finishes on both systems, leftovers deletable', async () => {
  await replay(p, volumeSessionViews);
});

test('a group session: members joining and leaving are followed on both systems at once, leftovers ordinary', async () => {
  await replay(p, groupSessionViews);
});

test('unassigning with the link down: the source lists the session as Deleting until the link returns, then both let go', async () => {
  const vars = await replay(p, [
    { name: 'rule', on: 'a', method: 'POST', path: '/replication_rule', body: { name: 'ld-rule', rpo: 'One_Hour', remote_system_id: '${rsOnA}' }, status: 201, capture: { rule: 'id' } },
    { name: 'policy', on: 'a', method: 'POST', path: '/policy', body: { name: 'ld-policy', replication_rule_ids: ['${rule}'] }, status: 201, capture: { policy: 'id' } },
    { name: 'protected volume', on: 'a', method: 'POST', path: '/volume', body: { name: 'ld-vol', size: 8 * 1024 * 1024, protection_policy_id: '${policy}' }, status: 201, capture: { vol: 'id' } },
    { name: 'session', on: 'a', method: 'GET', path: '/replication_session?select=id,remote_resource_id&local_resource_id=eq.${vol}', status: 200, capture: { session: '0.id', volOnB: '0.remote_resource_id' } },
  ]);
  const cut = await p.a.control('POST', '/faults', { kind: 'link_down' });
  assert.equal(cut.status, 201);
  await replay(p, [
    { name: 'unassign while the peer is unreachable', on: 'a', method: 'PATCH', path: '/volume/${vol}', body: { protection_policy_id: '' }, status: 204 },
    { name: 'the deletion job completes', on: 'a', method: 'GET', path: '/job?select=id,state&resource_type=eq.replication_session&resource_action=eq.delete&resource_id=eq.${session}', status: 200, expect: { '0.state': 'COMPLETED' } },
    { name: 'the source still lists the session, Deleting', on: 'a', method: 'GET', path: '/replication_session/${session}?select=state', status: 200, expect: { state: 'Deleting' } },
    { name: 'the source volume waits for it', on: 'a', method: 'DELETE', path: '/volume/${vol}', status: 422 },
    { name: 'the destination still holds its side', on: 'b', method: 'GET', path: '/replication_session/${session}?select=role', status: 200, expect: { role: 'Destination' } },
  ], vars);
  assert.equal((await p.a.control('DELETE', `/faults/${cut.body.id}`)).status, 204);
  await heartbeats(p);
  await replay(p, [
    { name: 'gone on the source once the link is back', on: 'a', method: 'GET', path: '/replication_session?select=id&id=eq.${session}', status: 200, until: { length: 0 } },
    { name: 'gone on the destination', on: 'b', method: 'GET', path: '/replication_session?select=id&id=eq.${session}', status: 200, expect: { length: 0 } },
    { name: 'the former destination is ordinary and deletable', on: 'b', method: 'DELETE', path: '/volume/${volOnB}', status: 204 },
    { name: 'the source volume is deletable', on: 'a', method: 'DELETE', path: '/volume/${vol}', status: 204 },
  ], vars);
});

test('unassigning with the link up and the deletion call lost: the source asks again until the peer answers (simulation seed 149, v4)', async () => {
  const vars = await replay(p, [
    { name: 'rule', on: 'a', method: 'POST', path: '/replication_rule', body: { name: 'lost-rule', rpo: 'One_Hour', remote_system_id: '${rsOnA}' }, status: 201, capture: { rule: 'id' } },
    { name: 'policy', on: 'a', method: 'POST', path: '/policy', body: { name: 'lost-policy', replication_rule_ids: ['${rule}'] }, status: 201, capture: { policy: 'id' } },
    { name: 'protected volume', on: 'a', method: 'POST', path: '/volume', body: { name: 'lost-vol', size: 8 * 1024 * 1024, protection_policy_id: '${policy}' }, status: 201, capture: { vol: 'id' } },
    { name: 'session', on: 'a', method: 'GET', path: '/replication_session?select=id,remote_resource_id&local_resource_id=eq.${vol}', status: 200, capture: { session: '0.id', volOnB: '0.remote_resource_id' } },
  ]);
  // The peer's handler fails the first deletion, as a dropped call would; no link loss follows.
  const handlers = (p.b.system.services.peer as unknown as { handlers: Map<string, (r: unknown) => Promise<unknown>> }).handlers;
  const deleteSession = handlers.get('repl.deleteSession')!;
  let lost = 0;
  handlers.set('repl.deleteSession', async (request) => {
    if (lost++ === 0) throw new DomainError('PEER_UNREACHABLE', 'dropped by the test');
    return deleteSession(request);
  });
  try {
    await replay(p, [
      { name: 'unassign', on: 'a', method: 'PATCH', path: '/volume/${vol}', body: { protection_policy_id: '' }, status: 204 },
      { name: 'the source lists the session, Deleting', on: 'a', method: 'GET', path: '/replication_session/${session}?select=state', status: 200, expect: { state: 'Deleting' } },
      { name: 'the destination still holds its side', on: 'b', method: 'GET', path: '/replication_session/${session}?select=role', status: 200, expect: { role: 'Destination' } },
    ], vars);
    await tickBoth(p, 2_000);
    await replay(p, [
      { name: 'gone on the source after the retry', on: 'a', method: 'GET', path: '/replication_session?select=id&id=eq.${session}', status: 200, expect: { length: 0 } },
      { name: 'gone on the destination', on: 'b', method: 'GET', path: '/replication_session?select=id&id=eq.${session}', status: 200, expect: { length: 0 } },
      { name: 'the former destination is deletable', on: 'b', method: 'DELETE', path: '/volume/${volOnB}', status: 204 },
    ], vars);
    assert.equal(lost, 2, 'asked once, then again');
  } finally {
    handlers.set('repl.deleteSession', deleteSession);
  }
});

test('a destination recorded before remote_resource_id was carried learns it: a group at its next cycle, a volume at start-up', async () => {
  const vars = await replay(p, [
    { name: 'rule', on: 'a', method: 'POST', path: '/replication_rule', body: { name: 'old-rule', rpo: 'One_Hour', remote_system_id: '${rsOnA}' }, status: 201, capture: { rule: 'id' } },
    { name: 'policy', on: 'a', method: 'POST', path: '/policy', body: { name: 'old-policy', replication_rule_ids: ['${rule}'] }, status: 201, capture: { policy: 'id' } },
    { name: 'member', on: 'a', method: 'POST', path: '/volume', body: { name: 'old-m1', size: 8 * 1024 * 1024 }, status: 201, capture: { m1: 'id' } },
    { name: 'group', on: 'a', method: 'POST', path: '/volume_group', body: { name: 'old-group', volume_ids: ['${m1}'], protection_policy_id: '${policy}' }, status: 201, capture: { group: 'id' } },
    { name: 'session', on: 'a', method: 'GET', path: '/replication_session?select=id&local_resource_id=eq.${group}', status: 200, capture: { session: '0.id' } },
  ]);
  // What an older build wrote on the destination.
  const meta = p.b.system.services.ctx.meta;
  meta.put('replication_session', { ...meta.get('replication_session', vars.session!)!, remoteResourceId: '' });
  await replay(p, [
    { name: 'sync', on: 'a', method: 'POST', path: '/replication_session/${session}/sync', body: {}, status: 204 },
    { name: 'the destination learnt the source group at the cycle begin', on: 'b', method: 'GET', path: '/replication_session/${session}?select=remote_resource_id', status: 200, expect: { remote_resource_id: '${group}' } },
  ], vars);
});
