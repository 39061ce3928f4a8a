// The binary form of a mirrored write's and trim's params (RPC repl.sync.write / repl.sync.trim) on
// the peer link's latency lane: what a host write waits on travels without JSON (building and
// parsing it was a few µs of each synchronous QD1 write, on both systems). The handler gets the
// same params object as from JSON, and parses it as before (peer-protocol.ts parseSyncWrite).
//
//   u8 0 (binary params) | u8 version 1 | u8 flags (1 FUA, 2 has lengthBytes) |
//   f64 baseCycle | f64 offsetBytes | f64 lengthBytes (trim only) |
//   u8 bytes + sessionId (ASCII) | u8 bytes + remoteVolumeId (ASCII)
//
// Integers travel as doubles: exact up to 2^53, as in JSON. Ids that are not ASCII or longer than
// 255 bytes are not encoded (the call sends JSON instead).
import type { ParamsCodec } from './transport.ts';

const VERSION = 1;
const FLAG_FUA = 1;
const FLAG_LENGTH = 2;
const FIXED_BYTES = 3 + 8 + 8;
const ID_BYTES_MAX = 255;

interface SyncIoWire {
  sessionId: string;
  remoteVolumeId: string;
  baseCycle: number;
  offsetBytes: number;
  fua: boolean;
  lengthBytes?: number;
}

function asciiId(value: unknown): value is string {
  if (typeof value !== 'string' || value.length > ID_BYTES_MAX) return false;
  for (let i = 0; i < value.length; i++) if (value.charCodeAt(i) > 0x7f) return false;
  return true;
}

function encode(params: unknown, withLength: boolean): Buffer | null {
  const p = params as Partial<SyncIoWire> | null;
  if (p === null || typeof p !== 'object') return null;
  const { sessionId, remoteVolumeId, baseCycle, offsetBytes, lengthBytes } = p;
  if (!asciiId(sessionId) || !asciiId(remoteVolumeId) || typeof baseCycle !== 'number' || typeof offsetBytes !== 'number') return null;
  if (withLength && typeof lengthBytes !== 'number') return null;
  const bytes = FIXED_BYTES + (withLength ? 8 : 0) + 2 + sessionId.length + remoteVolumeId.length;
  const out = Buffer.allocUnsafe(bytes);
  out[0] = 0;
  out[1] = VERSION;
  out[2] = (p.fua === true ? FLAG_FUA : 0) | (withLength ? FLAG_LENGTH : 0);
  out.writeDoubleBE(baseCycle, 3);
  out.writeDoubleBE(offsetBytes, 11);
  let at = FIXED_BYTES;
  if (withLength) {
    out.writeDoubleBE(lengthBytes!, at);
    at += 8;
  }
  out[at++] = sessionId.length;
  at += out.write(sessionId, at, 'latin1');
  out[at++] = remoteVolumeId.length;
  out.write(remoteVolumeId, at, 'latin1');
  return out;
}

function decode(bytes: Buffer, withLength: boolean): SyncIoWire | { problem: string } {
  if (bytes.length < FIXED_BYTES + 2 || bytes[0] !== 0) return { problem: 'binary params too short' };
  if (bytes[1] !== VERSION) return { problem: `binary params of version ${bytes[1]}` };
  const flags = bytes[2]!;
  if (((flags & FLAG_LENGTH) !== 0) !== withLength) return { problem: withLength ? 'a trim without its length' : 'a write with a length' };
  const baseCycle = bytes.readDoubleBE(3);
  const offsetBytes = bytes.readDoubleBE(11);
  let at = FIXED_BYTES;
  let lengthBytes: number | undefined;
  if (withLength) {
    if (bytes.length < at + 8 + 2) return { problem: 'binary params too short' };
    lengthBytes = bytes.readDoubleBE(at);
    at += 8;
  }
  const sessionBytes = bytes[at++]!;
  if (at + sessionBytes + 1 > bytes.length) return { problem: 'binary params cut short' };
  const sessionId = bytes.toString('latin1', at, at + sessionBytes);
  at += sessionBytes;
  const volumeBytes = bytes[at++]!;
  if (at + volumeBytes !== bytes.length) return { problem: 'binary params of the wrong length' };
  const remoteVolumeId = bytes.toString('latin1', at, at + volumeBytes);
  const wire: SyncIoWire = { sessionId, remoteVolumeId, baseCycle, offsetBytes, fua: (flags & FLAG_FUA) !== 0 };
  if (lengthBytes !== undefined) wire.lengthBytes = lengthBytes;
  return wire;
}

/** repl.sync.write */
export const syncWriteCodec: ParamsCodec = { encode: (params) => encode(params, false), decode: (bytes) => decode(bytes, false) };
/** repl.sync.trim */
export const syncTrimCodec: ParamsCodec = { encode: (params) => encode(params, true), decode: (bytes) => decode(bytes, true) };
