// Host initiators with CHAP, as the Ansible host module sends them (detailed_initiators): usernames
// are kept and reported, passwords are checked (12 to 64 characters) and never returned, and
// modify_initiators updates the usernames of an existing initiator. NBD has no CHAP, so nothing
// else uses them; the point is that hosts configured for a PowerStore can be configured here.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestSystem, type TestSystem } from '../helpers/system.ts';

let s: TestSystem;
before(async () => {
  s = await startTestSystem();
});
after(async () => s.close());

const IQN = 'iqn.1998-01.com.vmware:chap-host-1';
const initiatorsOf = async (id: string) => (await s.ps('GET', `/host/${id}?select=initiators,host_initiators`)).body;

test('create with CHAP usernames and passwords: usernames reported, passwords not', async () => {
  const created = await s.ps('POST', '/host', { name: 'chap1', os_type: 'ESXi', initiators: [{ port_name: IQN, port_type: 'iSCSI', chap_single_username: 'chapuserSingle', chap_single_password: 'chappasswd12345' }] });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const body = await initiatorsOf(created.body.id);
  const { port_name, port_type, chap_single_username, chap_mutual_username } = body.initiators[0];
  assert.deepEqual({ port_name, port_type, chap_single_username, chap_mutual_username }, { port_name: IQN, port_type: 'iSCSI', chap_single_username: 'chapuserSingle', chap_mutual_username: null });
  assert.equal(body.initiators.length, 1);
  assert.ok(!JSON.stringify(body).includes('chappasswd12345'), 'a CHAP password is never returned');
});

test('modify_initiators as the host module sends it changes the usernames of that initiator', async () => {
  const [host] = (await s.ps('GET', '/host?select=id&name=eq.chap1')).body;
  const modify = await s.ps('PATCH', `/host/${host.id}`, {
    modify_initiators: [{ port_name: IQN, chap_single_username: 'chapuserSingle', chap_single_password: 'chappasswd12345', chap_mutual_username: 'chapuserMutual', chap_mutual_password: 'chappasswd54321' }],
  });
  assert.equal(modify.status, 204, JSON.stringify(modify.body));
  assert.equal((await initiatorsOf(host.id)).initiators[0].chap_mutual_username, 'chapuserMutual');
});

test('bad CHAP input is a 400 and changes nothing', async () => {
  const [host] = (await s.ps('GET', '/host?select=id&name=eq.chap1')).body;
  const before = await initiatorsOf(host.id);
  const shortPassword = await s.ps('PATCH', `/host/${host.id}`, { modify_initiators: [{ port_name: IQN, chap_single_username: 'other', chap_single_password: 'short' }] });
  assert.equal(shortPassword.status, 400);
  assert.equal(shortPassword.body.messages[0].code, '0xE04040030001');
  const unknownPort = await s.ps('PATCH', `/host/${host.id}`, { modify_initiators: [{ port_name: 'iqn.1998-01.com.vmware:nope', chap_single_username: 'x' }] });
  assert.equal(unknownPort.status, 400);
  const longName = await s.ps('POST', '/host', { name: 'chap2', os_type: 'Linux', initiators: [{ port_name: 'iqn.1998-01.com.vmware:chap-2', port_type: 'iSCSI', chap_single_username: 'u'.repeat(65) }] });
  assert.equal(longName.status, 400);
  assert.deepEqual(await initiatorsOf(host.id), before);
  assert.deepEqual((await s.ps('GET', '/host?select=id&name=eq.chap2')).body, []);
});
