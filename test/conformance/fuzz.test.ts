// Goal: bad input as a fuzzer sends it never gets a 5xx, every error is in its dialect's shape, and
// a refused mutation changes nothing (issue 10, item 4).
//
// Method: a seeded run over every route both dialects register (listed from Fastify), against a
// pair of in-process systems holding objects of every kind (a mapped host, a protected volume with
// its replication session, a group, rules, an ETERNUS REC copy session). Each request takes a route,
// a live or hostile path id, a query string, headers and a body (a valid body with one part broken,
// hostile values of every type, malformed or nested raw JSON, none) from one seeded Rng, and goes
// through Fastify's inject. For each answer: no 5xx (ETERNUS's documented 503s excepted), an error
// body in the dialect's shape, and for a refused mutation the metadata of both systems before and
// after compared. Then a smaller run over a real TLS socket sends what Node's HTTP parser refuses
// before Fastify (oversized request lines and heads, malformed requests). The seed is printed;
// TANDEM_FUZZ_SEED replays a run and TANDEM_FUZZ_REQUESTS makes it longer.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { connect } from 'node:tls';
import { ATTRIBUTES } from '../../src/api/powerstore/attributes.ts';
import { routesOf } from '../../src/api/http-server.ts';
import { makeEternusVolume, settle, startPair, type Pair } from '../helpers/pair.ts';
import { ADMIN_PASSWORD, basic } from '../helpers/system.ts';
import { ETERNUS_PREFIX, generate, POWERSTORE_PREFIX, type FuzzRequest, type Live } from './fuzz/generate.ts';
import { firstDifference, problems, semanticProblems, snapshot } from './fuzz/oracle.ts';
import { Rng } from '../helpers/rng.ts';

const SEED = Number(process.env.TANDEM_FUZZ_SEED ?? 20261206);
const REQUESTS = Number(process.env.TANDEM_FUZZ_REQUESTS ?? 3000);
const SOCKET_REQUESTS = 60;
/** Live ids are re-read this often (successful mutations add and remove objects). */
const LIVE_REFRESH_REQUESTS = 25;

let p: Pair;
before(async () => {
  p = await startPair();
  await populate(p);
});
after(() => p.close());

interface Failure {
  index: number;
  request: FuzzRequest;
  status: number;
  problems: string[];
  body: string;
}

test(`fuzz both dialects through inject (seed ${SEED}, ${REQUESTS} requests): no 5xx, dialect error shapes, refusals change nothing`, async () => {
  console.log(`fuzz seed ${SEED} (TANDEM_FUZZ_SEED=${SEED} to replay), ${REQUESTS} requests`);
  const rng = new Rng(SEED);
  const routes = routesOf(p.a.system.http).filter((r) => r.url.startsWith(`${POWERSTORE_PREFIX}/`) || r.url.startsWith(`${ETERNUS_PREFIX}/`));
  assert.ok(routes.length > 60, `only ${routes.length} routes listed`);
  const attributesOf = (resource: string) => ATTRIBUTES[resource] ?? [];
  let live = await readLive(p);
  const failures: Failure[] = [];
  const statuses = new Map<number, number>();
  for (let index = 0; index < REQUESTS; index++) {
    if (index % LIVE_REFRESH_REQUESTS === 0) live = await readLive(p, live);
    const request = generate(routes, live, attributesOf, rng);
    const mutation = request.method !== 'GET' && request.method !== 'HEAD';
    let before = '';
    if (mutation) {
      await settle(p);
      before = snapshot([p.a.system, p.b.system]);
    }
    const answer = await p.a.system.http.inject({ method: request.method as never, url: request.url, headers: request.headers, ...(request.payload === undefined ? {} : { payload: request.payload }) });
    statuses.set(answer.statusCode, (statuses.get(answer.statusCode) ?? 0) + 1);
    const found = request.method === 'HEAD' ? (answer.statusCode >= 500 ? [`status ${answer.statusCode}`] : []) : problems(request.dialect, answer.statusCode, answer.body);
    found.push(...semanticProblems(request, answer.statusCode));
    if (mutation && answer.statusCode >= 400) {
      await settle(p);
      const afterwards = snapshot([p.a.system, p.b.system]);
      if (afterwards !== before) found.push(`refused (${answer.statusCode}) but changed: ${firstDifference(before, afterwards)}`);
    }
    if (found.length > 0) failures.push({ index, request, status: answer.statusCode, problems: found, body: answer.body.slice(0, 300) });
    // A fuzzed DELETE /session/{own id} or logout ends the session the run uses: open another.
    if (answer.statusCode < 300 && request.dialect === 'eternus' && request.method === 'DELETE' && request.url.startsWith(`${ETERNUS_PREFIX}/session/`)) live = await readLive(p, live, true);
  }
  // Asynchronous requests fail inside their jobs: those failures must be the dialect's too, never internal.
  await settle(p);
  for (const [name, system] of [['a', p.a], ['b', p.b]] as const) {
    for (const job of system.system.services.jobs.list()) {
      if (job.error?.code === 'INTERNAL') failures.push({ index: -1, request: { dialect: 'powerstore', route: `job on ${name}`, as: 'admin', unknownMutationQuery: false, unknownSelect: false, method: 'JOB', url: job.description, headers: {} }, status: 500, problems: [`job failed internally: ${job.error.message}`], body: '' });
    }
    const views = await system.ps('GET', '/job?select=id,state,response_status,response_body&limit=2000');
    for (const view of views.body as { state: string; response_status: string | null; response_body: { messages?: unknown } | null }[]) {
      if (view.state !== 'FAILED') continue;
      const found = problems('powerstore', Number(view.response_status), JSON.stringify(view.response_body));
      if (found.length > 0) failures.push({ index: -1, request: { dialect: 'powerstore', route: `job view on ${name}`, as: 'admin', unknownMutationQuery: false, unknownSelect: false, method: 'GET', url: '/job', headers: {} }, status: Number(view.response_status), problems: found, body: JSON.stringify(view).slice(0, 300) });
    }
  }
  console.log(`fuzz statuses: ${[...statuses.entries()].sort((x, y) => x[0] - y[0]).map(([s, n]) => `${s}×${n}`).join(' ')}`);
  assert.deepEqual(report(failures), [], `seed ${SEED}: ${failures.length} bad answers`);
});

test(`fuzz what Node refuses before Fastify over a real TLS socket (seed ${SEED}, ${SOCKET_REQUESTS} requests)`, async () => {
  const rng = new Rng(SEED ^ 0x5a5a5a5a);
  const port = p.a.system.ports.https;
  const failures: string[] = [];
  for (let i = 0; i < SOCKET_REQUESTS; i++) {
    const prefix = rng.pick([POWERSTORE_PREFIX, ETERNUS_PREFIX]);
    const dialect = prefix === ETERNUS_PREFIX ? 'eternus' : 'powerstore';
    const [text, knownPrefix] = rawRequest(prefix, rng);
    const answer = await sendRaw(port, text);
    const found = answer.status === 0 ? ['no HTTP answer'] : answer.status < 400 ? [`accepted (${answer.status})`] : problems(knownPrefix ? dialect : 'powerstore', answer.status, answer.body);
    if (found.length > 0) failures.push(`#${i} ${JSON.stringify(text.slice(0, 90))}… → ${answer.status} ${answer.body.slice(0, 200)}: ${found.join('; ')}`);
  }
  assert.deepEqual(failures, [], `seed ${SEED}`);
});

/** A request Node's parser refuses, and whether its prefix can be known from the first chunk. */
function rawRequest(prefix: string, rng: Rng): [string, boolean] {
  switch (rng.int(0, 6)) {
    case 0:
      return [`GET ${prefix}/volume/${'x'.repeat(rng.int(16_001, 40_000))} HTTP/1.1\r\nHost: a\r\n\r\n`, true];
    case 1:
      return [`GET ${prefix}/volume?${'a'.repeat(rng.int(16_001, 30_000))}=1 HTTP/1.1\r\nHost: a\r\n\r\n`, true];
    case 2:
      return [`POST ${prefix}/volume HTTP/1.1\r\nHost: a\r\nX-Big: ${'y'.repeat(rng.int(16_001, 30_000))}\r\n\r\n`, true];
    case 3:
      return [`GET ${prefix}/volume HTTP/1.1\r\nHost: a\r\n${Array.from({ length: 700 }, (_, i) => `X-H${i}: ${'z'.repeat(20)}`).join('\r\n')}\r\n\r\n`, true];
    case 4:
      return [`GET ${prefix}/volume HTTP/1.1\r\nHost: a\r\nX-Bad: a\u0001b\r\n\r\n`, true];
    case 5:
      return [`POST ${prefix}/volume HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n`, true];
    default: {
      const text = rng.pick(['NOT HTTP\r\n\r\n', 'GET\r\n\r\n', `G@T ${prefix}/volume HTTP/1.1\r\n\r\n`, `GET ${prefix}/volume HTTP/9.9\r\n\r\n`, '\r\n\r\n\u0000\r\n']);
      // The dialect is known when the request line starts with a method and the path.
      return [text, /^[A-Z]+ \//.test(text)];
    }
  }
}

function sendRaw(port: number, text: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1', rejectUnauthorized: false }, () => socket.write(text));
    let answer = '';
    socket.setEncoding('utf8');
    socket.setTimeout(5000, () => socket.destroy());
    socket.on('data', (d: string) => (answer += d));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? 0);
      resolve({ status, body: answer.slice(answer.indexOf('\r\n\r\n') + 4) });
    });
  });
}

/** One line per distinct (route, status, first problem), with the first request that showed it. */
function report(failures: Failure[]): string[] {
  const seen = new Map<string, { failure: Failure; count: number }>();
  for (const f of failures) {
    const key = `${f.request.route} ${f.status} ${f.problems[0]!.slice(0, 60)}`;
    const entry = seen.get(key);
    if (entry) entry.count++;
    else seen.set(key, { failure: f, count: 1 });
  }
  return [...seen.values()].map(({ failure: f, count }) => {
    const payload = f.request.payload === undefined ? '' : ` body ${f.request.payload.slice(0, 120)}`;
    return `×${count} #${f.index} ${f.request.method} ${f.request.url.slice(0, 160)}${payload} → ${f.status} ${f.body}: ${f.problems.join('; ')}`;
  });
}

/** Objects of every kind, so that live ids reach past the 404s into state checks. */
async function populate(pair: Pair): Promise<void> {
  const a = pair.a;
  const ok = (r: { status: number; body: any }, status: number) => {
    assert.equal(r.status, status, JSON.stringify(r.body));
    return r.body;
  };
  assert.equal((await a.control('POST', '/users', { name: 'fz-oper', password: 'operator-pw-1', role: 'Operator' })).status, 201);
  const vol = ok(await a.ps('POST', '/volume', { name: 'fz-vol', size: 1048576 }), 201).id;
  ok(await a.ps('POST', '/volume', { name: 'fz-spare', size: 1048576 }), 201);
  ok(await a.ps('POST', `/volume/${vol}/snapshot`, { name: 'fz-snap' }), 200);
  const member = ok(await a.ps('POST', '/volume', { name: 'fz-member', size: 1048576 }), 201).id;
  ok(await a.ps('POST', '/volume_group', { name: 'fz-vg', volume_ids: [member] }), 201);
  const host = ok(await a.ps('POST', '/host', { name: 'fz-host', os_type: 'Linux', initiators: [{ port_name: 'iqn.1998-01.com.example:fz', port_type: 'iSCSI' }] }), 201).id;
  ok(await a.ps('POST', `/volume/${vol}/attach`, { host_id: host }), 204);
  const sr = ok(await a.ps('POST', '/snapshot_rule', { name: 'fz-sr', interval: 'One_Day', desired_retention: 24 }), 201).id;
  const rr = ok(await a.ps('POST', '/replication_rule', { name: 'fz-rr', rpo: 'Five_Minutes', remote_system_id: pair.rsOnA }), 201).id;
  const pp = ok(await a.ps('POST', '/policy', { name: 'fz-pp', replication_rule_ids: [rr], snapshot_rule_ids: [sr] }), 201).id;
  ok(await a.ps('POST', '/volume', { name: 'fz-protected', size: 1048576, protection_policy_id: pp }), 201);
  ok(await a.ps('POST', '/volume?is_async=true', { name: 'fz-async', size: 1048576 }), 202);
  const src = await makeEternusVolume(a, 'fz-rec-src', 64);
  const dst = await makeEternusVolume(pair.b, 'fz-rec-dst', 64);
  const boxA = (await a.et('GET', '/storagesystem')).body.boxid;
  const boxB = (await pair.b.et('GET', '/storagesystem')).body.boxid;
  ok(await a.et('POST', '/copysession/rec', { source_volume_id: src.number, destination_volume_id: dst.number, source_boxid: boxA, destination_boxid: boxB, transfer_mode: 'Consistency' }), 202);
  await settle(pair);
}

/** Re-reads ids from system a's metadata (sorted by name, so a seed replays the same picks). */
async function readLive(pair: Pair, previous?: Live, newEternusLogin = false): Promise<Live> {
  const meta = pair.a.system.services.ctx.meta;
  const ids: Record<string, string[]> = {};
  const names: Record<string, string[]> = {};
  const byName = <T extends { id: string; name?: string }>(xs: readonly T[]) => [...xs].sort((x, y) => (x.name ?? '').localeCompare(y.name ?? '') || x.id.localeCompare(y.id));
  for (const kind of ['volume', 'volume_group', 'host', 'snapshot_rule', 'replication_rule', 'policy', 'remote_system'] as const) {
    const sorted = byName(meta.listShared(kind) as readonly { id: string; name?: string }[]);
    ids[kind] = sorted.map((o) => o.id);
    names[kind] = sorted.map((o) => o.name ?? '');
  }
  const volumeName = (id: string) => meta.getShared('volume', id)?.name ?? meta.getShared('volume_group', id)?.name ?? '';
  ids.replication_session = [...meta.listShared('replication_session')].sort((x, y) => volumeName(x.localResourceId).localeCompare(volumeName(y.localResourceId))).map((s) => s.id);
  ids.job = [...meta.listShared('job')].sort((x, y) => x.submitTimeMs - y.submitTimeMs || x.description.localeCompare(y.description)).map((j) => j.id);
  ids.host_volume_mapping = meta.listShared('host_volume_mapping').map((m) => m.id).sort();
  ids.software_installed = [pair.a.system.services.ctx.identity.id];
  let etAdmin = previous?.auth.etAdmin;
  let eternusSession = previous?.eternusSession ?? 0;
  if (!etAdmin || newEternusLogin) ({ bearer: etAdmin, sessionId: eternusSession } = await eternusLogin(pair, 'admin', ADMIN_PASSWORD));
  const etMonitor = previous?.auth.etMonitor ?? (await eternusLogin(pair, 'fz-oper', 'operator-pw-1')).bearer;
  const copies = await pair.a.et('GET', '/copysession', undefined, { authorization: etAdmin });
  const jobs = await pair.a.et('GET', '/job', undefined, { authorization: etAdmin });
  return {
    ids,
    names,
    eternusVolumes: meta.listShared('volume').map((v) => v.number).sort((x, y) => x - y),
    copySessions: (copies.body.copysession_list ?? []).map((c: { copysession_id: number }) => c.copysession_id),
    eternusJobs: (jobs.body.job_list ?? []).map((j: { job_id: number }) => j.job_id),
    eternusSession,
    boxA: pair.a.system.services.ctx.identity.boxId,
    boxB: pair.b.system.services.ctx.identity.boxId,
    auth: { psAdmin: basic('admin', ADMIN_PASSWORD), psOperator: basic('fz-oper', 'operator-pw-1'), etAdmin, etMonitor },
  };
}

/** Logs in through ETERNUS and returns the bearer header and the session id. */
async function eternusLogin(pair: Pair, user: string, password: string): Promise<{ bearer: string; sessionId: number }> {
  const r = await pair.a.system.http.inject({ method: 'POST', url: `${ETERNUS_PREFIX}/session`, headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ user_name: user, password }) });
  assert.equal(r.statusCode, 200, r.body);
  const body = JSON.parse(r.body) as { token: string; session_id: number };
  return { bearer: `Bearer ${body.token}`, sessionId: body.session_id };
}
