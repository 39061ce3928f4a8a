// Attribute paths in filters and order: a plain field, a JSON path into an embedded object
// (`protection_data->>source_id`, `host_initiators->0->>port_type`, research §2.2), or a dotted
// path into an embedded object or a related resource (`remote_system.name`).
import { filterError } from './errors.ts';
import type { Association, AttrPath, AttrStep, ResourceRegistry, ResourceSchema, Row } from './types.ts';

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const KEY = /^[A-Za-z0-9_]+$/;
const STEP = /(->>|->|\.)/;

export function parseAttrPath(rawUntrimmed: string): AttrPath {
  const raw = rawUntrimmed.trim();
  // split with a capture group alternates [name, sep, key, sep, key, ...].
  const parts = raw.split(STEP);
  const field = parts[0] ?? '';
  if (!NAME.test(field)) throw filterError(`Invalid attribute name '${raw}'.`, raw);
  const steps: AttrStep[] = [];
  for (let i = 1; i < parts.length; i += 2) {
    const sep = parts[i];
    const key = parts[i + 1] ?? '';
    const kind = sep === '.' ? 'dot' : sep === '->' ? 'json' : 'json_text';
    if (!(kind === 'dot' ? NAME : KEY).test(key)) {
      throw filterError(`Invalid attribute path '${raw}' at '${sep}${key}'.`, raw);
    }
    const index = kind !== 'dot' && /^\d+$/.test(key) ? Number(key) : undefined;
    steps.push(index === undefined ? { key, kind } : { key, index, kind });
  }
  return { raw, field, steps };
}

/** The values of a path through a one-to-many association: a filter matches if any value does. */
export class ManyValues {
  constructor(readonly values: readonly unknown[]) {}
}

export type Accessor = (row: Row) => unknown;

/** Reads one field, through schema.field when the schema offers the fast path. */
export function fieldReader(schema: ResourceSchema): (row: Row, name: string) => unknown {
  const single = schema.field;
  if (single) return (row, name) => single.call(schema, row, name);
  const builders = schema.fieldBuilders;
  if (builders) return (row, name) => (Object.hasOwn(builders, name) ? builders[name]!(row) : undefined);
  return (row, name) => {
    const fields = schema.fields(row);
    return Object.hasOwn(fields, name) ? fields[name] : undefined;
  };
}

/** Own associations only: `constructor` or `__proto__` in a querystring must not reach Object.prototype. */
export function ownAssociation(schema: ResourceSchema, name: string): Association | undefined {
  const associations = schema.associations;
  return associations && Object.hasOwn(associations, name) ? associations[name] : undefined;
}

export function targetSchema(
  registry: ResourceRegistry,
  owner: ResourceSchema,
  name: string,
  association: Association,
): ResourceSchema {
  const target = Object.hasOwn(registry, association.resource) ? registry[association.resource] : undefined;
  if (!target) {
    throw new Error(`query registry: ${owner.name}.${name} targets unknown resource ${association.resource}`);
  }
  return target;
}

function navigate(value: unknown, steps: readonly AttrStep[], from: number): unknown {
  let current = value;
  for (let i = from; i < steps.length; i++) {
    const step = steps[i]!;
    if (current === null || typeof current !== 'object') return undefined;
    if (Array.isArray(current)) {
      current = step.index === undefined ? undefined : current[step.index];
    } else {
      current = (current as Record<string, unknown>)[step.key];
    }
  }
  return current;
}

/**
 * Compiles a path against a schema. Typed values are kept for `->>` as well as `->`: PostgreSQL
 * would compare `->>` as text, but no client relies on that and typed comparison is kinder.
 */
export function compileAccessor(path: AttrPath, schema: ResourceSchema, registry: ResourceRegistry): Accessor {
  const association = ownAssociation(schema, path.field);
  const firstStep = path.steps[0];
  if (association && firstStep?.kind === 'dot') {
    const target = targetSchema(registry, schema, path.field, association);
    const rest: AttrPath = { raw: path.raw, field: firstStep.key, steps: path.steps.slice(1) };
    const inner = compileAccessor(rest, target, registry);
    if (association.cardinality === 'one') {
      return (row) => {
        const related = association.resolve(row);
        return related === null || related === undefined ? undefined : inner(related);
      };
    }
    return (row) => {
      const related = association.resolve(row);
      return new ManyValues(Array.isArray(related) ? related.map(inner) : []);
    };
  }
  if (schema.fieldNames && !schema.fieldNames.has(path.field) && !association) {
    throw filterError(`Unknown attribute '${path.field}' for ${schema.name}.`, path.raw);
  }
  const read = fieldReader(schema);
  const name = path.field;
  if (path.steps.length === 0) return (row) => read(row, name);
  const steps = path.steps;
  return (row) => navigate(read(row, name), steps, 0);
}
