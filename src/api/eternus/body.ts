// Request-body checking for the ETERNUS dialect: a JSON object with known properties of the right
// types, checked before anything is registered or changed. Failures are 400 with the offending
// property as the message's factor ("Bad value (capacity)").
import { DomainError, UnknownPropertyError, ValidationError, quote } from '../../core/errors.ts';

export type FieldType = 'string' | 'integer' | 'boolean' | 'integer[]';
export type BodySpec = Record<string, FieldType>;
type Out<S extends BodySpec> = {
  [K in keyof S]?: S[K] extends 'string' ? string : S[K] extends 'integer' ? number : S[K] extends 'boolean' ? boolean : number[];
};

export function readBody<S extends BodySpec>(raw: unknown, spec: S, required: (keyof S & string)[] = []): Out<S> {
  if (raw === undefined || raw === null || raw === '') raw = {};
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new ValidationError('the request body must be a JSON object');
  const body = raw as Record<string, unknown>;
  const unknown = Object.keys(body).filter((k) => !Object.hasOwn(spec, k));
  if (unknown.length > 0) throw new UnknownPropertyError(unknown);
  for (const key of required) {
    if (body[key] === undefined || body[key] === null) {
      throw new DomainError('VALIDATION_FAILED', `${key} is required`, { field: key, arguments: [key] });
    }
  }
  for (const [key, type] of Object.entries(spec)) {
    const value = body[key];
    if (value === undefined) continue;
    if (!hasType(value, type)) throw new ValidationError(`${key} must be ${article(type)}, got ${quote(value)}`, key);
  }
  return body as Out<S>;
}

function hasType(value: unknown, type: FieldType): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string';
    case 'integer':
      return typeof value === 'number' && Number.isSafeInteger(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'integer[]':
      return Array.isArray(value) && value.every((v) => typeof v === 'number' && Number.isSafeInteger(v));
  }
}

function article(type: FieldType): string {
  return type === 'integer[]' ? 'an array of integers' : type === 'integer' ? 'an integer' : `a ${type}`;
}
