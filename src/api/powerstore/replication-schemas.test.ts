// The replication_session and remote_system schemas build only the selected fields (issue 14:
// a page of thousands of sessions looked up every session's remote system and its connection
// state although the select named neither). Goal: the connection state is read only when a
// selected field (or a filter) needs it, and the builders agree with sessionFields field by field.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { MetaReader } from '../../core/meta-store.ts';
import type { RemoteSystem, ReplicationSession } from '../../core/replication/model.ts';
import { executeCollectionQuery } from './query/index.ts';
import { parseQuery } from './query/parse-query.ts';
import type { ResourceRegistry } from './query/types.ts';
import { extendRegistryForReplication, sessionFields } from './replication-schemas.ts';

const rs = { id: 'RS1', name: 'site-b', managementAddress: '127.0.0.1', peerPort: 1, dataNetworkLatency: 'Low' } as unknown as RemoteSystem;
const sessions = Array.from({ length: 20 }, (_, i) => ({
  id: `S${String(i).padStart(2, '0')}`, role: i % 2 ? 'Destination' : 'Source', resourceType: 'volume', state: 'OK', transferMode: 'Asynchronous',
  localResourceId: `V${i}`, remoteResourceId: `R${i}`, remoteSystemId: 'RS1', replicationRuleId: null, lastSyncMs: 1_000 * i,
  lastSyncDurationMs: null, nextSyncMs: null, progressPercentage: null, estimatedCompletionMs: null, failoverTest: null, errorCode: null,
  elementPairs: [{ localVolumeId: `V${i}`, remoteVolumeId: `R${i}` }],
})) as unknown as ReplicationSession[];

function setup() {
  const calls = { connection: 0 };
  const meta = {
    getShared: (kind: string, id: string) => (kind === 'remote_system' && id === 'RS1' ? rs : undefined),
    listShared: () => sessions,
    list: () => [],
    get: () => undefined,
    findShared: () => [],
  } as unknown as MetaReader;
  const registry: ResourceRegistry = {
    replication_rule: { name: 'replication_rule', fields: () => ({}) },
    volume: { name: 'volume', fields: () => ({}) },
    volume_group: { name: 'volume_group', fields: () => ({}) },
  };
  extendRegistryForReplication(registry, {
    meta,
    connectionState: () => {
      calls.connection += 1;
      return 'OK';
    },
  });
  return { calls, registry };
}

test('listing sessions with a select that names no connection field never reads the connection state', () => {
  const { calls, registry } = setup();
  const result = executeCollectionQuery(sessions, 'replication_session', registry, parseQuery('select=id,state,role,local_resource_id,last_sync_timestamp&order=id&role=eq.Source'));
  assert.equal(result.body.length, 10);
  assert.deepEqual(result.body[1], { id: 'S02', state: 'OK', role: 'Source', local_resource_id: 'V2', last_sync_timestamp: '1970-01-01T00:00:02.000+00:00' });
  assert.equal(calls.connection, 0);
});

test('a selected connection field reads it once per row of the page; the nested remote_system(id,name) not at all', () => {
  const { calls, registry } = setup();
  const page = executeCollectionQuery(sessions, 'replication_session', registry, parseQuery('select=id,data_connection_state,remote_system(id,name)&limit=4'));
  assert.deepEqual(page.body[0], { id: 'S00', data_connection_state: 'OK', remote_system: { id: 'RS1', name: 'site-b' } });
  assert.equal(calls.connection, 4);
});

test('select=* gives exactly sessionFields, in its order', () => {
  const { registry } = setup();
  const [row] = executeCollectionQuery(sessions.slice(3, 4), 'replication_session', registry, parseQuery('select=*')).body;
  const expected = sessionFields(sessions[3]!, 'OK');
  assert.deepEqual(Object.keys(row!), Object.keys(expected));
  assert.deepEqual(row, expected);
  for (const name of Object.keys(expected)) {
    assert.deepEqual(registry.replication_session!.fieldBuilders![name]!(sessions[3]), expected[name], name);
  }
});
