// The console's control routes as the OpenAPI document (/tandem/v1/openapi.json) shows them: the
// overview's answer, field by field (test/api/openapi.test.ts checks real answers against it), and
// the stream, whose body is server-sent events carrying the same overview.
import type { RouteSchema } from '../control/schemas.ts';

const str = { type: 'string' };
const strOrNull = { type: ['string', 'null'] };
const num = { type: 'number' };
const numOrNull = { type: ['number', 'null'] };
const points = { type: 'array', items: { type: 'array', items: num, minItems: 2, maxItems: 2 }, description: '[time in ms since 1970, value] pairs, oldest first.' };

const obj = (properties: Record<string, unknown>, description?: string) => ({ type: 'object', required: Object.keys(properties), properties, ...(description ? { description } : {}) });

const session = obj({
  id: str,
  resource_name: str,
  resource_type: { type: 'string', enum: ['volume', 'volume_group'] },
  resource_id: str,
  role: { type: 'string', enum: ['Source', 'Destination'] },
  source_system: str,
  destination_system: str,
  remote_system: str,
  transfer_mode: str,
  split_mode: str,
  recovery_mode: str,
  rpo_seconds: { ...numOrNull, description: 'null for a synchronous session.' },
  rule_name: strOrNull,
  state: { ...str, description: "The core's state." },
  powerstore_state: { ...str, description: 'The state as the PowerStore dialect names it (replication_session.state).' },
  eternus_status: { ...str, description: 'The ETERNUS copy session status (Active, Halt, Error).' },
  eternus_phase: { ...str, description: 'The ETERNUS copy session phase (Copying, Equivalent, Suspend).' },
  copysession_id: { type: ['integer', 'null'], description: "The ETERNUS copysession_id of a volume session; null for a group's." },
  lag_seconds: { ...numOrNull, description: "Age of the destination's consistent copy." },
  rpo_compliant: { type: 'boolean' },
  last_sync: strOrNull,
  next_sync: strOrNull,
  failover_test: { type: 'boolean' },
  error_code: strOrNull,
  progress: {
    type: ['object', 'null'],
    description: 'While a copy runs on the source: percent, bytes left, rate and time left (null when not measured).',
    required: ['percent', 'remaining_bytes', 'rate_bytes_per_second', 'seconds_left'],
    properties: { percent: numOrNull, remaining_bytes: numOrNull, rate_bytes_per_second: numOrNull, seconds_left: numOrNull },
  },
  history: obj({ lag: { ...points, description: 'Lag in seconds over the last hour.' }, throughput: { ...points, description: 'Bytes shipped per second over the last hour (source only).' } }),
});

const remote = obj({
  id: str,
  name: str,
  peer_system_id: str,
  box_id: str,
  console_url: str,
  data_connection_state: str,
  link: { type: 'string', enum: ['connected', 'degraded', 'lost', 'initializing'] },
  round_trip_ms: numOrNull,
  faults: { type: 'array', items: str },
});

const overview = obj(
  {
    now: str,
    user: obj({ name: str, role: str, tenant: strOrNull, may_act: { type: 'boolean' }, is_admin: { type: 'boolean' } }),
    system: obj({ id: str, name: str, version: str, box_id: str, nbd_url: str, volumes: { type: 'integer' }, used_bytes: num, stored_bytes: num, free_bytes: num }),
    remotes: { type: 'array', items: remote },
    sessions: { type: 'array', items: session },
    visible_ids: { type: ['array', 'null'], items: str, description: "A tenant user's visible volume and group ids; null for a user of no tenant." },
    last_event_id: strOrNull,
    active_alerts: { type: 'integer' },
  },
  'This system, its paired systems and the replication sessions the user may see.',
);

export const CONSOLE_SCHEMAS: Record<'overview' | 'stream', RouteSchema> = {
  overview: {
    summary: "The console's overview: systems, links and sessions with lag and RPO compliance",
    tags: ['console'],
    response: { 200: overview },
  },
  stream: {
    summary: 'The overview, live (server-sent events)',
    description: 'Sends `event: overview` at once, after every change (`event: change` names its kind first) and every second.',
    tags: ['console'],
    response: {
      200: { description: 'A text/event-stream of overviews.', content: { 'text/event-stream': { schema: { type: 'string' } } } },
      409: { description: 'Too many console streams are open on this system.', $ref: 'ControlError#' },
    },
  },
};
