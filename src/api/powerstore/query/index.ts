// Public entry of the PowerStore query layer: parse a querystring once, then run it over rows.
export { executeCollectionQuery, projectInstance } from './execute.ts';
export { QueryError, type QueryErrorReason, type QueryErrorStatus } from './errors.ts';
export { parseQuery, type ParseQueryOptions } from './parse-query.ts';
export type { Projected } from './project.ts';
export type {
  Association,
  AttrPath,
  AttrStep,
  CollectionResult,
  FilterNode,
  FilterOperator,
  FilterValue,
  OrderKey,
  PageWindow,
  ParsedQuery,
  ResourceRegistry,
  ResourceSchema,
  Row,
  SelectNode,
} from './types.ts';
