// select parsing. Goal: every select string PyPowerStore and gopowerstore send parses into the
// tree we expect, quirks included (spaces, duplicates, two-level nesting, dotted items), and
// malformed lists are a 400. Method: compare against a plain-object rendering of the tree.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { QueryError } from './errors.ts';
import { parseSelect } from './select.ts';
import type { SelectNode } from './types.ts';

type Plain = { '*'?: true } & { [name: string]: Plain | null | true | undefined };

function plain(node: SelectNode): Plain {
  const out: Plain = {};
  if (node.star) out['*'] = true;
  for (const [name, nested] of node.fields) out[name] = nested === null ? null : plain(nested);
  return out;
}

test('a flat list keeps every name in order', () => {
  const tree = parseSelect('id,name,appliance_id');
  assert.deepEqual([...tree.fields.keys()], ['id', 'name', 'appliance_id']);
  assert.equal(tree.star, false);
});

test('a nested list for a related resource', () => {
  assert.deepEqual(plain(parseSelect('id,name,appliance(id,name)')), {
    id: null, name: null, appliance: { id: null, name: null },
  });
});

test('star, and star with starred nested lists as gopowerstore ProtectionPolicy sends', () => {
  assert.deepEqual(plain(parseSelect('*')), { '*': true });
  const tree = plain(parseSelect(
    '*,replication_rules(*),snapshot_rules(*),virtual_machines(*),file_systems(*),performance_rules(*),volumes(*),volume_groups(*)',
  ));
  assert.equal(tree['*'], true);
  assert.deepEqual(tree['replication_rules'], { '*': true });
  assert.deepEqual(tree['volume_groups'], { '*': true });
});

test('whitespace around items is trimmed (PyPowerStore host_volume_mapping and vol list)', () => {
  assert.deepEqual(plain(parseSelect('id, host_id, host_group_id,logical_unit_number')), {
    id: null, host_id: null, host_group_id: null, logical_unit_number: null,
  });
  const tree = plain(parseSelect('id,name,volume_groups(name,id), protection_policy(name,id)'));
  assert.deepEqual(tree['protection_policy'], { name: null, id: null });
  assert.deepEqual(tree['volume_groups'], { name: null, id: null });
});

test('a duplicate bare name does not narrow an earlier nested list (gopowerstore GetReplicationRuleByName)', () => {
  const text = 'id,name,rpo,remote_system_id,alert_threshold,is_read_only,is_replica,managed_by,managed_by_id,'
    + 'policies(id,name),remote_system(id,name),replication_sessions(id,state),policies';
  const tree = plain(parseSelect(text));
  assert.deepEqual(tree['policies'], { id: null, name: null });
  assert.deepEqual(tree['replication_sessions'], { id: null, state: null });
});

test('a bare name followed by a list for the same name takes the list; two lists merge', () => {
  assert.deepEqual(plain(parseSelect('policies,policies(id)')), { policies: { id: null } });
  assert.deepEqual(plain(parseSelect('a(id),a(name),id,id')), { a: { id: null, name: null }, id: null });
});

test('lists nest two levels (PyPowerStore remote_system storage_container_destinations)', () => {
  const tree = plain(parseSelect(
    'id,storage_container_destinations(id,storage_container_id,remote_system_id,remote_storage_container_id,storage_container(id,name))',
  ));
  assert.deepEqual(tree['storage_container_destinations'], {
    id: null, storage_container_id: null, remote_system_id: null, remote_storage_container_id: null,
    storage_container: { id: null, name: null },
  });
});

test('a dotted item is kept as an opaque name for projection to ignore (gopowerstore GetVolumeGroup)', () => {
  const tree = plain(parseSelect('id,name,volume.volume_group_membership(id,name,protection_policy_id,state,protection_data)'));
  assert.deepEqual(Object.keys(tree), ['id', 'name', 'volume.volume_group_membership']);
});

test('empty items are ignored', () => {
  assert.deepEqual(plain(parseSelect('id,,name,')), { id: null, name: null });
});

test('unbalanced parentheses and nameless lists are 400 SELECT_INVALID', () => {
  for (const bad of ['id,appliance(id,name', 'id)', 'id,(name)', 'a(b(c)', 'a(b))']) {
    assert.throws(() => parseSelect(bad), (e: unknown) => e instanceof QueryError && e.status === 400 && e.reason === 'SELECT_INVALID', bad);
  }
});

test('nesting deeper than the bound is refused', () => {
  const deep = 'a('.repeat(20) + 'id' + ')'.repeat(20);
  assert.throws(() => parseSelect(deep), QueryError);
  assert.doesNotThrow(() => parseSelect('a('.repeat(8) + 'id' + ')'.repeat(8)));
});
