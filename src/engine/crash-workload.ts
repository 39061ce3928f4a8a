// The deterministic workload of the kill -9 test, shared by the child that runs it and the parent
// that checks the directory afterwards: op i of round r is a pure function of (r, i).

import { BLOCK_BYTES } from '../limits.ts';
import { patternBlocks, prng } from './test-support.ts';

export const CRASH_VOLUME = 'v';
export const CRASH_VOLUME_BLOCKS = 4096; // 16 MiB
export const CRASH_OPS_MAX = 60000; // versions are u16 in the block pattern
export const CRASH_WAVE_OPS = 16;

export interface CrashOp {
  kind: 'write' | 'trim';
  firstBlock: number;
  countBlocks: number;
}

export function crashOps(round: number): CrashOp[] {
  const random = prng(0x5eed + round);
  const ops: CrashOp[] = [];
  for (let i = 0; i < CRASH_OPS_MAX; i++) {
    const countBlocks = 1 + Math.floor(random() * 4);
    const firstBlock = Math.floor(random() * (CRASH_VOLUME_BLOCKS - countBlocks));
    ops.push({ kind: random() < 0.1 ? 'trim' : 'write', firstBlock, countBlocks });
  }
  return ops;
}

/** The data op `index` writes (version index+1 so that 0 never appears as a written version). */
export function crashOpData(round: number, index: number, op: CrashOp): Buffer {
  return patternBlocks(round, op.firstBlock, op.countBlocks, index + 1);
}

export function crashOpOffsetBytes(op: CrashOp): number {
  return op.firstBlock * BLOCK_BYTES;
}
