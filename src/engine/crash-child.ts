// Child process of crash.test.ts: runs the crash workload against an engine until killed.
// Protocol on stdout, one line each: "READY", "F <n>" once ops [0, n) are flushed (durable),
// "S <name> <n>" once snapshot <name> of the volume after exactly ops [0, n) is durable.
// Usage: node --import tsx crash-child.ts <dir> <round> <checkpointIntervalMs>

import { BLOCK_BYTES } from '../limits.ts';
import { openBlockStore } from './blockstore.ts';
import {
  CRASH_OPS_MAX, CRASH_VOLUME, CRASH_VOLUME_BLOCKS, CRASH_WAVE_OPS, crashOpData, crashOps,
} from './crash-workload.ts';

const [dir, roundText, intervalText] = process.argv.slice(2);
const round = Number(roundText);
const ops = crashOps(round);
// Tiny segments so kills land during rollovers and GC (defragmenting runs included); the parent alternates a short checkpoint
// period (kills during checkpoints) with a long one (recovery replays the whole round).
const store = await openBlockStore({ dir, segmentBytesMax: 256 * 1024, checkpointIntervalMs: Number(intervalText) });
if (!store.hasVolume(CRASH_VOLUME)) await store.createVolume(CRASH_VOLUME, CRASH_VOLUME_BLOCKS * BLOCK_BYTES);
process.stdout.write('READY\n');

let next = 0;
let wave = 0;
while (next + CRASH_WAVE_OPS <= CRASH_OPS_MAX) {
  const pending: Promise<void>[] = [];
  for (let i = next; i < next + CRASH_WAVE_OPS; i++) {
    const op = ops[i];
    const offsetBytes = op.firstBlock * BLOCK_BYTES;
    pending.push(op.kind === 'write'
      ? store.write(CRASH_VOLUME, offsetBytes, crashOpData(round, i, op))
      : store.trim(CRASH_VOLUME, offsetBytes, op.countBlocks * BLOCK_BYTES));
  }
  await Promise.all(pending);
  next += CRASH_WAVE_OPS;
  wave++;
  if (wave % 4 === 0) {
    await store.flush();
    process.stdout.write(`F ${next}\n`);
  }
  if (wave % 50 === 0) {
    // A defragmenting GC run in the background, so that kills also land while pages are rewritten.
    store.collectGarbage({ defragment: true }).catch(() => undefined);
  }
  if (wave % 25 === 0) {
    const name = `snap-${round}-${wave}`;
    await store.snapshotVolume(CRASH_VOLUME, name);
    process.stdout.write(`S ${name} ${next}\n`);
  }
}
await new Promise(() => undefined); // wait for the kill
