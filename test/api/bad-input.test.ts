// Bad input as a fuzzer sends it (issue 10, item 4): each case a seeded fuzzer once answered with a
// 5xx, with Fastify's or Node's own body, or with a state check before the role check. Every answer
// must be the dialect's own error shape and a refused request must change nothing. Method: a pair
// of in-process systems through inject, and for what Node refuses before Fastify, a real socket.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { CONSOLE_DIST_DIR } from '../../src/api/console/static.ts';
import { startPair, type Pair } from '../helpers/pair.ts';
import { basic } from '../helpers/system.ts';

let p: Pair;
before(async () => {
  p = await startPair();
  assert.equal((await p.a.control('POST', '/users', { name: 'oper', password: 'operator-pw-1', role: 'Operator' })).status, 201);
});
after(async () => p.close());

const operator = { authorization: basic('oper', 'operator-pw-1') };

function assertPowerStoreError(r: { status: number; body: any }, status: number): void {
  assert.equal(r.status, status, JSON.stringify(r.body));
  assert.equal(typeof r.body?.messages?.[0]?.code, 'string', JSON.stringify(r.body));
  assert.equal(r.body.messages[0].severity, 'Error');
  assert.equal(typeof r.body.messages[0].message_l10n, 'string');
}

function assertEternusError(r: { status: number; body: any }, status: number, code: string): void {
  assert.equal(r.status, status, JSON.stringify(r.body));
  assert.deepEqual(Object.keys(r.body ?? {}).sort(), ['error_code', 'internal_code', 'message'], JSON.stringify(r.body));
  assert.equal(r.body.error_code, code);
}

test('JSON nested thousands deep is a 400 in each dialect, even the ETERNUS login body', async () => {
  const deepArray = `{"user_name":${'['.repeat(5000)}${']'.repeat(5000)},"password":"x"}`;
  const deepObject = `${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}`;
  for (const body of [deepArray, deepObject]) {
    assertEternusError(await p.a.et('POST', '/session', body, { authorization: '' }), 400, '0001');
    assertEternusError(await p.a.et('POST', '/volume', body), 400, '0001');
    assertPowerStoreError(await p.a.ps('POST', '/volume', body), 400);
  }
  // A body at the depth limit still parses (and is refused for its content, not its depth).
  const r = await p.a.ps('POST', '/volume', `{"name":"d","size":1048576,"x":${'['.repeat(30)}${']'.repeat(30)}}`);
  assertPowerStoreError(r, 400);
  assert.match(r.body.messages[0].message_l10n, /not allowed by the schema: \[x\]/);
});

test('x509_certificate/exchange with a port outside 1..65535 is a 400, not a 500', async () => {
  for (const port of [65536, -1, 1e30, 0, 1.5]) {
    const r = await p.a.ps('POST', '/x509_certificate/exchange', { service: 'Replication_HTTP', address: '127.0.0.1', port, username: 'admin', password: 'x' });
    assertPowerStoreError(r, 400);
    assert.match(r.body.messages[0].message_l10n, /port/);
  }
  const badAddress = await p.a.ps('POST', '/x509_certificate/exchange', { service: 'Replication_HTTP', address: 'a b\n', port: 443, username: 'admin', password: 'x' });
  assertPowerStoreError(badAddress, 400);
});

test('an Operator gets 403 before any state check, on every mutation of either dialect', async () => {
  const rule = await p.a.ps('POST', '/replication_rule', { name: 'rr-in-use', rpo: 'Five_Minutes', remote_system_id: p.rsOnA });
  assert.equal(rule.status, 201);
  // The remote system is in use (a rule names it): the admin gets 422, the Operator 403.
  assertPowerStoreError(await p.a.ps('DELETE', `/remote_system/${p.rsOnA}`), 422);
  assertPowerStoreError(await p.a.ps('DELETE', `/remote_system/${p.rsOnA}`, undefined, operator), 403);
  assertPowerStoreError(await p.a.ps('PATCH', '/replication_session/nope', { role: 'Metro_Preferred' }, operator), 403);
  assertPowerStoreError(await p.a.ps('DELETE', '/replication_session/nope', undefined, operator), 403);
  assertPowerStoreError(await p.a.ps('POST', '/volume/nope/snapshot', {}, operator), 403);
  assert.equal((await p.a.ps('GET', `/remote_system/${p.rsOnA}?select=id`)).status, 200);
  // Reads through POST stay open to every role.
  assert.equal((await p.a.ps('POST', `/remote_system/${p.rsOnA}/query_appliances`, undefined, operator)).status, 200);
  assert.equal((await p.a.ps('POST', '/logout', undefined, operator)).status, 204);
  // ETERNUS: a Monitor's mutation is 403 whatever its query, body or ids.
  const monitor = await p.a.etLogin('oper', 'operator-pw-1');
  assertEternusError(await p.a.et('POST', '/volume?bogus=1', { name: 'm1', capacity: 64, tpp_id: 0 }, { authorization: monitor }), 403, '0040');
  assertEternusError(await p.a.et('DELETE', '/copysession/99999', undefined, { authorization: monitor }), 403, '0040');
  assertEternusError(await p.a.et('POST', '/copysession/suspend', { copysession_id_list: [1] }, { authorization: monitor }), 403, '0040');
  assert.equal((await p.a.ps('DELETE', `/replication_rule/${rule.body.id}`)).status, 204);
});

test('ETERNUS mutations refuse unknown query parameters (400) and change nothing', async () => {
  const before = (await p.a.et('GET', '/volume')).body.total_count;
  const jobsBefore = (await p.a.et('GET', '/job')).body.total_count;
  assertEternusError(await p.a.et('POST', '/volume?bogus=1', { name: 'q1', capacity: 64, tpp_id: 0 }), 400, '0001');
  assertEternusError(await p.a.et('POST', '/session?x=1', { user_name: 'admin', password: 'nope' }, { authorization: '' }), 400, '0001');
  assertEternusError(await p.a.et('DELETE', '/copysession/99999?force=true'), 400, '0001');
  // The parameter DELETE /copysession documents is still taken (then the id is unknown: 404).
  assertEternusError(await p.a.et('DELETE', '/copysession/99999?is_forced=true'), 404, '0110');
  assert.equal((await p.a.et('GET', '/volume')).body.total_count, before);
  assert.equal((await p.a.et('GET', '/job')).body.total_count, jobsBefore);
});

test('a path segment over 512 characters answers in the dialect shape', async () => {
  const long = 'x'.repeat(600);
  assertPowerStoreError(await p.a.ps('GET', `/volume/${long}`), 414);
  assertEternusError(await p.a.et('GET', `/volume/${long}`), 413, '0003');
  assertPowerStoreError(await p.a.ps('GET', '/volume/%zz'), 400);
  assertEternusError(await p.a.et('GET', '/volume/%zz'), 400, '0001');
});

/** Sends raw bytes over TLS and parses the status line and JSON body of the answer. */
function rawRequest(port: number, text: string): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1', rejectUnauthorized: false }, () => socket.write(text));
    let answer = '';
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => (answer += d));
    socket.on('error', reject);
    socket.on('close', () => {
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? 0);
      const body = answer.slice(answer.indexOf('\r\n\r\n') + 4);
      try {
        resolve({ status, body: JSON.parse(body) });
      } catch {
        resolve({ status, body });
      }
    });
  });
}

test('a request line or head too large for Node answers in the dialect shape (real socket)', async () => {
  const port = p.a.system.ports.https;
  const line = (prefix: string) => `GET ${prefix}/volume/${'x'.repeat(20000)} HTTP/1.1\r\nHost: a\r\n\r\n`;
  assertEternusError(await rawRequest(port, line('/api/v1')), 413, '0003');
  assertPowerStoreError(await rawRequest(port, line('/api/rest')), 414);
  const head = (prefix: string) => `GET ${prefix}/volume HTTP/1.1\r\nHost: a\r\nX-Big: ${'y'.repeat(20000)}\r\n\r\n`;
  assertEternusError(await rawRequest(port, head('/api/v1')), 413, '0003');
  assertPowerStoreError(await rawRequest(port, head('/api/rest')), 431);
  assertPowerStoreError(await rawRequest(port, 'NOT HTTP AT ALL\r\n\r\n'), 400);
  // Many short header lines: the refused chunk is a later one, but Node has handed the URL over.
  const many = (prefix: string) => `GET ${prefix}/volume HTTP/1.1\r\nHost: a\r\n${Array.from({ length: 700 }, (_, i) => `X-H${i}: ${'z'.repeat(20)}`).join('\r\n')}\r\n\r\n`;
  assertEternusError(await rawRequest(port, many('/api/v1')), 413, '0003');
  assertPowerStoreError(await rawRequest(port, many('/api/rest')), 431);
  // Under the limit, ETERNUS's own 8192-character request-line rule answers (413 0003).
  assertEternusError(await rawRequest(port, `GET /api/v1/volume?fields=${'a'.repeat(9000)} HTTP/1.1\r\nHost: a\r\n\r\n`), 413, '0003');
});

test('a path outside every API answers PowerStore\'s error_response, not Fastify\'s body', async () => {
  for (const path of ['/api', '/api/restx', '//api/rest/volume', '/API/REST/volume']) {
    const r = await p.a.system.http.inject({ method: 'GET', url: path });
    assertPowerStoreError({ status: r.statusCode, body: JSON.parse(r.body) }, 404);
  }
  // `/` is the web console once it is built (npm ci builds it); before that, the same 404.
  const root = await p.a.system.http.inject({ method: 'GET', url: '/' });
  if (existsSync(join(CONSOLE_DIST_DIR, 'index.html'))) {
    assert.equal(root.statusCode, 200);
    assert.match(root.body, /<title>Tandem console<\/title>/);
  } else assertPowerStoreError({ status: root.statusCode, body: JSON.parse(root.body) }, 404);
});
