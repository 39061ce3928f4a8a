// Typed comparison of a row value with a filter's text value. Filter values are always text
// (`eq.True`, `gt.1073741824`); the field's runtime type decides how to read them (research §2.2).
// Strings compare case-insensitively: the guide says filtering is case-insensitive.
import { filterError } from './errors.ts';

/** A filter value parsed every way it may be needed, once per request instead of once per row. */
export interface TypedText {
  text: string;
  lower: string;
  /** NaN when the text is not a number. */
  number: number;
  /** null when the text is not true/false (any case). */
  boolean: boolean | null;
}

export function typedText(text: string): TypedText {
  const lower = text.toLowerCase();
  const trimmed = text.trim();
  return {
    text,
    lower,
    number: trimmed === '' ? Number.NaN : Number(trimmed),
    boolean: lower === 'true' ? true : lower === 'false' ? false : null,
  };
}

/**
 * Sign of (value - filter), or null when they cannot be compared (an object or array value).
 * A number or boolean field with a filter text of the wrong type is a 400, as PostgREST's
 * "invalid input syntax" would be.
 */
export function compareTyped(value: unknown, filter: TypedText, context: string): number | null {
  switch (typeof value) {
    case 'string': {
      const lower = value.toLowerCase();
      return lower === filter.lower ? 0 : lower < filter.lower ? -1 : 1;
    }
    case 'number':
      if (Number.isNaN(filter.number)) {
        throw filterError(`Invalid filter '${context}': '${filter.text}' is not a number.`, context);
      }
      return value === filter.number ? 0 : value < filter.number ? -1 : 1;
    case 'boolean':
      if (filter.boolean === null) {
        throw filterError(`Invalid filter '${context}': '${filter.text}' is not true or false.`, context);
      }
      return value === filter.boolean ? 0 : value ? 1 : -1;
    default:
      return null;
  }
}

/** Equality only, with a cheap length check first: the hot path of `name=eq.x` over many rows. */
export function equalsTyped(value: unknown, filter: TypedText, context: string): boolean | null {
  if (typeof value === 'string') {
    return value.length === filter.lower.length && value.toLowerCase() === filter.lower;
  }
  const sign = compareTyped(value, filter, context);
  return sign === null ? false : sign === 0;
}

/** `*` (and PostgREST's `%`) match any run of characters; everything else is literal. */
export function likePattern(pattern: string, caseInsensitive: boolean): RegExp {
  let source = '';
  for (const c of pattern) {
    if (c === '*' || c === '%') source += '[\\s\\S]*';
    else source += c.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`, caseInsensitive ? 'iu' : 'u');
}

const TYPE_RANK: Record<string, number> = { number: 0, boolean: 1, string: 2, object: 3 };

/** Total order for `order=`: numbers, then booleans, strings (case-insensitive), then JSON. */
export function compareForOrder(a: unknown, b: unknown): number {
  const ta = typeof a;
  const tb = typeof b;
  if (ta !== tb) return (TYPE_RANK[ta] ?? 4) - (TYPE_RANK[tb] ?? 4);
  if (ta === 'string') {
    const la = (a as string).toLowerCase();
    const lb = (b as string).toLowerCase();
    if (la !== lb) return la < lb ? -1 : 1;
    return a === b ? 0 : (a as string) < (b as string) ? -1 : 1;
  }
  if (ta === 'number') return (a as number) - (b as number);
  if (ta === 'boolean') return Number(a) - Number(b);
  const ja = JSON.stringify(a);
  const jb = JSON.stringify(b);
  return ja === jb ? 0 : ja < jb ? -1 : 1;
}
