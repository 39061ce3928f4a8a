// Goal: two systems call each other over mutual TLS HTTP/2 with JSON and byte-exact binary
// payloads, remote domain errors keep their codes, trust is enforced in both directions, limits and
// timeouts hold, and close() never hangs. Method: real endpoints on 127.0.0.1 port 0 with their
// own certificates in one process; time for call timeouts comes from a ManualClock.
import { strict as assert } from 'node:assert';
import { connect, constants } from 'node:http2';
import { beforeEach, describe, it } from 'node:test';
import { DomainError, NotFoundError } from '../core/errors.ts';
import { randomBytes, rejectsWith, sha256 } from './testing/bytes.ts';
import { PEER_PAYLOAD_BYTES_MAX } from './limits.ts';
import { trustRecord, usePair, type TestSystem } from './testing/pair.ts';

const MIB = 1024 * 1024;

/** Registers blob.put (checksums what it receives) and blob.get (sends seeded bytes back). */
function registerBlobHandlers(system: TestSystem): void {
  system.endpoint.handle('blob.put', async ({ params, payload, from }) => ({
    result: { params, from: from.systemId, bytes: payload?.length ?? null, sha256: payload ? sha256(payload) : null },
  }));
  system.endpoint.handle('blob.get', async ({ params }) => {
    const { length, seed } = params as { length: number; seed: number };
    const payload = randomBytes(length, seed);
    return { result: { sha256: sha256(payload) }, payload };
  });
}

describe('peer endpoint', () => {
  const pair = usePair();

  beforeEach(() => {
    registerBlobHandlers(pair.a);
    registerBlobHandlers(pair.b);
  });

  it('carries JSON and byte-exact binary payloads in both directions', async () => {
    for (const [from, to] of [[pair.a, pair.b], [pair.b, pair.a]] as const) {
      const sent = randomBytes(3 * MIB + 17, 7);
      const put = await from.endpoint.peer(to.systemId).call<Record<string, unknown>>(
        'blob.put', { name: 'x', nested: [1, 'two', null] }, { payload: sent });
      assert.deepEqual(put.result, {
        params: { name: 'x', nested: [1, 'two', null] }, from: from.systemId, bytes: sent.length, sha256: sha256(sent),
      });
      assert.equal(put.payload, null);
      const got = await from.endpoint.peer(to.systemId).call<{ sha256: string }>('blob.get', { length: 2 * MIB + 5, seed: 9 });
      assert.ok(got.payload);
      assert.equal(got.payload.length, 2 * MIB + 5);
      assert.equal(sha256(got.payload), got.result.sha256);
      assert.ok(got.payload.equals(randomBytes(2 * MIB + 5, 9)));
    }
  });

  it('keeps an empty payload apart from no payload', async () => {
    const empty = await pair.a.endpoint.peer('sys-b').call<{ bytes: number | null }>('blob.put', null, { payload: Buffer.alloc(0) });
    assert.equal(empty.result.bytes, 0);
    const none = await pair.a.endpoint.peer('sys-b').call<{ bytes: number | null }>('blob.put', null);
    assert.equal(none.result.bytes, null);
  });

  it('answers peer.ping with the remote identity', async () => {
    const { result } = await pair.a.endpoint.peer('sys-b').call<{ systemId: string; nowMs: number }>('peer.ping', {});
    assert.equal(result.systemId, 'sys-b');
    assert.equal(result.nowMs, pair.clock.nowMs());
  });

  it('re-throws a remote DomainError with its code, message and details', async () => {
    pair.b.endpoint.handle('volume.get', async () => {
      throw new NotFoundError('volume', 'vol-9');
    });
    const error = await rejectsWith(pair.a.endpoint.peer('sys-b').call('volume.get', {}), 'NOT_FOUND', /vol-9/);
    assert.deepEqual(error.details, { kind: 'volume', id: 'vol-9', arguments: ['vol-9'] });
  });

  it('turns a remote error that is not a DomainError into INTERNAL without its message', async () => {
    pair.b.endpoint.handle('boom', async () => {
      throw new Error('secret stack detail');
    });
    const error = await rejectsWith(pair.a.endpoint.peer('sys-b').call('boom', {}), 'INTERNAL');
    assert.doesNotMatch(error.message, /secret/);
  });

  it('answers a call to an unknown method with NOT_FOUND', async () => {
    await rejectsWith(pair.a.endpoint.peer('sys-b').call('no.such.method', {}), 'NOT_FOUND', /no\.such\.method/);
  });

  it('runs 50 calls at once on one session', async () => {
    const callsCount = 50;
    let arrived = 0;
    let releaseAll: () => void = () => {};
    const allArrived = new Promise<void>((resolve) => { releaseAll = resolve; });
    pair.b.endpoint.handle('barrier', async ({ params }) => {
      arrived += 1;
      if (arrived === callsCount) releaseAll();
      // No call is answered before all 50 are in the handler: they must be in flight together.
      await allArrived;
      return { result: params, payload: Buffer.from([Number(params)]) };
    });
    const client = pair.a.endpoint.peer('sys-b');
    const answers = await Promise.all(
      Array.from({ length: callsCount }, (_, i) => client.call<number>('barrier', i, { payload: Buffer.alloc(1000, i) })),
    );
    assert.deepEqual(answers.map((answer) => answer.result), Array.from({ length: callsCount }, (_, i) => i));
    assert.deepEqual(answers.map((answer) => answer.payload?.[0]), Array.from({ length: callsCount }, (_, i) => i));
  });

  it('refuses a client whose certificate the server does not trust', async () => {
    const c = await pair.start('sys-c');
    c.trust.put(trustRecord('sys-b', pair.b.tls, pair.b.port)); // c trusts b, but b never trusted c
    let handled = false;
    pair.b.endpoint.handle('touch', async () => {
      handled = true;
      return {};
    });
    await rejectsWith(c.endpoint.peer('sys-b').call('touch', {}), 'PEER_UNREACHABLE', /refused this system's certificate/);
    assert.equal(handled, false);
  });

  it('refuses a server whose certificate does not match the trust record', async () => {
    const c = await pair.start('sys-c');
    // a believes sys-b is at c's port: c answers with its own certificate, not the trusted one.
    pair.a.trust.put({ ...trustRecord('sys-b', pair.b.tls, c.port) });
    c.trust.put(trustRecord('sys-a', pair.a.tls, pair.a.port));
    let handled = false;
    c.endpoint.handle('touch', async () => {
      handled = true;
      return {};
    });
    await rejectsWith(pair.a.endpoint.peer('sys-b').call('touch', {}), 'PEER_UNREACHABLE', /does not match the trusted/);
    assert.equal(handled, false);
  });

  it('throws NOT_FOUND for a peer without a trust record', () => {
    assert.throws(() => pair.a.endpoint.peer('sys-z'), (error: unknown) => error instanceof DomainError && error.code === 'NOT_FOUND');
  });

  it('refuses to send a payload over the limit', async () => {
    const tooBig = Buffer.alloc(PEER_PAYLOAD_BYTES_MAX + 1);
    await rejectsWith(pair.a.endpoint.peer('sys-b').call('blob.put', {}, { payload: tooBig }), 'VALIDATION_FAILED', /exceeds/);
    await rejectsWith(pair.a.endpoint.peer('sys-b').call('blob.get', { length: PEER_PAYLOAD_BYTES_MAX + 1, seed: 1 }), 'INTERNAL');
    // The limit itself is allowed.
    const atLimit = Buffer.alloc(PEER_PAYLOAD_BYTES_MAX, 3);
    const { result } = await pair.a.endpoint.peer('sys-b').call<{ bytes: number }>('blob.put', {}, { payload: atLimit });
    assert.equal(result.bytes, PEER_PAYLOAD_BYTES_MAX);
  });

  it('answers 413 to a request that announces a payload over the limit', async () => {
    const session = connect(`https://127.0.0.1:${pair.b.port}`, { key: pair.a.tls.key, cert: pair.a.tls.cert, rejectUnauthorized: false });
    try {
      const stream = session.request({
        ':method': 'POST', ':path': '/rpc/blob.put', 'tandem-json-bytes': 2, 'tandem-payload-bytes': PEER_PAYLOAD_BYTES_MAX + 1,
      });
      stream.on('error', () => {});
      const status = await new Promise((resolve) => stream.once('response', (headers) => resolve(headers[':status'])));
      assert.equal(status, 413);
      stream.close(constants.NGHTTP2_CANCEL);
    } finally {
      session.destroy();
    }
  });

  it('cancels a call that outlives its timeout with PEER_UNREACHABLE', async () => {
    let arrive: () => void = () => {};
    const arrived = new Promise<void>((resolve) => { arrive = resolve; });
    pair.b.endpoint.handle('hang', () => {
      arrive();
      return new Promise(() => {});
    });
    const call = pair.a.endpoint.peer('sys-b').call('hang', {}, { timeoutMs: 5000 });
    await arrived;
    pair.clock.advanceMs(4999);
    let settled = false;
    void call.catch(() => {}).finally(() => { settled = true; });
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(settled, false);
    pair.clock.advanceMs(1);
    await rejectsWith(call, 'PEER_UNREACHABLE', /within 5000 ms/);
    // The session survives a timed-out call.
    assert.equal((await pair.a.endpoint.peer('sys-b').call<{ systemId: string }>('peer.ping', {})).result.systemId, 'sys-b');
  });

  it('closes with calls in flight in both directions without hanging', { timeout: 10_000 }, async () => {
    let arrivedCount = 0;
    let arrive: () => void = () => {};
    const bothArrived = new Promise<void>((resolve) => { arrive = resolve; });
    for (const system of [pair.a, pair.b]) {
      system.endpoint.handle('hang', () => {
        arrivedCount += 1;
        if (arrivedCount === 2) arrive();
        return new Promise(() => {});
      });
    }
    const calls = [pair.a.endpoint.peer('sys-b').call('hang', {}), pair.b.endpoint.peer('sys-a').call('hang', {})];
    const outcomes = calls.map((call) => call.then(() => undefined, (error: unknown) => error));
    await bothArrived;
    await Promise.all([pair.a.endpoint.close(), pair.b.endpoint.close()]);
    for (const outcome of outcomes) await rejectsWith(outcome.then((error) => Promise.reject(error)), 'PEER_UNREACHABLE');
    await rejectsWith(pair.a.endpoint.peer('sys-b').call('peer.ping', {}), 'PEER_UNREACHABLE', /closed/);
  });
});
