// Request bodies as Dell's Ansible collection dellemc.powerstore 3.8.1 (through PyPowerStore 3.4.2)
// sends them: optional properties are optional as the 4.1 schema says, and the modules pass None
// (JSON null) for every option the playbook leaves out. Method: two systems, each call shaped
// exactly as the module sends it, then the state read back.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ManualClock } from '../../src/core/clock.ts';
import { ADMIN_PASSWORD, startTestSystem, type TestSystem } from '../helpers/system.ts';

let a: TestSystem;
let b: TestSystem;

before(async () => {
  a = await startTestSystem({ name: 'site-a', clock: new ManualClock() });
  b = await startTestSystem({ name: 'site-b', clock: new ManualClock() });
});
after(async () => {
  await a.close();
  await b.close();
});

test('remotesystem create: exchange, then POST /remote_system without type and with null description and latency', async () => {
  // remotesystem.exchange_certificates: POST /x509_certificate/exchange
  const exchange = await a.ps('POST', '/x509_certificate/exchange', { address: '127.0.0.1', port: b.system.ports.https, username: 'admin', password: ADMIN_PASSWORD, service: 'Replication_HTTP' });
  assert.equal(exchange.status, 204, JSON.stringify(exchange.body));
  // remotesystem.create_remote_system: the three keys, None for options not given.
  const created = await a.ps('POST', '/remote_system', { management_address: '127.0.0.1', description: null, data_network_latency: null });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const rs = await a.ps('GET', `/remote_system/${created.body.id}?select=id,name,type,description,data_network_latency,management_port`);
  assert.deepEqual(rs.body, { id: created.body.id, name: 'site-b', type: 'PowerStore', description: null, data_network_latency: 'Low', management_port: b.system.ports.https });
  assert.equal((await b.ps('GET', '/remote_system?select=name')).body[0].name, 'site-a', 'created on the peer too');
});

test('remote_system create: a type other than PowerStore is still refused, an unknown one with the enum code', async () => {
  const unity = await a.ps('POST', '/remote_system', { management_address: '10.0.0.9', type: 'Unity' });
  assert.equal(unity.status, 400);
  const bogus = await a.ps('POST', '/remote_system', { management_address: '10.0.0.9', type: 'Bogus' });
  assert.equal(bogus.status, 400);
  assert.equal(bogus.body.messages[0].code, '0xE04040010005');
  const noAddress = await a.ps('POST', '/remote_system', { description: 'x' });
  assert.equal(noAddress.status, 400);
  assert.match(noAddress.body.messages[0].message_l10n, /management_address/);
});

test('snapshotrule: a local rule keeps snapshots at most a year (8760 hours); more is a 400 and creates nothing', async () => {
  const tooLong = await a.ps('POST', '/snapshot_rule', { name: 'sr-long', desired_retention: 100000, interval: 'One_Hour' });
  assert.equal(tooLong.status, 400);
  assert.equal(tooLong.body.messages[0].code, '0xE04040030001');
  assert.match(tooLong.body.messages[0].message_l10n, /desired_retention/);
  assert.deepEqual((await a.ps('GET', '/snapshot_rule?select=id&name=eq.sr-long')).body, []);
  const year = await a.ps('POST', '/snapshot_rule', { name: 'sr-year', desired_retention: 8760, interval: 'One_Hour' });
  assert.equal(year.status, 201, JSON.stringify(year.body));
  const longer = await a.ps('PATCH', `/snapshot_rule/${year.body.id}`, { desired_retention: 8761 });
  assert.equal(longer.status, 400);
  assert.equal((await a.ps('DELETE', `/snapshot_rule/${year.body.id}`)).status, 204);
});

test('remotesystem modify: null for the options not given leaves them as they are', async () => {
  const [rs] = (await a.ps('GET', '/remote_system?select=id')).body;
  const first = await a.ps('PATCH', `/remote_system/${rs.id}`, { management_address: null, description: 'DR site', data_network_latency: null });
  assert.equal(first.status, 204, JSON.stringify(first.body));
  const second = await a.ps('PATCH', `/remote_system/${rs.id}`, { management_address: null, description: null, data_network_latency: 'Medium' });
  assert.equal(second.status, 204, JSON.stringify(second.body));
  const now = await a.ps('GET', `/remote_system/${rs.id}?select=description,data_network_latency,management_address`);
  assert.deepEqual(now.body, { description: 'DR site', data_network_latency: 'Medium', management_address: '127.0.0.1' });
  const bad = await a.ps('PATCH', `/remote_system/${rs.id}`, { management_address: null, description: null, data_network_latency: 'Slow' });
  assert.equal(bad.status, 400);
  assert.equal(bad.body.messages[0].code, '0xE04040010005');
});
