// Projection with a select tree (research §2.1). Fields come from schema.fields(row), or only the
// selected ones from schema.fieldBuilders when the schema has that table and select has no `*`; an embedded
// object (protection_data) is returned whole. Associations resolve through the registry: with a
// nested list they are projected recursively, without one they give only ids, `[{id}]` for
// one-to-many and `{id}` or null for many-to-one. Names the resource does not know are dropped:
// gopowerstore sends `volume.volume_group_membership(...)` and the real array answers anyway.
import { fieldReader, ownAssociation, targetSchema } from './attr-path.ts';
import type { Association, ResourceRegistry, ResourceSchema, Row, SelectNode } from './types.ts';

export type Projected = Record<string, unknown>;

export function projectRow(row: Row, schema: ResourceSchema, registry: ResourceRegistry, select: SelectNode): Projected {
  const builders = schema.fieldBuilders;
  // Without `*` and with a builder table, only the named fields are built; otherwise the whole row.
  const fields = builders && !select.star ? undefined : schema.fields(row);
  const out: Projected = {};
  if (fields && select.star) {
    for (const name of Object.keys(fields)) out[name] = fields[name];
  }
  for (const [name, nested] of select.fields) {
    const association = ownAssociation(schema, name);
    if (association) {
      out[name] = projectAssociation(row, schema, registry, name, association, nested);
    } else if (fields) {
      if (Object.hasOwn(fields, name)) out[name] = fields[name];
    } else if (Object.hasOwn(builders!, name)) {
      out[name] = builders![name]!(row);
    }
  }
  return out;
}

function projectAssociation(
  row: Row,
  schema: ResourceSchema,
  registry: ResourceRegistry,
  name: string,
  association: Association,
  nested: SelectNode | null,
): Projected | Projected[] | null {
  const target = targetSchema(registry, schema, name, association);
  const readId = fieldReader(target);
  const project = nested === null
    ? (related: Row): Projected => ({ id: readId(related, 'id') })
    : (related: Row): Projected => projectRow(related, target, registry, nested);
  const resolved = association.resolve(row);
  if (association.cardinality === 'many') {
    return Array.isArray(resolved) ? resolved.map(project) : [];
  }
  if (Array.isArray(resolved)) {
    throw new Error(`query registry: ${schema.name}.${name} is one-to-one but resolved to a list`);
  }
  return resolved === null || resolved === undefined ? null : project(resolved);
}
