// What every fuzzed answer must satisfy: no 5xx (ETERNUS's documented 503s excepted), every error
// body in its dialect's shape, and a refused mutation leaves both systems as they were.
import type { RunningSystem } from '../../../src/system.ts';
import type { Dialect, FuzzRequest } from './generate.ts';

/** ETERNUS's 503s are part of the dialect (docs/eternus.md): busy, job table full, remote box unreachable. */
const ETERNUS_503_CODES = new Set(['0060', '0061', '0150']);

export function problems(dialect: Dialect, status: number, text: string): string[] {
  const found: string[] = [];
  let body: unknown = undefined;
  if (text.length > 0) {
    try {
      body = JSON.parse(text);
    } catch {
      found.push(`answer is not JSON: ${text.slice(0, 120)}`);
      return found;
    }
  }
  if (status < 400) return found;
  if (dialect === 'powerstore') found.push(...powerStoreShape(body));
  else found.push(...eternusShape(body));
  if (status >= 500) {
    const code = (body as { error_code?: string } | undefined)?.error_code;
    if (!(dialect === 'eternus' && status === 503 && code !== undefined && ETERNUS_503_CODES.has(code))) found.push(`status ${status}`);
  }
  return found;
}

function powerStoreShape(body: unknown): string[] {
  const messages = (body as { messages?: unknown } | undefined)?.messages;
  if (!Array.isArray(messages) || messages.length === 0) return [`not an error_response: ${JSON.stringify(body)?.slice(0, 160)}`];
  const out: string[] = [];
  for (const m of messages as Record<string, unknown>[]) {
    if (typeof m.code !== 'string' || !/^0x[0-9A-F]{12}$/.test(m.code)) out.push(`bad code ${JSON.stringify(m.code)}`);
    if (m.severity !== 'Error') out.push(`bad severity ${JSON.stringify(m.severity)}`);
    if (typeof m.message_l10n !== 'string' || m.message_l10n.length === 0) out.push('no message_l10n');
    if (!Array.isArray(m.arguments)) out.push('no arguments array');
  }
  return out;
}

function eternusShape(body: unknown): string[] {
  const b = body as Record<string, unknown> | undefined;
  if (!b || typeof b !== 'object' || Array.isArray(b)) return [`not an ETERNUS error: ${JSON.stringify(body)?.slice(0, 160)}`];
  const keys = Object.keys(b).sort().join(',');
  if (keys !== 'error_code,internal_code,message') return [`ETERNUS error keys ${keys}: ${JSON.stringify(b).slice(0, 160)}`];
  const out: string[] = [];
  if (typeof b.error_code !== 'string' || !/^[0-9A-F]{4}$/.test(b.error_code)) out.push(`bad error_code ${JSON.stringify(b.error_code)}`);
  if (typeof b.message !== 'string' || !/ \(.*\)$/s.test(b.message)) out.push(`message not "Description (Factor)": ${JSON.stringify(b.message)?.slice(0, 120)}`);
  if (typeof b.internal_code !== 'string') out.push('no internal_code');
  return out;
}

/** Kinds of the metadata a request can change; what a refused request must leave as it was. */
const KINDS = ['volume', 'volume_group', 'host', 'host_volume_mapping', 'snapshot_rule', 'replication_rule', 'policy', 'job', 'user', 'snapshot_schedule', 'replication_session', 'remote_system', 'trust'] as const;

/** Every object of every kind on both systems, as one comparable string. */
export function snapshot(systems: readonly RunningSystem[]): string {
  return JSON.stringify(systems.map((s) => KINDS.map((kind) => s.services.ctx.meta.listShared(kind))));
}

/** The first difference between two snapshots, for the failure message. */
export function firstDifference(before: string, after: string): string {
  let i = 0;
  while (i < before.length && before[i] === after[i]) i++;
  return `…${before.slice(Math.max(0, i - 80), i + 80)}… became …${after.slice(Math.max(0, i - 80), i + 80)}…`;
}

/** Mutations every role may send: logins, logouts, reads through POST, one's own jobs. */
const OPEN_TO_READ_ONLY = new Set([
  'POST /api/rest/logout',
  'POST /api/rest/remote_system/:id/query_appliances',
  'POST /api/rest/metrics/generate',
  'POST /api/rest/volume/:id/compute_differences',
  'POST /api/v1/session',
  'DELETE /api/v1/session/:id',
  'DELETE /api/v1/job/:id',
]);
/** What may refuse a request before its role is known: the edge (size, media type, accept), authentication, routing. */
const BEFORE_ROLE = new Set([401, 403, 404, 406, 413, 414, 415]);

/** Answers that contradict what the request asked for, beyond their shape. */
export function semanticProblems(request: FuzzRequest, status: number): string[] {
  const out: string[] = [];
  const mutation = request.method !== 'GET' && request.method !== 'HEAD';
  if (mutation && request.as === 'readonly' && !OPEN_TO_READ_ONLY.has(request.route) && !BEFORE_ROLE.has(status) && !pathMalformed(request.url)) {
    out.push(`a read-only user's mutation answered ${status} instead of 403`);
  }
  if (request.unknownMutationQuery && status < 300) out.push('an ETERNUS mutation with an unknown query parameter was accepted');
  if (request.unknownSelect && status < 300) out.push(`a select of an unknown attribute answered ${status}`);
  return out;
}

/** A path the router refuses before it knows the route (bad percent-encoding): 400 comes first. */
function pathMalformed(url: string): boolean {
  try {
    decodeURIComponent(url.split('?')[0]!);
    return false;
  } catch {
    return true;
  }
}
