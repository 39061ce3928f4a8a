// The one error type this module throws. Query problems are client input, so they carry the HTTP
// status the PowerStore guide prescribes (research/powerstore-api.md §2.4, §2.7): 416 for a bad
// limit, offset or Range, 400 for a malformed filter, select, order or flag.
import { DomainError } from '../../../core/errors.ts';

/** Which part of the querystring was wrong; stable, so the edge can map it without parsing text. */
export type QueryErrorReason =
  | 'FILTER_INVALID' // attr=[not.]op.value could not be parsed or evaluated
  | 'SELECT_INVALID' // unbalanced parentheses or an empty name in select
  | 'ORDER_INVALID' // order=<attr>[.asc|.desc] could not be parsed
  | 'PARAM_INVALID' // a reserved flag such as is_async has a value that is not boolean
  | 'RANGE_INVALID'; // limit, offset or the Range header is malformed or out of range

export type QueryErrorStatus = 400 | 416;

export class QueryError extends DomainError {
  constructor(
    readonly status: QueryErrorStatus,
    readonly reason: QueryErrorReason,
    message: string,
    field?: string,
  ) {
    super('VALIDATION_FAILED', message, { field, arguments: [message] });
    this.name = 'QueryError';
  }
}

export function filterError(message: string, field?: string): QueryError {
  return new QueryError(400, 'FILTER_INVALID', message, field);
}

export function rangeError(message: string, field?: string): QueryError {
  return new QueryError(416, 'RANGE_INVALID', message, field);
}
