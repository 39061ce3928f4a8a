// Builds one fuzz request for a route of either dialect: the path with a live or hostile id, a query
// string, headers, and a body that is either a valid body with one part broken, a random object of
// known property names with hostile values, a malformed raw body, or none.
import type { RouteEntry } from '../../../src/api/http-server.ts';
import type { Rng } from '../../helpers/rng.ts';
import { deepJson, FIELD_NAMES, hostileId, hostileQueryValue, hostileValue, rawBody } from './values.ts';

export type Dialect = 'powerstore' | 'eternus';

export interface FuzzRequest {
  dialect: Dialect;
  route: string;
  /** The credentials used: the admin's, a read-only user's (Operator / Monitor), or none or bad ones. */
  as: 'admin' | 'readonly' | 'other';
  /** The query names a parameter an ETERNUS mutation does not take. */
  unknownMutationQuery: boolean;
  /** The select names an attribute no resource has, at its top level. */
  unknownSelect: boolean;
  method: string;
  url: string;
  headers: Record<string, string>;
  payload?: string;
}

/** What the system holds now, for ids that reach past the 404 checks. */
export interface Live {
  /** PowerStore ids by resource (`volume`, `host`, …), in a stable order. */
  ids: Record<string, string[]>;
  names: Record<string, string[]>;
  eternusVolumes: number[];
  copySessions: number[];
  eternusJobs: number[];
  eternusSession: number;
  boxA: string;
  boxB: string;
  auth: { psAdmin: string; psOperator: string; etAdmin: string; etMonitor: string };
}

export const POWERSTORE_PREFIX = '/api/rest';
export const ETERNUS_PREFIX = '/api/v1';

let serial = 0;
const freshName = (prefix = 'fz') => `${prefix}-${++serial}`;

/** Valid bodies of the routes that take one, so a single broken part reaches deep checks. */
function template(route: string, live: Live, rng: Rng): Record<string, unknown> | undefined {
  const one = (kind: string) => (live.ids[kind]?.length ? rng.pick(live.ids[kind]!) : 'none');
  const table: Record<string, () => Record<string, unknown>> = {
    'POST /api/rest/volume': () => ({ name: freshName(), size: rng.pick([1048576, 8192 * 1024]) }),
    'PATCH /api/rest/volume/:id': () => rng.pick([{ description: 'd' }, { size: 4 * 1048576 }, { protection_policy_id: one('policy') }, { name: freshName() }]),
    'POST /api/rest/volume/:id/snapshot': () => ({ name: freshName('snap') }),
    'POST /api/rest/volume/:id/clone': () => ({ name: freshName('clone') }),
    'POST /api/rest/volume/:id/attach': () => ({ host_id: one('host') }),
    'POST /api/rest/volume/:id/detach': () => ({ host_id: one('host') }),
    'POST /api/rest/volume/:id/refresh': () => ({ from_object_id: one('volume') }),
    'POST /api/rest/volume/:id/restore': () => ({ from_snap_id: one('volume') }),
    'POST /api/rest/volume_group': () => ({ name: freshName('vg'), volume_ids: [] }),
    'PATCH /api/rest/volume_group/:id': () => ({ description: 'd' }),
    'POST /api/rest/volume_group/:id/add_members': () => ({ volume_ids: [one('volume')] }),
    'POST /api/rest/volume_group/:id/remove_members': () => ({ volume_ids: [one('volume')] }),
    'POST /api/rest/host': () => ({ name: freshName('h'), os_type: 'Linux', initiators: [{ port_name: `iqn.1998-01.com.example:${freshName()}`, port_type: 'iSCSI' }] }),
    'POST /api/rest/host/:id/attach': () => ({ volume_id: one('volume') }),
    'POST /api/rest/host/:id/detach': () => ({ volume_id: one('volume') }),
    'POST /api/rest/snapshot_rule': () => ({ name: freshName('sr'), interval: 'One_Day', desired_retention: 24 }),
    'POST /api/rest/replication_rule': () => ({ name: freshName('rr'), rpo: 'Five_Minutes', remote_system_id: one('remote_system') }),
    'POST /api/rest/policy': () => ({ name: freshName('pp'), snapshot_rule_ids: [one('snapshot_rule')] }),
    'PATCH /api/rest/policy/:id': () => ({ add_snapshot_rule_ids: [one('snapshot_rule')] }),
    // Port 1 on loopback: refused at once, never a slow connect or a DNS lookup.
    'POST /api/rest/x509_certificate/exchange': () => ({ service: 'Replication_HTTP', address: '127.0.0.1', port: 1, username: 'admin', password: 'x' }),
    'POST /api/rest/remote_system': () => ({ management_address: '127.0.0.1', management_port: 1, type: 'PowerStore' }),
    'POST /api/rest/replication_session/:id/failover': () => ({ is_planned: true }),
    'POST /api/v1/session': () => ({ user_name: 'nobody', password: 'wrong-password' }),
    'POST /api/v1/volume': () => ({ name: freshName('e').slice(0, 32), capacity: 64, tpp_id: 0 }),
    'POST /api/v1/copysession/rec': () => ({ source_volume_id: rng.pick(live.eternusVolumes.length ? live.eternusVolumes : [0]), destination_volume_id: 1, source_boxid: live.boxA, destination_boxid: live.boxB, transfer_mode: 'Consistency' }),
    'PATCH /api/v1/copysession/:id': () => ({ transfer_mode: 'Consistency' }),
    'POST /api/v1/copysession/suspend': () => ({ copysession_id_list: [rng.pick(live.copySessions.length ? live.copySessions : [1])], is_forced: true }),
    'POST /api/v1/copysession/:id/suspend': () => ({ is_forced: rng.chance(0.5) }),
  };
  return table[route]?.();
}

const DEEP_MARKER = '\u0000deep\u0000';

/** A hostile value of the same JSON type as a valid one: where a type check passes, the range check must hold. */
function sameTypeHostile(valid: unknown, rng: Rng): unknown {
  if (typeof valid === 'number') return rng.pick([0, -1, -0.5, 1.5, 65535, 65536, 2 ** 31, 2 ** 53, 2 ** 53 + 2, 1e30, -1e30, 1e308, Number.MAX_SAFE_INTEGER, 268435457]);
  if (typeof valid === 'string') return rng.pick(['', ' ', 'x'.repeat(rng.pick([32, 33, 128, 129, 256, 5000])), '名前', '🙂', 'a\u0000b', 'NaN', '-1', 'name:x', '127.0.0.1:1', '[::1]', '*', '%']);
  if (typeof valid === 'boolean') return rng.pick(['true', 1, 0, null]);
  if (Array.isArray(valid)) return rng.pick([[], [null], [1], ['x'], Array.from({ length: 300 }, () => 'x'), [...valid, ...valid]]);
  return rng.pick([null, [], 'x']);
}

function body(route: string, method: string, live: Live, rng: Rng): string | undefined {
  if (method === 'GET' || method === 'HEAD') return rng.chance(0.03) ? rawBody(rng) : undefined;
  const liveIds = Object.values(live.ids).flat();
  const valid = template(route, live, rng);
  const r = rng.next();
  if (r < 0.1) return undefined;
  if (r < 0.22) return rawBody(rng);
  if (valid && r < 0.75) {
    const keys = Object.keys(valid);
    const edits = rng.int(1, 2);
    for (let i = 0; i < edits; i++) {
      const what = rng.int(0, 3);
      if (what === 0 && keys.length) {
        const key = rng.pick(keys);
        valid[key] = rng.chance(0.1) ? DEEP_MARKER : rng.chance(0.5) ? sameTypeHostile(valid[key], rng) : hostileValue(rng, liveIds);
      }
      else if (what === 1 && keys.length) delete valid[rng.pick(keys)];
      else if (what === 2) valid[rng.pick(FIELD_NAMES)] = hostileValue(rng, liveIds);
      // what === 3: leave it valid (the state decides)
    }
    // A value nested thousands deep cannot go through JSON.stringify: spliced in as text.
    return JSON.stringify(valid).replace(`"${DEEP_MARKER}"`, () => deepJson(rng.pick([50, 1000, 5000]), rng.chance(0.5)));
  }
  const out: Record<string, unknown> = {};
  for (let i = rng.int(0, 4); i > 0; i--) out[rng.pick(FIELD_NAMES)] = hostileValue(rng, liveIds);
  return JSON.stringify(out);
}

/** The id for `:id`: a live one of the route's resource (also as name:<name>), or a hostile one. */
function pathId(route: string, live: Live, rng: Rng): string {
  const resource = route.split('/')[3] ?? '';
  if (rng.chance(0.45)) return hostileId(rng);
  if (route.startsWith(ETERNUS_PREFIX)) {
    const pool = resource === 'volume' ? live.eternusVolumes : resource === 'copysession' ? live.copySessions : resource === 'job' ? live.eternusJobs : resource === 'session' ? [live.eternusSession] : [0];
    return String(pool.length ? rng.pick(pool) : rng.int(0, 30));
  }
  const fixed: Record<string, string[]> = { appliance: ['A1'], cluster: ['0'], role: ['1', '3', '9'] };
  const pool = live.ids[resource] ?? fixed[resource] ?? [];
  if (pool.length === 0) return hostileId(rng);
  const names = live.names[resource] ?? [];
  if (names.length && rng.chance(0.15)) return `name:${encodeURIComponent(rng.pick(names))}`;
  return rng.pick(pool);
}

function query(route: string, method: string, attributes: readonly string[], rng: Rng): string {
  if (rng.chance(0.5)) return '';
  const eternus = route.startsWith(ETERNUS_PREFIX);
  const attr = () => (attributes.length && rng.chance(0.7) ? rng.pick(attributes) : rng.pick(['nope', 'id', 'name', 'protection_data->>source_id', 'a.b', '(', '名前']));
  const parts: string[] = [];
  for (let i = rng.int(1, 3); i > 0; i--) {
    if (eternus) {
      const key = rng.pick(['fields', 'last_get_id', 'copysession_id', 'volume_id', 'is_copy_source_volume', 'is_forced', 'nope', 'fields']);
      const value = rng.chance(0.5) ? rng.pick(['name', 'volume_id,name', 'nope', '1', '0', '-1', 'true', 'false', '1,2,3', '99999999999999999999']) : hostileQueryValue(rng);
      parts.push(`${key}=${value}`);
      continue;
    }
    switch (rng.int(0, 7)) {
      case 0:
        parts.push(`select=${encodeURIComponent(rng.pick([attr(), `${attr()},${attr()}`, '*', `id,${attr()}(id,${attr()})`, 'a(b(c(d(e(f(g(h(i(j))))))))))', ',,', '(', 'id)', 'nope', `${attr()},nope`, '*,nope(id)']))}`);
        break;
      case 1:
        parts.push(`${encodeURIComponent(attr())}=${rng.pick(['eq', 'neq', 'gt', 'lt', 'like', 'ilike', 'in', 'is', 'cs', 'cd', 'not.eq', 'nope', ''])}.${hostileQueryValue(rng)}`);
        break;
      case 2:
        parts.push(`order=${encodeURIComponent(`${attr()}${rng.pick(['', '.asc', '.desc', '.nope'])}`)}`);
        break;
      case 3:
        parts.push(`${rng.pick(['limit', 'offset'])}=${rng.pick(['0', '1', '-1', '2000', '2001', '1e30', 'x', '99999999999999999999', ''])}`);
        break;
      case 4:
        parts.push(`is_async=${rng.pick(['true', 'false', 'maybe', '', '1'])}`);
        break;
      case 5:
        parts.push(`${rng.pick(['and', 'or'])}=${encodeURIComponent(rng.pick(['(size.gt.50,name.eq.x)', '(', '()', '(a.b.c)', '(or(and(x.eq.1)))']))}`);
        break;
      case 6:
        parts.push(`${rng.pick(['nope', 'fields', '名前', '__proto__'])}=${hostileQueryValue(rng)}`);
        break;
      default:
        parts.push(hostileQueryValue(rng));
    }
  }
  return `?${parts.join('&')}`;
}

function headers(dialect: Dialect, hasBody: boolean, live: Live, rng: Rng): { headers: Record<string, string>; as: FuzzRequest['as'] } {
  const h: Record<string, string> = {};
  const a = rng.next();
  const as: FuzzRequest['as'] = a < 0.85 ? 'admin' : a < 0.91 ? 'readonly' : 'other';
  if (dialect === 'powerstore') {
    h.authorization = a < 0.85 ? live.auth.psAdmin : a < 0.91 ? live.auth.psOperator : rng.pick(['', 'Basic !!!', 'Basic ' + Buffer.from('admin:wrong').toString('base64'), 'Bearer x', 'Basic']);
    if (rng.chance(0.04)) h.cookie = rng.pick(['auth_cookie=nope', 'auth_cookie=', '=;;;']);
    if (rng.chance(0.04)) h['dell-emc-token'] = rng.pick(['nope', '', 'x'.repeat(300)]);
    if (rng.chance(0.05)) h.range = rng.pick(['items=0-10', 'items=-1--5', 'items=99999999999999999999-1', 'bytes=0-1', 'garbage', 'items=5-1']);
  } else {
    h.authorization = a < 0.85 ? live.auth.etAdmin : a < 0.91 ? live.auth.etMonitor : rng.pick(['', 'Bearer nope', 'Bearer ' + 'x'.repeat(2000), 'Basic abc', 'Bearer']);
  }
  if (rng.chance(0.05)) h.accept = rng.pick(['text/html', 'application/xml', '*/*;q=0', 'application/json;q=0']);
  if (hasBody || rng.chance(0.05)) {
    h['content-type'] = rng.chance(0.85) ? 'application/json' : rng.pick(['text/plain', 'application/json; charset=utf-8', 'application/xml', 'application/json;;', 'multipart/form-data', 'APPLICATION/JSON']);
  }
  return { headers: h, as };
}

/** Query parameters each ETERNUS mutation takes (docs/eternus.md): only DELETE /copysession/{id}'s is_forced. */
const ETERNUS_MUTATION_QUERY: Record<string, string[]> = { 'DELETE /api/v1/copysession/:id': ['is_forced'] };

function hasUnknownMutationQuery(route: string, method: string, url: string): boolean {
  if (!route.includes(' /api/v1/') || method === 'GET' || method === 'HEAD' || !url.includes('?')) return false;
  const allowed = ETERNUS_MUTATION_QUERY[route] ?? [];
  try {
    return [...new URLSearchParams(url.slice(url.indexOf('?') + 1)).keys()].some((k) => !allowed.includes(k));
  } catch {
    return true;
  }
}

/** Top-level items of `select=` (split at commas outside parentheses). */
function hasUnknownSelect(url: string): boolean {
  const raw = /[?&]select=([^&]*)/.exec(url)?.[1];
  if (raw === undefined) return false;
  let text: string;
  try {
    text = decodeURIComponent(raw);
  } catch {
    return false;
  }
  let depth = 0;
  let item = '';
  const items: string[] = [];
  for (const c of text) {
    if (c === '(') depth++;
    if (c === ')') depth--;
    if (c === ',' && depth === 0) {
      items.push(item.trim());
      item = '';
    } else if (depth === 0 && c !== ')') item += c;
  }
  items.push(item.trim());
  return items.includes('nope');
}

export function generate(routes: readonly RouteEntry[], live: Live, attributesOf: (resource: string) => readonly string[], rng: Rng): FuzzRequest {
  const entry = rng.pick(routes);
  const route = `${entry.method} ${entry.url}`;
  const dialect: Dialect = entry.url.startsWith(ETERNUS_PREFIX) ? 'eternus' : 'powerstore';
  const path = entry.url.replace(/:(\w+)/g, () => pathId(entry.url, live, rng));
  const payload = body(route, entry.method, live, rng);
  const resource = entry.url.split('/')[3] ?? '';
  const url = path + query(entry.url, entry.method, attributesOf(resource), rng);
  const { headers: h, as } = headers(dialect, payload !== undefined, live, rng);
  return {
    dialect,
    route,
    as,
    unknownMutationQuery: hasUnknownMutationQuery(route, entry.method, url),
    unknownSelect: dialect === 'powerstore' && entry.method === 'GET' && hasUnknownSelect(url),
    method: entry.method,
    url,
    headers: h,
    ...(payload === undefined ? {} : { payload }),
  };
}
