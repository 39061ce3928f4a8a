// NBD wire constants and small codecs (fixed newstyle only). Numbers follow doc/proto.md in the
// NetworkBlockDevice/nbd repository (current master; research/dataplane.md §1). All integers are
// big-endian. Nothing here does I/O: handshake.ts and transmission.ts build on these helpers.

import { BLOCK_BYTES, NBD_REQUEST_BYTES_MAX } from '../limits.ts';

/** "NBDMAGIC" then "IHAVEOPT", the first 16 bytes the server sends. */
export const NBD_MAGIC_HI = 0x4e42444d;
export const NBD_MAGIC_LO = 0x41474943;
export const IHAVEOPT_HI = 0x49484156;
export const IHAVEOPT_LO = 0x454f5054;
/** Option reply magic 0x3e889045565a9, split into two 32-bit halves. */
export const OPT_REPLY_MAGIC_HI = 0x0003e889;
export const OPT_REPLY_MAGIC_LO = 0x045565a9;
export const REQUEST_MAGIC = 0x25609513;
export const SIMPLE_REPLY_MAGIC = 0x67446698;
export const STRUCTURED_REPLY_MAGIC = 0x668e33ef;

/** Header sizes in bytes: request, simple reply, structured chunk, option request and option reply. */
export const REQUEST_HEADER_BYTES = 28;
export const SIMPLE_REPLY_BYTES = 16;
export const CHUNK_HEADER_BYTES = 20;
export const OPTION_HEADER_BYTES = 16;
export const OPTION_REPLY_HEADER_BYTES = 20;
/** EXPORT_NAME's reply pads with 124 zero bytes unless the client set NO_ZEROES. */
export const EXPORT_NAME_ZEROES_BYTES = 124;

// Handshake flags (server, 16 bits) and client flags (32 bits).
export const FLAG_FIXED_NEWSTYLE = 1 << 0;
export const FLAG_NO_ZEROES = 1 << 1;
export const CLIENT_FLAG_FIXED_NEWSTYLE = 1 << 0;
export const CLIENT_FLAG_NO_ZEROES = 1 << 1;
export const CLIENT_FLAGS_KNOWN = CLIENT_FLAG_FIXED_NEWSTYLE | CLIENT_FLAG_NO_ZEROES;

export const OPT = {
  EXPORT_NAME: 1,
  ABORT: 2,
  LIST: 3,
  STARTTLS: 5,
  INFO: 6,
  GO: 7,
  STRUCTURED_REPLY: 8,
  LIST_META_CONTEXT: 9,
  SET_META_CONTEXT: 10,
} as const;

export const REP = {
  ACK: 1,
  SERVER: 2,
  INFO: 3,
  META_CONTEXT: 4,
  ERR_UNSUP: 2 ** 31 + 1,
  ERR_POLICY: 2 ** 31 + 2,
  ERR_INVALID: 2 ** 31 + 3,
  ERR_UNKNOWN: 2 ** 31 + 6,
  ERR_TOO_BIG: 2 ** 31 + 9,
} as const;

export const INFO = { EXPORT: 0, NAME: 1, DESCRIPTION: 2, BLOCK_SIZE: 3 } as const;

export const TFLAG = {
  HAS_FLAGS: 1 << 0,
  READ_ONLY: 1 << 1,
  SEND_FLUSH: 1 << 2,
  SEND_FUA: 1 << 3,
  SEND_TRIM: 1 << 5,
  SEND_WRITE_ZEROES: 1 << 6,
  SEND_DF: 1 << 7,
  CAN_MULTI_CONN: 1 << 8,
  SEND_CACHE: 1 << 10,
} as const;

export const CMD = {
  READ: 0,
  WRITE: 1,
  DISC: 2,
  FLUSH: 3,
  TRIM: 4,
  CACHE: 5,
  WRITE_ZEROES: 6,
  BLOCK_STATUS: 7,
} as const;

export const CMD_FLAG = { FUA: 1 << 0, NO_HOLE: 1 << 1, DF: 1 << 2, REQ_ONE: 1 << 3, FAST_ZERO: 1 << 4 } as const;

export const REPLY_FLAG_DONE = 1;
export const REPLY_TYPE = { NONE: 0, OFFSET_DATA: 1, OFFSET_HOLE: 2, BLOCK_STATUS: 5, ERROR: 2 ** 15 + 1 } as const;

/** base:allocation state bits: unmapped space is a hole that reads as zeros (HOLE|ZERO = 3). */
export const STATE_HOLE = 1;
export const STATE_ZERO = 2;

/** The only meta context we serve, and the id we give it in SET_META_CONTEXT replies. */
export const META_CONTEXT_BASE_ALLOCATION = 'base:allocation';
export const META_CONTEXT_BASE_ALLOCATION_ID = 1;

/** NBD error values (a fixed set, not the host's errno numbers). */
export const NBD_ERR = { EPERM: 1, EIO: 5, ENOMEM: 12, EINVAL: 22, ENOSPC: 28, EOVERFLOW: 75, ENOTSUP: 95, ESHUTDOWN: 108 } as const;
export type NbdErrno = (typeof NBD_ERR)[keyof typeof NBD_ERR];

/**
 * Block sizes we advertise in NBD_INFO_BLOCK_SIZE: any byte alignment works (the engine does
 * read-modify-write on partial blocks), 4 KiB is the engine's mapping unit, and the largest payload
 * is NBD_REQUEST_BYTES_MAX (32 MiB, the spec's default maximum).
 */
export const BLOCK_SIZE_MIN_BYTES = 1;
export const BLOCK_SIZE_PREFERRED_BYTES = BLOCK_BYTES;
export const BLOCK_SIZE_MAX_BYTES = NBD_REQUEST_BYTES_MAX;

/**
 * Largest option payload accepted before the connection is dropped. The biggest legal option is
 * SET_META_CONTEXT: a 4096-byte export name plus queries; 64 KiB leaves room for a few dozen queries.
 */
export const OPTION_DATA_BYTES_MAX = 64 * 1024;
/** Strings (export names, queries) are at most 4096 bytes per proto.md "Conventions". */
export const STRING_BYTES_MAX = 4096;
/** Bound on base:allocation descriptors in one reply (8 bytes each: a 1 MiB reply at most). */
export const BLOCK_STATUS_DESCRIPTORS_MAX = 128 * 1024;
/** 2^53: offsets at or above this cannot be a JavaScript number exactly; all are out of range anyway. */
export const OFFSET_HI_SAFE_LIMIT = 2 ** 21;

/** Writes a 64-bit unsigned value that is a safe integer as two 32-bit halves. */
export function writeU64(buf: Buffer, value: number, at: number): void {
  buf.writeUInt32BE(Math.floor(value / 0x1_0000_0000), at);
  buf.writeUInt32BE(value >>> 0, at + 4);
}

/** Reads a 64-bit unsigned value; returns Infinity when it is not a safe integer. */
export function readU64(buf: Buffer, at: number): number {
  const hi = buf.readUInt32BE(at);
  if (hi >= OFFSET_HI_SAFE_LIMIT) return Infinity;
  return hi * 0x1_0000_0000 + buf.readUInt32BE(at + 4);
}

/** The 18-byte greeting: NBDMAGIC, IHAVEOPT, handshake flags. */
export function encodeGreeting(): Buffer {
  const buf = Buffer.alloc(18);
  buf.writeUInt32BE(NBD_MAGIC_HI, 0);
  buf.writeUInt32BE(NBD_MAGIC_LO, 4);
  buf.writeUInt32BE(IHAVEOPT_HI, 8);
  buf.writeUInt32BE(IHAVEOPT_LO, 12);
  buf.writeUInt16BE(FLAG_FIXED_NEWSTYLE | FLAG_NO_ZEROES, 16);
  return buf;
}

/** One option reply: magic, option, reply type, length, data. */
export function encodeOptionReply(option: number, replyType: number, data: Buffer = EMPTY): Buffer {
  const buf = Buffer.alloc(OPTION_REPLY_HEADER_BYTES + data.length);
  buf.writeUInt32BE(OPT_REPLY_MAGIC_HI, 0);
  buf.writeUInt32BE(OPT_REPLY_MAGIC_LO, 4);
  buf.writeUInt32BE(option, 8);
  buf.writeUInt32BE(replyType, 12);
  buf.writeUInt32BE(data.length, 16);
  data.copy(buf, OPTION_REPLY_HEADER_BYTES);
  return buf;
}

/** An option error reply carrying a UTF-8 message for the client's log. */
export function encodeOptionError(option: number, replyType: number, message: string): Buffer {
  return encodeOptionReply(option, replyType, Buffer.from(message.slice(0, STRING_BYTES_MAX), 'utf8'));
}

export function encodeInfoExport(sizeBytes: number, transmissionFlags: number): Buffer {
  const buf = Buffer.alloc(12);
  buf.writeUInt16BE(INFO.EXPORT, 0);
  writeU64(buf, sizeBytes, 2);
  buf.writeUInt16BE(transmissionFlags, 10);
  return buf;
}

export function encodeInfoString(infoType: number, text: string): Buffer {
  const body = Buffer.from(text, 'utf8');
  const buf = Buffer.alloc(2 + body.length);
  buf.writeUInt16BE(infoType, 0);
  body.copy(buf, 2);
  return buf;
}

export function encodeInfoBlockSize(): Buffer {
  const buf = Buffer.alloc(14);
  buf.writeUInt16BE(INFO.BLOCK_SIZE, 0);
  buf.writeUInt32BE(BLOCK_SIZE_MIN_BYTES, 2);
  buf.writeUInt32BE(BLOCK_SIZE_PREFERRED_BYTES, 6);
  buf.writeUInt32BE(BLOCK_SIZE_MAX_BYTES, 10);
  return buf;
}

/** NBD_REP_SERVER payload: u32 name length, name, description. */
export function encodeServerEntry(name: string, description: string): Buffer {
  const nameBytes = Buffer.from(name, 'utf8');
  const descriptionBytes = Buffer.from(description, 'utf8');
  const buf = Buffer.alloc(4 + nameBytes.length + descriptionBytes.length);
  buf.writeUInt32BE(nameBytes.length, 0);
  nameBytes.copy(buf, 4);
  descriptionBytes.copy(buf, 4 + nameBytes.length);
  return buf;
}

/** NBD_REP_META_CONTEXT payload: u32 context id, name. */
export function encodeMetaContext(id: number, name: string): Buffer {
  const nameBytes = Buffer.from(name, 'utf8');
  const buf = Buffer.alloc(4 + nameBytes.length);
  buf.writeUInt32BE(id, 0);
  nameBytes.copy(buf, 4);
  return buf;
}

/** The EXPORT_NAME reply: size, transmission flags, and 124 zeros unless NO_ZEROES. */
export function encodeExportNameReply(sizeBytes: number, transmissionFlags: number, noZeroes: boolean): Buffer {
  const buf = Buffer.alloc(10 + (noZeroes ? 0 : EXPORT_NAME_ZEROES_BYTES));
  writeU64(buf, sizeBytes, 0);
  buf.writeUInt16BE(transmissionFlags, 8);
  return buf;
}

/**
 * Transmission flags for an export: everything we implement. A read-only export advertises
 * READ_ONLY and drops the write-side flags (FUA, TRIM, WRITE_ZEROES), as nbdkit does, so clients
 * do not plan writes that would fail with EPERM.
 */
export function transmissionFlagsFor(readOnly: boolean): number {
  const common = TFLAG.HAS_FLAGS | TFLAG.SEND_FLUSH | TFLAG.SEND_DF | TFLAG.CAN_MULTI_CONN | TFLAG.SEND_CACHE;
  if (readOnly) return common | TFLAG.READ_ONLY;
  return common | TFLAG.SEND_FUA | TFLAG.SEND_TRIM | TFLAG.SEND_WRITE_ZEROES;
}

const EMPTY = Buffer.alloc(0);
