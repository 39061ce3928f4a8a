// What the Ansible info module lists besides storage (issue 10): resources this system has none of
// answer as a PowerStore without them does (empty collections that still parse select, filters and
// paging; unknown ids 404; changes 405 in the error shape), and the appliance's own configuration
// reads as what is true here. Method: one system, the calls PyPowerStore 3.4.2 makes for each subset.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ABSENT_RESOURCES } from '../../src/api/powerstore/routes/absent.ts';
import { basic, startTestSystem, type TestSystem } from '../helpers/system.ts';

let s: TestSystem;
before(async () => {
  s = await startTestSystem();
});
after(async () => s.close());

test('every absent resource lists empty with select, filter and paging, and 404s an id', async () => {
  for (const resource of Object.keys(ABSENT_RESOURCES)) {
    const list = await s.ps('GET', `/${resource}?select=id&id=eq.x&limit=2000&offset=0`);
    assert.equal(list.status, 200, resource);
    assert.deepEqual(list.body, [], resource);
    const one = await s.ps('GET', `/${resource}/6a1c8f3e-0000-4000-8000-000000000001`);
    assert.equal(one.status, 404, resource);
    assert.equal(one.body.messages[0].code, '0xE04040020009', resource);
  }
});

test('a select naming an attribute the resource does not have is a 400 naming it, on absent and config resources alike', async () => {
  for (const path of ['/host_group?select=id,nope', '/smb_share?select=id,nope', '/node?select=nope', '/local_user?select=id,nope', '/dns?select=nope']) {
    const r = await s.ps('GET', path);
    assert.equal(r.status, 400, path);
    assert.equal(r.body.messages[0].code, '0xE04040030001', path);
    assert.match(r.body.messages[0].message_l10n, /nope/, path);
  }
  // What the clients select is accepted, nested lists on embedded relationships included.
  assert.equal((await s.ps('GET', '/smb_share?select=id,name,file_system(id,name,nas_server(id,name))')).status, 200);
  assert.equal((await s.ps('GET', '/node?select=id,name')).status, 200);
});

test('a bad filter on an absent resource is still the array\'s 400', async () => {
  const bad = await s.ps('GET', '/host_group?name=zz.x');
  assert.equal(bad.status, 400);
  assert.equal(bad.body.messages[0].code, '0xE04040030001');
});

test('creating, changing or deleting an absent resource is a 405 naming it, and creates nothing', async () => {
  const create = await s.ps('POST', '/host_group', { name: 'hg1', host_ids: [] });
  assert.equal(create.status, 405);
  assert.equal(create.body.messages[0].code, '0xE04040010006');
  assert.match(create.body.messages[0].message_l10n, /Host groups are not supported/);
  for (const [method, path] of [['PATCH', '/host_group/x'], ['DELETE', '/nas_server/x'], ['POST', '/file_system/x/clone']] as const) {
    assert.equal((await s.ps(method, path, {})).status, 405, `${method} ${path}`);
  }
  assert.deepEqual((await s.ps('GET', '/host_group')).body, []);
});

test('nodes follow the appliance row (node_count 2), local users are the real users', async () => {
  const appliance = (await s.ps('GET', '/appliance?select=id,node_count')).body[0];
  const nodes = (await s.ps('GET', '/node?select=id,slot,appliance_id')).body;
  assert.equal(nodes.length, appliance.node_count);
  assert.ok(nodes.every((n: { appliance_id: string }) => n.appliance_id === appliance.id));
  const created = await s.control('POST', '/users', { name: 'ops1', password: 'Ops-Password-1', role: 'Operator' });
  assert.ok(created.status < 300, JSON.stringify(created.body));
  const users = (await s.ps('GET', '/local_user?select=id,name,is_built_in,is_locked,is_default_password,role_id')).body;
  const byName = Object.fromEntries(users.map((u: { name: string }) => [u.name, u]));
  assert.equal(byName.admin.role_id, '1');
  assert.equal(byName.admin.is_built_in, true);
  assert.equal(byName.ops1.role_id, '3');
  assert.equal(byName.ops1.is_built_in, false);
  const one = await s.ps('GET', `/local_user/${byName.ops1.id}?select=name`);
  assert.deepEqual(one.body, { name: 'ops1' });
  assert.equal((await s.ps('GET', '/local_user?select=name', undefined, { authorization: basic('ops1', 'Ops-Password-1') })).status, 200);
});

test('configuration singletons read as this system: no DNS/NTP servers, SSH off, the reached address on the management network', async () => {
  assert.deepEqual((await s.ps('GET', '/dns?select=id,addresses')).body, [{ id: 'DNS1', addresses: [] }]);
  assert.deepEqual((await s.ps('GET', '/ntp?select=id,addresses')).body, [{ id: 'NTP1', addresses: [] }]);
  assert.deepEqual((await s.ps('GET', '/service_config?select=appliance_id,is_ssh_enabled')).body, [{ appliance_id: 'A1', is_ssh_enabled: false }]);
  const security = (await s.ps('GET', '/security_config?select=idle_timeout')).body[0];
  assert.equal(security.idle_timeout, (await s.ps('GET', '/login_session?select=idle_timeout')).body[0].idle_timeout);
  const network = (await s.ps('GET', '/network?select=type,ip_pool_addresses', undefined, { host: '192.0.2.7:8443' })).body[0];
  assert.equal(network.type, 'Management');
  assert.equal(network.ip_pool_addresses[0].address, '192.0.2.7');
  assert.equal((await s.ps('GET', '/x509_certificate?select=service,is_current')).body[0].service, 'Management_HTTP');
  const change = await s.ps('PATCH', '/dns/DNS1', { addresses: ['10.0.0.1'] });
  assert.equal(change.status, 405);
  assert.equal((await s.ps('GET', '/dns/NOPE')).status, 404);
});
