// JSON schemas of the control API's parameters, bodies and answers. Fastify validates requests
// against them before a handler runs (a bad body is a 400 naming the property, and changes
// nothing), and @fastify/swagger builds the OpenAPI document (/tandem/v1/openapi.json) from them.
// Answers are serialized with JSON.stringify, not from these schemas, so a schema that falls
// behind drops nothing: test/api/control-openapi.test.ts checks every answer against its schema.
// Bounds the core checks with a better message (fault ranges, name rules) are left to the core.
import { REC_BUFFER_MONITORING_MINUTES_MAX, REC_BUFFER_SIZE_MB_MAX } from '../../core/replication/rec-buffer.ts';

/** Who may call a route: anyone, any user, or an Administrator (HTTP Basic). */
export type ControlAccess = 'public' | 'user' | 'admin';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Who may call a control route (control/plugin.ts checks it on request). */
    access?: ControlAccess;
  }
}

/** Route options of a control route: its access, checked before validation, and its schema. */
export function controlRoute(access: ControlAccess, schema: RouteSchema): { config: { access: ControlAccess }; schema: RouteSchema } {
  const errors: Record<string, unknown> = {};
  if (schema.body || schema.params) errors['400'] = errorRef('The request is malformed: the message names the property.');
  if (access !== 'public') errors['401'] = errorRef('No or wrong credentials (HTTP Basic).');
  if (access === 'admin') errors['403'] = errorRef('The user is not an Administrator.');
  return {
    config: { access },
    schema: { ...schema, ...(access === 'public' ? {} : { security: [{ basicAuth: [] }] }), response: { ...errors, ...schema.response } },
  };
}

export interface RouteSchema {
  summary: string;
  description?: string;
  tags: string[];
  params?: object;
  body?: object;
  response: Record<string, unknown>;
  security?: { [scheme: string]: readonly string[] }[];
}

/** The control API's error body, registered once with addSchema. */
export const ERROR_SCHEMA = {
  $id: 'ControlError',
  type: 'object',
  description: 'An error. `error` is a stable code (VALIDATION_FAILED, NOT_FOUND, STATE_INVALID, UNAUTHENTICATED, FORBIDDEN, …).',
  required: ['error', 'message'],
  properties: { error: { type: 'string' }, message: { type: 'string' } },
} as const;

export function errorRef(description: string): object {
  return { description, $ref: 'ControlError#' };
}

const id = { type: 'string', minLength: 1 };
const idParams = (description: string) => ({ type: 'object', required: ['id'], properties: { id: { ...id, description } } });
const noContent = { description: 'Done; no body.', type: 'null' };

export const ROLE_NAMES = ['Administrator', 'Storage_Administrator', 'Operator', 'Admin', 'StorageAdmin', 'Monitor'] as const;

const user = {
  type: 'object',
  required: ['id', 'name', 'role', 'tenant'],
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    role: { type: 'string', enum: ['Administrator', 'Storage_Administrator', 'Operator'] },
    tenant: { type: ['string', 'null'], description: 'The ETERNUS tenant the user is limited to; null for all.' },
  },
};

const fault = {
  type: 'object',
  required: ['id', 'kind'],
  properties: {
    id: { type: 'string' },
    kind: { type: 'string', enum: ['link_down', 'delay', 'drop', 'bandwidth', 'write_error'] },
    delayMs: { type: 'integer', description: 'delay: milliseconds added to every call and stream.' },
    fraction: { type: 'number', description: 'drop: the fraction of calls refused.' },
    mibps: { type: 'number', description: 'bandwidth: MiB/s this system may send to the peer.' },
    peerSystemId: { type: 'string', description: 'Only the link to this peer (all links when absent).' },
    volume_id: { type: ['string', 'null'], description: 'write_error: the volume (null: every volume).' },
    count_remaining: { type: 'integer', description: 'write_error: host writes still to fail.' },
  },
};

const recBuffer = {
  type: 'object',
  required: ['size_mb', 'monitoring_time_minutes'],
  additionalProperties: false,
  properties: {
    size_mb: { type: 'integer', minimum: 1, maximum: REC_BUFFER_SIZE_MB_MAX, description: 'REC buffer per remote system, MiB.' },
    monitoring_time_minutes: { type: 'integer', minimum: 0, maximum: REC_BUFFER_MONITORING_MINUTES_MAX, description: 'Minutes the buffer may stay full before Consistency sessions halt; 0: never.' },
  },
};

const exchangeOffer = {
  type: 'object',
  // Open to properties a newer peer may add: pairing must work across versions.
  required: ['system_id', 'name', 'serial_number', 'box_id', 'version', 'cert_pem', 'address', 'management_port', 'peer_port'],
  properties: {
    system_id: { type: 'string', minLength: 1 },
    name: { type: 'string', minLength: 1 },
    serial_number: { type: 'string' },
    box_id: { type: 'string' },
    version: { type: 'string' },
    cert_pem: { type: 'string', minLength: 1, description: 'The system\'s peer certificate (PEM), pinned by the other side.' },
    address: { type: 'string', minLength: 1 },
    management_port: { type: 'integer', minimum: 0, maximum: 65535 },
    peer_port: { type: 'integer', minimum: 0, maximum: 65535 },
  },
};

export const SCHEMAS = {
  health: {
    summary: 'Is the system up (no authentication)',
    tags: ['system'],
    response: { 200: { description: 'The system is up.', type: 'object', required: ['status', 'name'], properties: { status: { type: 'string', enum: ['ok'] }, name: { type: 'string' } } } },
  },
  system: {
    summary: 'This system: identity, version and engine space',
    tags: ['system'],
    response: {
      200: {
        description: 'This system.',
        type: 'object',
        required: ['id', 'name', 'global_id', 'serial_number', 'box_id', 'version', 'engine'],
        properties: {
          id: { type: 'string' },
          name: { type: 'string' },
          global_id: { type: 'string', description: 'PowerStore global_id' },
          serial_number: { type: 'string' },
          box_id: { type: 'string', description: 'ETERNUS box id' },
          version: { type: 'string' },
          engine: {
            type: 'object',
            required: ['segmentBytes', 'liveBytes', 'volumes'],
            properties: {
              segmentBytes: { type: 'integer', description: 'Bytes of segment files on disk.' },
              liveBytes: { type: 'integer', description: 'Bytes still referenced by a volume or snapshot.' },
              volumes: { type: 'integer' },
              gcRuns: { type: 'integer', description: 'Garbage collections since the engine opened.' },
              defragmentedPages: { type: 'integer', description: 'Map pages rewritten contiguously since the engine opened.' },
              defragQueuedPages: { type: 'integer', description: 'Map pages waiting to be defragmented.' },
            },
          },
        },
      },
    },
  },
  createUser: {
    summary: 'Create a user',
    description: 'The ETERNUS role names Admin, StorageAdmin and Monitor are taken for Administrator, Storage_Administrator and Operator.',
    tags: ['users'],
    body: {
      type: 'object',
      required: ['name', 'password', 'role'],
      additionalProperties: false,
      properties: {
        name: { type: 'string', minLength: 1, maxLength: 64 },
        password: { type: 'string', minLength: 1 },
        role: { type: 'string', enum: [...ROLE_NAMES] },
        tenant: { type: ['string', 'null'], maxLength: 64, description: 'Limits the user to one ETERNUS tenant.' },
      },
    },
    response: { 201: { ...user, description: 'The user, created.' }, 409: errorRef('The name is in use.') },
  },
  listUsers: { summary: 'List the users', tags: ['users'], response: { 200: { description: 'Every user.', type: 'array', items: user } } },
  gc: {
    summary: 'Collect garbage in the engine now',
    tags: ['system'],
    response: { 200: { description: 'What the collection freed.', type: 'object', required: ['freedBytes'], properties: { freedBytes: { type: 'integer' }, relocatedBytes: { type: 'integer', description: 'Live data copied out of collected segments.' }, defragmentedPages: { type: 'integer' } } } },
  },
  setTenant: {
    summary: 'Move a volume to an ETERNUS tenant',
    tags: ['volumes'],
    params: idParams('A PowerStore volume id (UUID) or an ETERNUS volume_id (digits).'),
    body: {
      type: 'object',
      required: ['tenant'],
      additionalProperties: false,
      properties: { tenant: { type: ['string', 'null'], description: 'The tenant; null for none.' } },
    },
    response: {
      200: {
        description: 'The volume, with its tenant.',
        type: 'object',
        required: ['id', 'volume_id', 'name', 'tenant'],
        properties: { id: { type: 'string' }, volume_id: { type: 'integer' }, name: { type: 'string' }, tenant: { type: ['string', 'null'] } },
      },
      404: errorRef('No such volume.'),
    },
  },
  getRecBuffer: { summary: 'The REC buffer setting (ETERNUS Consistency mode)', tags: ['replication'], response: { 200: { ...recBuffer, description: 'The setting.' } } },
  putRecBuffer: { summary: 'Change the REC buffer setting', tags: ['replication'], body: recBuffer, response: { 200: { ...recBuffer, description: 'The setting, changed.' } } },
  peerExchange: {
    summary: 'Pairing: accept the other system\'s certificate and address, answer this system\'s',
    description: 'Called by the other system while a remote_system is created through either vendor API.',
    tags: ['replication'],
    body: exchangeOffer,
    response: { 200: { ...exchangeOffer, description: 'This system\'s offer.' } },
  },
  listFaults: { summary: 'The injected faults', tags: ['faults'], response: { 200: { description: 'Every active fault, of the peer link and of host writes.', type: 'array', items: fault } } },
  addFault: {
    summary: 'Inject a fault',
    description:
      'link_down cuts the peer link; delay adds delay_ms to every call; drop refuses a fraction of calls; bandwidth caps what this system sends (mibps); write_error fails the next `count` host writes (to volume_id, or any volume) with EIO; stop ends the system as a site failure would, after answering 202 (only a system in its own process).',
    tags: ['faults'],
    body: {
      type: 'object',
      required: ['kind'],
      additionalProperties: false,
      properties: {
        kind: { type: 'string', enum: ['link_down', 'delay', 'drop', 'bandwidth', 'write_error', 'stop'] },
        delay_ms: { type: 'integer', exclusiveMinimum: 0, description: 'delay: milliseconds.' },
        fraction: { type: 'number', exclusiveMinimum: 0, maximum: 1, description: 'drop: the fraction of calls refused.' },
        mibps: { type: 'number', description: 'bandwidth: MiB/s.' },
        count: { type: 'integer', description: 'write_error: how many host writes fail.' },
        volume_id: { type: ['string', 'integer'], description: 'write_error: a PowerStore volume id or an ETERNUS volume_id.' },
        peer_system_id: { type: 'string', description: 'Peer faults: only the link to this peer.' },
      },
    },
    response: {
      201: { description: 'The fault is active.', type: 'object', required: ['id'], properties: { id: { type: 'string' } } },
      202: { description: 'stop: the system stops once this answer has left.', type: 'object', required: ['kind'], properties: { kind: { type: 'string', enum: ['stop'] } } },
      404: errorRef('write_error: no such volume.'),
    },
  },
  removeFault: {
    summary: 'Remove an injected fault',
    tags: ['faults'],
    params: idParams('The fault id POST /faults answered.'),
    response: { 204: noContent, 404: errorRef('No such fault.') },
  },
} satisfies Record<string, RouteSchema>;
