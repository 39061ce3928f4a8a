// Helpers the peer tests share: seeded payloads, their digests, and "rejects with this code".
import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import { DomainError } from '../../core/errors.ts';
import { seededRandom } from '../faults.ts';

export function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** `length` bytes from a seeded generator: the same seed always gives the same bytes. */
export function randomBytes(length: number, seed: number): Buffer {
  const random = seededRandom(seed);
  const bytes = Buffer.alloc(length);
  for (let i = 0; i < length; i += 1) bytes[i] = Math.floor(random() * 256);
  return bytes;
}

/** Awaits `promise`, asserts it rejected with a DomainError of `code` (and `message`), returns it. */
export async function rejectsWith(promise: Promise<unknown>, code: string, message?: RegExp): Promise<DomainError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof DomainError, `expected a DomainError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    if (message) assert.match(error.message, message);
    return error;
  }
  throw new assert.AssertionError({ message: `expected rejection with ${code}` });
}
