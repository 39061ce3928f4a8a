// Goal: PyPowerStore's volume group refresh and restore, and group deletion, replayed (cases in
// pypowerstore-groups-facts.ts).
import { after, before, test } from 'node:test';
import { startPair, type Pair } from '../helpers/pair.ts';
import { groupRefreshRestore } from './pypowerstore-groups-facts.ts';
import { replay } from './replay.ts';

let p: Pair;
before(async () => {
  p = await startPair();
});
after(() => p.close());

test('volume group refresh and restore answer the backup set; deleting members leaves no empty snapshot set', async () => {
  await replay(p, groupRefreshRestore);
});
