// Goal: random sequences of write (aligned and not), trim, snapshot, restore, resize, delete, GC
// (with and without defragmentation)
// and close/reopen leave every volume reading exactly what a trivial model says.
// Method: fast-check generates action lists; the model is a Map of volume -> (block -> 4 KiB
// bytes). After every action the touched volume is compared; at the end every volume is compared
// in full and diff(null, v) must cover every block that holds non-zero bytes.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { BLOCK_BYTES, MAP_PAGE_BLOCKS } from '../limits.ts';
import { DomainError } from '../core/errors.ts';
import { openBlockStore, type Engine } from './blockstore.ts';
import { tempDir } from './test-support.ts';

const NAMES = ['a', 'b', 'c', 'd'];
/** Volumes span a little more than two map pages so page boundaries and CoW are exercised. */
const SPAN_BLOCKS = 2 * MAP_PAGE_BLOCKS + 64;

interface ModelVolume {
  sizeBlocks: number;
  blocks: Map<number, Buffer>;
}
type Model = Map<string, ModelVolume>;

type Action =
  | { kind: 'create'; name: number; sizeBlocks: number }
  | { kind: 'write'; name: number; offsetBytes: number; lengthBytes: number; fill: number }
  | { kind: 'trim'; name: number; offsetBytes: number; lengthBytes: number }
  | { kind: 'snapshot'; name: number; target: number }
  | { kind: 'restore'; name: number; target: number }
  | { kind: 'resize'; name: number; sizeBlocks: number }
  | { kind: 'delete'; name: number }
  | { kind: 'gc'; defragment: boolean }
  | { kind: 'reopen' };

const nameArb = fc.integer({ min: 0, max: NAMES.length - 1 });
const sizeArb = fc.integer({ min: 1, max: SPAN_BLOCKS });
const offsetArb = fc.oneof(
  fc.integer({ min: 0, max: SPAN_BLOCKS - 1 }).map((b) => b * BLOCK_BYTES), // aligned
  fc.integer({ min: 0, max: SPAN_BLOCKS * BLOCK_BYTES - 1 }), // anywhere
  fc.integer({ min: MAP_PAGE_BLOCKS - 3, max: MAP_PAGE_BLOCKS + 3 }).map((b) => b * BLOCK_BYTES), // page edge
);
const lengthArb = fc.oneof(
  fc.integer({ min: 1, max: 16 }).map((b) => b * BLOCK_BYTES),
  fc.integer({ min: 1, max: 3 * BLOCK_BYTES }),
);
const actionArb: fc.Arbitrary<Action> = fc.oneof(
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('create' as const), name: nameArb, sizeBlocks: sizeArb }) },
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('write' as const), name: nameArb, offsetBytes: offsetArb, lengthBytes: lengthArb, fill: fc.integer({ min: 1, max: 255 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('trim' as const), name: nameArb, offsetBytes: offsetArb, lengthBytes: lengthArb }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('snapshot' as const), name: nameArb, target: nameArb }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('restore' as const), name: nameArb, target: nameArb }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('resize' as const), name: nameArb, sizeBlocks: sizeArb }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('delete' as const), name: nameArb }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('gc' as const), defragment: fc.boolean() }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'reopen' as const }) },
);

function modelRead(volume: ModelVolume, offsetBytes: number, lengthBytes: number): Buffer {
  const out = Buffer.alloc(lengthBytes);
  for (let at = 0; at < lengthBytes;) {
    const block = Math.floor((offsetBytes + at) / BLOCK_BYTES);
    const within = (offsetBytes + at) % BLOCK_BYTES;
    const n = Math.min(BLOCK_BYTES - within, lengthBytes - at);
    volume.blocks.get(block)?.copy(out, at, within, within + n);
    at += n;
  }
  return out;
}

function modelWrite(volume: ModelVolume, offsetBytes: number, data: Buffer): void {
  for (let at = 0; at < data.length;) {
    const block = Math.floor((offsetBytes + at) / BLOCK_BYTES);
    const within = (offsetBytes + at) % BLOCK_BYTES;
    const n = Math.min(BLOCK_BYTES - within, data.length - at);
    let bytes = volume.blocks.get(block);
    if (bytes === undefined) volume.blocks.set(block, (bytes = Buffer.alloc(BLOCK_BYTES)));
    data.copy(bytes, within, at, at + n);
    at += n;
  }
}

function cloneVolume(volume: ModelVolume): ModelVolume {
  return { sizeBlocks: volume.sizeBlocks, blocks: new Map([...volume.blocks].map(([k, v]) => [k, Buffer.from(v)])) };
}

/** Applies an action to the model; returns false when the engine must reject it. */
function applyToModel(model: Model, action: Action): boolean {
  if (action.kind === 'gc' || action.kind === 'reopen') return true;
  const name = NAMES[action.name];
  const volume = model.get(name);
  switch (action.kind) {
    case 'create':
      if (volume) return false;
      model.set(name, { sizeBlocks: action.sizeBlocks, blocks: new Map() });
      return true;
    case 'write':
    case 'trim': {
      if (!volume || action.offsetBytes + action.lengthBytes > volume.sizeBlocks * BLOCK_BYTES) return false;
      const fill = action.kind === 'write' ? action.fill : 0;
      modelWrite(volume, action.offsetBytes, Buffer.alloc(action.lengthBytes, fill));
      return true;
    }
    case 'snapshot': {
      const target = NAMES[action.target];
      if (!volume || model.has(target)) return false;
      model.set(target, cloneVolume(volume));
      return true;
    }
    case 'restore': {
      const target = model.get(NAMES[action.target]);
      if (!volume || !target) return false;
      model.set(NAMES[action.target], cloneVolume(volume));
      return true;
    }
    case 'resize':
      if (!volume) return false;
      for (const block of [...volume.blocks.keys()]) if (block >= action.sizeBlocks) volume.blocks.delete(block);
      volume.sizeBlocks = action.sizeBlocks;
      return true;
    case 'delete':
      if (!volume) return false;
      model.delete(name);
      return true;
  }
}

async function applyToEngine(store: Engine, action: Exclude<Action, { kind: 'reopen' }>): Promise<void> {
  const name = action.kind === 'gc' ? '' : NAMES[action.name];
  switch (action.kind) {
    case 'create': return store.createVolume(name, action.sizeBlocks * BLOCK_BYTES);
    case 'write': return store.write(name, action.offsetBytes, Buffer.alloc(action.lengthBytes, action.fill));
    case 'trim': return store.trim(name, action.offsetBytes, action.lengthBytes);
    case 'snapshot': return store.snapshotVolume(name, NAMES[action.target]);
    case 'restore': return store.restoreVolume(NAMES[action.target], name);
    case 'resize': return store.resizeVolume(name, action.sizeBlocks * BLOCK_BYTES);
    case 'delete': return store.deleteVolume(name);
    case 'gc': await store.collectGarbage({ defragment: action.defragment });
  }
}

async function expectVolumeMatches(store: Engine, name: string, volume: ModelVolume): Promise<void> {
  assert.equal(store.sizeBytes(name), volume.sizeBlocks * BLOCK_BYTES, `size of ${name}`);
  const data = await store.read(name, 0, volume.sizeBlocks * BLOCK_BYTES);
  assert.ok(data.equals(modelRead(volume, 0, volume.sizeBlocks * BLOCK_BYTES)), `contents of ${name}`);
  const dataExtents = store.diff(null, name).filter((e) => e.kind === 'data');
  for (const [block, bytes] of volume.blocks) {
    if (bytes.equals(Buffer.alloc(BLOCK_BYTES))) continue;
    const offsetBytes = block * BLOCK_BYTES;
    const covered = dataExtents.some((e) => e.offsetBytes <= offsetBytes && offsetBytes < e.offsetBytes + e.lengthBytes);
    assert.ok(covered, `block ${block} of ${name} holds data but diff(null) omits it`);
  }
}

/** The written range plus one block either side (edges of a read-modify-write). */
async function expectRangeMatches(store: Engine, name: string, volume: ModelVolume, offsetBytes: number, lengthBytes: number) {
  const startBytes = Math.max(0, offsetBytes - BLOCK_BYTES);
  const endBytes = Math.min(volume.sizeBlocks * BLOCK_BYTES, offsetBytes + lengthBytes + BLOCK_BYTES);
  const data = await store.read(name, startBytes, endBytes - startBytes);
  assert.ok(data.equals(modelRead(volume, startBytes, endBytes - startBytes)), `range of ${name} after I/O`);
}

async function runActions(actions: Action[]): Promise<void> {
  const tmp = tempDir();
  const options = { dir: tmp.dir, segmentBytesMax: 256 * 1024, autoGc: false };
  let store = await openBlockStore(options);
  const model: Model = new Map();
  try {
    for (const action of actions) {
      if (action.kind === 'reopen') {
        await store.close();
        store = await openBlockStore(options);
        continue;
      }
      const allowed = applyToModel(model, action);
      if (allowed) await applyToEngine(store, action);
      else await assert.rejects(applyToEngine(store, action), DomainError, JSON.stringify(action));
      if ((action.kind === 'write' || action.kind === 'trim') && allowed) {
        await expectRangeMatches(store, NAMES[action.name], model.get(NAMES[action.name])!, action.offsetBytes, action.lengthBytes);
      }
    }
    assert.deepEqual(store.volumeIds().sort(), [...model.keys()].sort());
    for (const [name, volume] of model) await expectVolumeMatches(store, name, volume);
  } finally {
    await store.close();
    tmp.remove();
  }
}

describe('engine against an in-memory model', () => {
  it('agrees on every read for random action sequences', async () => {
    // Every run starts from one full-span volume so that most generated actions do something.
    const start: Action = { kind: 'create', name: 0, sizeBlocks: SPAN_BLOCKS };
    const actions = fc.array(actionArb, { minLength: 5, maxLength: 40, size: 'max' }).map((rest) => [start, ...rest]);
    await fc.assert(fc.asyncProperty(actions, runActions), { numRuns: 30 });
  });
});
