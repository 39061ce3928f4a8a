// Writes src/api/powerstore/openapi/powerstore-openapi.json: the PowerStore 4.1 OpenAPI document
// (Swagger 2.0, the official schema in ../shared/specs, which a clone does not have) trimmed to the
// operations Tandem registers, each marked with what Tandem does with it (route-support.ts), with
// the query features Tandem supports as parameters. Run it after adding or removing a PowerStore
// route (test/api/powerstore-openapi.test.ts fails until then):
//
//   npm run openapi:powerstore [-- path/to/powerstore-openapi-4.1.json]
//
// It starts a system in a temporary directory to list the routes as the server registers them.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { routesOf } from '../src/api/http-server.ts';
import { ATTRIBUTES } from '../src/api/powerstore/attributes.ts';
import { POWERSTORE_OPENAPI_FILE, specPathOf } from '../src/api/powerstore/openapi/document.ts';
import { POWERSTORE_PREFIX } from '../src/api/powerstore/plugin.ts';
import { supportOf, type PowerStoreSupport } from '../src/api/powerstore/route-support.ts';
import { startSystem } from '../src/system.ts';

type Json = Record<string, any>;

const root = new URL('..', import.meta.url).pathname;
const specFile = process.argv[2] ?? join(root, '..', 'shared', 'specs', 'powerstore-openapi-4.1.json');
const spec = JSON.parse(readFileSync(specFile, 'utf8')) as Json;

/** Operations Tandem answers that the 4.1 document does not have: described here. */
const NOT_IN_4_1: Record<string, Json> = {
  'GET /limit': {
    summary: 'Collection Query',
    description: 'The limits of this system (Max_Volume_Size). Not in the 4.1 document; later PowerStore versions have it.',
    tags: ['limit'],
    responses: { 200: { description: 'Success', schema: { type: 'array', items: { type: 'object', properties: { id: { type: 'string' }, limit: { type: 'integer' } } } } } },
  },
  'POST /remote_system/{id}/query_appliances': {
    summary: 'Query appliances',
    description: 'The appliances of the remote system (one per Tandem system). Not in the 4.1 document; PyPowerStore calls it.',
    tags: ['remote_system'],
    parameters: [{ name: 'id', in: 'path', type: 'string', required: true }],
    responses: { 200: { description: 'Success', schema: { type: 'array', items: { type: 'object', properties: { id: { type: 'string' }, name: { type: 'string' }, model: { type: 'string' }, service_tag: { type: 'string' } } } } } },
  },
  'POST /volume/{id}/compute_differences': {
    summary: 'Compute differences',
    description:
      'The changed blocks between a snapshot and its base snapshot, as gopowerstore\'s ComputeDifferences sends it (an internal PowerStore API, not in the 4.1 document; docs/powerstore.md).',
    tags: ['volume'],
    parameters: [
      { name: 'id', in: 'path', type: 'string', required: true },
      {
        name: 'body',
        in: 'body',
        required: true,
        schema: {
          type: 'object',
          required: ['offset', 'length', 'chunk_size'],
          properties: { base_snapshot_id: { type: 'string' }, offset: { type: 'integer' }, length: { type: 'integer' }, chunk_size: { type: 'integer' } },
        },
      },
    ],
    responses: { 200: { description: 'Success', schema: { type: 'object', properties: { chunk_bitmap: { type: 'string', format: 'byte' }, next_offset: { type: 'integer' } } } } },
  },
};

const SUPPORT_NOTE: Record<Exclude<PowerStoreSupport, 'refused'>, string> = {
  implemented: '**Tandem: implemented.**',
  empty: '**Tandem: this system has none (block storage only)**: the collection is empty (select, filters and paging still apply) and an id is 404.',
};

const QUERY_PARAMETERS: Json = {
  select: { name: 'select', in: 'query', type: 'string', required: false, description: 'Attributes to answer, comma separated; associations nested as `name(attr,…)`; `*` for all. Without it: `id` only. An attribute the resource lacks is 400 0xE04040030001.' },
  order: { name: 'order', in: 'query', type: 'string', required: false, description: '`attr[.asc|.desc]`, comma separated.' },
  limit: { name: 'limit', in: 'query', type: 'integer', required: false, description: 'Page size (default 100, at most 2000); a partial window answers 206 with Content-Range.' },
  offset: { name: 'offset', in: 'query', type: 'integer', required: false, description: 'First row of the page (also the `Range` header); past the end is 416.' },
  is_async: { name: 'is_async', in: 'query', type: 'boolean', required: false, description: 'Run as a job: 202 `{id}`, then GET /job/{id}.' },
};

async function registeredOperations(): Promise<{ method: string; path: string; support: PowerStoreSupport }[]> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tandem-openapi-'));
  const system = await startSystem({ name: 'openapi', dataDir, host: '127.0.0.1', httpsPort: 0, nbdPort: 0, peerPort: 0, adminPassword: 'openapi-generator-1' });
  try {
    return routesOf(system.http)
      .filter((r) => r.url.startsWith(`${POWERSTORE_PREFIX}/`) && r.method !== 'HEAD')
      .map((r) => ({ method: r.method, path: specPathOf(r.url), support: supportOf(r.config) }));
  } finally {
    await system.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

function refsIn(value: unknown, out: Set<string>): Set<string> {
  if (Array.isArray(value)) value.forEach((v) => refsIn(v, out));
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === '$ref' && typeof v === 'string') out.add(v.replace('#/definitions/', ''));
      else refsIn(v, out);
    }
  }
  return out;
}

/** A reference to a definition left out becomes a plain object naming it (its own resource has it). */
function trimRefs(value: unknown, kept: Set<string>): unknown {
  if (Array.isArray(value)) return value.map((v) => trimRefs(v, kept));
  if (!value || typeof value !== 'object') return value;
  const ref = (value as Json).$ref;
  if (typeof ref === 'string' && !kept.has(ref.replace('#/definitions/', ''))) {
    return { type: 'object', description: `${ref.replace('#/definitions/', '')} (not expanded in this document)` };
  }
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, trimRefs(v, kept)]));
}

function withQueryParameters(method: string, path: string, operation: Json): Json {
  const names = method === 'GET' ? (path.includes('{') ? ['select'] : ['select', 'order', 'limit', 'offset']) : ['is_async'];
  const own = (operation.parameters ?? []) as Json[];
  const added = names.filter((n) => !own.some((p) => p.name === n)).map((n) => ({ $ref: `#/parameters/${n}` }));
  return { ...operation, parameters: [...own, ...added] };
}

const operations = await registeredOperations();
const paths: Json = {};
const refused: Json[] = [];
const missing: string[] = [];
for (const { method, path, support } of operations) {
  if (support === 'refused') {
    refused.push({ method, path });
    continue;
  }
  const key = `${method} ${path}`;
  const fromSpec = spec.paths[path]?.[method.toLowerCase()] as Json | undefined;
  const operation = fromSpec ?? NOT_IN_4_1[key];
  if (!operation) {
    missing.push(key);
    continue;
  }
  const note = SUPPORT_NOTE[support];
  paths[path] ??= {};
  paths[path][method.toLowerCase()] = {
    ...withQueryParameters(method, path, operation),
    ...(support === 'empty' ? { summary: `${operation.summary ?? ''} (none on Tandem: empty)`.trim() } : {}),
    description: operation.description ? `${note}\n\n${operation.description}` : note,
    'x-tandem-support': support,
    ...(fromSpec ? {} : { 'x-tandem-not-in-4.1': true }),
  };
}
if (missing.length > 0) {
  console.error(`Registered PowerStore operations neither in the 4.1 document nor described in NOT_IN_4_1:\n  ${missing.join('\n  ')}`);
  process.exit(1);
}

// The definitions the operations name directly; deeper ones (embedded associations) are left out.
const kept = refsIn(paths, new Set());
const definitions: Json = {};
for (const name of [...kept].sort()) {
  const definition = spec.definitions[name] as Json;
  const resource = name.replace(/_instance$/, '');
  const answered = name.endsWith('_instance') ? ATTRIBUTES[resource] : undefined;
  definitions[name] = { ...(trimRefs(definition, kept) as Json), ...(answered ? { 'x-tandem-attributes': answered } : {}) };
}
const tags = new Set(Object.values(paths).flatMap((ops: Json) => Object.values(ops).flatMap((o: Json) => o.tags ?? [])));

const document = {
  swagger: '2.0',
  info: {
    title: 'PowerStore REST API, as Tandem implements it',
    version: spec.info.version,
    description: [
      'The operations of the PowerStore REST API 4.1 document that Tandem registers, with their 4.1 descriptions and schemas; every other operation of that document is not implemented (404).',
      'Each operation says what Tandem does with it in `x-tandem-support` and at the start of its description: `implemented`, or `empty` (a resource this block-only system has none of). Operations that only refuse in PowerStore\'s error shape are listed in `x-tandem-refused`. `x-tandem-attributes` on an `*_instance` definition lists the attributes Tandem answers (select may name only these).',
      'Queries: `select` (nested associations, `*`), PostgREST filters (`attr=eq.v`; `eq neq gt gte lt lte like ilike in is cs cd`, `not.`, `and=(…)`, `or=(…)`, JSON paths `a->>b`), `order`, `limit`/`offset` and the `Range` header (206 with Content-Range), `is_async=true` (202 and /job/{id}); path ids may be `name:<name>`. See docs/powerstore.md.',
      'Authentication: HTTP Basic (Authorize), or the DELL-EMC-TOKEN and auth_cookie of a login session.',
      `Generated by scripts/powerstore-openapi.ts from the PowerStore ${spec.info.version} OpenAPI document.`,
    ].join('\n\n'),
  },
  basePath: POWERSTORE_PREFIX,
  schemes: ['https'],
  consumes: ['application/json'],
  produces: ['application/json'],
  securityDefinitions: { basicAuth: { type: 'basic' } },
  security: [{ basicAuth: [] }],
  tags: (spec.tags as Json[]).filter((t) => tags.has(t.name)),
  parameters: QUERY_PARAMETERS,
  paths,
  definitions,
  'x-tandem-refused': refused,
};
writeFileSync(join(root, POWERSTORE_OPENAPI_FILE), `${JSON.stringify(document, null, 1)}\n`);
console.log(`${POWERSTORE_OPENAPI_FILE}: ${Object.keys(paths).length} paths, ${refused.length} refused operations, ${Object.keys(definitions).length} definitions`);
