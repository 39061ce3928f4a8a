// The segment record format. Segments are the write-ahead log: every map mutation is one record,
// and WRITE/RELOCATE records carry their data blocks as payload right after the header.
//
// Header, 48 bytes, little-endian:
//   0  u32 magic           'TDN1'; a zero-filled or foreign tail fails here first
//   4  u32 crc32           zlib.crc32 over header bytes 8..48, then the payload
//   8  f64 seq             strictly increasing across all segments
//  16  u8  type           RecordType; bytes 17..19 are zero
//  20  u32 handle          numeric volume handle (0 for RELOCATE)
//  24  f64 firstBlock      first 4 KiB block index (volumes reach 2^36 blocks, beyond u32)
//  32  u32 countBlocks     blocks written/trimmed/relocated
//  36  u32 payloadBytes    bytes following the header
//  40  f64 aux             CREATE/RESIZE: size in bytes; SNAPSHOT/RESTORE: source handle
// 48 bytes keep the header to ~1% of a 4 KiB write; data is not sector-aligned in the file, which
// costs nothing through the page cache (we never use O_DIRECT).

import { crc32 } from 'node:zlib';
import { BLOCK_BYTES } from '../limits.ts';
import { invariant } from '../core/errors.ts';

export const RECORD_MAGIC = 0x314e4454; // "TDN1" read as little-endian u32
export const RECORD_HEADER_BYTES = 48;

export const RecordType = {
  WRITE: 1,
  TRIM: 2,
  CREATE: 3,
  DELETE: 4,
  SNAPSHOT: 5,
  RESIZE: 6,
  RESTORE: 7,
  /** Data copied by GC; replay ignores it (the repointing is made durable by GC's checkpoint). */
  RELOCATE: 8,
} as const;
export type RecordTypeCode = (typeof RecordType)[keyof typeof RecordType];
const RECORD_TYPE_MAX = 8;

export interface RecordHeader {
  seq: number;
  type: RecordTypeCode;
  handle: number;
  firstBlock: number;
  countBlocks: number;
  payloadBytes: number;
  aux: number;
}

/** Writes the header into target[offset..offset+48) and returns its crc (payload included). */
export function encodeRecordHeader(target: Buffer, offset: number, header: RecordHeader, payload: Buffer | null): void {
  invariant(header.payloadBytes === (payload === null ? 0 : payload.length), 'payload length mismatch');
  assertHeaderShape(header);
  target.writeUInt32LE(RECORD_MAGIC, offset);
  target.writeDoubleLE(header.seq, offset + 8);
  target.writeUInt32LE(header.type, offset + 16); // type in the low byte, zero padding above
  target.writeUInt32LE(header.handle, offset + 20);
  target.writeDoubleLE(header.firstBlock, offset + 24);
  target.writeUInt32LE(header.countBlocks, offset + 32);
  target.writeUInt32LE(header.payloadBytes, offset + 36);
  target.writeDoubleLE(header.aux, offset + 40);
  const crc = recordCrc(target.subarray(offset + 8, offset + RECORD_HEADER_BYTES), payload);
  target.writeUInt32LE(crc, offset + 4);
}

/** Parses a header; null when it cannot be a record (torn, zeroed or garbage bytes). */
export function decodeRecordHeader(source: Buffer, offset: number): RecordHeader | null {
  if (source.length - offset < RECORD_HEADER_BYTES) return null;
  if (source.readUInt32LE(offset) !== RECORD_MAGIC) return null;
  const typeWord = source.readUInt32LE(offset + 16);
  if (typeWord < 1 || typeWord > RECORD_TYPE_MAX) return null;
  const header: RecordHeader = {
    seq: source.readDoubleLE(offset + 8),
    type: typeWord as RecordTypeCode,
    handle: source.readUInt32LE(offset + 20),
    firstBlock: source.readDoubleLE(offset + 24),
    countBlocks: source.readUInt32LE(offset + 32),
    payloadBytes: source.readUInt32LE(offset + 36),
    aux: source.readDoubleLE(offset + 40),
  };
  return headerShapeOk(header) ? header : null;
}

export function recordCrcMatches(headerBytes: Buffer, offset: number, payload: Buffer | null): boolean {
  const stored = headerBytes.readUInt32LE(offset + 4);
  return stored === recordCrc(headerBytes.subarray(offset + 8, offset + RECORD_HEADER_BYTES), payload);
}

function recordCrc(headerTail: Buffer, payload: Buffer | null): number {
  const headerCrc = crc32(headerTail);
  return payload === null || payload.length === 0 ? headerCrc : crc32(payload, headerCrc);
}

/** Data records carry exactly countBlocks blocks; TRIM and DELETE carry nothing. */
function headerShapeOk(h: RecordHeader): boolean {
  if (!Number.isSafeInteger(h.seq) || h.seq < 1) return false;
  if (!Number.isSafeInteger(h.firstBlock) || h.firstBlock < 0) return false;
  if (!Number.isSafeInteger(h.aux) || h.aux < 0) return false;
  switch (h.type) {
    case RecordType.WRITE:
    case RecordType.RELOCATE:
      return h.countBlocks > 0 && h.payloadBytes === h.countBlocks * BLOCK_BYTES;
    case RecordType.TRIM:
      return h.countBlocks > 0 && h.payloadBytes === 0;
    case RecordType.DELETE:
      return h.payloadBytes === 0;
    default:
      return h.payloadBytes > 0 && h.payloadBytes <= 64 * 1024; // small JSON
  }
}

// Hot path: the message (with JSON) is built only when the check fails.
function assertHeaderShape(h: RecordHeader): void {
  if (!headerShapeOk(h)) {
    invariant(false, `malformed record header seq ${h.seq} type ${h.type} blocks ${h.countBlocks}`);
  }
}

export function encodeJsonPayload(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value), 'utf8');
}

export function decodeJsonPayload(payload: Buffer): Record<string, unknown> {
  const value: unknown = JSON.parse(payload.toString('utf8'));
  invariant(typeof value === 'object' && value !== null, 'metadata record payload is not an object');
  return value as Record<string, unknown>;
}
