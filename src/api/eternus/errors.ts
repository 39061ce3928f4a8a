// ETERNUS error bodies (research/eternus-api.md §1.3): {error_code, message, internal_code}, with
// error_code a 4-digit code in the style of ETERNUS CLI messages and message "Description (Factor)".
// Every core ErrorCode maps to one status and code here; errors.test.ts checks that none is missing.
import { DomainError, type ErrorCode } from '../../core/errors.ts';

export interface EternusErrorBody {
  error_code: string;
  message: string;
  internal_code: string;
}

export interface MappedError {
  status: number;
  body: EternusErrorBody;
}

interface Entry {
  status: number;
  code: string;
  text: string;
}

/**
 * Only 0001 (bad value) and 0060 (busy) are seen in public material; the other codes are
 * Tandem's own and stable (docs/eternus.md lists them).
 */
export const ERROR_MAP: Record<ErrorCode, Entry> = {
  VALIDATION_FAILED: { status: 400, code: '0001', text: 'Bad value' },
  UNKNOWN_PROPERTY: { status: 400, code: '0002', text: 'Unknown parameter' },
  INVALID_ENUM: { status: 400, code: '0001', text: 'Bad value' },
  NOT_FOUND: { status: 404, code: '0110', text: 'Resource does not exist' },
  NAME_IN_USE: { status: 409, code: '0112', text: 'Name already registered' },
  STATE_INVALID: { status: 409, code: '0101', text: 'Incorrect resource status' },
  IN_USE: { status: 409, code: '0111', text: 'Resource is in use' },
  OPERATION_IN_PROGRESS: { status: 503, code: '0060', text: 'Resource is busy' },
  READ_ONLY: { status: 409, code: '0114', text: 'Resource is write-protected' },
  NO_SPACE: { status: 409, code: '0120', text: 'Not enough capacity' },
  UNAUTHENTICATED: { status: 401, code: '0041', text: 'Authentication failed' },
  FORBIDDEN: { status: 403, code: '0040', text: 'Not allowed for the user' },
  PEER_UNREACHABLE: { status: 503, code: '0150', text: 'Remote storage system not reachable' },
  INTERNAL: { status: 500, code: '0020', text: 'Internal error' },
};

/** Errors of the ETERNUS edge that have no core code. */
export const EDGE_ERRORS = {
  ROUTE_NOT_FOUND: { status: 404, code: '0110', text: 'Resource does not exist' },
  BODY_TOO_LARGE: { status: 413, code: '0003', text: 'Request too large' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, code: '0005', text: 'Content-Type is not application/json' },
  JOB_TABLE_FULL: { status: 503, code: '0061', text: 'Job table is full' },
  PARAMETER_COMBINATION: { status: 400, code: '0019', text: 'Inconsistent parameter' },
} as const satisfies Record<string, Entry>;

/** An error raised by the ETERNUS edge itself, rendered as-is. */
export class EternusEdgeError extends Error {
  constructor(
    readonly entry: Entry,
    readonly factor: string,
    readonly internalCode = 'EDGE',
  ) {
    super(`${entry.text} (${factor})`);
    this.name = 'EternusEdgeError';
  }
}

export function edgeError(kind: keyof typeof EDGE_ERRORS, factor: string): EternusEdgeError {
  return new EternusEdgeError(EDGE_ERRORS[kind], factor, kind);
}

export function errorBody(entry: Entry, factor: string, internalCode: string): EternusErrorBody {
  return { error_code: entry.code, message: `${entry.text} (${factor})`, internal_code: internalCode };
}

export function toEternusError(error: unknown): MappedError {
  if (error instanceof EternusEdgeError) {
    return { status: error.entry.status, body: errorBody(error.entry, error.factor, error.internalCode) };
  }
  if (error instanceof DomainError) {
    const entry = ERROR_MAP[error.code];
    return { status: entry.status, body: errorBody(entry, error.message, error.code) };
  }
  const fastify = error as { statusCode?: number; message?: string; code?: string };
  if (fastify && fastify.statusCode === 413) return { status: 413, body: errorBody(EDGE_ERRORS.BODY_TOO_LARGE, 'body', fastify.code ?? 'BODY_TOO_LARGE') };
  if (fastify && fastify.statusCode === 415) return { status: 415, body: errorBody(EDGE_ERRORS.UNSUPPORTED_MEDIA_TYPE, 'Content-Type', fastify.code ?? 'MEDIA_TYPE') };
  if (fastify && typeof fastify.statusCode === 'number' && fastify.statusCode < 500) {
    return { status: 400, body: errorBody(ERROR_MAP.VALIDATION_FAILED, fastify.message ?? 'request', fastify.code ?? 'BAD_REQUEST') };
  }
  return { status: 500, body: errorBody(ERROR_MAP.INTERNAL, 'internal', 'INTERNAL') };
}

/**
 * Requests refused before routing (http-server.ts). A request line or head too large is 413
 * `0003` as the vendor documents for the request line; a malformed one is 400 `0001`.
 */
export function transportError(kind: 'uri_too_long' | 'headers_too_large' | 'bad_url' | 'bad_request' | 'timeout' | 'not_found', detail: string): MappedError {
  if (kind === 'not_found') return { status: 404, body: errorBody(EDGE_ERRORS.ROUTE_NOT_FOUND, detail, 'ROUTE_NOT_FOUND') };
  if (kind === 'uri_too_long' || kind === 'headers_too_large') return { status: 413, body: errorBody(EDGE_ERRORS.BODY_TOO_LARGE, detail, kind.toUpperCase()) };
  if (kind === 'timeout') return { status: 408, body: errorBody(ERROR_MAP.VALIDATION_FAILED, detail, 'REQUEST_TIMEOUT') };
  return { status: 400, body: errorBody(ERROR_MAP.VALIDATION_FAILED, detail, kind.toUpperCase()) };
}
