// Goal: calls on the latency lane (one long-lived TLS connection, lane-wire.ts) behave like calls:
// byte-exact payloads, many in flight answered out of order, remote errors with their codes, trust
// and faults enforced, timeouts, and a broken lane failing its calls and reopening on the next one.
// Method: FrameSplitter fed every chunking of frames; real endpoints on 127.0.0.1 port 0.
import { strict as assert } from 'node:assert';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { ManualClock } from '../core/clock.ts';
import { NotFoundError } from '../core/errors.ts';
import { seededRandom } from './faults.ts';
import { randomBytes, rejectsWith, sha256 } from './testing/bytes.ts';
import { decodeRequest, decodeResponse, encodeRequest, encodeResponse, FrameSplitter, LANE_FRAME_BYTES_MAX } from './lane-wire.ts';
import { startSystem, trustEachOther, trustRecord, type TestSystem } from './testing/pair.ts';

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
  let clock: ManualClock;
  let a: TestSystem;
  let b: TestSystem;
  const extra: TestSystem[] = [];

  beforeEach(async () => {
    clock = new ManualClock();
    a = await startSystem('sys-a', clock);
    b = await startSystem('sys-b', clock);
    trustEachOther(a, b);
    b.endpoint.handle('blob.put', async ({ params, payload, from }) => ({
      result: { params, from: from.systemId, sha256: payload ? sha256(payload) : null },
    }));
    b.endpoint.handle('slow.echo', async ({ params }) => {
      const { delayMs, value } = params as { delayMs: number; value: number };
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      return { result: value, payload: Buffer.from(`v${value}`) };
    });
    b.endpoint.handle('fail.notfound', async () => {
      throw new NotFoundError('volume', 'v-1');
    });
    b.endpoint.handle('never.answers', () => new Promise(() => undefined));
  });

  afterEach(async () => {
    await Promise.all([a.endpoint.close(), b.endpoint.close(), ...extra.splice(0).map((s) => s.endpoint.close())]);
  });

  it('carries params and byte-exact payloads, and answers out of order by call id', async () => {
    const sent = randomBytes(3 * 1024 * 1024 + 11, 9);
    const put = await a.endpoint.peer('sys-b').call<Record<string, unknown>>('blob.put', { k: [1, 'x'] }, { payload: sent, lane: true });
    assert.deepEqual(put.result, { params: { k: [1, 'x'] }, from: 'sys-a', sha256: sha256(sent) });
    const finished: number[] = [];
    const calls = [40, 1, 20, 5].map((delayMs, value) =>
      a.endpoint.peer('sys-b').call<number>('slow.echo', { delayMs, value }, { lane: true }).then((r) => {
        finished.push(r.result);
        assert.equal(r.payload?.toString(), `v${value}`);
      }));
    await Promise.all(calls);
    assert.deepEqual(finished, [1, 3, 2, 0]);
  });

  it('re-throws remote errors with their codes and answers unknown methods NOT_FOUND', async () => {
    const error = await rejectsWith(a.endpoint.peer('sys-b').call('fail.notfound', {}, { lane: true }), 'NOT_FOUND');
    assert.deepEqual(error.details.arguments, ['v-1']);
    await rejectsWith(a.endpoint.peer('sys-b').call('no.such', {}, { lane: true }), 'NOT_FOUND');
    // The lane survives an error answer.
    assert.equal((await a.endpoint.peer('sys-b').call('slow.echo', { delayMs: 0, value: 3 }, { lane: true })).result, 3);
  });

  it('times a call out on the injected clock and keeps the lane for the next one', async () => {
    const pending = a.endpoint.peer('sys-b').call('never.answers', {}, { lane: true, timeoutMs: 5000 });
    await new Promise((resolve) => setTimeout(resolve, 20));
    clock.advanceMs(5000);
    await rejectsWith(pending, 'PEER_UNREACHABLE');
    assert.equal((await a.endpoint.peer('sys-b').call('slow.echo', { delayMs: 0, value: 4 }, { lane: true })).result, 4);
  });

  it('never sends a call that timed out while a delay fault held it', async () => {
    let received = 0;
    b.endpoint.handle('count.calls', async () => {
      received += 1;
      return { result: received };
    });
    const fault = a.endpoint.faults.add({ peerSystemId: 'sys-b', kind: 'delay', delayMs: 200 });
    const late = a.endpoint.peer('sys-b').call('count.calls', {}, { lane: true, timeoutMs: 1000 });
    await new Promise((resolve) => setTimeout(resolve, 20));
    clock.advanceMs(1000);
    await rejectsWith(late, 'PEER_UNREACHABLE');
    await new Promise((resolve) => setTimeout(resolve, 300)); // the delay is over
    a.endpoint.faults.remove(fault.id);
    assert.equal((await a.endpoint.peer('sys-b').call('count.calls', {}, { lane: true })).result, 1, 'only the call after the fault reached the peer');
  });

  it('fails calls in flight when the link is cut, refuses while it is down, and reopens after', async () => {
    const inFlight = a.endpoint.peer('sys-b').call('never.answers', {}, { lane: true });
    await new Promise((resolve) => setTimeout(resolve, 20));
    const failures: string[] = [];
    a.endpoint.onLinkFailure((peer) => failures.push(peer));
    const fault = a.endpoint.faults.add({ peerSystemId: 'sys-b', kind: 'link_down' });
    await rejectsWith(inFlight, 'PEER_UNREACHABLE');
    await rejectsWith(a.endpoint.peer('sys-b').call('slow.echo', { delayMs: 0, value: 1 }, { lane: true }), 'PEER_UNREACHABLE');
    assert.ok(failures.includes('sys-b'));
    a.endpoint.faults.remove(fault.id);
    assert.equal((await a.endpoint.peer('sys-b').call('slow.echo', { delayMs: 0, value: 2 }, { lane: true })).result, 2);
  });

  it('is refused to a client the server does not trust', async () => {
    const c = await startSystem('sys-c', clock);
    extra.push(c);
    c.trust.put(trustRecord('sys-b', b.tls, b.port)); // c trusts b, but b never trusted c
    await rejectsWith(c.endpoint.peer('sys-b').call('slow.echo', { delayMs: 0, value: 1 }, { lane: true }), 'PEER_UNREACHABLE');
  });
});
