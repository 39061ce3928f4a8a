// Goal: a mirrored write's and trim's params survive the binary form exactly (the handler parses
// the same object as from JSON), params it cannot carry fall back to JSON, and malformed bytes are
// refused rather than misread.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { parseSyncTrim, parseSyncWrite } from './peer-protocol.ts';
import { syncTrimCodec, syncWriteCodec } from './sync-codec.ts';

const write = { sessionId: '5b0a3a52-8a3c-4f0e-9d8e-2f6f3b1c9a10', remoteVolumeId: 'c3d1f7e2-1111-4a2b-8c3d-000000000001', baseCycle: 17, offsetBytes: 2 ** 50 + 4096, fua: false };

describe('sync codec', () => {
  it('round-trips a write and a trim, FUA or not', () => {
    for (const fua of [false, true]) {
      const w = { ...write, fua };
      const bytes = syncWriteCodec.encode(w)!;
      assert.equal(bytes[0], 0, 'binary params start with a zero byte');
      assert.deepEqual(parseSyncWrite(syncWriteCodec.decode(bytes)), w);
      const t = { ...w, lengthBytes: 1024 * 1024 };
      assert.deepEqual(parseSyncTrim(syncTrimCodec.decode(syncTrimCodec.encode(t)!)), t);
    }
  });

  it('does not carry ids that are not ASCII or too long, nor params without their numbers', () => {
    assert.equal(syncWriteCodec.encode({ ...write, sessionId: 'sessión' }), null);
    assert.equal(syncWriteCodec.encode({ ...write, remoteVolumeId: 'v'.repeat(256) }), null);
    assert.equal(syncWriteCodec.encode({ ...write, offsetBytes: '4096' }), null);
    assert.equal(syncTrimCodec.encode(write), null, 'a trim needs its length');
    assert.equal(syncWriteCodec.encode(null), null);
  });

  it('refuses bytes that are short, of another version, of the other method or of the wrong length', () => {
    const bytes = syncWriteCodec.encode(write)!;
    const problem = (value: unknown) => assert.ok(value !== null && typeof value === 'object' && 'problem' in value, JSON.stringify(value));
    problem(syncWriteCodec.decode(bytes.subarray(0, 10)));
    problem(syncWriteCodec.decode(Buffer.concat([bytes, Buffer.from([1])])));
    problem(syncWriteCodec.decode(bytes.subarray(0, bytes.length - 1)));
    const versioned = Buffer.from(bytes);
    versioned[1] = 2;
    problem(syncWriteCodec.decode(versioned));
    problem(syncTrimCodec.decode(bytes));
    problem(syncWriteCodec.decode(syncTrimCodec.encode({ ...write, lengthBytes: 1 })!));
  });
});
