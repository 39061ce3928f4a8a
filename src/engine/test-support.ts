// Shared helpers for engine tests: temporary directories, a seeded PRNG, and block patterns that
// encode (volume tag, block index, version) so a wrong block is recognizable, not just "different".

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BLOCK_BYTES } from '../limits.ts';

export function tempDir(prefix = 'tandem-engine-'): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** mulberry32: small, fast, deterministic; the seed is printed by tests that use it. */
export function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A 4 KiB block whose every 8-byte word is (tag, block, version): any mix-up shows. */
export function patternBlock(tag: number, blockIndex: number, version: number): Buffer {
  const block = Buffer.allocUnsafe(BLOCK_BYTES);
  for (let at = 0; at < BLOCK_BYTES; at += 8) {
    block.writeUInt16LE(tag & 0xffff, at);
    block.writeUInt32LE(blockIndex >>> 0, at + 2);
    block.writeUInt16LE(version & 0xffff, at + 6);
  }
  return block;
}

export function patternBlocks(tag: number, firstBlock: number, countBlocks: number, version: number): Buffer {
  const data = Buffer.allocUnsafe(countBlocks * BLOCK_BYTES);
  for (let i = 0; i < countBlocks; i++) patternBlock(tag, firstBlock + i, version).copy(data, i * BLOCK_BYTES);
  return data;
}

export const MiB = 1024 * 1024;
