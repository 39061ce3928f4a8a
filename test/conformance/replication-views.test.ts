// Goal: the replication views Dell's clients read stay mirrored on both systems, and what
// replication leaves behind is ordinary once it lets go (cases in replication-views-facts.ts).
import { after, before, test } from 'node:test';
import { startPair, type Pair } from '../helpers/pair.ts';
import { replay } from './replay.ts';
import { groupSessionViews, volumeSessionViews } from './replication-views-facts.ts';

let p: Pair;
before(async () => {
  p = await startPair();
});
after(() => p.close());

test('a volume session: mirrored views from creation, unassign finishes on both systems, leftovers deletable', async () => {
  await replay(p, volumeSessionViews);
});

test('a group session: members joining and leaving are followed on both systems at once, leftovers ordinary', async () => {
  await replay(p, groupSessionViews);
});
