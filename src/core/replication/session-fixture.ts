// A session record for the machine's tests: a healthy asynchronous volume source by default.
import { newSession, type ReplicationSession } from './model.ts';

export function session(over: Partial<ReplicationSession> = {}): ReplicationSession {
  const role = over.role ?? 'Source';
  return newSession({
    id: 's1',
    role,
    resourceType: 'volume',
    localResourceId: 'v1',
    remoteResourceId: 'r1',
    remoteSystemId: 'rs',
    peerSystemId: 'peer',
    replicationRuleId: 'rule',
    transferMode: 'Asynchronous',
    splitMode: 'Manual',
    recoveryMode: 'Automatic',
    number: 1,
    remoteNumber: 1,
    remoteVolume: null,
    rpoSeconds: 300,
    elementPairs: [{ localVolumeId: 'v1', remoteVolumeId: 'r1', localBaseSnapshotId: 'base1' }],
    createdAtMs: 0,
    state: 'OK',
    baseCycle: 3,
    generation: 2,
    ...over,
  });
}
