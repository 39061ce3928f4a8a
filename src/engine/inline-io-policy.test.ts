// Goal: small reads run inline until slow ones become frequent, then go to the thread pool for the
// back-off and come back inline after it; rare slow outliers and large reads never change that.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { INLINE_READ_BACKOFF_MS, INLINE_READ_BYTES_MAX, INLINE_READ_SLOW_US, InlineIoPolicy } from './inline-io-policy.ts';

describe('inline read policy', () => {
  it('keeps small reads inline and large ones on the pool', () => {
    const policy = new InlineIoPolicy();
    assert.equal(policy.inline(4096, 0), true);
    assert.equal(policy.inline(INLINE_READ_BYTES_MAX, 0), true);
    assert.equal(policy.inline(INLINE_READ_BYTES_MAX + 1, 0), false);
  });

  it('ignores one slow read in thirty-two, and backs off when they come often', () => {
    const policy = new InlineIoPolicy();
    let nowMs = 0;
    for (let i = 0; i < 1000; i++) {
      policy.record(i % 32 === 0 ? 5000 : 5, (nowMs += 0.01));
      assert.equal(policy.inline(4096, nowMs), true, `rare outliers must not trip it (read ${i})`);
    }
    for (let i = 0; i < 3; i++) policy.record(INLINE_READ_SLOW_US + 1, nowMs);
    assert.equal(policy.inline(4096, nowMs), true, 'three in a row are not yet enough after a quiet run');
    policy.record(INLINE_READ_SLOW_US + 1, nowMs);
    policy.record(INLINE_READ_SLOW_US + 1, nowMs);
    assert.equal(policy.inline(4096, nowMs), false, 'a run of device-speed reads sends reads to the pool');
    assert.equal(policy.inline(4096, nowMs + INLINE_READ_BACKOFF_MS - 1), false);
    assert.equal(policy.inline(4096, nowMs + INLINE_READ_BACKOFF_MS), true, 'and inline is tried again after the back-off');
  });
});
