// Goal: WRITE payload buffers are reused by size class only when given back, never for foreign or
// out-of-range sizes, and the idle memory the pool keeps is bounded.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { PayloadPool } from './payload-pool.ts';

const KIB = 1024;
const MIB = 1024 * KIB;

describe('NBD payload pool', () => {
  it('reuses a returned buffer for a payload of the same size class', () => {
    const pool = new PayloadPool();
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
    const pool = new PayloadPool();
    pool.give(pool.take(4 * KIB));
    pool.give(pool.take(8 * MIB));
    pool.give(Buffer.alloc(256 * KIB));
    assert.equal(pool.keptBytesNow, 0);
    const taken = Array.from({ length: 20 }, () => pool.take(4 * MIB));
    for (const t of taken) pool.give(t);
    assert.equal(pool.keptBytesNow, 64 * MIB);
  });
});
