// The one request-body parser of the HTTPS server, shared by every dialect: real clients send JSON
// with or without a content type (gopowerstore sends none) and empty bodies on action POSTs and
// DELETEs. Bad JSON, and JSON nested deeper than HTTP_JSON_DEPTH_MAX, is a 400 that each dialect's
// error handler renders in its own shape.
import { HTTP_JSON_DEPTH_MAX } from '../limits.ts';

export class JsonBodyError extends Error {
  readonly statusCode = 400;
  readonly code = 'BAD_JSON';
  constructor(reason: string) {
    super(`the request body ${reason}`);
    this.name = 'JsonBodyError';
  }
}

export function parseJsonBody(text: string): unknown {
  if (text.trim() === '') return undefined;
  const depth = nestingDepth(text, HTTP_JSON_DEPTH_MAX);
  if (depth > HTTP_JSON_DEPTH_MAX) throw new JsonBodyError(`nests deeper than ${HTTP_JSON_DEPTH_MAX} levels`);
  try {
    return JSON.parse(text);
  } catch {
    throw new JsonBodyError('is not valid JSON');
  }
}

/**
 * The deepest bracket nesting of `text` outside strings, counting no further than `max` + 1 (one
 * linear pass, no recursion). Unbalanced brackets are left for JSON.parse to refuse.
 */
export function nestingDepth(text: string, max: number): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x5b || c === 0x7b) {
      depth++;
      if (depth > deepest) deepest = depth;
      if (deepest > max) return deepest;
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
    }
  }
  return deepest;
}
