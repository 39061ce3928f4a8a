// The one place where domain errors become PowerStore responses: status code and error_response
// body ({messages:[{code, severity, message_l10n, arguments}]}). Codes are the vendor's where
// known (research/powerstore-api.md §2.8); the rest are Tandem's own, listed in docs/powerstore.md.
import type { ErrorCode } from '../../core/errors.ts';
import { DomainError, NameInUseError, NotMappedError } from '../../core/errors.ts';
import { RuleNotFoundError, RuleNotInPolicyError } from '../../core/protection.ts';
import { AlreadyFailedOverError } from '../../core/replication/rules.ts';
import { QueryError } from './query/index.ts';

export interface PowerStoreError {
  status: number;
  body: { messages: { code: string; severity: 'Error'; message_l10n: string; arguments: string[]; severity_l10n?: string }[] };
}

/** Every domain code has a status and a vendor code; a test checks that none is missing. */
export const ERROR_MAP: Record<ErrorCode, { status: number; code: string }> = {
  VALIDATION_FAILED: { status: 400, code: '0xE04040030001' },
  UNKNOWN_PROPERTY: { status: 400, code: '0xE04040030001' },
  INVALID_ENUM: { status: 400, code: '0xE04040010005' },
  NOT_FOUND: { status: 404, code: '0xE04040020009' },
  NAME_IN_USE: { status: 400, code: '0xE0A07001000B' },
  STATE_INVALID: { status: 422, code: '0xE04040040001' },
  IN_USE: { status: 422, code: '0xE04040040002' },
  OPERATION_IN_PROGRESS: { status: 422, code: '0xE04040040003' },
  READ_ONLY: { status: 422, code: '0xE04040040004' },
  NO_SPACE: { status: 422, code: '0xE04040040005' },
  UNAUTHENTICATED: { status: 401, code: '0xE04040010001' },
  FORBIDDEN: { status: 403, code: '0xE04040010002' },
  PEER_UNREACHABLE: { status: 422, code: '0xE0201002004B' },
  INTERNAL: { status: 500, code: '0xE04040050001' },
};

/** Vendor codes for not-found of specific kinds, as PyPowerStore and gopowerstore see them. */
const NOT_FOUND_CODES: Partial<Record<string, string>> = {
  volume: '0xE0A07001000C',
  policy: '0xE0A090010001',
};

export function errorBody(code: string, message: string, args: string[] = []): PowerStoreError['body'] {
  return { messages: [{ code, severity: 'Error', message_l10n: message, arguments: args, severity_l10n: 'Error' }] };
}

/**
 * Detaching a volume that is not mapped: 0xE0A08001000F (Cinder's VOLUME_NOT_MAPPED_ERROR), 422 on
 * POST /volume/{id}/detach. On POST /host/{id}/detach gopowerstore's HostIsNotAttachedToVolume
 * expects 400, and the CSI driver's detachVolumeFromHost treats a message containing "Host is not
 * attached to volume" as already done.
 */
function notMappedError(error: NotMappedError): PowerStoreError {
  if (error.addressed === 'host') {
    const message = `Host is not attached to volume ${error.volumeName} (host ${error.hostName}).`;
    return { status: 400, body: errorBody('0xE0A08001000F', message, [error.hostName, error.volumeName]) };
  }
  return { status: 422, body: errorBody('0xE0A08001000F', error.message, [error.volumeName, error.hostName]) };
}

export function toPowerStoreError(error: unknown): PowerStoreError {
  if (error instanceof QueryError) {
    return { status: error.status, body: errorBody(error.status === 416 ? '0xE04040030002' : '0xE04040030001', error.message, [error.message]) };
  }
  if (error instanceof RuleNotFoundError) return { status: 404, body: errorBody('0xE0203001000B', error.message, error.details.arguments) };
  if (error instanceof AlreadyFailedOverError) return { status: 422, body: errorBody('0xE0201005000C', error.message, [error.details.id ?? '']) };
  if (error instanceof RuleNotInPolicyError) return { status: 404, body: errorBody('0xE02020010007', error.message, error.details.arguments) };
  if (error instanceof NotMappedError) return notMappedError(error);
  if (error instanceof DomainError) {
    const mapped = ERROR_MAP[error.code];
    let status = mapped.status;
    let code = mapped.code;
    if (error.code === 'NOT_FOUND' && error.details.kind) code = NOT_FOUND_CODES[error.details.kind] ?? code;
    // gopowerstore expects 422 (or 500) for a volume name already in use (VolumeNameIsAlreadyUse),
    // but 400 for a snapshot's (SnapshotNameIsAlreadyUse; the CSI driver's CreateSnapshot then looks
    // the snapshot up by name), and 400 for other kinds.
    if (error.code === 'NAME_IN_USE' && error.details.kind === 'volume' && !(error instanceof NameInUseError && error.label === 'snapshot')) status = 422;
    return { status, body: errorBody(code, error.message, error.details.arguments ?? []) };
  }
  const fastify = error as { statusCode?: number; message?: string; code?: string };
  if (fastify && typeof fastify.statusCode === 'number' && fastify.statusCode < 500) {
    return { status: fastify.statusCode, body: errorBody('0xE04040030001', `Validation failed: ${fastify.message ?? 'bad request'}`, []) };
  }
  return { status: 500, body: errorBody(ERROR_MAP.INTERNAL.code, 'An internal error occurred.', []) };
}

/**
 * Requests refused before routing (http-server.ts): a path segment or request line too long, a
 * malformed URL or request head, a path outside every API. Shown in error_response shape like every
 * other answer here.
 */
export type TransportErrorKind = 'uri_too_long' | 'headers_too_large' | 'bad_url' | 'bad_request' | 'timeout' | 'not_found';

export function transportError(kind: TransportErrorKind, detail: string): PowerStoreError {
  if (kind === 'not_found') return { status: 404, body: errorBody('0xE04040020001', detail) };
  const status = { uri_too_long: 414, headers_too_large: 431, bad_url: 400, bad_request: 400, timeout: 408 }[kind];
  return { status, body: errorBody('0xE04040030001', `Validation failed: ${detail}`, [detail]) };
}
