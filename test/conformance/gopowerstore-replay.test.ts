// Goal: gopowerstore v1.20.1, called the way csi-powerstore v2.15.1 calls it, gets the answers its
// code depends on (cases in gopowerstore-facts.ts, recorded from the real SDK against a lab).
import { after, before, test } from 'node:test';
import { startPair, type Pair } from '../helpers/pair.ts';
import { replay } from './replay.ts';
import { csiReplicatedGroup, sdkLifecycle } from './gopowerstore-facts.ts';

let p: Pair;
before(async () => {
  p = await startPair();
});
after(() => p.close());

test('node registration with metadata, snapshot name in use, detach twice, capacity and limits', async () => {
  await replay(p, sdkLifecycle);
});

test('a replicated storage class: PVs created into the group are paired at once, then deleted on both arrays', async () => {
  await replay(p, csiReplicatedGroup);
});
