// Goal: POST /volume/{id}/compute_differences answers, bit for bit, which chunks of a range differ
// between a volume (or snapshot) and a base snapshot of its family, or which hold data when there
// is no base; pages through a volume with next_offset; refuses bad input with the PowerStore
// error; and costs the map pages that changed, not the volume's size.
// Method: write 4 KiB blocks through the host I/O path (as NBD does), keeping a model of which
// block holds which write; the expected bit of a chunk is "some block in it is in a different
// state in the two models". Compare against the API for many chunk sizes and ranges.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { BLOCK_BYTES, MAP_PAGE_BYTES } from '../../src/limits.ts';
import type { Engine } from '../../src/engine/blockstore.ts';
import { MiB, basic, startTestSystem, type TestSystem } from '../helpers/system.ts';

let t: TestSystem;
before(async () => {
  t = await startTestSystem();
});
after(() => t.close());

/** Per block, the write that last put data there (0 = unmapped), as the engine's map tracks it. */
class BlockModel {
  constructor(readonly versions: Map<number, number> = new Map()) {}
  copy(): BlockModel {
    return new BlockModel(new Map(this.versions));
  }
  async write(volumeId: string, firstBlock: number, countBlocks: number): Promise<void> {
    const data = Buffer.alloc(countBlocks * BLOCK_BYTES, (firstBlock % 251) + 1);
    await t.system.services.io.write(volumeId, firstBlock * BLOCK_BYTES, data);
    for (let b = firstBlock; b < firstBlock + countBlocks; b++) this.versions.set(b, versionCounter.next++);
  }
  async trim(volumeId: string, firstBlock: number, countBlocks: number): Promise<void> {
    await t.system.services.io.trim(volumeId, firstBlock * BLOCK_BYTES, countBlocks * BLOCK_BYTES);
    for (let b = firstBlock; b < firstBlock + countBlocks; b++) this.versions.delete(b);
  }
}
/** Shared by all models: a copy and its original never reuse a version for different writes. */
const versionCounter = { next: 1 };

/** The bitmap the API must answer: chunk i at bit i % 8 of byte i / 8. */
function expectedBitmap(target: BlockModel, base: BlockModel | null, offsetBytes: number, lengthBytes: number, chunkBytes: number): Buffer {
  const chunks = Math.ceil(lengthBytes / chunkBytes);
  const bitmap = Buffer.alloc(Math.ceil(chunks / 8));
  const blocks = new Set([...target.versions.keys(), ...(base?.versions.keys() ?? [])]);
  for (const block of blocks) {
    if ((target.versions.get(block) ?? 0) === (base?.versions.get(block) ?? 0)) continue;
    const startBytes = Math.max(block * BLOCK_BYTES, offsetBytes);
    const endBytes = Math.min((block + 1) * BLOCK_BYTES, offsetBytes + lengthBytes);
    if (startBytes >= endBytes) continue;
    for (let c = Math.floor((startBytes - offsetBytes) / chunkBytes); c < Math.ceil((endBytes - offsetBytes) / chunkBytes); c++) bitmap[c >> 3] |= 1 << (c & 7);
  }
  return bitmap;
}

async function createVolume(name: string, size: number): Promise<string> {
  const r = await t.ps('POST', '/volume', { name, size });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body.id;
}

async function snapshot(id: string, name: string): Promise<string> {
  const r = await t.ps('POST', `/volume/${id}/snapshot`, { name });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body.id;
}

/** The request exactly as gopowerstore sends it: every field present, null when unset. */
async function differences(id: string, body: { base_snapshot_id?: string | null; offset?: number | null; length: number; chunk_size: number }) {
  const r = await t.ps('POST', `/volume/${id}/compute_differences`, { base_snapshot_id: null, offset: null, ...body });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.deepEqual(Object.keys(r.body).sort(), ['chunk_bitmap', 'next_offset']);
  return { bitmap: Buffer.from(r.body.chunk_bitmap as string, 'base64'), nextOffset: r.body.next_offset as number };
}

const engine = () => t.system.services.ctx.store as Engine;

test('gopowerstore examples: 4 allocated 1 MiB chunks are "Dw==", two identical snapshots "AA==", next_offset -1 at the end', async () => {
  const vol = await createVolume('cd-sdk', 4 * MiB);
  const model = new BlockModel();
  await model.write(vol, 0, 1024); // all 4 MiB
  const snap1 = await snapshot(vol, 'cd-sdk-s1');
  const snap2 = await snapshot(vol, 'cd-sdk-s2');
  const allocated = await t.ps('POST', `/volume/${vol}/compute_differences`, { base_snapshot_id: '', offset: 0, length: 4 * MiB, chunk_size: MiB });
  assert.equal(allocated.status, 200);
  assert.deepEqual(allocated.body, { chunk_bitmap: 'Dw==', next_offset: -1 });
  // The SDK's integration test: snap1 against a base taken after it, one 1 MiB chunk.
  const same = await t.ps('POST', `/volume/${snap1}/compute_differences`, { base_snapshot_id: snap2, offset: 0, length: MiB, chunk_size: MiB });
  assert.deepEqual(same.body, { chunk_bitmap: 'AA==', next_offset: MiB });
  const one = await differences(snap1, { length: MiB, chunk_size: MiB });
  assert.deepEqual([...one.bitmap], [1]);
});

test('bitmaps match the block model, for every chunk size, against a base, against nothing, on the live volume', async () => {
  const size = 64 * MiB + 8192; // not a multiple of most chunk sizes: the last chunk is partial
  const vol = await createVolume('cd-model', size);
  const live = new BlockModel();
  // Deterministic scatter: runs of 1..9 blocks at a stride that lands in most pages.
  for (let i = 0; i < 60; i++) await live.write(vol, (i * 271) % (size / BLOCK_BYTES - 10), 1 + (i % 9));
  await live.write(vol, size / BLOCK_BYTES - 1, 1); // the very last block
  const base = live.copy();
  const baseId = await snapshot(vol, 'cd-model-base');
  for (let i = 0; i < 25; i++) await live.write(vol, (i * 523 + 17) % (size / BLOCK_BYTES - 3), 1 + (i % 3));
  await live.trim(vol, 4096, 300); // unmaps some blocks that were written, and some that never were
  const target = live.copy();
  const targetId = await snapshot(vol, 'cd-model-target');
  await live.write(vol, 7, 2); // the live volume moves on after the target snapshot

  for (const chunk of [512, BLOCK_BYTES, 8192, 64 * 1024, MiB, 4 * MiB]) {
    const length = Math.min(size, chunk * 32768);
    const diff = await differences(targetId, { base_snapshot_id: baseId, offset: 0, length, chunk_size: chunk });
    assert.ok(diff.bitmap.equals(expectedBitmap(target, base, 0, length, chunk)), `diff, chunk ${chunk}`);
    const allocated = await differences(targetId, { length, chunk_size: chunk });
    assert.ok(allocated.bitmap.equals(expectedBitmap(target, null, 0, length, chunk)), `allocated, chunk ${chunk}`);
    const liveDiff = await differences(vol, { base_snapshot_id: baseId, length, chunk_size: chunk });
    assert.ok(liveDiff.bitmap.equals(expectedBitmap(live, base, 0, length, chunk)), `live, chunk ${chunk}`);
    // The other direction: the base against a later snapshot of its family.
    const reverse = await differences(baseId, { base_snapshot_id: targetId, length, chunk_size: chunk });
    assert.ok(reverse.bitmap.equals(expectedBitmap(base, target, 0, length, chunk)), `reverse, chunk ${chunk}`);
    assert.equal(diff.nextOffset, length === size ? -1 : length);
  }
  // Nothing is set where nothing changed; something is, where it did (the test can fail).
  const whole = await differences(targetId, { base_snapshot_id: baseId, length: size, chunk_size: 8192 });
  assert.ok(whole.bitmap.some((b) => b !== 0));
  assert.ok(whole.bitmap.some((b) => b === 0));
});

test('paging with next_offset covers the volume exactly once, the last chunk partial', async () => {
  const size = 16 * MiB + 8192;
  const vol = await createVolume('cd-page', size);
  const model = new BlockModel();
  for (let i = 0; i < 40; i++) await model.write(vol, (i * 97) % (size / BLOCK_BYTES), 1);
  await model.write(vol, size / BLOCK_BYTES - 2, 2);
  const snap = await snapshot(vol, 'cd-page-s');
  const chunk = 4096;
  const pageChunks = 1000 * 8; // 8,000 chunks a call: several calls, none aligned to the end
  let offset = 0;
  const parts: Buffer[] = [];
  let calls = 0;
  while (offset !== -1) {
    const length = Math.min(pageChunks * chunk, size - offset);
    const r = await differences(snap, { offset, length, chunk_size: chunk });
    assert.ok(r.bitmap.equals(expectedBitmap(model, null, offset, length, chunk)), `page at ${offset}`);
    parts.push(r.bitmap);
    assert.equal(r.nextOffset, offset + length >= size ? -1 : offset + length);
    offset = r.nextOffset;
    calls++;
    assert.ok(calls < 10);
  }
  assert.equal(calls, Math.ceil(size / (pageChunks * chunk)));
  // The tail: 8 KiB past the last whole MiB, asked with a 1 MiB chunk, is one partial chunk.
  const tail = await differences(snap, { offset: 16 * MiB, length: 8192, chunk_size: MiB });
  assert.deepEqual([...tail.bitmap], [1]);
  assert.equal(tail.nextOffset, -1);
  // A range in the middle that is not at the start: bits count from the offset.
  const middle = await differences(snap, { offset: 2 * MiB, length: 2 * MiB, chunk_size: 64 * 1024 });
  assert.ok(middle.bitmap.equals(expectedBitmap(model, null, 2 * MiB, 2 * MiB, 64 * 1024)));
  assert.equal(middle.nextOffset, 4 * MiB);
  assert.equal(middle.bitmap.length, 4);
});

test('a chunk count that is not a multiple of 8 gets its last byte padded with zero bits', async () => {
  const vol = await createVolume('cd-pad', 8 * MiB);
  const model = new BlockModel();
  await model.write(vol, 0, 2048); // every block
  const r = await differences(vol, { length: 5 * MiB, chunk_size: MiB });
  assert.deepEqual([...r.bitmap], [0b11111]);
  assert.equal(r.nextOffset, 5 * MiB);
  const r2 = await differences(vol, { offset: 5 * MiB, length: 3 * MiB, chunk_size: MiB });
  assert.deepEqual([...r2.bitmap], [0b111]);
  assert.equal(r2.nextOffset, -1);
});

test('cost: only the pages of the range that differ from the base are scanned', async () => {
  const vol = await createVolume('cd-cost', 1024 * MiB); // 256 map pages
  const model = new BlockModel();
  for (let page = 0; page < 256; page++) await model.write(vol, page * (MAP_PAGE_BYTES / BLOCK_BYTES), 4);
  const base = await snapshot(vol, 'cd-cost-1');
  for (const page of [3, 100, 200]) await model.write(vol, page * (MAP_PAGE_BYTES / BLOCK_BYTES) + 10, 1);
  const target = await snapshot(vol, 'cd-cost-2');
  const before = engine().diffCounters.pagesScanned;
  const r = await differences(target, { base_snapshot_id: base, length: 1024 * MiB, chunk_size: 32 * 1024 });
  assert.equal(engine().diffCounters.pagesScanned - before, 3);
  assert.equal(r.bitmap.reduce((n, b) => n + popcount(b), 0), 3);
  const mid = engine().diffCounters.pagesScanned;
  await differences(target, { base_snapshot_id: base, offset: 384 * MiB, length: 256 * MiB, chunk_size: 32 * 1024 });
  assert.equal(engine().diffCounters.pagesScanned - mid, 1); // page 100 only
});

function popcount(b: number): number {
  let n = 0;
  for (let v = b; v !== 0; v &= v - 1) n++;
  return n;
}

test('bad input answers the PowerStore error and changes nothing', async () => {
  const vol = await createVolume('cd-bad', 8 * MiB);
  const snap = await snapshot(vol, 'cd-bad-s');
  const other = await createVolume('cd-other', 8 * MiB);
  const otherSnap = await snapshot(other, 'cd-other-s');
  const clone = await t.ps('POST', `/volume/${vol}/clone`, { name: 'cd-bad-clone' });
  const state = async () => JSON.stringify([(await t.ps('GET', '/volume?select=*&order=name')).body, (await t.ps('GET', '/job?select=id')).body]);
  const before = await state();
  const ok = { base_snapshot_id: null, offset: 0, length: 8 * MiB, chunk_size: MiB };
  const cases: [string, string, unknown, number, string][] = [
    ['unknown volume', '/volume/00000000-0000-0000-0000-000000000000/compute_differences', ok, 404, '0xE0A07001000C'],
    ['unknown base', `/volume/${vol}/compute_differences`, { ...ok, base_snapshot_id: '11111111-1111-1111-1111-111111111111' }, 404, '0xE0A07001000C'],
    ['base is not a snapshot', `/volume/${snap}/compute_differences`, { ...ok, base_snapshot_id: vol }, 422, '0xE04040040001'],
    ['base is a clone', `/volume/${snap}/compute_differences`, { ...ok, base_snapshot_id: clone.body.id }, 422, '0xE04040040001'],
    ['base from another family', `/volume/${vol}/compute_differences`, { ...ok, base_snapshot_id: otherSnap }, 422, '0xE04040040001'],
    ['length missing', `/volume/${vol}/compute_differences`, { chunk_size: MiB }, 400, '0xE04040030001'],
    ['length null', `/volume/${vol}/compute_differences`, { ...ok, length: null }, 400, '0xE04040030001'],
    ['chunk_size missing', `/volume/${vol}/compute_differences`, { length: MiB }, 400, '0xE04040030001'],
    ['chunk_size not a power of 2', `/volume/${vol}/compute_differences`, { ...ok, chunk_size: 3 * 4096, length: 3 * 4096 * 8 }, 400, '0xE04040030001'],
    ['chunk_size 0', `/volume/${vol}/compute_differences`, { ...ok, chunk_size: 0 }, 400, '0xE04040030001'],
    ['chunk_size negative', `/volume/${vol}/compute_differences`, { ...ok, chunk_size: -4096 }, 400, '0xE04040030001'],
    ['chunk_size a string', `/volume/${vol}/compute_differences`, { ...ok, chunk_size: '1048576' }, 400, '0xE04040030001'],
    ['offset not a multiple of chunk_size', `/volume/${vol}/compute_differences`, { ...ok, offset: 4096, length: MiB }, 400, '0xE04040030001'],
    ['offset negative', `/volume/${vol}/compute_differences`, { ...ok, offset: -MiB, length: MiB }, 400, '0xE04040030001'],
    ['offset at the end', `/volume/${vol}/compute_differences`, { ...ok, offset: 8 * MiB, length: MiB }, 400, '0xE04040030001'],
    ['offset fractional', `/volume/${vol}/compute_differences`, { ...ok, offset: 0.5 }, 400, '0xE04040030001'],
    ['length past the end', `/volume/${vol}/compute_differences`, { ...ok, offset: 4 * MiB, length: 8 * MiB }, 400, '0xE04040030001'],
    ['length 0', `/volume/${vol}/compute_differences`, { ...ok, length: 0 }, 400, '0xE04040030001'],
    ['length not a multiple of chunk_size', `/volume/${vol}/compute_differences`, { ...ok, length: MiB + 4096 }, 400, '0xE04040030001'],
    ['more than 32K chunks', `/volume/${vol}/compute_differences`, { ...ok, chunk_size: 128, length: 128 * 32769 }, 400, '0xE04040030001'],
    ['unknown property', `/volume/${vol}/compute_differences`, { ...ok, snapshot_id: snap }, 400, '0xE04040030001'],
    ['body not an object', `/volume/${vol}/compute_differences`, '[1]', 400, '0xE04040030001'],
  ];
  for (const [label, path, body, status, code] of cases) {
    const r = await t.ps('POST', path, body);
    assert.equal(r.status, status, `${label}: ${JSON.stringify(r.body)}`);
    assert.equal(r.body.messages[0].code, code, label);
    assert.equal(typeof r.body.messages[0].message_l10n, 'string', label);
  }
  // Exactly 32K chunks is allowed; a base named by name: is accepted as elsewhere.
  const max = await differences(vol, { chunk_size: 256, length: 256 * 32768 });
  assert.equal(max.bitmap.length, 4096);
  const byName = await t.ps('POST', `/volume/${vol}/compute_differences`, { ...ok, base_snapshot_id: 'name:cd-bad-s' });
  assert.equal(byName.status, 200);
  assert.equal(await state(), before);
});

test('it reads and changes nothing: an Operator (read-only role) may call it, is_async makes no job', async () => {
  const vol = await createVolume('cd-oper', 4 * MiB);
  const model = new BlockModel();
  await model.write(vol, 256, 1); // a block in the second MiB
  const created = await t.control('POST', '/users', { name: 'cd-oper', password: 'operator-pw-1', role: 'Operator' });
  assert.equal(created.status, 201);
  const body = { base_snapshot_id: null, offset: 0, length: 4 * MiB, chunk_size: MiB };
  const r = await t.ps('POST', `/volume/${vol}/compute_differences`, body, { authorization: basic('cd-oper', 'operator-pw-1') });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.deepEqual(r.body, { chunk_bitmap: 'Ag==', next_offset: -1 });
  const jobsBefore = (await t.ps('GET', '/job?select=id')).body.length;
  const async = await t.ps('POST', `/volume/${vol}/compute_differences?is_async=true`, body);
  assert.equal(async.status, 200);
  assert.deepEqual(async.body, { chunk_bitmap: 'Ag==', next_offset: -1 });
  assert.equal((await t.ps('GET', '/job?select=id')).body.length, jobsBefore);
});
