// Goal: calls on the latency lane (one long-lived TLS connection, lane-wire.ts) behave like calls:
// byte-exact payloads, many in flight answered out of order, remote errors with their codes, trust
// and faults enforced, timeouts, and a broken lane failing its calls and reopening on the next one.
// The bulk lane (replication batches) carries many large payloads at once intact, holding them back
// while its socket is full, and the server reuses their receive buffers.
// Method: FrameSplitter fed every chunking of frames; real endpoints on 127.0.0.1 port 0.
import { strict as assert } from 'node:assert';
import { connect, type ConnectionOptions } from 'node:tls';
import { beforeEach, describe, it } from 'node:test';
import { NotFoundError } from '../core/errors.ts';
import { HoldingClock } from '../../test/helpers/holding-clock.ts';
import { FaultController, seededRandom } from './faults.ts';
import { randomBytes, rejectsWith, sha256 } from './testing/bytes.ts';
import { decodeRequest, decodeResponse, encodeRequest, encodeResponse, FrameSplitter, LANE_FRAME_BYTES_MAX } from './lane-wire.ts';
import { trustRecord, usePair } from './testing/pair.ts';

describe('lane wire', () => {
  it('splits frames out of any chunking of the byte stream', () => {
    const payloads = [Buffer.alloc(0), randomBytes(1, 1), randomBytes(4096, 2), randomBytes(70_000, 3)];
    const requests = payloads.map((payload, i) => ({ callId: i + 1, method: `m.${i}`, json: Buffer.from(JSON.stringify({ i })), payload: payload.length ? payload : null }));
    const bytes = Buffer.concat(requests.flatMap((r) => encodeRequest(r)));
    const random = seededRandom(5);
    for (let trial = 0; trial < 50; trial++) {
      const splitter = new FrameSplitter();
      const frames: Buffer[] = [];
      for (let at = 0; at < bytes.length; ) {
        const size = trial === 0 ? 1 : 1 + Math.floor(random() * 9000);
        frames.push(...splitter.push(bytes.subarray(at, at + size)));
        at += size;
      }
      assert.equal(frames.length, requests.length);
      frames.forEach((frame, i) => {
        const decoded = decodeRequest(frame);
        assert.ok(!('problem' in decoded), JSON.stringify(decoded));
        assert.equal(decoded.callId, requests[i]!.callId);
        assert.equal(decoded.method, requests[i]!.method);
        assert.deepEqual(JSON.parse(decoded.json.toString()), { i });
        assert.equal(sha256(decoded.payload ?? Buffer.alloc(0)), sha256(payloads[i]!));
      });
    }
  });

  it('round-trips responses and refuses frames that lie about their sizes', () => {
    const parts = encodeResponse({ callId: 7, outcome: 'error', json: Buffer.from('{"a":1}'), payload: Buffer.from('xyz') });
    const frame = new FrameSplitter().push(Buffer.concat(parts))[0]!;
    assert.deepEqual({ ...decodeResponse(frame), json: undefined, payload: undefined }, { callId: 7, outcome: 'error', json: undefined, payload: undefined });
    const broken = Buffer.from(frame);
    broken.writeUInt32BE(1000, 5); // JSON longer than the frame
    assert.ok('problem' in decodeResponse(broken));
    const oversized = Buffer.alloc(4);
    oversized.writeUInt32BE(LANE_FRAME_BYTES_MAX + 1, 0);
    assert.throws(() => new FrameSplitter().push(oversized), /exceeds/);
  });
});

describe('peer latency lane', () => {
  // A's delay faults wait on a clock the test holds (test 'never sends a call that timed out...').
  let faultClock = new HoldingClock();
  const pair = usePair({ optionsA: () => ({ faults: new FaultController({ wallClock: (faultClock = new HoldingClock()) }) }) });
  /** Calls of never.answers B has received in this test. */
  let unanswered = 0;
  /** Resolves once B has received `count` calls of never.answers (their timers are armed by then). */
  const untilUnanswered = async (count: number): Promise<void> => {
    while (unanswered < count) await new Promise((resolve) => setImmediate(resolve));
  };

  beforeEach(() => {
    unanswered = 0;
    pair.b.endpoint.handle('blob.put', async ({ params, payload, from }) => ({
      result: { params, from: from.systemId, sha256: payload ? sha256(payload) : null },
    }));
    pair.b.endpoint.handle('slow.echo', async ({ params }) => {
      const { delayMs, value } = params as { delayMs: number; value: number };
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      return { result: value, payload: Buffer.from(`v${value}`) };
    });
    pair.b.endpoint.handle('fail.notfound', async () => {
      throw new NotFoundError('volume', 'v-1');
    });
    pair.b.endpoint.handle('never.answers', () => {
      unanswered += 1;
      return new Promise(() => undefined);
    });
  });

  it('carries params and byte-exact payloads, and answers out of order by call id', async () => {
    const sent = randomBytes(3 * 1024 * 1024 + 11, 9);
    const put = await pair.a.endpoint.peer('sys-b').call<Record<string, unknown>>('blob.put', { k: [1, 'x'] }, { payload: sent, lane: true });
    assert.deepEqual(put.result, { params: { k: [1, 'x'] }, from: 'sys-a', sha256: sha256(sent) });
    const finished: number[] = [];
    const calls = [40, 1, 20, 5].map((delayMs, value) =>
      pair.a.endpoint.peer('sys-b').call<number>('slow.echo', { delayMs, value }, { lane: true }).then((r) => {
        finished.push(r.result);
        assert.equal(r.payload?.toString(), `v${value}`);
      }));
    await Promise.all(calls);
    assert.deepEqual(finished, [1, 3, 2, 0]);
  });

  it('re-throws remote errors with their codes and answers unknown methods NOT_FOUND', async () => {
    const error = await rejectsWith(pair.a.endpoint.peer('sys-b').call('fail.notfound', {}, { lane: true }), 'NOT_FOUND');
    assert.deepEqual(error.details.arguments, ['v-1']);
    await rejectsWith(pair.a.endpoint.peer('sys-b').call('no.such', {}, { lane: true }), 'NOT_FOUND');
    // The lane survives an error answer.
    assert.equal((await pair.a.endpoint.peer('sys-b').call('slow.echo', { delayMs: 0, value: 3 }, { lane: true })).result, 3);
  });

  it('times a call out on the injected clock and keeps the lane for the next one', async () => {
    const pending = pair.a.endpoint.peer('sys-b').call('never.answers', {}, { lane: true, timeoutMs: 5000 });
    await untilUnanswered(1);
    pair.clock.advanceMs(5000);
    await rejectsWith(pending, 'PEER_UNREACHABLE');
    assert.equal((await pair.a.endpoint.peer('sys-b').call('slow.echo', { delayMs: 0, value: 4 }, { lane: true })).result, 4);
  });

  it('never sends a call that timed out while a delay fault held it', async () => {
    let received = 0;
    pair.b.endpoint.handle('count.calls', async () => {
      received += 1;
      return { result: received };
    });
    const fault = pair.a.endpoint.faults.add({ peerSystemId: 'sys-b', kind: 'delay', delayMs: 200 });
    faultClock.holding = 1;
    const late = pair.a.endpoint.peer('sys-b').call('count.calls', {}, { lane: true, timeoutMs: 1000 });
    await faultClock.untilHeld();
    pair.clock.advanceMs(1000);
    await rejectsWith(late, 'PEER_UNREACHABLE');
    pair.a.endpoint.faults.remove(fault.id);
    faultClock.release(); // the delay is over: the call that timed out goes no further
    assert.equal((await pair.a.endpoint.peer('sys-b').call('count.calls', {}, { lane: true })).result, 1, 'only the call after the fault reached the peer');
  });

  it('fails calls in flight when the link is cut, refuses while it is down, and reopens after', async () => {
    const inFlight = pair.a.endpoint.peer('sys-b').call('never.answers', {}, { lane: true });
    await untilUnanswered(1);
    const failures: string[] = [];
    pair.a.endpoint.onLinkFailure((peer) => failures.push(peer));
    const fault = pair.a.endpoint.faults.add({ peerSystemId: 'sys-b', kind: 'link_down' });
    await rejectsWith(inFlight, 'PEER_UNREACHABLE');
    await rejectsWith(pair.a.endpoint.peer('sys-b').call('slow.echo', { delayMs: 0, value: 1 }, { lane: true }), 'PEER_UNREACHABLE');
    assert.ok(failures.includes('sys-b'));
    pair.a.endpoint.faults.remove(fault.id);
    assert.equal((await pair.a.endpoint.peer('sys-b').call('slow.echo', { delayMs: 0, value: 2 }, { lane: true })).result, 2);
  });

  it('carries params in a method\'s binary form, answered at once by a handler that does not wait', async () => {
    const seen = { encoded: 0, decoded: 0 };
    const codec = {
      encode: (params: unknown) => {
        const n = (params as { n: number }).n;
        if (n > 255) return null; // not carried: the call sends JSON
        seen.encoded += 1;
        return Buffer.from([0, n]);
      },
      decode: (bytes: Buffer) => {
        seen.decoded += 1;
        return bytes.length === 2 ? { n: bytes[1] } : { problem: 'not two bytes' };
      },
    };
    pair.a.endpoint.laneCodec('bin.put', codec);
    pair.b.endpoint.laneCodec('bin.put', codec);
    pair.b.endpoint.handle('bin.put', ({ params, payload }) => ({ result: { params, bytes: payload?.length ?? 0 } }));
    const put = await pair.a.endpoint.peer('sys-b').call('bin.put', { n: 7 }, { payload: randomBytes(4096, 4), lane: true });
    assert.deepEqual(put.result, { params: { n: 7 }, bytes: 4096 });
    assert.deepEqual(seen, { encoded: 1, decoded: 1 });
    const json = await pair.a.endpoint.peer('sys-b').call('bin.put', { n: 300 }, { lane: true });
    assert.deepEqual(json.result, { params: { n: 300 }, bytes: 0 });
    assert.deepEqual(seen, { encoded: 1, decoded: 1 }, 'params the codec cannot carry travel as JSON');
    // A system that has no binary form for the method refuses binary params, and the lane goes on.
    pair.a.endpoint.laneCodec('slow.echo', codec);
    await rejectsWith(pair.a.endpoint.peer('sys-b').call('slow.echo', { n: 1 }, { lane: true }), 'VALIDATION_FAILED');
    assert.deepEqual((await pair.a.endpoint.peer('sys-b').call('bin.put', { n: 9 }, { lane: true })).result, { params: { n: 9 }, bytes: 0 });
  });

  it('times out calls of different timeouts each at its own deadline (one timer for the lane)', async () => {
    const long = pair.a.endpoint.peer('sys-b').call('never.answers', {}, { lane: true, timeoutMs: 5000 });
    const short = pair.a.endpoint.peer('sys-b').call('never.answers', {}, { lane: true, timeoutMs: 1000 });
    let longSettled = false;
    long.catch(() => undefined).finally(() => (longSettled = true));
    await untilUnanswered(2);
    pair.clock.advanceMs(1000);
    await rejectsWith(short, 'PEER_UNREACHABLE');
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(longSettled, false, 'the longer call is still waiting');
    pair.clock.advanceMs(4000);
    await rejectsWith(long, 'PEER_UNREACHABLE');
  });

  it('is refused to a client the server does not trust', async () => {
    const c = await pair.start('sys-c');
    c.trust.put(trustRecord('sys-b', pair.b.tls, pair.b.port)); // c trusts b, but b never trusted c
    await rejectsWith(c.endpoint.peer('sys-b').call('slow.echo', { delayMs: 0, value: 1 }, { lane: true }), 'PEER_UNREACHABLE');
  });
});

describe('peer bulk lane', () => {
  const pair = usePair();
  const MIB = 1024 * 1024;

  it('carries many 4 MiB payloads in flight at once byte-exact, beside latency-lane calls', async () => {
    pair.b.endpoint.handle('blob.put', async ({ params, payload }) => ({ result: { i: (params as { i: number }).i, sha256: payload ? sha256(payload) : null } }));
    const client = pair.a.endpoint.peer('sys-b');
    const payloads = Array.from({ length: 12 }, (_, i) => randomBytes(4 * MIB + i, 100 + i));
    // Twelve at once: more than LANE_QUEUED_BYTES_MAX, so most wait for the socket to drain.
    const bulk = payloads.map((payload, i) => client.call<{ i: number; sha256: string }>('blob.put', { i }, { payload, bulk: true }));
    const small = await client.call<{ i: number; sha256: string }>('blob.put', { i: -1 }, { payload: Buffer.from('x'), lane: true });
    assert.deepEqual(small.result, { i: -1, sha256: sha256(Buffer.from('x')) });
    const answers = await Promise.all(bulk);
    answers.forEach((answer, i) => assert.deepEqual(answer.result, { i, sha256: sha256(payloads[i]!) }));
  });

  it('delivers the frames it holds back in the order they were called', async () => {
    const seen: number[] = [];
    pair.b.endpoint.handle('blob.order', async ({ params }) => {
      seen.push((params as { i: number }).i);
      return { result: null };
    });
    const client = pair.a.endpoint.peer('sys-b');
    // Large and small payloads mixed: a small one called after waiting large ones waits behind them.
    await Promise.all(Array.from({ length: 10 }, (_, i) => client.call('blob.order', { i }, { payload: randomBytes(i % 3 === 2 ? 10 : 3 * MIB, 400 + i), bulk: true })));
    assert.deepEqual(seen, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('receives large frames into reused buffers once their handler has answered', async () => {
    const backing = new Set<ArrayBufferLike>();
    pair.b.endpoint.handle('blob.done', async ({ payload }) => {
      backing.add(payload!.buffer);
      return { result: sha256(payload!) };
    }, { payloadFreeOnAnswer: true });
    // A handler that keeps the payload after answering (as a synchronous write acknowledged before
    // it is applied does) gets a buffer of its own each time.
    const kept: Buffer[] = [];
    pair.b.endpoint.handle('blob.keep', async ({ payload }) => {
      kept.push(payload!);
      return { result: sha256(payload!) };
    });
    const client = pair.a.endpoint.peer('sys-b');
    const sent: Buffer[] = [];
    for (let i = 0; i < 4; i++) {
      const payload = randomBytes(2 * MIB, 200 + i);
      assert.equal((await client.call<string>('blob.done', {}, { payload, bulk: true })).result, sha256(payload));
    }
    assert.equal(backing.size, 1, 'one receive buffer served the four calls one after the other');
    for (let i = 0; i < 4; i++) {
      const keptPayload = randomBytes(2 * MIB, 300 + i);
      sent.push(keptPayload);
      assert.equal((await client.call<string>('blob.keep', {}, { payload: keptPayload, bulk: true })).result, sha256(keptPayload));
    }
    assert.deepEqual(kept.map(sha256), sent.map(sha256), 'payloads kept after answering were never overwritten');
  });

  it('fails its calls when the link is cut and reopens after', async () => {
    let received = false;
    pair.b.endpoint.handle('never.answers', () => {
      received = true;
      return new Promise(() => undefined);
    });
    pair.b.endpoint.handle('echo', async ({ params }) => ({ result: params }));
    const inFlight = pair.a.endpoint.peer('sys-b').call('never.answers', {}, { payload: randomBytes(MIB, 300), bulk: true });
    while (!received) await new Promise((resolve) => setImmediate(resolve));
    const fault = pair.a.endpoint.faults.add({ peerSystemId: 'sys-b', kind: 'link_down' });
    await rejectsWith(inFlight, 'PEER_UNREACHABLE');
    pair.a.endpoint.faults.remove(fault.id);
    assert.deepEqual((await pair.a.endpoint.peer('sys-b').call('echo', { v: 1 }, { payload: randomBytes(MIB, 301), bulk: true })).result, { v: 1 });
  });
});

describe('peer link TLS', () => {
  const pair = usePair();

  /** Connects to B's link port as a client with Node's defaults (AES-256-GCM first) plus `options`. */
  function handshake(options: ConnectionOptions): Promise<{ protocol: string | null; cipher: string } | { error: string }> {
    return new Promise((resolve) => {
      const socket = connect({ host: '127.0.0.1', port: pair.b.port, key: pair.a.tls.key, cert: pair.a.tls.cert, rejectUnauthorized: false, ...options });
      socket.once('secureConnect', () => {
        resolve({ protocol: socket.getProtocol(), cipher: socket.getCipher().name });
        socket.destroy();
      });
      socket.once('error', (error) => resolve({ error: error.message }));
    });
  }

  it('speaks TLS 1.3 only and picks AES-128-GCM whatever the client prefers', async () => {
    assert.deepEqual(await handshake({}), { protocol: 'TLSv1.3', cipher: 'TLS_AES_128_GCM_SHA256' });
    assert.ok('error' in (await handshake({ maxVersion: 'TLSv1.2' })), 'a TLS 1.2 client is refused');
  });
});
