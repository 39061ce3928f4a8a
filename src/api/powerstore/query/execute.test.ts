// Evaluation over a fake registry. Goal: each operator, not., and/or, typed coercion, JSON paths,
// related-resource filters, projection through associations, order and paging behave as the
// guide and the clients expect (research §2, §5). Method: small worlds built from _fixtures.ts;
// every query goes through parseQuery, as the routes will call it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { emptyWorld, registryFor, volume, type FakeWorld } from './_fixtures.ts';
import { QueryError } from './errors.ts';
import { executeCollectionQuery, projectInstance } from './execute.ts';
import { parseQuery } from './parse-query.ts';
import type { CollectionResult } from './types.ts';

function rowsOf(world: FakeWorld, resource: string): unknown[] {
  const table: Record<string, unknown[]> = {
    volume: world.volumes, policy: world.policies, replication_rule: world.replicationRules,
    remote_system: world.remoteSystems, host: world.hosts, fc_port: world.ports, volume_group: world.groups,
  };
  return table[resource]!;
}

function run(world: FakeWorld, resource: string, qs: string, rangeHeader?: string): CollectionResult {
  return executeCollectionQuery(rowsOf(world, resource), resource, registryFor(world), parseQuery(qs, { rangeHeader }));
}

function ids(world: FakeWorld, resource: string, qs: string): unknown[] {
  return run(world, resource, qs).body.map((row) => row['id']);
}

function volumes(): FakeWorld {
  const world = emptyWorld();
  world.appliances.push({ id: 'A1', name: 'Appliance-1', model: 'PowerStore 500T' });
  world.groups.push({ id: 'G1', name: 'vg1', policyId: 'P1' }, { id: 'G2', name: 'vg2', policyId: null });
  world.volumes.push(
    volume({ id: 'V1', name: 'Alpha', sizeBytes: 8 * 2 ** 30, groupIds: ['G1', 'G2'], policyId: 'P1', tags: ['gold', 'fast'] }),
    volume({ id: 'V2', name: 'beta', sizeBytes: 2 ** 30, kind: 'Clone', description: 'copy of alpha', tags: ['gold'] }),
    volume({ id: 'V3', name: 'snap-of-alpha', kind: 'Snapshot', sourceId: 'V1', isDestination: true, applianceId: null }),
    volume({ id: 'V4', name: 'GAMMA', sizeBytes: 512 * 2 ** 20, createdAt: '2025-06-01T12:00:00.000Z' }),
    volume({ id: 'V5', name: 'a,b', sizeBytes: 16 * 2 ** 30, kind: 'Snapshot', sourceId: 'V4' }),
  );
  return world;
}

test('an absent select returns only id', () => {
  const result = run(volumes(), 'volume', '');
  assert.equal(result.status, 200);
  assert.equal(result.contentRange, undefined);
  assert.deepEqual(result.body, ['V1', 'V2', 'V3', 'V4', 'V5'].map((id) => ({ id })));
});

test('eq on strings is case-insensitive; neq is its complement over non-null values', () => {
  const w = volumes();
  assert.deepEqual(ids(w, 'volume', 'name=eq.alpha'), ['V1']);
  assert.deepEqual(ids(w, 'volume', 'name=eq.ALPHA'), ['V1']);
  assert.deepEqual(ids(w, 'volume', 'name=eq.Alph'), []);
  assert.deepEqual(ids(w, 'volume', 'name=neq.gamma'), ['V1', 'V2', 'V3', 'V5']);
});

test('gt, gte, lt, lte compare numbers numerically, not as text', () => {
  const w = volumes();
  // As text '8589934592' < '9' would hold; numerically 8 GiB > 9 bytes.
  assert.deepEqual(ids(w, 'volume', 'size=gt.9'), ['V1', 'V2', 'V3', 'V4', 'V5']);
  assert.deepEqual(ids(w, 'volume', `size=gt.${2 ** 30}`), ['V1', 'V5']);
  assert.deepEqual(ids(w, 'volume', `size=gte.${2 ** 30}`), ['V1', 'V2', 'V3', 'V5']);
  assert.deepEqual(ids(w, 'volume', `size=lt.${2 ** 30}`), ['V4']);
  assert.deepEqual(ids(w, 'volume', `size=lte.${2 ** 30}`), ['V2', 'V3', 'V4']);
  assert.deepEqual(ids(w, 'volume', `size=eq.${2 ** 30}`), ['V2', 'V3']);
});

test('timestamps compare as ISO strings', () => {
  assert.deepEqual(ids(volumes(), 'volume', 'creation_timestamp=gt.2025-01-01T00:00:00Z'), ['V4']);
  assert.deepEqual(ids(volumes(), 'volume', 'creation_timestamp=lt.2025-01-01'), ['V1', 'V2', 'V3', 'V5']);
});

test('booleans accept True and true (Cinder fc_port?is_link_up=eq.True)', () => {
  const w = emptyWorld();
  w.ports.push({ id: 'P0', name: 'fc0', up: true, speeds: [] }, { id: 'P1', name: 'fc1', up: false, speeds: [] });
  assert.deepEqual(ids(w, 'fc_port', 'is_link_up=eq.True'), ['P0']);
  assert.deepEqual(ids(w, 'fc_port', 'is_link_up=eq.false'), ['P1']);
  assert.deepEqual(ids(w, 'fc_port', 'is_link_up=is.true'), ['P0']);
  assert.deepEqual(ids(volumes(), 'volume', 'is_replication_destination=eq.TRUE'), ['V3']);
});

test('a wrongly typed value for a number or boolean field is 400', () => {
  for (const qs of ['size=gt.big', 'size=eq.', 'is_replication_destination=eq.yes', 'size=in.(1,x)']) {
    assert.throws(() => run(volumes(), 'volume', qs), (e: unknown) => e instanceof QueryError && e.status === 400, qs);
  }
});

test('like is case-sensitive and ilike is not; * is the wildcard', () => {
  const w = volumes();
  assert.deepEqual(ids(w, 'volume', 'name=ilike.*ALPHA*'), ['V1', 'V3']);
  assert.deepEqual(ids(w, 'volume', 'name=like.*alpha*'), ['V3']);
  assert.deepEqual(ids(w, 'volume', 'name=ilike.g*'), ['V4']);
  assert.deepEqual(ids(w, 'volume', 'name=like.g*'), []);
  assert.deepEqual(ids(w, 'volume', 'name=ilike.snap-of-alpha'), ['V3']);
  // Regex metacharacters in the pattern are literal.
  assert.deepEqual(ids(w, 'volume', 'name=like.snap.of.alpha'), []);
  assert.deepEqual(ids(w, 'volume', 'name=not.ilike.*a*'), []);
});

test('in lists match any item, quoted items may hold commas, numbers are typed', () => {
  const w = volumes();
  assert.deepEqual(ids(w, 'volume', 'type=in.(Primary,Clone)'), ['V1', 'V2', 'V4']);
  assert.deepEqual(ids(w, 'volume', 'name=in.(a,b,"a,b")'), ['V5']);
  assert.deepEqual(ids(w, 'volume', `size=in.(${2 ** 29},${2 ** 30})`), ['V2', 'V3', 'V4']);
  assert.deepEqual(ids(w, 'volume', 'type=not.in.(Primary,Clone)'), ['V3', 'V5']);
  assert.deepEqual(ids(w, 'volume', 'id=in.()'), []);
});

test('is.null and not.is.null; comparisons never match null (SQL unknown)', () => {
  const w = volumes();
  assert.deepEqual(ids(w, 'volume', 'description=is.null'), ['V1', 'V3', 'V4', 'V5']);
  assert.deepEqual(ids(w, 'volume', 'description=not.is.null'), ['V2']);
  assert.deepEqual(ids(w, 'volume', 'appliance_id=neq.A1'), []);
  assert.deepEqual(ids(w, 'volume', 'appliance_id=not.eq.A1'), []);
  assert.deepEqual(ids(w, 'volume', 'no_such_field=is.null'), ['V1', 'V2', 'V3', 'V4', 'V5']);
});

test('not.eq (gopowerstore type=not.eq.Snapshot)', () => {
  assert.deepEqual(ids(volumes(), 'volume', 'type=not.eq.Snapshot'), ['V1', 'V2', 'V4']);
});

test('cs and cd on array fields', () => {
  const w = volumes();
  assert.deepEqual(ids(w, 'volume', 'tags=cs.{gold}'), ['V1', 'V2']);
  assert.deepEqual(ids(w, 'volume', 'tags=cs.{GOLD,fast}'), ['V1']);
  assert.deepEqual(ids(w, 'volume', 'tags=cd.{gold}'), ['V2', 'V3', 'V4', 'V5']);
  assert.deepEqual(ids(w, 'volume', 'tags=cd.{gold,fast,slow}'), ['V1', 'V2', 'V3', 'V4', 'V5']);
  assert.deepEqual(ids(w, 'volume', 'name=cs.{gold}'), []);
});

test('several filters, and repeated filters on one attribute, are ANDed', () => {
  const w = volumes();
  assert.deepEqual(ids(w, 'volume', 'type=eq.Snapshot&size=gt.1'), ['V3', 'V5']);
  assert.deepEqual(ids(w, 'volume', `size=gt.${2 ** 29}&size=lt.${2 ** 33}`), ['V2', 'V3']);
});

test('and=(...) and or=(...) with nesting and negation', () => {
  const w = volumes();
  assert.deepEqual(ids(w, 'volume', `and=(size.gt.${2 ** 30},type.eq.primary)`), ['V1']);
  assert.deepEqual(ids(w, 'volume', 'or=(name.eq.beta,name.eq.gamma)'), ['V2', 'V4']);
  assert.deepEqual(ids(w, 'volume', 'or=(type.eq.Clone,and(type.eq.Snapshot,name.eq."a,b"))'), ['V2', 'V5']);
  assert.deepEqual(ids(w, 'volume', 'not.or=(type.eq.Clone,type.eq.Snapshot)'), ['V1', 'V4']);
  assert.deepEqual(ids(w, 'volume', 'or=(type.eq.Clone,not.and(type.eq.Primary,size.lt.1))&name=ilike.*a*'), ['V1', 'V2', 'V3', 'V4', 'V5']);
});

test('or with an unknown branch: true wins, otherwise the row is out', () => {
  const w = volumes();
  assert.deepEqual(ids(w, 'volume', 'or=(description.eq.copy of alpha,name.eq.gamma)'), ['V2', 'V4']);
  assert.deepEqual(ids(w, 'volume', 'not.or=(description.eq.nothing,name.eq.gamma)'), ['V2']);
});

test('JSON-path filter, URL-encoded as requests sends it (PyPowerStore get_volume_snapshots)', () => {
  const w = volumes();
  assert.deepEqual(ids(w, 'volume', 'select=id,name&protection_data-%3E%3Esource_id=eq.V1&type=eq.Snapshot'), ['V3']);
  assert.deepEqual(ids(w, 'volume', 'protection_data->>source_id=eq.v4'), ['V5']);
  assert.deepEqual(ids(w, 'volume', 'protection_data.source_id=eq.V4'), ['V5']);
  assert.deepEqual(ids(w, 'volume', 'protection_data->>source_id=is.null'), ['V1', 'V2', 'V4']);
});

test('JSON path with an array index (Cinder host_initiators->0->>port_type=eq.iSCSI)', () => {
  const w = emptyWorld();
  w.hosts.push(
    { id: 'H1', name: 'h1', initiators: [{ port_name: 'iqn.1', port_type: 'iSCSI' }] },
    { id: 'H2', name: 'h2', initiators: [{ port_name: 'wwn', port_type: 'FC' }, { port_name: 'iqn.2', port_type: 'iSCSI' }] },
    { id: 'H3', name: 'h3', initiators: [] },
  );
  assert.deepEqual(ids(w, 'host', 'host_initiators-%3E0-%3E%3Eport_type=eq.iSCSI'), ['H1']);
  assert.deepEqual(ids(w, 'host', 'host_initiators->1->>port_type=eq.iscsi'), ['H2']);
});

test('filters on related resources: one-to-one and any-of one-to-many', () => {
  const w = volumes();
  assert.deepEqual(ids(w, 'volume', 'appliance.name=eq.appliance-1'), ['V1', 'V2', 'V4', 'V5']);
  assert.deepEqual(ids(w, 'volume', 'volume_groups.name=eq.vg2'), ['V1']);
  assert.deepEqual(ids(w, 'volume', 'volume_groups.protection_policy_id=is.null'), ['V1']);
});

test('a schema with fieldNames refuses filters on unknown attributes', () => {
  const w = volumes();
  const registry = registryFor(w);
  registry['volume'] = { ...registry['volume']!, fieldNames: new Set(['id', 'name']) };
  const exec = (qs: string) => executeCollectionQuery(w.volumes, 'volume', registry, parseQuery(qs));
  assert.equal(exec('name=eq.beta').body.length, 1);
  assert.throws(() => exec('nmae=eq.beta'), (e: unknown) => e instanceof QueryError && e.status === 400 && e.reason === 'FILTER_INVALID');
  assert.throws(() => exec('order=nmae'), (e: unknown) => e instanceof QueryError && e.reason === 'ORDER_INVALID');
  assert.equal(exec('appliance.name=eq.Appliance-1').body.length, 4);
});

test('prototype names are plain unknown names, not Object.prototype members', () => {
  const w = volumes();
  assert.deepEqual(ids(w, 'volume', 'constructor=is.null'), ['V1', 'V2', 'V3', 'V4', 'V5']);
  assert.deepEqual(run(w, 'volume', 'select=id,constructor,__proto__,toString&id=eq.V1').body, [{ id: 'V1' }]);
  assert.deepEqual(ids(w, 'volume', 'constructor.name=eq.Object'), []);
});
