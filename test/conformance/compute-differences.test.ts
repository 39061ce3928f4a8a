// Goal: gopowerstore's ComputeDifferences, sent exactly as the SDK sends it, gets the answers its
// tests and callers read (cases in compute-differences-facts.ts); between the replayed parts a host
// writes through the same I/O path NBD uses, so the bitmaps depend on real data.
import { after, before, test } from 'node:test';
import { startPair, type Pair } from '../helpers/pair.ts';
import { backupAfterFullWrite, backupAfterOneBlock, backupBeforeWrites, sdkIntegrationTest } from './compute-differences-facts.ts';
import { replay } from './replay.ts';

const MiB = 1024 * 1024;

let p: Pair;
before(async () => {
  p = await startPair();
});
after(() => p.close());

test('gopowerstore TestComputeDifferences and the SDK\'s other request shapes', async () => {
  await replay(p, sdkIntegrationTest);
});

test('a backup: allocated chunks, full snapshot, one block changed, incremental bitmap paged', async () => {
  const io = p.a.system.services.io;
  let vars = await replay(p, backupBeforeWrites);
  await io.write(vars.vol!, 0, Buffer.alloc(4 * MiB, 0x5a));
  vars = await replay(p, backupAfterFullWrite, vars);
  await io.write(vars.vol!, 2 * MiB + 4096, Buffer.alloc(4096, 0xa5));
  await replay(p, backupAfterOneBlock, vars);
});
