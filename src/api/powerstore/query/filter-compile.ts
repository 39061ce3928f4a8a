// Compiles parsed filters into one predicate per request. Comparisons follow SQL's three-valued
// logic as PostgREST does: a null field makes eq, neq, gt, like, in... "unknown", and not.
// keeps it unknown, so `type=not.eq.Snapshot` never returns rows whose type is null.
import { compileAccessor, ManyValues, type Accessor } from './attr-path.ts';
import { compareTyped, equalsTyped, likePattern, typedText, type TypedText } from './compare.ts';
import type { FilterNode, ResourceRegistry, ResourceSchema, Row } from './types.ts';

/** true, false, or null for SQL's unknown. */
type Truth = boolean | null;
type Test = (value: unknown) => Truth;
type Predicate = (row: Row) => Truth;

export function compileFilters(
  filters: readonly FilterNode[],
  schema: ResourceSchema,
  registry: ResourceRegistry,
): (row: Row) => boolean {
  if (filters.length === 0) return () => true;
  const all = compileAnd(filters.map((f) => compileNode(f, schema, registry)));
  return (row) => all(row) === true;
}

function compileNode(node: FilterNode, schema: ResourceSchema, registry: ResourceRegistry): Predicate {
  let predicate: Predicate;
  if (node.kind === 'compare') {
    const accessor = compileAccessor(node.path, schema, registry);
    predicate = applyToValue(accessor, compileTest(node));
  } else {
    const children = node.children.map((c) => compileNode(c, schema, registry));
    predicate = node.kind === 'and' ? compileAnd(children) : compileOr(children);
  }
  if (!node.negated) return predicate;
  return (row) => {
    const truth = predicate(row);
    return truth === null ? null : !truth;
  };
}

function compileAnd(children: Predicate[]): Predicate {
  if (children.length === 1) return children[0]!;
  return (row) => {
    let unknown = false;
    for (const child of children) {
      const truth = child(row);
      if (truth === false) return false;
      if (truth === null) unknown = true;
    }
    return unknown ? null : true;
  };
}

function compileOr(children: Predicate[]): Predicate {
  return (row) => {
    let unknown = false;
    for (const child of children) {
      const truth = child(row);
      if (truth === true) return true;
      if (truth === null) unknown = true;
    }
    return unknown ? null : false;
  };
}

/** A path through a one-to-many association matches when any related row matches. */
function applyToValue(accessor: Accessor, test: Test): Predicate {
  return (row) => {
    const value = accessor(row);
    if (!(value instanceof ManyValues)) return test(value);
    let unknown = false;
    for (const v of value.values) {
      const truth = test(v);
      if (truth === true) return true;
      if (truth === null) unknown = true;
    }
    return unknown ? null : false;
  };
}

function compileTest(node: Extract<FilterNode, { kind: 'compare' }>): Test {
  const context = node.path.raw;
  const { op, value } = node;
  if (value.kind === 'is') {
    const target = value.target;
    return target === null ? (v) => v === null || v === undefined : (v) => v === target;
  }
  if (value.kind === 'list') {
    const items = value.items.map(typedText);
    if (op === 'in') return (v) => (isNull(v) ? null : items.some((item) => equalsTyped(v, item, context) === true));
    return compileSetTest(op === 'cs', items, context);
  }
  const filter = typedText(value.text);
  switch (op) {
    case 'eq':
      return (v) => (isNull(v) ? null : equalsTyped(v, filter, context));
    case 'neq':
      return (v) => (isNull(v) ? null : !equalsTyped(v, filter, context));
    case 'like':
    case 'ilike': {
      const pattern = likePattern(value.text, op === 'ilike');
      return (v) => (isNull(v) ? null : typeof v === 'object' ? false : pattern.test(String(v)));
    }
    default:
      return compileOrdering(op, filter, context);
  }
}

function compileOrdering(op: string, filter: TypedText, context: string): Test {
  const accept: (sign: number) => boolean =
    op === 'gt' ? (s) => s > 0 : op === 'gte' ? (s) => s >= 0 : op === 'lt' ? (s) => s < 0 : (s) => s <= 0;
  return (v) => {
    if (isNull(v)) return null;
    const sign = compareTyped(v, filter, context);
    return sign === null ? false : accept(sign);
  };
}

/** cs: the array field contains every listed item; cd: every element is among the items. */
function compileSetTest(contains: boolean, items: TypedText[], context: string): Test {
  const has = (element: unknown, item: TypedText): boolean => equalsTyped(element, item, context) === true;
  return (v) => {
    if (isNull(v)) return null;
    if (!Array.isArray(v)) return false;
    if (contains) return items.every((item) => v.some((element) => has(element, item)));
    return v.every((element) => items.some((item) => has(element, item)));
  };
}

function isNull(value: unknown): boolean {
  return value === null || value === undefined;
}
