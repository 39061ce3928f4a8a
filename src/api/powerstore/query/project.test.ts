// Projection and paging through executeCollectionQuery/projectInstance. Goal: select shapes give
// the JSON the guide describes (ids only by default, embedded objects whole, associations as
// [{id}] / {id} / null without a list, recursive with one), and paging gives the statuses and
// Content-Range clients rely on, including PyPowerStore's Range: 100-2100 pattern.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { emptyWorld, registryFor, volume, type FakeWorld } from './_fixtures.ts';
import { QueryError } from './errors.ts';
import { executeCollectionQuery, projectInstance } from './execute.ts';
import { parseQuery } from './parse-query.ts';

function world(): FakeWorld {
  const w = emptyWorld();
  w.appliances.push({ id: 'A1', name: 'Appliance-1', model: '500T' });
  w.groups.push({ id: 'G1', name: 'vg1', policyId: 'P1' }, { id: 'G2', name: 'vg2', policyId: null });
  w.remoteSystems.push({
    id: 'RS1', name: 'B', address: '10.0.0.2',
    destinations: [{ id: 'D1', containerId: 'SC1' }, { id: 'D2', containerId: 'SC-missing' }],
  });
  w.containers.push({ id: 'SC1', name: 'container-1' });
  w.replicationRules.push({ id: 'RR1', name: 'rr1', rpo: 'Five_Minutes', remoteSystemId: 'RS1' });
  w.snapshotRules.push({ id: 'SR1', name: 'sr1', intervalName: 'One_Hour' }, { id: 'SR2', name: 'sr2', intervalName: 'One_Day' });
  w.policies.push(
    { id: 'P1', name: 'pp1', type: 'Protection', replicationRuleIds: ['RR1'], snapshotRuleIds: ['SR1', 'SR2'] },
    { id: 'P2', name: 'pp2', type: 'Protection', replicationRuleIds: [], snapshotRuleIds: [] },
  );
  w.volumes.push(
    volume({ id: 'V1', name: 'v1', groupIds: ['G1', 'G2'], policyId: 'P1' }),
    volume({ id: 'V2', name: 'v2', applianceId: null }),
    volume({ id: 'S1', name: 's1', kind: 'Snapshot', sourceId: 'V1' }),
  );
  return w;
}

function instance(w: FakeWorld, resource: string, row: unknown, qs: string) {
  return projectInstance(row, resource, registryFor(w), parseQuery(qs));
}

test('an embedded object is returned whole', () => {
  const w = world();
  assert.deepEqual(instance(w, 'volume', w.volumes[2], 'select=id,protection_data'), {
    id: 'S1', protection_data: { source_id: 'V1', family_id: 'V1', creator_type: 'User' },
  });
  assert.deepEqual(instance(w, 'volume', w.volumes[0], 'select=protection_data'), { protection_data: null });
});

test('associations without a list give ids: [{id}] for many, {id} or null for one', () => {
  const w = world();
  assert.deepEqual(instance(w, 'volume', w.volumes[0], 'select=id,appliance,volume_groups'), {
    id: 'V1', appliance: { id: 'A1' }, volume_groups: [{ id: 'G1' }, { id: 'G2' }],
  });
  assert.deepEqual(instance(w, 'volume', w.volumes[1], 'select=appliance,volume_groups,protection_policy'), {
    appliance: null, volume_groups: [], protection_policy: null,
  });
});

test('associations with a list are projected through the target schema (PyPowerStore vol list tail)', () => {
  const w = world();
  assert.deepEqual(instance(w, 'volume', w.volumes[0], 'select=id,appliance(id,name),volume_groups(name,id), protection_policy(name,id)'), {
    id: 'V1',
    appliance: { id: 'A1', name: 'Appliance-1' },
    volume_groups: [{ name: 'vg1', id: 'G1' }, { name: 'vg2', id: 'G2' }],
    protection_policy: { name: 'pp1', id: 'P1' },
  });
});

test('policy *,replication_rules(*),snapshot_rules(*) expands fields, not associations, at each level', () => {
  const w = world();
  const body = instance(w, 'policy', w.policies[0], 'select=*,replication_rules(*),snapshot_rules(*),virtual_machines(*),volumes(*)');
  assert.deepEqual(body, {
    id: 'P1', name: 'pp1', type: 'Protection',
    replication_rules: [{ id: 'RR1', name: 'rr1', rpo: 'Five_Minutes', remote_system_id: 'RS1' }],
    snapshot_rules: [{ id: 'SR1', name: 'sr1', interval: 'One_Hour' }, { id: 'SR2', name: 'sr2', interval: 'One_Day' }],
  });
  const bare = instance(w, 'policy', w.policies[1], 'select=*');
  assert.deepEqual(bare, { id: 'P2', name: 'pp2', type: 'Protection' });
});

test('gopowerstore replication_rule select with the duplicate policies item', () => {
  const w = world();
  const qs = 'select=id,name,rpo,remote_system_id,alert_threshold,is_read_only,is_replica,managed_by,managed_by_id,'
    + 'policies(id,name),remote_system(id,name),replication_sessions(id,state),policies&name=eq.rr1';
  const result = executeCollectionQuery(w.replicationRules, 'replication_rule', registryFor(w), parseQuery(qs));
  assert.deepEqual(result.body, [{
    id: 'RR1', name: 'rr1', rpo: 'Five_Minutes', remote_system_id: 'RS1',
    policies: [{ id: 'P1', name: 'pp1' }], remote_system: { id: 'RS1', name: 'B' },
  }]);
});

test('two-level nesting through storage_container_destinations(…,storage_container(id,name))', () => {
  const w = world();
  const body = instance(w, 'remote_system', w.remoteSystems[0],
    'select=id,name,storage_container_destinations(id,storage_container_id,remote_system_id,remote_storage_container_id,storage_container(id,name))');
  assert.deepEqual(body, {
    id: 'RS1', name: 'B',
    storage_container_destinations: [
      { id: 'D1', storage_container_id: 'SC1', remote_system_id: 'RS1', remote_storage_container_id: null, storage_container: { id: 'SC1', name: 'container-1' } },
      { id: 'D2', storage_container_id: 'SC-missing', remote_system_id: 'RS1', remote_storage_container_id: null, storage_container: null },
    ],
  });
});

test('unknown and dotted select items are ignored (gopowerstore GetVolumeGroup)', () => {
  const w = world();
  const body = instance(w, 'volume_group', w.groups[0],
    'select=id,name,no_such_thing,volume.volume_group_membership(id,name,protection_policy_id,state,protection_data)');
  assert.deepEqual(body, { id: 'G1', name: 'vg1' });
});

test('a list on a plain field still returns the field whole', () => {
  const w = world();
  assert.deepEqual(instance(w, 'volume', w.volumes[2], 'select=protection_data(source_id)'), {
    protection_data: { source_id: 'V1', family_id: 'V1', creator_type: 'User' },
  });
});

test('projectInstance ignores filters and paging', () => {
  const w = world();
  assert.deepEqual(instance(w, 'volume', w.volumes[0], 'select=id,name&name=eq.nothing&offset=5000&limit=1'), { id: 'V1', name: 'v1' });
});

function manyVolumes(count: number): FakeWorld {
  const w = emptyWorld();
  for (let i = 0; i < count; i++) w.volumes.push(volume({ id: `V${i}`, name: `vol-${String(i).padStart(5, '0')}`, sizeBytes: i }));
  return w;
}

function page(w: FakeWorld, qs: string, rangeHeader?: string) {
  return executeCollectionQuery(w.volumes, 'volume', registryFor(w), parseQuery(qs, { rangeHeader }));
}

test('the default page is 100 rows: 206 0-99/total when there are more', () => {
  const result = page(manyVolumes(250), 'select=id');
  assert.equal(result.status, 206);
  assert.equal(result.body.length, 100);
  assert.equal(result.contentRange, '0-99/250');
  const fits = page(manyVolumes(100), 'select=id');
  assert.equal(fits.status, 200);
  assert.equal(fits.contentRange, undefined);
  assert.equal(fits.body.length, 100);
});

test('PyPowerStore all_pages over 5000 rows: first page, then Range: i-(i+2000) from 100', () => {
  const w = manyVolumes(5000);
  const first = page(w, 'select=id,name');
  assert.equal(first.status, 206);
  assert.equal(first.contentRange, '0-99/5000');
  const rows = [...first.body];
  for (let i = 100; i < 5000; i += 2000) {
    const next = page(w, 'select=id,name', `${i}-${i + 2000}`);
    rows.push(...next.body);
    if (i === 100) {
      assert.equal(next.status, 206);
      assert.equal(next.contentRange, '100-2099/5000');
      assert.equal(next.body.length, 2000);
      assert.equal(next.body[0]!['id'], 'V100');
      assert.equal(next.body[1999]!['id'], 'V2099');
    }
  }
  assert.equal(rows.length, 5000);
  assert.deepEqual(rows.map((r) => r['id']), w.volumes.map((v) => v.id));
});

test('gopowerstore paging: order=name&offset=N&limit=1000 until next offset reaches total', () => {
  const w = manyVolumes(2500);
  w.volumes.reverse();
  const seen: unknown[] = [];
  let offset = 0;
  for (;;) {
    const result = page(w, `select=id,name&order=name&offset=${offset}&limit=1000`);
    seen.push(...result.body.map((r) => r['name']));
    assert.equal(result.status, 206);
    const [, last, total] = /^(\d+)-(\d+)\/(\d+)$/.exec(result.contentRange!)!.slice(1).map(Number) as [number, number, number];
    offset = last + 1;
    if (offset >= total) break;
  }
  assert.equal(seen.length, 2500);
  assert.deepEqual(seen, [...seen].sort());
  assert.throws(() => page(w, 'order=name&offset=2500&limit=1000'), (e: unknown) => e instanceof QueryError && e.status === 416);
});

test('limit and offset: clamping, windows and 206 for a later window that reaches the end', () => {
  const w = manyVolumes(5000);
  const clamped = page(w, 'limit=5000');
  assert.equal(clamped.body.length, 2000);
  assert.equal(clamped.contentRange, '0-1999/5000');
  const tail = page(manyVolumes(10), 'offset=7&limit=100');
  assert.equal(tail.status, 206);
  assert.equal(tail.contentRange, '7-9/10');
  assert.deepEqual(tail.body.map((r) => r['id']), ['V7', 'V8', 'V9']);
});

test('a Range or limit wider than the set is 200 with no Content-Range', () => {
  const w = manyVolumes(50);
  assert.deepEqual(page(w, '', '0-99').status, 200);
  assert.equal(page(w, '', '0-99').contentRange, undefined);
  assert.equal(page(w, 'limit=2000').status, 200);
  assert.equal(page(w, '', '0-9').contentRange, '0-9/50');
});

test('416: offset past the end, bad limit, bad offset, bad Range', () => {
  const w = manyVolumes(10);
  const is416 = (e: unknown): boolean => e instanceof QueryError && e.status === 416;
  assert.throws(() => page(w, 'offset=10'), is416);
  assert.throws(() => page(w, 'limit=0'), is416);
  assert.throws(() => page(w, 'limit=-5'), is416);
  assert.throws(() => page(w, 'limit=abc'), is416);
  assert.throws(() => page(w, 'offset=-1'), is416);
  assert.throws(() => page(w, '', '20-30'), is416);
  assert.throws(() => page(w, '', '9-3'), is416);
});

test('an empty collection is 200 [] even with an offset; filtering to nothing is 200 []', () => {
  assert.deepEqual(page(emptyWorld(), 'select=id,name'), { status: 200, body: [] });
  assert.deepEqual(page(emptyWorld(), 'offset=300'), { status: 200, body: [] });
  assert.deepEqual(page(manyVolumes(10), 'name=eq.none'), { status: 200, body: [] });
});

test('rows outside the page or filtered out are never projected', () => {
  const w = manyVolumes(1000);
  const registry = registryFor(w);
  let projected = 0;
  const schema = registry['volume']!;
  const field = (row: unknown, name: string): unknown => schema.fields(row)[name];
  registry['volume'] = {
    ...schema,
    field,
    fields: (row) => {
      projected++;
      return schema.fields(row);
    },
  };
  const result = executeCollectionQuery(w.volumes, 'volume', registry, parseQuery('select=id,name&order=name.desc&offset=10&limit=5'));
  assert.equal(result.body.length, 5);
  assert.equal(projected, 5);
});
