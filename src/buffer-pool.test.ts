// Goal: pooled buffers are handed out at the asked size, reused by size class only when given
// back, never for foreign or out-of-range sizes, and the idle memory the pool keeps is bounded.
// Both configurations in use are checked: NBD WRITE payloads and peer call bodies.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { BufferPool } from './buffer-pool.ts';

const KIB = 1024;
const MIB = 1024 * KIB;
const nbdPool = () => new BufferPool({ pooledFromBytes: 64 * KIB, pooledToBytes: 4 * MIB, keptBytesMax: 64 * MIB });

describe('buffer pool', () => {
  it('reuses a returned buffer for a payload of the same size class', () => {
    const pool = nbdPool();
    const a = pool.take(200 * KIB);
    assert.equal(a.length, 200 * KIB);
    assert.equal(a.buffer.byteLength, 256 * KIB);
    pool.give(a);
    const b = pool.take(256 * KIB);
    assert.equal(b.buffer, a.buffer);
    const c = pool.take(256 * KIB);
    assert.notEqual(c.buffer, b.buffer, 'a buffer in use is never handed out twice');
  });

  it('ignores small, oversized and foreign buffers and bounds what it keeps', () => {
    const pool = nbdPool();
    pool.give(pool.take(4 * KIB));
    pool.give(pool.take(8 * MIB));
    pool.give(Buffer.alloc(256 * KIB));
    assert.equal(pool.keptBytesNow, 0);
    const taken = Array.from({ length: 20 }, () => pool.take(4 * MIB));
    for (const t of taken) pool.give(t);
    assert.equal(pool.keptBytesNow, 64 * MIB);
  });

  it('caps the last size class at pooledToBytes and keeps at most keptBytesMax', () => {
    const pool = new BufferPool({ pooledFromBytes: 1024, pooledToBytes: 3072, keptBytesMax: 2 * 3072 });
    const a = pool.take(3000);
    assert.equal(a.length, 3000);
    assert.equal(a.buffer.byteLength, 3072, 'the largest class is pooledToBytes, not the next power of two');
    pool.give(a);
    const b = pool.take(2500);
    assert.equal(b.buffer, a.buffer, 'the same memory is reused');
    assert.equal(b.length, 2500);
    const small = pool.take(100);
    const big = pool.take(5000);
    pool.give(small);
    pool.give(big);
    pool.give(Buffer.alloc(3072));
    assert.equal(pool.keptBytesNow, 0, 'small, oversized and foreign buffers are not kept');
    const taken = [b, pool.take(3072), pool.take(3072)];
    assert.equal(new Set(taken.map((t) => t.buffer)).size, 3, 'buffers in use are distinct');
    for (const t of taken) pool.give(t);
    assert.equal(pool.keptBytesNow, 2 * 3072);
  });
});
