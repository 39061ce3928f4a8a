// Goal: a peer's summary of its sessions (RPC sessionStates) drops a destination here only when it
// proves that its source deleted it: the summary was taken after the destination's first commit.
// A summary taken before the source created the session (a call that crossed the create on the
// wire) leaves it out too, and dropped it: the source then cycled into NOT_FOUND for good.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManualClock } from '../core/clock.ts';
import type { CoreContext } from '../core/context.ts';
import { MutationLock } from '../core/mutation-lock.ts';
import { session } from '../core/replication/session-fixture.ts';
import { SqliteMetaStore } from '../meta/sqlite-meta-store.ts';
import { LinkState, ORPHAN_DESTINATION_AGE_MS } from './link-state.ts';
import { SUSPEND_NOTICE_RETRY_MS } from './limits.ts';
import { ReplicationRuntime, type SessionSchedule } from './session-runtime.ts';
import type { PeerTransport, RpcRequest } from './transport.ts';
import { RPC, type SessionStateSummary } from './wire.ts';

/** This system's link state to 'peer', with a transport whose calls `answer` answers (the peer's summary). */
function system() {
  const meta = new SqliteMetaStore(':memory:');
  const clock = new ManualClock(1_000_000);
  const ctx = { meta, clock, lock: new MutationLock() } as unknown as CoreContext;
  const handlers = new Map<string, (r: RpcRequest) => unknown>();
  const calls: string[] = [];
  let answer: () => Promise<SessionStateSummary[]> = async () => [];
  const transport = {
    handle: (method: string, fn: (r: RpcRequest) => unknown) => handlers.set(method, fn),
    call: async (_peer: string, method: string) => {
      calls.push(method);
      return { result: { sessions: await answer() }, payload: null };
    },
    onStateChange: () => undefined,
  } as unknown as PeerTransport;
  const rt = new ReplicationRuntime(ctx, transport, () => undefined, {} as SessionSchedule, () => undefined);
  const dropped: string[] = [];
  const links = new LinkState(rt, {
    synchronous: { pathReturned: () => undefined },
    dropSessionLocally: async (id) => {
      dropped.push(id);
      rt.remove(id);
    },
    finishDeletion: async () => undefined,
    cancelDestination: async () => undefined,
  });
  links.install();
  const peerCalls = async (sessions: SessionStateSummary[]) => {
    await handlers.get(RPC.sessionStates)!({ params: { sessions }, payload: null, fromSystemId: 'peer' });
  };
  const settle = () => new Promise((resolve) => setImmediate(resolve));
  return { rt, meta, clock, links, calls, dropped, peerCalls, settle, answerWith: (fn: () => Promise<SessionStateSummary[]>) => (answer = fn) };
}

const destination = (over: Parameters<typeof session>[0] = {}) => session({ id: 'x', role: 'Destination', hostWritable: false, createdAtMs: 1_000_000, ...over });

test('our own call: a destination committed before it went out and left out of the answer was deleted by its source', async () => {
  const t = system();
  t.rt.create(destination({ baseCycle: 1 }));
  await t.links.reconcileWith('peer');
  assert.deepEqual(t.dropped, ['x']);
});

test('our own call: a destination first committed while the call was out is not dropped, and is asked about again', async () => {
  const t = system();
  t.rt.create(destination({ baseCycle: 0, state: 'Initializing' }));
  // The peer takes its summary before it records the session; the first cycle commits here before the answer arrives.
  t.answerWith(async () => {
    await t.rt.apply('x', { type: 'destination_committed', cycle: 1, elementPairs: [], syncedAtMs: 1, durationMs: 1 });
    return [];
  });
  await t.links.reconcileWith('peer');
  assert.deepEqual(t.dropped, [], 'the answer may predate the session');
  assert.equal(t.meta.get('replication_session', 'x')?.baseCycle, 1);
  // Asked again later; had the source deleted it, that answer (taken after the commit) drops it.
  t.answerWith(async () => []);
  t.clock.advanceMs(ORPHAN_DESTINATION_AGE_MS + SUSPEND_NOTICE_RETRY_MS);
  await t.settle();
  assert.deepEqual(t.dropped, ['x']);
});

test('the peer\'s call: a summary that leaves out a committed destination drops nothing; our own call asks', async () => {
  const t = system();
  t.rt.create(destination({ baseCycle: 2 }));
  // Its summary was taken before it created the session; by now the source has it.
  t.answerWith(async () => [{ id: 'x', role: 'Source', generation: 2, state: 'OK', baseCycle: 2 }]);
  await t.peerCalls([]);
  await t.settle();
  assert.deepEqual(t.calls, [RPC.sessionStates], 'our own call asked');
  assert.deepEqual(t.dropped, []);
  assert.ok(t.meta.get('replication_session', 'x'));
  // Deleted by its source: our own call's answer says so.
  t.answerWith(async () => []);
  await t.peerCalls([]);
  await t.settle();
  assert.deepEqual(t.dropped, ['x']);
});

test('the peer\'s call: our own call that gets no answer is sent again', async () => {
  const t = system();
  t.rt.create(destination({ baseCycle: 2 }));
  t.answerWith(async () => {
    throw new Error('dropped');
  });
  await t.peerCalls([]);
  await t.settle();
  assert.deepEqual(t.dropped, []);
  t.answerWith(async () => []);
  t.clock.advanceMs(SUSPEND_NOTICE_RETRY_MS);
  await t.settle();
  assert.deepEqual(t.calls, [RPC.sessionStates, RPC.sessionStates]);
  assert.deepEqual(t.dropped, ['x']);
});
