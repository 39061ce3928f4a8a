// Goal: the fault point cuts, delays and drops the link as the lab asks, in both directions, and the
// link comes back when the fault is removed. Method: two (or three) real endpoints on 127.0.0.1;
// drops use a seeded PRNG so the expected count is known; delay tests stay tiny.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { DomainError } from '../core/errors.ts';
import { FaultController, seededRandom } from './faults.ts';
import { trustEachOther, usePair, type TestSystem } from './testing/pair.ts';

async function failure(promise: Promise<unknown>): Promise<DomainError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof DomainError, String(error));
    return error;
  }
  throw new assert.AssertionError({ message: 'expected the call to fail' });
}

async function ping(from: TestSystem, to: TestSystem): Promise<string> {
  const { result } = await from.endpoint.peer(to.systemId).call<{ systemId: string }>('peer.ping', {});
  return result.systemId;
}

describe('fault controller', () => {
  it('validates faults and lists and removes them by id', () => {
    const faults = new FaultController();
    assert.throws(() => faults.add({ kind: 'delay', delayMs: -1 }), /delayMs/);
    assert.throws(() => faults.add({ kind: 'drop', fraction: 1.5 }), /fraction/);
    const { id } = faults.add({ kind: 'delay', delayMs: 5, peerSystemId: 'sys-b' });
    assert.deepEqual(faults.list(), [{ id, kind: 'delay', delayMs: 5, peerSystemId: 'sys-b' }]);
    assert.deepEqual(faults.decide('sys-b'), { action: 'pass', delayMs: 5 });
    assert.deepEqual(faults.decide('sys-c'), { action: 'pass', delayMs: 0 });
    assert.equal(faults.remove(id), true);
    assert.equal(faults.remove(id), false);
    assert.deepEqual(faults.list(), []);
  });

  it('caps the bytes sent under a bandwidth fault: each payload leaves after those before it', () => {
    let nowMs = 1000;
    const faults = new FaultController({ nowMs: () => nowMs });
    assert.throws(() => faults.add({ kind: 'bandwidth', mibps: 0.5 }), /mibps/, 'below the rate replication is made to work on');
    const { id } = faults.add({ kind: 'bandwidth', mibps: 4, peerSystemId: 'sys-b' });
    const MiB = 1024 * 1024;
    assert.deepEqual(faults.decide('sys-b', 2 * MiB), { action: 'pass', delayMs: 0 }, 'the first payload goes at once');
    assert.deepEqual(faults.decide('sys-b', 1 * MiB), { action: 'pass', delayMs: 500 }, '2 MiB at 4 MiB/s take 500 ms');
    assert.deepEqual(faults.decide('sys-b', 0), { action: 'pass', delayMs: 0 }, 'what this side receives is not capped');
    assert.deepEqual(faults.decide('sys-c', 1 * MiB), { action: 'pass', delayMs: 0 }, 'other peers are not capped');
    nowMs += 600;
    assert.deepEqual(faults.decide('sys-b', 1 * MiB), { action: 'pass', delayMs: 150 }, 'the queue drains in real time');
    nowMs += 10_000;
    assert.deepEqual(faults.decide('sys-b', 1 * MiB), { action: 'pass', delayMs: 0 }, 'an idle link has no queue (no burst credit either)');
    faults.remove(id);
    assert.deepEqual(faults.decide('sys-b', 64 * MiB), { action: 'pass', delayMs: 0 });
  });

  it('scopes link_down to one peer when the fault names it', () => {
    const faults = new FaultController();
    faults.add({ kind: 'link_down', peerSystemId: 'sys-b' });
    assert.equal(faults.isLinkDown('sys-b'), true);
    assert.equal(faults.isLinkDown('sys-c'), false);
    assert.equal(faults.isLinkDown(undefined), false);
  });
});

describe('peer link under faults', () => {
  const pair = usePair({ optionsA: () => ({ faults: new FaultController({ random: seededRandom(42) }) }) });

  it('a bandwidth fault holds payloads back on HTTP/2 and lane calls alike', async () => {
    const sizes: number[] = [];
    pair.b.endpoint.handle('blob.size', async ({ payload }) => {
      sizes.push(payload?.length ?? 0);
      return { result: payload?.length ?? 0 };
    });
    const MiB = 1024 * 1024;
    const blob = Buffer.alloc(2 * MiB, 7);
    pair.a.endpoint.faults.add({ kind: 'bandwidth', mibps: 20 }); // 2 MiB take 100 ms
    const startMs = performance.now();
    await pair.a.endpoint.peer('sys-b').call('blob.size', {}, { payload: blob });
    await pair.a.endpoint.peer('sys-b').call('blob.size', {}, { payload: blob, lane: true });
    await pair.a.endpoint.peer('sys-b').call('blob.size', {}, { payload: blob });
    const elapsedMs = performance.now() - startMs;
    assert.deepEqual(sizes, [2 * MiB, 2 * MiB, 2 * MiB]);
    assert.ok(elapsedMs >= 195, `three 2 MiB payloads at 20 MiB/s: the last two waited (${elapsedMs.toFixed(0)} ms)`);
  });

  it('link_down fails calls both ways at once, fails calls in flight, and removing it restores the link', { timeout: 10_000 }, async () => {
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
    assert.equal(await ping(pair.a, pair.b), 'sys-b');
    assert.equal(await ping(pair.b, pair.a), 'sys-a');
    const inFlight = [failure(pair.a.endpoint.peer('sys-b').call('hang', {})), failure(pair.b.endpoint.peer('sys-a').call('hang', {}))];
    await bothArrived;

    const { id } = pair.a.endpoint.faults.add({ kind: 'link_down' });
    for (const error of await Promise.all(inFlight)) assert.equal(error.code, 'PEER_UNREACHABLE');
    const out = await failure(pair.a.endpoint.peer('sys-b').call('peer.ping', {}));
    assert.equal(out.code, 'PEER_UNREACHABLE');
    assert.match(out.message, /link down/);
    const incoming = await failure(pair.b.endpoint.peer('sys-a').call('peer.ping', {}));
    assert.equal(incoming.code, 'PEER_UNREACHABLE');

    assert.equal(pair.a.endpoint.faults.remove(id), true);
    assert.equal(await ping(pair.a, pair.b), 'sys-b');
    assert.equal(await ping(pair.b, pair.a), 'sys-a');
  });

  it('link_down scoped to one peer leaves the others reachable', async () => {
    const c = await pair.start('sys-c');
    trustEachOther(pair.a, c);
    pair.a.endpoint.faults.add({ kind: 'link_down', peerSystemId: 'sys-b' });
    assert.equal((await failure(ping(pair.a, pair.b))).code, 'PEER_UNREACHABLE');
    assert.equal((await failure(ping(pair.b, pair.a))).code, 'PEER_UNREACHABLE');
    assert.equal(await ping(pair.a, c), 'sys-c');
    assert.equal(await ping(c, pair.a), 'sys-a');
  });

  it('drop fails the fraction of calls the seeded PRNG picks', async () => {
    const callsCount = 40;
    const expected = seededRandom(42);
    const expectedDrops = Array.from({ length: callsCount }, () => expected() < 0.5).filter(Boolean).length;
    pair.a.endpoint.faults.add({ kind: 'drop', fraction: 0.5 });
    let dropped = 0;
    for (let i = 0; i < callsCount; i += 1) {
      try {
        await ping(pair.a, pair.b);
      } catch (error) {
        assert.ok(error instanceof DomainError && error.code === 'PEER_UNREACHABLE', String(error));
        dropped += 1;
      }
    }
    assert.equal(dropped, expectedDrops);
    assert.ok(dropped > 0 && dropped < callsCount);
  });

  it('drop on the receiving side refuses incoming streams', async () => {
    pair.b.endpoint.faults.add({ kind: 'drop', fraction: 1 });
    assert.equal((await failure(ping(pair.a, pair.b))).code, 'PEER_UNREACHABLE');
    assert.equal((await failure(ping(pair.b, pair.a))).code, 'PEER_UNREACHABLE');
  });

  it('delay adds latency to calls out and streams in', async () => {
    const delayMs = 40;
    pair.a.endpoint.faults.add({ kind: 'delay', delayMs });
    for (const [from, to] of [[pair.a, pair.b], [pair.b, pair.a]] as const) {
      const startMs = performance.now();
      await ping(from, to);
      assert.ok(performance.now() - startMs >= delayMs - 1, 'the call took less than the injected delay');
    }
  });
});
