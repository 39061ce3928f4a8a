// Request-body checking for the PowerStore dialect. The array validates bodies against its JSON
// schema and answers 400 0xE04040030001 naming the offending property; so do we, before any
// state is touched.
import { DomainError, UnknownPropertyError, ValidationError } from '../../core/errors.ts';

export type FieldType = 'string' | 'integer' | 'number' | 'boolean' | 'string[]' | 'object' | 'object[]' | 'any';
/** A trailing '?' allows null (Cinder and gopowerstore send null for unused optional fields). */
export type FieldSpec = FieldType | `${FieldType}?`;
export type BodySpec = Record<string, FieldSpec>;

type Out<S extends BodySpec> = { [K in keyof S]?: any };

export function readBody<S extends BodySpec>(raw: unknown, spec: S, required: (keyof S & string)[] = []): Out<S> {
  if (raw === undefined || raw === null || raw === '') raw = {};
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ValidationError('Validation failed: the request body must be a JSON object.');
  }
  const body = raw as Record<string, unknown>;
  const unknown = Object.keys(body).filter((k) => !Object.hasOwn(spec, k));
  if (unknown.length > 0) throw new UnknownPropertyError(unknown);
  for (const [key, fieldSpec] of Object.entries(spec)) {
    const value = body[key];
    if (value === undefined) continue;
    checkType(key, value, fieldSpec);
  }
  for (const key of required) {
    if (body[key] === undefined || body[key] === null) {
      throw new DomainError('VALIDATION_FAILED', `Validation failed: [Path '/${key}'] object has missing required properties (["${key}"])`, {
        field: key,
        arguments: [key],
      });
    }
  }
  return body as Out<S>;
}

function checkType(key: string, value: unknown, fieldSpec: FieldSpec): void {
  const nullable = fieldSpec.endsWith('?');
  const type = (nullable ? fieldSpec.slice(0, -1) : fieldSpec) as FieldType;
  if (value === null) {
    if (nullable) return;
    throw typeError(key, 'null', type);
  }
  const ok =
    type === 'any' ||
    (type === 'string' && typeof value === 'string') ||
    (type === 'integer' && typeof value === 'number' && Number.isInteger(value)) ||
    (type === 'number' && typeof value === 'number' && Number.isFinite(value)) ||
    (type === 'boolean' && typeof value === 'boolean') ||
    (type === 'object' && typeof value === 'object' && !Array.isArray(value)) ||
    (type === 'string[]' && Array.isArray(value) && value.every((v) => typeof v === 'string')) ||
    (type === 'object[]' && Array.isArray(value) && value.every((v) => typeof v === 'object' && v !== null && !Array.isArray(v)));
  if (!ok) throw typeError(key, Array.isArray(value) ? 'array' : typeof value, type);
}

function typeError(key: string, actual: string, expected: string): DomainError {
  const message = `Validation failed: [Path '/${key}'] Instance type (${actual}) does not match any allowed primitive type (allowed: ["${expected}"])`;
  return new DomainError('VALIDATION_FAILED', message, { field: key, arguments: [message] });
}
