// Value checks shared by services. Each throws a ValidationError naming the field and the value.
import { METADATA_ENTRIES_MAX, NAME_CHARS_MAX, METADATA_KEY_CHARS_MAX, METADATA_VALUE_CHARS_MAX, VOLUME_BYTES_ALIGN, VOLUME_BYTES_MAX, VOLUME_BYTES_MIN } from '../limits.ts';
import { InvalidEnumError, quote, ValidationError } from './errors.ts';

const PRINTABLE = /^[\x20-\x7e]+$/;

export function checkName(field: string, value: unknown, maxLength = NAME_CHARS_MAX): string {
  if (typeof value !== 'string' || value.length === 0) throw new ValidationError(`${field} must be a non-empty string.`, field);
  if (value.length > maxLength) throw new ValidationError(`${field} ${quote(value)} is longer than ${maxLength} characters.`, field);
  if (!PRINTABLE.test(value)) throw new ValidationError(`${field} ${quote(value)} contains characters that are not printable.`, field);
  return value;
}

export function checkVolumeSize(field: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    throw new ValidationError(`${field} must be an integer number of bytes, got ${quote(value)}.`, field);
  }
  if (value < VOLUME_BYTES_MIN || value > VOLUME_BYTES_MAX) {
    throw new ValidationError(`${field} ${value} is outside ${VOLUME_BYTES_MIN}..${VOLUME_BYTES_MAX} bytes.`, field);
  }
  if (value % VOLUME_BYTES_ALIGN !== 0) throw new ValidationError(`${field} ${value} is not a multiple of ${VOLUME_BYTES_ALIGN}.`, field);
  return value;
}

export function checkEnum<T extends string>(field: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !allowed.includes(value as T)) throw new InvalidEnumError(field, value, allowed);
  return value as T;
}

export function checkInteger(field: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new ValidationError(`${field} must be an integer in ${min}..${max}, got ${quote(value)}.`, field);
  }
  return value;
}

/** A host name, IPv4 or IPv6 address (RFC 1123 names are at most 253 characters). */
const HOST_ADDRESS = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,62})(?:\.[A-Za-z0-9-]{1,63})*\.?|\[?[0-9A-Fa-f:.]+(?:%[A-Za-z0-9]+)?\]?)$/;
const HOST_ADDRESS_CHARS_MAX = 253;

export function checkHostAddress(field: string, value: unknown): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > HOST_ADDRESS_CHARS_MAX || !HOST_ADDRESS.test(value)) {
    throw new ValidationError(`${field} must be a host name or an IP address, got ${quote(value)}.`, field);
  }
  return value;
}

export function checkBoolean(field: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw new ValidationError(`${field} must be a boolean, got ${quote(value)}.`, field);
  return value;
}

export function checkOptionalString(field: string, value: unknown, maxLength = 256): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') throw new ValidationError(`${field} must be a string.`, field);
  if (value.length > maxLength) throw new ValidationError(`${field} is longer than ${maxLength} characters.`, field);
  return value;
}

export function checkStringArray(field: string, value: unknown): string[] {
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) {
    throw new ValidationError(`${field} must be an array of strings.`, field);
  }
  return value as string[];
}

/** Parses an ISO date-time into ms; null stays null. */
export function checkTimestamp(field: string, value: unknown): number | null {
  if (value === null || value === undefined) return null;
  const ms = typeof value === 'string' ? Date.parse(value) : Number.NaN;
  if (!Number.isFinite(ms)) throw new ValidationError(`${field} must be an ISO 8601 date-time, got ${quote(value)}.`, field);
  return ms;
}

/** Resource metadata: a flat object of string values with bounded keys, values and entry count. */
export function checkMetadata(field: string, value: unknown): Record<string, string> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ValidationError(`${field} must be an object of string values.`, field);
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length > METADATA_ENTRIES_MAX) throw new ValidationError(`${field} has ${entries.length} entries; at most ${METADATA_ENTRIES_MAX} are allowed.`, field);
  const out: Record<string, string> = {};
  for (const [key, v] of entries) {
    checkName(`${field} key`, key, METADATA_KEY_CHARS_MAX);
    if (typeof v !== 'string') throw new ValidationError(`${field} value of "${key}" must be a string, got ${quote(v)}.`, field);
    if (v.length > METADATA_VALUE_CHARS_MAX) throw new ValidationError(`${field} value of "${key}" is longer than ${METADATA_VALUE_CHARS_MAX} characters.`, field);
    out[key] = v;
  }
  return out;
}
