// Goal: PowerStore's alert, event and audit_event resources show what happened: every mutation of
// either dialect as an audit record with its user and outcome, session state changes and faults as
// events, and alerts raised and cleared: the RPO compliance alert when a session's lag passes its
// rule's alert_threshold (a link cut on injected clocks), the link-lost alert, a fault's alert.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { EVENT_CODES } from '../../src/observe/event-store.ts';
import { heartbeats, settle, startPair, tickBoth, type Pair } from '../helpers/pair.ts';
import { MiB } from '../helpers/system.ts';

let p: Pair;
before(async () => {
  p = await startPair();
});
after(() => p.close());

test('every mutation is an audit_event with its user and outcome, queried with the query language', async () => {
  assert.equal((await p.a.ps('POST', '/volume', { name: 'audit-vol', size: 8 * MiB })).status, 201);
  assert.equal((await p.a.ps('POST', '/volume', { name: 'audit-vol', size: 8 * MiB })).status, 422);
  const r = await p.a.ps('GET', '/audit_event?select=username,type,resource_type,resource_action,is_successful,message_l10n&resource_type=eq.volume&order=timestamp');
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.deepEqual(r.body.map((x: any) => [x.username, x.type, x.resource_action, x.is_successful]), [['admin', 'Config', 'create', true], ['admin', 'Config', 'create', false]]);
  assert.match(r.body[1].message_l10n, /failed with 422/);
  const token = await p.a.etLogin();
  assert.equal((await p.a.et('POST', '/volume', { name: 'et-audit', capacity: 16, tpp_id: 0 }, { authorization: token })).status, 202);
  const eternus = await p.a.ps('GET', '/audit_event?select=username,resource_type,resource_action&resource_type=eq.volume&resource_action=eq.create');
  assert.equal(eternus.body.length, 3, 'the ETERNUS create is audited too');
  assert.equal((await p.a.ps('GET', '/audit_event?select=nope')).status, 400);
});

test('a link cut past the alert threshold raises the RPO alert and the link alert; both clear after the link returns', async () => {
  const rule = await p.a.ps('POST', '/replication_rule', { name: 'mon-rule', rpo: 'Five_Minutes', remote_system_id: p.rsOnA, alert_threshold: 10 });
  const policy = await p.a.ps('POST', '/policy', { name: 'mon-policy', replication_rule_ids: [rule.body.id] });
  const vol = await p.a.ps('POST', '/volume', { name: 'mon-vol', size: 8 * MiB, protection_policy_id: policy.body.id });
  assert.equal(vol.status, 201);
  const session = (await p.a.ps('GET', `/replication_session?select=id&local_resource_id=eq.${vol.body.id}`)).body[0].id;
  await p.a.system.services.replication.sync(session);
  const rpoAlerts = async () => (await p.a.ps('GET', `/alert?select=id,state,severity,resource_id,description_l10n,is_acknowledged&event_code=eq.${EVENT_CODES.rpoCompliance}&resource_id=eq.${session}`)).body;
  await tickBoth(p, 60_000);
  assert.deepEqual(await rpoAlerts(), [], 'within the threshold: no alert');

  const cut = await p.a.control('POST', '/faults', { kind: 'link_down' });
  assert.equal(cut.status, 201);
  for (let i = 0; i < 12; i++) await tickBoth(p, 60_000);
  const raised = await rpoAlerts();
  assert.equal(raised.length, 1, JSON.stringify(raised));
  assert.equal(raised[0].state, 'ACTIVE');
  assert.equal(raised[0].severity, 'Major');
  assert.match(raised[0].description_l10n, /out of RPO compliance/);
  const link = (await p.a.ps('GET', `/alert?select=state,resource_type&event_code=eq.${EVENT_CODES.linkLost}&state=eq.ACTIVE`)).body;
  assert.deepEqual(link, [{ state: 'ACTIVE', resource_type: 'remote_system' }]);
  const fault = (await p.a.ps('GET', `/alert?select=state,description_l10n&event_code=eq.${EVENT_CODES.faultAdded}&state=eq.ACTIVE`)).body;
  assert.equal(fault.length, 1);
  assert.equal(fault[0].description_l10n, `Fault injected: ${cut.body.id} link_down.`, 'the id tandem fault rm takes, then the kind');

  assert.equal((await p.a.ps('PATCH', `/alert/${raised[0].id}`, { is_acknowledged: true })).status, 204);
  assert.equal((await rpoAlerts())[0].is_acknowledged, true);
  assert.equal((await p.a.ps('PATCH', `/alert/${raised[0].id}`, {})).status, 400, 'is_acknowledged is required');
  assert.equal((await p.a.ps('PATCH', '/alert/nope', { is_acknowledged: true })).status, 404);

  assert.equal((await p.a.control('DELETE', `/faults/${cut.body.id}`)).status, 204);
  await heartbeats(p);
  await settle(p);
  await p.a.system.services.replication.sync(session);
  await tickBoth(p, 10_000);
  assert.equal((await rpoAlerts())[0].state, 'CLEARED', 'a cycle brought the lag back under the threshold');
  assert.equal((await p.a.ps('GET', `/alert?select=id&event_code=eq.${EVENT_CODES.linkLost}&state=eq.ACTIVE`)).body.length, 0, 'link alert cleared');
  assert.equal((await p.a.ps('GET', `/alert?select=id&event_code=eq.${EVENT_CODES.faultAdded}&state=eq.ACTIVE`)).body.length, 0, 'fault alert cleared');
  const events = (await p.a.ps('GET', `/event?select=event_code,resource_id,description_l10n&resource_id=eq.${session}`)).body;
  assert.ok(events.some((e: any) => e.event_code === EVENT_CODES.sessionHalted), JSON.stringify(events));
  assert.ok(events.some((e: any) => e.event_code === EVENT_CODES.sessionState && /to OK/.test(e.description_l10n)));
  // The halt alert's clearing event and the state event say different things, not the same twice.
  assert.ok(events.some((e: any) => e.event_code === EVENT_CODES.sessionHalted && /is no longer halted \((OK|Synchronizing)\)\.$/.test(e.description_l10n)), JSON.stringify(events));
  assert.ok(events.some((e: any) => e.event_code === EVENT_CODES.sessionState && /\(Source\) was created \(Initializing\)\.$/.test(e.description_l10n)), JSON.stringify(events));
  // A fault's settings read as `tandem fault ls` shows them.
  const slow = await p.a.control('POST', '/faults', { kind: 'drop', fraction: 0.25 });
  const dropAlert = (await p.a.ps('GET', `/alert?select=description_l10n&event_code=eq.${EVENT_CODES.faultAdded}&state=eq.ACTIVE`)).body;
  assert.deepEqual(dropAlert, [{ description_l10n: `Fault injected: ${slow.body.id} drop (25% dropped).` }]);
  assert.equal((await p.a.control('DELETE', `/faults/${slow.body.id}`)).status, 204);
  const one = await p.a.ps('GET', `/event/${(await p.a.ps('GET', '/event?select=id&limit=1')).body[0].id}?select=id,severity`);
  assert.equal(one.status, 200);
});
