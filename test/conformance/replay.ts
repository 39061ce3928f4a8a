// Replays recorded client exchanges against a pair of in-process systems.
//
// Dell's clients (Ansible dellemc.powerstore, PyPowerStore, gopowerstore, the CSI driver) cannot run
// in CI, so what they were seen to send and to depend on is kept as data: one Exchange per request,
// with the method, path, query and body exactly as the client sends them, and the parts of the answer
// the client's code reads. Ids learnt from one answer (`capture`) are substituted into later requests
// as `${name}`. A case that waits for background work (`until`) polls while both systems' clocks
// advance, so no replay sleeps on a schedule.
import assert from 'node:assert/strict';
import { isDeepStrictEqual } from 'node:util';
import { settle, tickBoth, type Pair } from '../helpers/pair.ts';
import type { Reply } from '../helpers/system.ts';

export interface Exchange {
  /** The client call this request comes from and what depends on its answer. */
  name: string;
  on: 'a' | 'b';
  method: string;
  /** Under /api/rest, query included; `${name}` is replaced by a captured value. */
  path: string;
  /** Strings anywhere inside may hold `${name}`; a string body is sent as it is. */
  body?: unknown;
  headers?: Record<string, string>;
  status: number;
  /** Dotted paths into the answer → expected value or matcher (see MATCHERS). */
  expect?: Record<string, unknown>;
  /** Name → dotted path of a value in the answer, for later exchanges. */
  capture?: Record<string, string>;
  /** Polls, advancing both systems' clocks by a second each round, until these match. */
  until?: Record<string, unknown>;
}

const UNTIL_ROUNDS_MAX = 600; // ten minutes of simulated time: longer than any RPO used in a replay

const MATCHERS: Record<string, (value: unknown) => boolean> = {
  '<string>': (v) => typeof v === 'string',
  '<number>': (v) => typeof v === 'number' && Number.isFinite(v),
  '<boolean>': (v) => typeof v === 'boolean',
  '<array>': (v) => Array.isArray(v),
  '<object>': (v) => typeof v === 'object' && v !== null && !Array.isArray(v),
  '<null>': (v) => v === null,
  '<present>': (v) => v !== undefined,
  '<absent>': (v) => v === undefined,
  '<nonempty>': (v) => (typeof v === 'string' || Array.isArray(v) ? v.length > 0 : v !== undefined && v !== null),
};

export async function replay(pair: Pair, exchanges: readonly Exchange[], initial: Record<string, string> = {}): Promise<Record<string, string>> {
  const vars: Record<string, string> = {
    rsOnA: pair.rsOnA,
    rsOnB: pair.rsOnB,
    nameA: pair.a.system.services.ctx.identity.name,
    nameB: pair.b.system.services.ctx.identity.name,
    ...initial,
  };
  for (const exchange of exchanges) await replayOne(pair, exchange, vars);
  return vars;
}

async function replayOne(pair: Pair, exchange: Exchange, vars: Record<string, string>): Promise<void> {
  const system = exchange.on === 'a' ? pair.a : pair.b;
  const path = substitute(exchange.path, vars) as string;
  const body = exchange.body === undefined ? undefined : substitute(exchange.body, vars);
  const send = () => system.ps(exchange.method, path, body, exchange.headers);
  let reply = await send();
  await settle(pair);
  if (exchange.until) {
    let rounds = 0;
    while (mismatches(reply, exchange.until, vars).length > 0) {
      assert.ok(rounds++ < UNTIL_ROUNDS_MAX, `${exchange.name}: ${exchange.method} ${path} never reached ${JSON.stringify(exchange.until)}; last ${JSON.stringify(reply.body)}`);
      await tickBoth(pair, 1000);
      reply = await send();
    }
  }
  const where = `${exchange.name}: ${exchange.method} ${path} → ${reply.status} ${JSON.stringify(reply.body)}`;
  assert.equal(reply.status, exchange.status, where);
  const wrong = mismatches(reply, exchange.expect ?? {}, vars);
  assert.deepEqual(wrong, [], where);
  for (const [name, at] of Object.entries(exchange.capture ?? {})) {
    const value = valueAt(reply.body, at);
    assert.ok(typeof value === 'string' || typeof value === 'number', `${where}: nothing to capture at ${at}`);
    vars[name] = String(value);
  }
}

/** The expectations that do not hold, each as "path: expected …, got …". */
function mismatches(reply: Reply, expected: Record<string, unknown>, vars: Record<string, string>): string[] {
  const wrong: string[] = [];
  for (const [at, want] of Object.entries(expected)) {
    const got = valueAt(reply.body, at);
    const matcher = typeof want === 'string' ? MATCHERS[want] : undefined;
    const value = matcher ? want : substitute(want, vars);
    const ok = matcher ? matcher(got) : isDeepStrictEqual(got, value);
    if (!ok) wrong.push(`${at}: expected ${JSON.stringify(value)}, got ${JSON.stringify(got)}`);
  }
  return wrong;
}

/** `a.0.b` walks objects and arrays; `length` of an array is its length; '' is the whole body. */
export function valueAt(body: unknown, at: string): unknown {
  if (at === '') return body;
  let value: unknown = body;
  for (const key of at.split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

function substitute(value: unknown, vars: Record<string, string>): unknown {
  if (typeof value === 'string') {
    return value.replace(/\$\{(\w+)\}/g, (_, name: string) => {
      assert.ok(name in vars, `nothing captured as \${${name}}`);
      return vars[name]!;
    });
  }
  if (Array.isArray(value)) return value.map((v) => substitute(v, vars));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v, vars)]));
  return value;
}
