// Filter syntax (research §2.2): `attr=[not.]op.value`, `and=(a.op.v,b.op.v)`, `or=(...)`, nested
// `and(...)`/`or(...)`/`not.and(...)` inside trees, `in.(a,b,"c,d")` lists and `cs.{a,b}` sets.
// Parsing is schema-free; values stay text until the evaluator sees the field's type.
import { parseAttrPath } from './attr-path.ts';
import { filterError } from './errors.ts';
import type { FilterNode, FilterOperator, FilterValue } from './types.ts';

const OPERATORS: ReadonlySet<string> = new Set<FilterOperator>([
  'eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'like', 'ilike', 'in', 'is', 'cs', 'cd',
]);
const LOGIC_KEY = /^(not\.)?(and|or)$/;
const LOGIC_ITEM = /^(not\.)?(and|or)\(/;
/** Bounds nested and/or trees so a hostile querystring cannot exhaust the stack. */
const LOGIC_DEPTH_MAX = 16;

export function isLogicKey(key: string): boolean {
  return LOGIC_KEY.test(key);
}

/** One querystring parameter that is not reserved: a comparison or a top-level and/or tree. */
export function parseFilterParam(key: string, value: string): FilterNode {
  const logic = LOGIC_KEY.exec(key);
  if (logic) {
    const children = parseLogicList(value, key, 1);
    return { kind: logic[2] as 'and' | 'or', negated: logic[1] !== undefined, children };
  }
  const path = parseAttrPath(key);
  return { kind: 'compare', path, ...parseOperation(value, key, false) };
}

function parseOperation(
  text: string,
  context: string,
  inTree: boolean,
): { op: FilterOperator; negated: boolean; value: FilterValue } {
  let rest = text;
  let negated = false;
  if (rest.startsWith('not.')) {
    negated = true;
    rest = rest.slice('not.'.length);
  }
  const dot = rest.indexOf('.');
  const op = dot < 0 ? rest : rest.slice(0, dot);
  if (dot < 0 || !OPERATORS.has(op)) {
    throw filterError(`Invalid filter '${context}=${text}': expected [not.]<operator>.<value>, operator '${op}'.`, context);
  }
  const valueText = rest.slice(dot + 1);
  return { op: op as FilterOperator, negated, value: parseValue(op as FilterOperator, valueText, context, inTree) };
}

function parseValue(op: FilterOperator, text: string, context: string, inTree: boolean): FilterValue {
  if (op === 'in') return { kind: 'list', items: parseList(text, '(', ')', context) };
  if (op === 'cs' || op === 'cd') {
    const open = text.startsWith('(') ? '(' : '{';
    return { kind: 'list', items: parseList(text, open, open === '(' ? ')' : '}', context) };
  }
  if (op === 'is') {
    const target = text.toLowerCase();
    if (target === 'null') return { kind: 'is', target: null };
    if (target === 'true' || target === 'false') return { kind: 'is', target: target === 'true' };
    throw filterError(`Invalid filter '${context}': is. accepts null, true or false, got '${text}'.`, context);
  }
  return { kind: 'scalar', text: inTree ? unquote(text.trim(), context) : text };
}

/** `(a, b,"c,d")` → ['a', 'b', 'c,d']; unquoted items are trimmed, quoted ones kept verbatim. */
export function parseList(text: string, open: string, close: string, context: string): string[] {
  const trimmed = text.trim();
  if (trimmed.length < 2 || !trimmed.startsWith(open) || !trimmed.endsWith(close)) {
    throw filterError(`Invalid list in filter '${context}': expected ${open}a,b,...${close}, got '${text}'.`, context);
  }
  const inner = trimmed.slice(1, -1);
  if (inner.trim() === '') return [];
  return splitTopLevel(inner, context).map((item) => unquote(item.trim(), context));
}

function unquote(item: string, context: string): string {
  if (!item.startsWith('"')) {
    if (item.includes('"')) throw filterError(`Stray quote in filter '${context}' at '${item}'.`, context);
    return item;
  }
  if (item.length < 2 || !item.endsWith('"') || (item.endsWith('\\"') && !item.endsWith('\\\\"'))) {
    throw filterError(`Unterminated quoted value in filter '${context}': ${item}.`, context);
  }
  return item.slice(1, -1).replace(/\\(.)/g, '$1');
}

/** Splits at commas outside quotes, parentheses and braces. */
function splitTopLevel(text: string, context: string): string[] {
  const items: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '\\') i++;
      else if (c === '"') quoted = false;
    } else if (c === '"') quoted = true;
    else if (c === '(' || c === '{') depth++;
    else if (c === ')' || c === '}') {
      depth--;
      if (depth < 0) throw filterError(`Unbalanced '${c}' in filter '${context}'.`, context);
    } else if (c === ',' && depth === 0) {
      items.push(text.slice(start, i));
      start = i + 1;
    }
  }
  if (quoted) throw filterError(`Unterminated quote in filter '${context}'.`, context);
  if (depth !== 0) throw filterError(`Unbalanced parentheses in filter '${context}'.`, context);
  items.push(text.slice(start));
  return items;
}

function parseLogicList(text: string, context: string, depth: number): FilterNode[] {
  if (depth > LOGIC_DEPTH_MAX) {
    throw filterError(`Filter '${context}' nests and/or deeper than ${LOGIC_DEPTH_MAX}.`, context);
  }
  const trimmed = text.trim();
  if (!trimmed.startsWith('(') || !trimmed.endsWith(')')) {
    throw filterError(`Invalid filter '${context}=${text}': expected (a.op.v,b.op.v,...).`, context);
  }
  const inner = trimmed.slice(1, -1);
  if (inner.trim() === '') throw filterError(`Empty and/or list in filter '${context}'.`, context);
  return splitTopLevel(inner, context).map((item) => parseLogicItem(item.trim(), context, depth));
}

function parseLogicItem(item: string, context: string, depth: number): FilterNode {
  const logic = LOGIC_ITEM.exec(item);
  if (logic) {
    const list = item.slice(logic[0].length - 1);
    const children = parseLogicList(list, context, depth + 1);
    return { kind: logic[2] as 'and' | 'or', negated: logic[1] !== undefined, children };
  }
  // The attribute ends before the first segment that is an operator (or not.<operator>); the value
  // may itself contain dots (management_address.eq.10.0.0.1).
  const segments = item.split('.');
  for (let i = 1; i < segments.length; i++) {
    const segment = segments[i]!;
    const isOp = OPERATORS.has(segment) || (segment === 'not' && OPERATORS.has(segments[i + 1] ?? ''));
    if (!isOp) continue;
    const path = parseAttrPath(segments.slice(0, i).join('.'));
    return { kind: 'compare', path, ...parseOperation(segments.slice(i).join('.'), context, true) };
  }
  throw filterError(`Invalid condition '${item}' in filter '${context}': expected attr.[not.]op.value.`, context);
}
