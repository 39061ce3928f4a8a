// `select` (research §2.1): comma-separated names, PostgREST-style nested lists for related
// resources (`appliance(id,name)`, `storage_container_destinations(id,storage_container(id,name))`),
// `*` for every field. Clients send whitespace around items and duplicates
// (`policies(id,name),...,policies`); both are tolerated, and a later bare name never narrows an
// earlier list. Names the resource does not know are dropped at projection, not here.
import { QueryError } from './errors.ts';
import type { SelectNode } from './types.ts';

/** Bounds nesting so a hostile select cannot recurse without end at projection time. */
export const SELECT_DEPTH_MAX = 8;

export function emptySelect(): SelectNode {
  return { star: false, fields: new Map() };
}

/** What an absent select means: only `id` (guide §2.1). */
export function defaultSelect(): SelectNode {
  return { star: false, fields: new Map([['id', null]]) };
}

function selectError(message: string): QueryError {
  return new QueryError(400, 'SELECT_INVALID', message, 'select');
}

export function parseSelect(text: string): SelectNode {
  const root = emptySelect();
  const stack: SelectNode[] = [root];
  let name = '';
  const top = (): SelectNode => stack[stack.length - 1]!;
  const takeName = (): string => {
    const trimmed = name.trim();
    name = '';
    return trimmed;
  };
  for (const c of text) {
    if (c === '(') {
      const listName = takeName();
      if (listName === '') throw selectError(`Invalid select '${text}': a nested list has no name.`);
      if (stack.length > SELECT_DEPTH_MAX) throw selectError(`Select nests deeper than ${SELECT_DEPTH_MAX}.`);
      stack.push(openList(top(), listName));
    } else if (c === ')') {
      if (stack.length === 1) throw selectError(`Invalid select '${text}': unbalanced ')'.`);
      addName(top(), takeName());
      stack.pop();
    } else if (c === ',') {
      addName(top(), takeName());
    } else {
      name += c;
    }
  }
  if (stack.length !== 1) throw selectError(`Invalid select '${text}': unbalanced '('.`);
  addName(root, takeName());
  return root;
}

/** A bare name; empty items (`id,,name`, a trailing comma) are ignored. */
function addName(node: SelectNode, name: string): void {
  if (name === '') return;
  if (name === '*') node.star = true;
  else if (!node.fields.has(name)) node.fields.set(name, null);
}

/** The list for `name(`; a repeated name adds to the earlier list: `a(id),a(name)` selects both. */
function openList(node: SelectNode, name: string): SelectNode {
  const existing = node.fields.get(name);
  if (existing) return existing;
  const child = emptySelect();
  // `*(...)` has no meaning; its list is parsed and dropped.
  if (name !== '*') node.fields.set(name, child);
  return child;
}
