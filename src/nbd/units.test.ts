// Goal: the small pure pieces behave at their edges: the receive queue slices without copying and
// copies only across chunk boundaries, every domain error code has an NBD error, option payload
// parsers reject malformed lengths, and extents from the port are normalised or refused.
// Method: direct calls with hand-built inputs.

import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { DomainError, type ErrorCode } from '../core/errors.ts';
import { MAPPED_ERROR_CODES, nbdErrnoFor } from './errors.ts';
import { parseInfoRequest, parseMetaContextRequest } from './handshake.ts';
import { NBD_ERR, readU64, writeU64 } from './protocol.ts';
import { ReceiveQueue } from './receive-queue.ts';
import { normalizeExtents } from './transmission.ts';
import { infoData, metaContextData } from './testing/raw-client.ts';

describe('ReceiveQueue', () => {
  it('takes a payload inside one chunk as a slice of that chunk', () => {
    const queue = new ReceiveQueue(28);
    const chunk = Buffer.from('abcdefgh');
    queue.push(chunk);
    const taken = queue.take(4);
    assert.equal(taken.toString(), 'abcd');
    assert.equal(taken.buffer, chunk.buffer); // no copy
    assert.equal(queue.length, 4);
  });

  it('copies a header or payload that straddles chunks', () => {
    const queue = new ReceiveQueue(8);
    queue.push(Buffer.from('ab'));
    queue.push(Buffer.from('cde'));
    queue.push(Buffer.from('fgh'));
    const { buf, at } = queue.peek(6);
    assert.equal(buf.toString('latin1', at, at + 6), 'abcdef');
    assert.equal(queue.length, 8); // peek consumes nothing
    queue.skip(1);
    assert.equal(queue.take(6).toString(), 'bcdefg');
    assert.equal(queue.take(1).toString(), 'h');
    assert.equal(queue.length, 0);
    assert.equal(queue.take(0).length, 0);
  });

  it('refuses to hand out more than it holds', () => {
    const queue = new ReceiveQueue(8);
    queue.push(Buffer.from('abc'));
    assert.throws(() => queue.take(4), /take of 4 bytes with 3 queued/);
    assert.throws(() => queue.peek(4), /peek of 4 bytes/);
  });

  it('stays correct over many small chunks (compaction)', () => {
    const queue = new ReceiveQueue(8);
    let expected = '';
    let got = '';
    for (let i = 0; i < 1000; i++) {
      const piece = String.fromCharCode(97 + (i % 26)).repeat((i % 5) + 1);
      queue.push(Buffer.from(piece));
      expected += piece;
      while (queue.length >= 7) got += queue.take(7).toString();
    }
    got += queue.take(queue.length).toString();
    assert.equal(got, expected);
  });
});

describe('nbdErrnoFor', () => {
  it('maps READ_ONLY to EPERM, NO_SPACE to ENOSPC, VALIDATION_FAILED to EINVAL, others to EIO', () => {
    assert.equal(nbdErrnoFor(new DomainError('READ_ONLY', 'x')), NBD_ERR.EPERM);
    assert.equal(nbdErrnoFor(new DomainError('NO_SPACE', 'x')), NBD_ERR.ENOSPC);
    assert.equal(nbdErrnoFor(new DomainError('VALIDATION_FAILED', 'x')), NBD_ERR.EINVAL);
    assert.equal(nbdErrnoFor(new DomainError('NOT_FOUND', 'x')), NBD_ERR.EIO);
    assert.equal(nbdErrnoFor(new Error('boom')), NBD_ERR.EIO);
    assert.equal(nbdErrnoFor(Object.assign(new Error('full'), { code: 'ENOSPC' })), NBD_ERR.ENOSPC);
    assert.equal(nbdErrnoFor(undefined), NBD_ERR.EIO);
  });

  it('has a mapping for every domain error code', () => {
    // Listed by hand from core/errors.ts: a new code there fails this test until it is mapped.
    const all: ErrorCode[] = [
      'VALIDATION_FAILED', 'UNKNOWN_PROPERTY', 'INVALID_ENUM', 'NOT_FOUND', 'NAME_IN_USE', 'STATE_INVALID', 'IN_USE',
      'OPERATION_IN_PROGRESS', 'READ_ONLY', 'NO_SPACE', 'UNAUTHENTICATED', 'FORBIDDEN', 'PEER_UNREACHABLE', 'INTERNAL',
    ];
    assert.deepEqual([...MAPPED_ERROR_CODES].sort(), [...all].sort());
  });
});

describe('codecs', () => {
  it('64-bit values round-trip through two 32-bit halves; unsafe values read as Infinity', () => {
    const buf = Buffer.alloc(8);
    writeU64(buf, 2 ** 40 + 12345, 0);
    assert.equal(buf.readBigUInt64BE(0), 2n ** 40n + 12345n);
    assert.equal(readU64(buf, 0), 2 ** 40 + 12345);
    buf.writeBigUInt64BE(2n ** 63n, 0);
    assert.equal(readU64(buf, 0), Infinity);
  });

  it('INFO/GO and meta context parsers accept well-formed data and reject bad lengths', () => {
    assert.deepEqual(parseInfoRequest(infoData('vol', [1, 3])), { name: 'vol', infos: [1, 3] });
    assert.equal(parseInfoRequest(Buffer.concat([infoData('vol', [1]), Buffer.from([0])])), undefined);
    const bogus = infoData('vol', []);
    bogus.writeUInt32BE(1000, 0);
    assert.equal(parseInfoRequest(bogus), undefined);
    assert.deepEqual(parseMetaContextRequest(metaContextData('v', ['base:allocation', 'x'])), {
      exportName: 'v',
      queries: ['base:allocation', 'x'],
    });
    const truncated = metaContextData('v', ['base:allocation']).subarray(0, 14);
    assert.equal(parseMetaContextRequest(truncated), undefined);
  });
});

describe('normalizeExtents', () => {
  const request = { offsetBytes: 4096, lengthBytes: 8192 };

  it('clips extents to the request and merges neighbours of one kind', () => {
    const out = normalizeExtents(
      [
        { offsetBytes: 0, lengthBytes: 6000, kind: 'data' },
        { offsetBytes: 6000, lengthBytes: 1000, kind: 'data' },
        { offsetBytes: 7000, lengthBytes: 100000, kind: 'zero' },
      ],
      request,
    );
    assert.deepEqual(out, [
      { offsetBytes: 4096, lengthBytes: 7000 - 4096, kind: 'data' },
      { offsetBytes: 7000, lengthBytes: 12288 - 7000, kind: 'zero' },
    ]);
  });

  it('refuses extents with a gap or that stop short', () => {
    assert.equal(normalizeExtents([{ offsetBytes: 4096, lengthBytes: 4096, kind: 'data' }], request), null);
    assert.equal(
      normalizeExtents(
        [
          { offsetBytes: 4096, lengthBytes: 1000, kind: 'data' },
          { offsetBytes: 6000, lengthBytes: 8192, kind: 'zero' },
        ],
        request,
      ),
      null,
    );
    assert.equal(normalizeExtents([], request), null);
  });
});
