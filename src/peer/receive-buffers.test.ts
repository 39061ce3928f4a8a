// Goal: pooled receive buffers are handed out at the asked size, reused only when given back,
// never for foreign buffers, and the pool keeps at most keptMax of them.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { ReceiveBufferPool } from './receive-buffers.ts';

describe('receive buffer pool', () => {
  it('reuses a given-back buffer and allocates small and oversized bodies apart', () => {
    const pool = new ReceiveBufferPool(1024, 4096, 2);
    const a = pool.take(2000);
    assert.equal(a.length, 2000);
    pool.give(a);
    const b = pool.take(3000);
    assert.equal(b.buffer, a.buffer, 'the same memory is reused');
    assert.equal(b.length, 3000);
    const small = pool.take(100);
    const big = pool.take(5000);
    pool.give(small);
    pool.give(big);
    pool.give(Buffer.alloc(4096));
    assert.equal(pool.keptCount, 0, 'small, oversized and foreign buffers are not kept');
  });

  it('keeps at most keptMax buffers', () => {
    const pool = new ReceiveBufferPool(1024, 4096, 2);
    const taken = [pool.take(2048), pool.take(2048), pool.take(2048)];
    assert.equal(new Set(taken.map((t) => t.buffer)).size, 3, 'buffers in use are distinct');
    for (const t of taken) pool.give(t);
    assert.equal(pool.keptCount, 2);
  });
});
