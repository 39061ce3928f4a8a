// Goal: the API documents are real (issue 12, item 6). The control API's OpenAPI 3 document is
// well formed, lists every /tandem/v1 route, and every answer a route gives matches the schema the
// document states (no undocumented field); a body the schemas refuse is a 400 naming the property
// and changes nothing, and a stranger learns 401 before anything about the body. The PowerStore
// document lists exactly the operations the PowerStore plugin registers, each marked as the route
// marks itself. Swagger UI at /swaggerui offers both, without a login.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { Ajv } from 'ajv';
import { routesOf } from '../../src/api/http-server.ts';
import { POWERSTORE_OPENAPI_PATH } from '../../src/api/openapi.ts';
import { powerStoreOpenApiDocument, specPathOf } from '../../src/api/powerstore/openapi/document.ts';
import { supportOf } from '../../src/api/powerstore/route-support.ts';
import { basic, startTestSystem, type TestSystem } from '../helpers/system.ts';

type Json = Record<string, any>;
const MiB = 1024 * 1024;
const METHODS = ['get', 'put', 'post', 'delete', 'patch'];

let t: TestSystem;
let doc: Json;
before(async () => {
  t = await startTestSystem();
  const answer = await t.system.http.inject({ method: 'GET', url: '/tandem/v1/openapi.json' });
  assert.equal(answer.statusCode, 200, 'the document needs no login');
  doc = JSON.parse(answer.body);
});
after(() => t.close());

/** Every `$ref` in a value. */
function refs(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) value.forEach((v) => refs(v, out));
  else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) k === '$ref' ? out.push(String(v)) : refs(v, out);
  return out;
}

/** The schema with its component refs inlined and, where strict, no property besides those it names. */
function resolved(schema: unknown, strict: boolean): unknown {
  if (Array.isArray(schema)) return schema.map((s) => resolved(s, strict));
  if (!schema || typeof schema !== 'object') return schema;
  const s = schema as Json;
  if (typeof s.$ref === 'string') return resolved(doc.components.schemas[s.$ref.replace('#/components/schemas/', '')], strict);
  const out: Json = Object.fromEntries(Object.entries(s).map(([k, v]) => [k, k === 'enum' || k === 'required' ? v : resolved(v, strict)]));
  if (strict && out.type === 'object' && out.properties && out.additionalProperties === undefined) out.additionalProperties = false;
  return out;
}

test('the control document is OpenAPI 3: info, operations with answers, parameters declared, references resolved, schemas compile', () => {
  assert.match(doc.openapi, /^3\.0\.\d+$/);
  assert.equal(typeof doc.info.title, 'string');
  assert.equal(doc.info.version, t.system.identity.softwareVersion);
  assert.deepEqual(doc.components.securitySchemes.basicAuth, { type: 'http', scheme: 'basic' });
  const tags = new Set((doc.tags as Json[]).map((tag) => tag.name));
  const ajv = new Ajv({ strict: false });
  let operations = 0;
  for (const [path, item] of Object.entries(doc.paths as Json)) {
    assert.match(path, /^\/tandem\/v1\//);
    const templated = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
    for (const [method, operation] of Object.entries(item as Json)) {
      assert.ok(METHODS.includes(method), `${method} ${path}`);
      operations++;
      const where = `${method.toUpperCase()} ${path}`;
      assert.ok(operation.summary, `${where} has a summary`);
      assert.ok(operation.tags?.every((tag: string) => tags.has(tag)), `${where}: its tags are declared`);
      const declared = (operation.parameters ?? []).filter((p: Json) => p.in === 'path').map((p: Json) => (assert.equal(p.required, true), p.name));
      assert.deepEqual(declared.sort(), templated.sort(), `${where}: path parameters`);
      const statuses = Object.keys(operation.responses);
      assert.ok(statuses.some((s) => s.startsWith('2')), `${where} has a success answer`);
      for (const [status, response] of Object.entries(operation.responses as Json)) {
        assert.match(status, /^[1-5]\d\d$/);
        assert.ok(response.description && response.description !== 'Default Response', `${where} ${status} is described`);
        const schema = response.content?.['application/json']?.schema;
        if (schema) ajv.compile(resolved(schema, false) as object);
      }
      const body = operation.requestBody?.content?.['application/json']?.schema;
      if (body) ajv.compile(resolved(body, false) as object);
      if (operation.security) assert.deepEqual(operation.security, [{ basicAuth: [] }]);
    }
  }
  assert.ok(operations >= 13, `${operations} operations`);
  for (const ref of refs(doc)) assert.ok(doc.components.schemas[ref.replace('#/components/schemas/', '')], `${ref} resolves`);
});

test('every /tandem/v1 route is in the control document, and nothing else is', () => {
  const registered = routesOf(t.system.http)
    .filter((r) => r.url.startsWith('/tandem/v1/') && r.method !== 'HEAD')
    .map((r) => `${r.method} ${r.url.replace(/:(\w+)/g, '{$1}')}`)
    .sort();
  const documented = Object.entries(doc.paths as Json)
    .flatMap(([path, item]) => Object.keys(item as Json).map((method) => `${method.toUpperCase()} ${path}`))
    .sort();
  assert.deepEqual(documented, registered);
});

test('every answer of a control route matches the schema the document states for it', async () => {
  const ajv = new Ajv({ strict: false });
  const check = async (method: string, path: string, template: string, body?: unknown): Promise<any> => {
    const answer = await t.control(method, path, body);
    const response = doc.paths[`/tandem/v1${template}`][method.toLowerCase()].responses[String(answer.status)];
    assert.ok(response, `${method} ${path}: status ${answer.status} is documented (${JSON.stringify(answer.body)})`);
    const schema = response.content?.['application/json']?.schema;
    if (!schema) return assert.equal(answer.body, undefined, `${method} ${path}: no body`);
    const validate = ajv.compile(resolved(schema, true) as object);
    assert.ok(validate(answer.body), `${method} ${path} ${answer.status}: ${JSON.stringify(validate.errors)} in ${JSON.stringify(answer.body)}`);
    return answer.body;
  };
  const vol = (await t.ps('POST', '/volume', { name: 'openapi-vol', size: MiB })).body.id as string;
  await check('GET', '/health', '/health');
  await check('GET', '/system', '/system');
  await check('POST', '/users', '/users', { name: 'openapi-op', password: 'password-123', role: 'Monitor', tenant: 'tenant-a' });
  await check('POST', '/users', '/users', { name: 'openapi-op', password: 'password-123', role: 'Operator' }); // 409
  await check('GET', '/users', '/users');
  await check('POST', '/gc', '/gc');
  await check('PUT', `/volumes/${vol}/tenant`, '/volumes/{id}/tenant', { tenant: 'tenant-a' });
  await check('PUT', '/volumes/999999/tenant', '/volumes/{id}/tenant', { tenant: null }); // 404
  await check('GET', '/rec_buffer', '/rec_buffer');
  await check('PUT', '/rec_buffer', '/rec_buffer', { size_mb: 512, monitoring_time_minutes: 3 });
  const link = await check('POST', '/faults', '/faults', { kind: 'delay', delay_ms: 5 });
  const writes = await check('POST', '/faults', '/faults', { kind: 'write_error', count: 3, volume_id: vol });
  await check('POST', '/faults', '/faults', { kind: 'stop' }); // 400: this system runs inside the test
  const listed = await check('GET', '/faults', '/faults');
  assert.equal(listed.length, 2);
  await check('DELETE', `/faults/${link.id}`, '/faults/{id}');
  await check('DELETE', `/faults/${writes.id}`, '/faults/{id}');
  await check('DELETE', '/faults/none', '/faults/{id}'); // 404
  await check('GET', '/overview', '/overview');
  const spec = await t.system.http.inject({ method: 'GET', url: '/tandem/v1/openapi.json' });
  assert.equal(spec.statusCode, 200);
});

test('a body the schemas refuse is a 400 naming the property and changes nothing; access is checked first', async () => {
  const refusals: [string, string, unknown, RegExp][] = [
    ['POST', '/faults', {}, /kind is required/],
    ['POST', '/faults', { kind: 'flood' }, /kind must be one of "link_down", .*got "flood"/],
    ['POST', '/faults', { kind: 'delay', delay_ms: '5' }, /delay_ms must be integer/],
    ['POST', '/faults', { kind: 'link_down', peer: 'x' }, /Unknown property peer/],
    ['POST', '/users', { name: 'u1', password: 'password-123' }, /role is required/],
    ['POST', '/users', { name: 'u1', password: 'password-123', role: 'Root' }, /role must be one of/],
    ['PUT', '/rec_buffer', { size_mb: 0, monitoring_time_minutes: 1 }, /size_mb must be an integer in 1\.\.\d+, got 0/],
    ['PUT', '/rec_buffer', [1, 2], /The body must be a JSON object \(properties: size_mb, monitoring_time_minutes\)/],
    ['PUT', '/volumes/1/tenant', { tenant: 'a', owner: 'b' }, /Unknown property owner/],
  ];
  for (const [method, path, body, message] of refusals) {
    const answer = await t.control(method, path, body);
    assert.equal(answer.status, 400, `${method} ${path} ${JSON.stringify(body)} → ${JSON.stringify(answer.body)}`);
    assert.equal(answer.body.error, 'VALIDATION_FAILED');
    assert.match(answer.body.message, message);
  }
  assert.deepEqual((await t.control('GET', '/faults')).body, []);
  assert.equal((await t.control('GET', '/users')).body.some((u: Json) => u.name === 'u1'), false);
  // A stranger and an Operator are refused before their bodies are looked at.
  assert.equal((await t.control('POST', '/faults', { kind: 'flood' }, { authorization: '' })).status, 401);
  assert.equal((await t.control('POST', '/users', { name: 'looker', password: 'password-123', role: 'Operator' })).status, 201);
  assert.equal((await t.control('POST', '/faults', { kind: 'flood' }, { authorization: basic('looker', 'password-123') })).status, 403);
});

test('Swagger UI answers HTML at /swaggerui without a login and offers both documents', async () => {
  const page = await t.system.http.inject({ method: 'GET', url: '/swaggerui' });
  assert.equal(page.statusCode, 200);
  assert.match(String(page.headers['content-type']), /^text\/html/);
  assert.match(page.body, /<div id="swagger-ui">/);
  const init = await t.system.http.inject({ method: 'GET', url: '/swaggerui/static/swagger-initializer.js' });
  assert.equal(init.statusCode, 200);
  assert.ok(init.body.includes('/tandem/v1/openapi.json') && init.body.includes(POWERSTORE_OPENAPI_PATH), 'both documents selectable');
  const bundle = await t.system.http.inject({ method: 'GET', url: '/swaggerui/static/swagger-ui-bundle.js' });
  assert.equal(bundle.statusCode, 200);
  const powerstore = await t.system.http.inject({ method: 'GET', url: POWERSTORE_OPENAPI_PATH });
  assert.equal(powerstore.statusCode, 200);
  assert.equal(JSON.parse(powerstore.body).swagger, '2.0');
});

test('the PowerStore document lists exactly the operations the PowerStore plugin registers, marked as each route says', () => {
  const ps = JSON.parse(powerStoreOpenApiDocument()) as Json;
  assert.equal(ps.swagger, '2.0');
  assert.equal(ps.basePath, '/api/rest');
  const registered = routesOf(t.system.http)
    .filter((r) => r.url.startsWith('/api/rest/') && r.method !== 'HEAD')
    .map((r) => `${r.method} ${specPathOf(r.url)} ${supportOf(r.config)}`)
    .sort();
  const documented = [
    ...Object.entries(ps.paths as Json).flatMap(([path, item]) => Object.entries(item as Json).map(([method, op]) => `${method.toUpperCase()} ${path} ${op['x-tandem-support']}`)),
    ...(ps['x-tandem-refused'] as Json[]).map((r) => `${r.method} ${r.path} refused`),
  ].sort();
  const missing = registered.filter((r) => !documented.includes(r));
  const extra = documented.filter((d) => !registered.includes(d));
  assert.deepEqual({ missing, extra }, { missing: [], extra: [] }, 'the document is stale: run `npm run openapi:powerstore`');
  for (const ref of refs(ps)) {
    const [, section, name] = /^#\/(definitions|parameters)\/(.+)$/.exec(ref) ?? [];
    assert.ok(section && ps[section][name!], `${ref} resolves`);
  }
  // Where the vendor's document is at hand (../shared, not in a clone), it has every operation not marked as Tandem's own.
  const specFile = new URL('../../../shared/specs/powerstore-openapi-4.1.json', import.meta.url);
  if (existsSync(specFile)) {
    const spec = JSON.parse(readFileSync(specFile, 'utf8')) as Json;
    for (const [path, item] of Object.entries(ps.paths as Json)) {
      for (const [method, op] of Object.entries(item as Json)) {
        if (!op['x-tandem-not-in-4.1']) assert.ok(spec.paths[path]?.[method], `${method} ${path} is in the 4.1 document`);
      }
    }
  }
});
