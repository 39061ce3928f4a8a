// Typed domain errors. Core and engine throw these with a stable code and no HTTP status;
// each dialect maps codes to its own status and body in one errors.ts at its edge.

export type ErrorCode =
  | 'VALIDATION_FAILED' // a value is malformed, out of range, or of the wrong type
  | 'UNKNOWN_PROPERTY' // a request body has a property the schema does not allow
  | 'INVALID_ENUM' // a value is not one of the allowed enum values
  | 'NOT_FOUND' // the addressed object does not exist
  | 'NAME_IN_USE' // another object of the same kind already has this name
  | 'STATE_INVALID' // the operation is not allowed in the object's current state
  | 'IN_USE' // the object is referenced and cannot be deleted or changed that way
  | 'OPERATION_IN_PROGRESS' // another operation is running on the object
  | 'READ_ONLY' // the object is read-only (snapshot, replication destination)
  | 'NO_SPACE' // capacity exhausted
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'PEER_UNREACHABLE' // the remote system cannot be reached
  | 'INTERNAL';

export type ResourceKind =
  | 'volume'
  | 'volume_group'
  | 'host'
  | 'host_volume_mapping'
  | 'policy'
  | 'snapshot_rule'
  | 'replication_rule'
  | 'remote_system'
  | 'replication_session'
  | 'job'
  | 'user'
  | 'fault'
  | 'alert'
  | 'event'
  | 'session';

export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: { kind?: ResourceKind; id?: string; arguments?: string[]; field?: string } = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'DomainError';
  }
}

export class NotFoundError extends DomainError {
  constructor(kind: ResourceKind, id: string) {
    super('NOT_FOUND', `Instance with id ${id} was not found.`, { kind, id, arguments: [id] });
    this.name = 'NotFoundError';
  }
}

export class ValidationError extends DomainError {
  constructor(message: string, field?: string) {
    super('VALIDATION_FAILED', message, { field, arguments: [message] });
    this.name = 'ValidationError';
  }
}

/** Longest rendering of a caller's value inside an error message. */
const QUOTED_CHARS_MAX = 80;

/**
 * A caller's value as it appears in an error message: JSON, cut to QUOTED_CHARS_MAX characters so
 * that a megabyte string or a deeply nested body does not come back whole in the answer.
 */
export function quote(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = Object.prototype.toString.call(value);
  }
  return text.length > QUOTED_CHARS_MAX ? `${text.slice(0, QUOTED_CHARS_MAX)}… (${text.length} characters)` : text;
}

/** Unknown property names listed in a message; a body with thousands of them gets the first few. */
const NAMES_LISTED_MAX = 16;

function namesOf(properties: string[]): string {
  const listed = properties.slice(0, NAMES_LISTED_MAX).map((p) => quote(p).slice(1, -1));
  return properties.length > NAMES_LISTED_MAX ? `${listed.join(', ')}, … (${properties.length} in all)` : listed.join(', ');
}

export class UnknownPropertyError extends DomainError {
  constructor(readonly properties: string[]) {
    super(
      'UNKNOWN_PROPERTY',
      `Validation failed: Object instance has properties which are not allowed by the schema: [${namesOf(properties)}]`,
      { arguments: properties.slice(0, NAMES_LISTED_MAX).map((p) => quote(p).slice(1, -1)) },
    );
    this.name = 'UnknownPropertyError';
  }
}

export class InvalidEnumError extends DomainError {
  constructor(field: string, value: unknown, allowed: readonly string[]) {
    super('INVALID_ENUM', `Invalid value ${quote(value)} for ${field}; allowed: ${allowed.join(', ')}.`, {
      field,
      arguments: [field, typeof value === 'string' ? quote(value).slice(1, -1) : quote(value)],
    });
    this.name = 'InvalidEnumError';
  }
}

export class NameInUseError extends DomainError {
  /**
   * @param label what was being named, when it is a kind of `kind` the dialects answer differently
   * (a snapshot is a volume, but PowerStore refuses a snapshot's taken name with 400, a volume's with 422).
   */
  constructor(
    kind: ResourceKind,
    name: string,
    readonly label: string = kind,
  ) {
    super('NAME_IN_USE', `A ${label} with name ${name} already exists.`, { kind, arguments: [name] });
    this.name = 'NameInUseError';
  }
}

export class StateError extends DomainError {
  constructor(message: string, kind?: ResourceKind, id?: string) {
    super('STATE_INVALID', message, { kind, id });
    this.name = 'StateError';
  }
}

/**
 * A detach of a volume that is not mapped to the host. `addressed` is the object the request named
 * (PowerStore has both POST /volume/{id}/detach and POST /host/{id}/detach, refused differently).
 */
export class NotMappedError extends StateError {
  constructor(
    readonly volumeName: string,
    readonly hostName: string,
    readonly addressed: 'volume' | 'host',
    volumeId: string,
  ) {
    super(`Volume ${volumeName} is not mapped to host ${hostName}.`, 'host_volume_mapping', volumeId);
    this.name = 'NotMappedError';
  }
}

export class InUseError extends DomainError {
  constructor(message: string, kind?: ResourceKind, id?: string) {
    super('IN_USE', message, { kind, id });
    this.name = 'InUseError';
  }
}

export class ForbiddenError extends DomainError {
  constructor(message = 'The user does not have the privilege to perform this operation.') {
    super('FORBIDDEN', message);
    this.name = 'ForbiddenError';
  }
}

export class ReadOnlyError extends DomainError {
  constructor(message: string, kind?: ResourceKind, id?: string) {
    super('READ_ONLY', message, { kind, id });
    this.name = 'ReadOnlyError';
  }
}

/** Engine invariant violations are bugs, not input: they crash loudly. */
export function invariant(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(`invariant violated: ${message}`);
}
