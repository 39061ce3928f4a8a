// The one place where failures become NBD error values (proto.md "Error values"). The server
// validates requests itself before calling the volume port, so the mapping here covers what the
// port throws: typed domain errors by code, anything else as an I/O error.

import { DomainError, type ErrorCode } from '../core/errors.ts';
import { NBD_ERR, type NbdErrno } from './protocol.ts';

const BY_CODE: Record<ErrorCode, NbdErrno> = {
  VALIDATION_FAILED: NBD_ERR.EINVAL,
  UNKNOWN_PROPERTY: NBD_ERR.EINVAL,
  INVALID_ENUM: NBD_ERR.EINVAL,
  READ_ONLY: NBD_ERR.EPERM,
  FORBIDDEN: NBD_ERR.EPERM,
  NO_SPACE: NBD_ERR.ENOSPC,
  // The volume behind the export went away (deleted, demoted): the data is not reachable.
  NOT_FOUND: NBD_ERR.EIO,
  NAME_IN_USE: NBD_ERR.EIO,
  STATE_INVALID: NBD_ERR.EIO,
  IN_USE: NBD_ERR.EIO,
  OPERATION_IN_PROGRESS: NBD_ERR.EIO,
  UNAUTHENTICATED: NBD_ERR.EPERM,
  PEER_UNREACHABLE: NBD_ERR.EIO,
  INTERNAL: NBD_ERR.EIO,
};

/** Maps an exception thrown by the volume port to the NBD error sent to the client. */
export function nbdErrnoFor(error: unknown): NbdErrno {
  if (error instanceof DomainError) return BY_CODE[error.code] ?? NBD_ERR.EIO;
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'ENOSPC' || code === 'EDQUOT') return NBD_ERR.ENOSPC;
  if (code === 'ENOMEM') return NBD_ERR.ENOMEM;
  return NBD_ERR.EIO;
}

/** Every domain error code, for the test that fails when a code is added without a mapping. */
export const MAPPED_ERROR_CODES = Object.keys(BY_CODE) as ErrorCode[];
