// Goal: a destination volume session recorded by an older build, without the source's resource
// id, shows its pair's remote volume as remote_resource_id after a restart.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { test } from 'node:test';
import { newSession } from '../core/replication/model.ts';
import { startTestSystem } from '../../test/helpers/system.ts';

test('start-up fills in remote_resource_id of an old destination volume session from its pair', async () => {
  let t = await startTestSystem({ name: 'migrate', keepData: true });
  const dataDir = t.dataDir;
  try {
    const old = newSession({
      id: 'old-session', role: 'Destination', resourceType: 'volume', localResourceId: 'local-vol', remoteResourceId: '',
      remoteSystemId: 'rs', peerSystemId: 'peer', replicationRuleId: null, transferMode: 'Asynchronous', splitMode: 'Manual', recoveryMode: 'Automatic',
      number: 7, remoteNumber: null, remoteVolume: null, rpoSeconds: 3600, createdAtMs: 0,
      elementPairs: [{ localVolumeId: 'local-vol', remoteVolumeId: 'source-vol', localBaseSnapshotId: null }],
    });
    t.system.services.ctx.meta.put('replication_session', old);
    await t.close();
    t = await startTestSystem({ name: 'migrate', dataDir, keepData: true });
    assert.equal(t.system.services.ctx.meta.get('replication_session', 'old-session')?.remoteResourceId, 'source-vol');
  } finally {
    await t.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('start-up gives a record from before the state machine the facts it keeps (host access, mirroring, stop and halt requests)', async () => {
  let t = await startTestSystem({ name: 'migrate-facts', keepData: true });
  const dataDir = t.dataDir;
  try {
    const base = newSession({
      id: 'old-source', role: 'Source', resourceType: 'volume', localResourceId: 'src-vol', remoteResourceId: 'dst-vol',
      remoteSystemId: 'rs', peerSystemId: 'peer', replicationRuleId: null, transferMode: 'Asynchronous', splitMode: 'Manual', recoveryMode: 'Automatic',
      number: 8, remoteNumber: null, remoteVolume: null, rpoSeconds: 3600, createdAtMs: 0, state: 'Deleting',
      elementPairs: [{ localVolumeId: 'src-vol', remoteVolumeId: 'dst-vol', localBaseSnapshotId: null }],
    });
    // As an older build wrote it: none of the facts the machine added.
    const { hostWritable, mirroring, hostWritesRefused, stopRequested, suspendPending, haltPending, ...old } = base;
    void [hostWritable, mirroring, hostWritesRefused, stopRequested, suspendPending, haltPending];
    t.system.services.ctx.meta.put('replication_session', old as typeof base);
    await t.close();
    t = await startTestSystem({ name: 'migrate-facts', dataDir, keepData: true });
    const s = t.system.services.ctx.meta.get('replication_session', 'old-source')!;
    assert.deepEqual(
      { hostWritable: s.hostWritable, mirroring: s.mirroring, hostWritesRefused: s.hostWritesRefused, stopRequested: s.stopRequested, suspendPending: s.suspendPending, haltPending: s.haltPending },
      { hostWritable: true, mirroring: false, hostWritesRefused: false, stopRequested: true, suspendPending: false, haltPending: null },
      'a source is host-writable; a deletion in progress stays stopped',
    );
  } finally {
    await t.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
