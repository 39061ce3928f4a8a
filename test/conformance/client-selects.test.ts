// Goal: every select Dell's clients send is answered (200), while a select naming an attribute the
// resource does not have is refused with 400 naming it, at any nesting depth and on an empty
// collection too. Also checks that the attribute lists (src/api/powerstore/attributes.ts) match what
// each resource answers with select=*, so the two cannot drift apart.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ATTRIBUTES } from '../../src/api/powerstore/attributes.ts';
import { startPair, type Pair } from '../helpers/pair.ts';
import { clientSelects, setup } from './client-selects-facts.ts';
import { replay } from './replay.ts';

let p: Pair;
let vars: Record<string, string>;
before(async () => {
  p = await startPair();
  vars = await replay(p, setup, { appliance: 'A1' });
});
after(() => p.close());

test('every select list of PyPowerStore, Ansible (through it) and gopowerstore is answered', async () => {
  await replay(p, clientSelects, vars);
});

test('a select naming an unknown attribute is 400 naming it, nested or not, even on an empty collection', async () => {
  const cases: [string, string][] = [
    ['/volume?select=nope', "'nope'"],
    ['/volume?select=id,name,nope', "'nope'"],
    [`/volume/${vars.vol}?select=id,nope`, "'nope'"],
    ['/volume?select=id,volume_groups(id,nope)', "'nope' is not an attribute of volume_group"],
    ['/policy?select=id,replication_rules(id,remote_system(id,nope))', "'nope' is not an attribute of remote_system"],
    // Host groups exist as an empty collection (routes/absent.ts) with the 4.1 attributes.
    ['/host_group?select=nope', "'nope'"],
    ['/nas_server?select=id,nope', "'nope'"],
    ['/node?select=id,nope', "'nope'"],
  ];
  for (const [path, named] of cases) {
    const r = await p.a.ps('GET', path);
    assert.equal(r.status, 400, `${path}: ${JSON.stringify(r.body)}`);
    assert.equal(r.body.messages[0].code, '0xE04040030001');
    assert.ok(r.body.messages[0].message_l10n.includes(named.replace(/'/g, '"')), `${path}: ${r.body.messages[0].message_l10n}`);
  }
  // An empty collection refuses it too (the check is on the resource, not on rows).
  assert.equal((await p.b.ps('GET', '/volume_group')).body.length, 0);
  assert.equal((await p.b.ps('GET', '/volume_group?select=nope')).status, 400);
});

test('the attribute lists match what each resource answers with select=*', async () => {
  // An injected fault raises an alert, so that the alert resource has a row to answer.
  const fault = await p.a.control('POST', '/faults', { kind: 'link_down' });
  assert.equal(fault.status, 201);
  after(() => p.a.control('DELETE', `/faults/${fault.body.id}`));
  for (const [resource, attributes] of Object.entries(ATTRIBUTES)) {
    const r = await p.a.ps('GET', `/${resource}?select=*`);
    assert.equal(r.status, 200, resource);
    assert.ok(r.body.length > 0, `${resource}: the setup made none`);
    const answered = new Set(r.body.flatMap((row: Record<string, unknown>) => Object.keys(row)));
    assert.deepEqual([...answered].filter((a) => !attributes.includes(a as string)), [], `${resource}: answered but missing from attributes.ts`);
    assert.deepEqual(attributes.filter((a) => !answered.has(a)), [], `${resource}: in attributes.ts but never answered`);
  }
});
