// The one place where errors cross the peer link. A DomainError thrown by a remote handler is
// re-thrown locally with the same code, message and details, so a remote NOT_FOUND is a NOT_FOUND
// here; anything else becomes INTERNAL, without leaking the remote stack. Link failures are
// PEER_UNREACHABLE.
import { DomainError, type ErrorCode } from '../core/errors.ts';

export interface WireError {
  code: ErrorCode;
  message: string;
  details: DomainError['details'];
}

const KNOWN_CODES: ReadonlySet<string> = new Set<ErrorCode>([
  'VALIDATION_FAILED', 'UNKNOWN_PROPERTY', 'INVALID_ENUM', 'NOT_FOUND', 'NAME_IN_USE', 'STATE_INVALID',
  'IN_USE', 'OPERATION_IN_PROGRESS', 'READ_ONLY', 'NO_SPACE', 'UNAUTHENTICATED', 'FORBIDDEN',
  'PEER_UNREACHABLE', 'INTERNAL',
]);

export function toWireError(error: unknown): WireError {
  if (error instanceof DomainError) {
    return { code: error.code, message: error.message, details: error.details };
  }
  return { code: 'INTERNAL', message: 'The remote system failed to handle the request.', details: {} };
}

/** Rebuilds a DomainError from a wire body; a body that is not a well-formed error is INTERNAL. */
export function fromWireError(value: unknown, peerSystemId: string): DomainError {
  if (typeof value !== 'object' || value === null) {
    return new DomainError('INTERNAL', `Peer ${peerSystemId} sent a malformed error.`);
  }
  const body = value as Partial<WireError>;
  const code = typeof body.code === 'string' && KNOWN_CODES.has(body.code) ? body.code : 'INTERNAL';
  const message = typeof body.message === 'string' ? body.message : `Peer ${peerSystemId} failed the call.`;
  const details = typeof body.details === 'object' && body.details !== null ? body.details : {};
  return new DomainError(code, message, details);
}

/** A link failure: the peer could not be reached or the link broke while a call was in flight. */
export function unreachable(peerSystemId: string, reason: string, cause?: unknown): DomainError {
  return new DomainError(
    'PEER_UNREACHABLE',
    `Remote system ${peerSystemId} is unreachable: ${reason}.`,
    { kind: 'remote_system', id: peerSystemId, arguments: [peerSystemId, reason] },
    cause === undefined ? undefined : { cause },
  );
}

export function isPeerUnreachable(error: unknown): error is DomainError {
  return error instanceof DomainError && error.code === 'PEER_UNREACHABLE';
}
