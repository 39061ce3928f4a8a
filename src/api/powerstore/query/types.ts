// The parsed form of a PowerStore collection/instance querystring, and the resource registry the
// evaluator walks. Parsing is pure and schema-free; the schema is only consulted at execution.

/** A domain object owned by the routes layer; only its ResourceSchema knows how to read it. */
export type Row = unknown;

export type FilterOperator =
  | 'eq' | 'neq' | 'gt' | 'gte' | 'lt' | 'lte'
  | 'like' | 'ilike' | 'in' | 'is' | 'cs' | 'cd';

/** One step after the first field: `.name` (nested or related), `->key` / `->>key` (JSON path). */
export interface AttrStep {
  key: string;
  /** Set when the step is a JSON array index (`->0`). */
  index?: number;
  kind: 'dot' | 'json' | 'json_text';
}

/** `protection_data->>source_id` = { field: 'protection_data', steps: [{key: 'source_id', ...}] }. */
export interface AttrPath {
  raw: string;
  field: string;
  steps: readonly AttrStep[];
}

/** The value side of a comparison, pre-shaped by operator so evaluation does no string work. */
export type FilterValue =
  | { kind: 'scalar'; text: string }
  | { kind: 'list'; items: readonly string[] } // in.(...), cs.{...}, cd.{...}
  | { kind: 'is'; target: null | boolean };

export type FilterNode =
  | { kind: 'compare'; path: AttrPath; op: FilterOperator; negated: boolean; value: FilterValue }
  | { kind: 'and' | 'or'; negated: boolean; children: readonly FilterNode[] };

/**
 * A select list. `fields` maps a requested name to its nested list, or to null when the name came
 * without a list (an association then yields only ids; a field its whole value).
 */
export interface SelectNode {
  star: boolean;
  fields: Map<string, SelectNode | null>;
}

export interface OrderKey {
  path: AttrPath;
  descending: boolean;
  nullsFirst: boolean;
}

/** The requested rows: [offsetRows, offsetRows + limitRows). */
export interface PageWindow {
  offsetRows: number;
  limitRows: number;
}

export interface ParsedQuery {
  /** Absent select means only `id` (guide §2.1); parseQuery fills that in. */
  select: SelectNode;
  /** Top-level filters; all are ANDed. */
  filters: readonly FilterNode[];
  order: readonly OrderKey[];
  page: PageWindow;
  isAsync: boolean;
}

export interface Association {
  resource: string;
  cardinality: 'one' | 'many';
  resolve(row: Row): readonly Row[] | Row | null;
}

export interface ResourceSchema {
  name: string;
  /** Every scalar and embedded field of the row, as PowerStore JSON. */
  fields(row: Row): Record<string, unknown>;
  /**
   * Optional fast path for one field; filters and order use it instead of building fields(row)
   * for every row of a large collection. Must agree with fields(row)[name].
   */
  field?(row: Row, name: string): unknown;
  /**
   * Optional table of one builder per field, in fields(row)'s order, each agreeing with
   * fields(row)[name]. When given, a select without `*` builds only the fields it names (a page of
   * thousands of sessions then never computes a connection state nobody asked for), and filters
   * and order read through it when field is absent.
   */
  fieldBuilders?: Readonly<Record<string, (row: Row) => unknown>>;
  /**
   * Optional list of filterable/orderable names. When given, a filter or order on any other name
   * (that is not an association) is a 400, as on the real array; when absent, unknown names read
   * as null and simply match nothing.
   */
  fieldNames?: ReadonlySet<string>;
  /**
   * Optional list of the attributes `select` may name (besides associations). When given, a select
   * naming anything else is a 400 naming it, as on the real array; when absent (placeholder
   * resources that are never populated), any name is taken.
   */
  attributes?: readonly string[];
  associations?: Record<string, Association>;
}

export type ResourceRegistry = Record<string, ResourceSchema>;

export interface CollectionResult {
  status: 200 | 206;
  body: Record<string, unknown>[];
  /** `first-last/total`, present exactly when status is 206. */
  contentRange?: string;
}
