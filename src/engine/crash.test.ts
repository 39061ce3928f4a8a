// Goal: after kill -9 at a random moment (including during rollover, checkpoint and GC), every
// write completed before the last reported flush reads back exactly, every snapshot reported
// complete holds exactly its point-in-time contents, and every other block holds either its old
// or one of its newer contents — never garbage.
// Method: a child process runs a deterministic workload (crash-workload.ts) on a directory and
// reports flush watermarks; the parent SIGKILLs it after a random number of them, reopens the
// directory in-process and checks every block. Rounds continue on the same directory.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { BLOCK_BYTES } from '../limits.ts';
import { openBlockStore, type Engine } from './blockstore.ts';
import { CRASH_VOLUME, CRASH_VOLUME_BLOCKS, crashOps, type CrashOp } from './crash-workload.ts';
import { patternBlock, prng, tempDir } from './test-support.ts';

const CHILD = fileURLToPath(new URL('./crash-child.ts', import.meta.url));
/** Checkpoint period per round: short ones kill during checkpoints, long ones replay a whole round. */
const CHECKPOINT_INTERVALS_MS = [60000, 20, 60000, 20];

interface ChildReport {
  flushedOps: number;
  snapshots: { name: string; ops: number }[];
}

/** Runs one child and kills it after `flushesBeforeKill` flush reports plus a random delay. */
function runChildUntilKilled(
  dir: string,
  round: number,
  checkpointIntervalMs: number,
  flushesBeforeKill: number,
  delayMs: number,
): Promise<ChildReport> {
  const args = ['--import', 'tsx', CHILD, dir, String(round), String(checkpointIntervalMs)];
  const child = spawn(process.execPath, args, {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const report: ChildReport = { flushedOps: 0, snapshots: [] };
  let flushes = 0;
  const lines = createInterface({ input: child.stdout });
  lines.on('line', (line) => {
    const [kind, a, b] = line.split(' ');
    if (kind === 'F') {
      report.flushedOps = Number(a);
      flushes++;
      if (flushes === flushesBeforeKill) setTimeout(() => child.kill('SIGKILL'), delayMs);
    } else if (kind === 'S') {
      report.snapshots.push({ name: a, ops: Number(b) });
    }
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolve(report);
      else reject(new Error(`crash child exited with code ${code} before the kill`));
    });
  });
}

/** Content of a block after ops [0, count) of a round, given its content before the round. */
function contentAfter(ops: CrashOp[], count: number, round: number, block: number, baseline: Buffer): Buffer {
  for (let i = count - 1; i >= 0; i--) {
    const op = ops[i];
    if (block < op.firstBlock || block >= op.firstBlock + op.countBlocks) continue;
    return op.kind === 'trim' ? Buffer.alloc(BLOCK_BYTES) : patternBlock(round, block, i + 1);
  }
  return baseline;
}

/** True if some op at or after `from` could have left this content in the block. */
function laterOpCouldProduce(ops: CrashOp[], from: number, round: number, block: number, content: Buffer): boolean {
  const isZero = content.equals(Buffer.alloc(BLOCK_BYTES));
  const version = content.readUInt16LE(6);
  if (!isZero) {
    const i = version - 1;
    if (content.readUInt16LE(0) !== round || i < from || i >= ops.length) return false;
    const op = ops[i];
    const covers = op.kind === 'write' && block >= op.firstBlock && block < op.firstBlock + op.countBlocks;
    return covers && content.equals(patternBlock(round, block, version));
  }
  for (let i = from; i < ops.length; i++) {
    const op = ops[i];
    if (op.kind === 'trim' && block >= op.firstBlock && block < op.firstBlock + op.countBlocks) return true;
  }
  return false;
}

async function verifyRound(store: Engine, round: number, report: ChildReport, baseline: Buffer[]): Promise<Buffer[]> {
  const ops = crashOps(round);
  const volume = await store.read(CRASH_VOLUME, 0, CRASH_VOLUME_BLOCKS * BLOCK_BYTES);
  const after: Buffer[] = [];
  for (let block = 0; block < CRASH_VOLUME_BLOCKS; block++) {
    const got = volume.subarray(block * BLOCK_BYTES, (block + 1) * BLOCK_BYTES);
    const durable = contentAfter(ops, report.flushedOps, round, block, baseline[block]);
    const ok = got.equals(durable) || laterOpCouldProduce(ops, report.flushedOps, round, block, got);
    assert.ok(ok, `round ${round} block ${block}: neither flushed nor later content (flushed ops ${report.flushedOps})`);
    after.push(Buffer.from(got));
  }
  for (const snapshot of report.snapshots) {
    assert.ok(store.hasVolume(snapshot.name), `snapshot ${snapshot.name} reported durable but missing`);
    const data = await store.read(snapshot.name, 0, CRASH_VOLUME_BLOCKS * BLOCK_BYTES);
    for (let block = 0; block < CRASH_VOLUME_BLOCKS; block++) {
      const want = contentAfter(ops, snapshot.ops, round, block, baseline[block]);
      assert.ok(data.subarray(block * BLOCK_BYTES, (block + 1) * BLOCK_BYTES).equals(want), `${snapshot.name} block ${block}`);
    }
  }
  return after;
}

describe('crash safety under kill -9', () => {
  it(`keeps every flushed write and durable snapshot across ${CHECKPOINT_INTERVALS_MS.length} killed rounds`, async () => {
    const tmp = tempDir();
    const seed = Date.now() % 100000;
    const random = prng(seed);
    let baseline: Buffer[] = Array.from({ length: CRASH_VOLUME_BLOCKS }, () => Buffer.alloc(BLOCK_BYTES));
    for (let round = 1; round <= CHECKPOINT_INTERVALS_MS.length; round++) {
      const flushes = 2 + Math.floor(random() * 6);
      const delayMs = Math.floor(random() * 15);
      const report = await runChildUntilKilled(tmp.dir, round, CHECKPOINT_INTERVALS_MS[round - 1], flushes, delayMs);
      assert.ok(report.flushedOps > 0, `round ${round} reported no flush (seed ${seed})`);
      const store = await openBlockStore({ dir: tmp.dir, segmentBytesMax: 256 * 1024, autoGc: false });
      try {
        baseline = await verifyRound(store, round, report, baseline);
        for (const id of store.volumeIds()) if (id !== CRASH_VOLUME) await store.deleteVolume(id);
        await store.collectGarbage();
      } catch (error) {
        throw new Error(`crash test failed (seed ${seed}, round ${round}): ${String(error)}`, { cause: error });
      } finally {
        await store.close();
      }
    }
    tmp.remove();
  });
});
