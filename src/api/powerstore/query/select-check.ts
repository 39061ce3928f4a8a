// A select is checked against the resource before anything is projected: every name must be an
// attribute or an association of the resource (nested lists against the associated resource), as
// the real array answers 400 naming the attribute. Checked on the schema, not on rows, so an empty
// collection refuses a bad select too. Tolerated: `*`, and dotted names, which gopowerstore's
// GetVolumeGroup sends (`volume.volume_group_membership(...)`) and the array accepts.
import { quote } from '../../../core/errors.ts';
import { ownAssociation, targetSchema } from './attr-path.ts';
import { QueryError } from './errors.ts';
import type { ResourceRegistry, ResourceSchema, SelectNode } from './types.ts';

export function checkSelect(select: SelectNode, schema: ResourceSchema, registry: ResourceRegistry): void {
  for (const [name, nested] of select.fields) {
    if (name.includes('.')) continue;
    const association = ownAssociation(schema, name);
    if (association) {
      if (nested !== null) checkSelect(nested, targetSchema(registry, schema, name, association), registry);
      continue;
    }
    if (schema.attributes !== undefined && !schema.attributes.includes(name)) {
      throw new QueryError(400, 'SELECT_INVALID', `Invalid select: ${quote(name)} is not an attribute of ${schema.name}.`, 'select');
    }
  }
}
