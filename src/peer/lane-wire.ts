// The wire format of the latency lane: many calls multiplexed on one long-lived TLS connection to
// the peer link port (made without ALPN, so the HTTP/2 server hands it over: server.ts), each a
// length-prefixed binary frame. A call per HTTP/2 stream (wire.ts) costs a HEADERS exchange and a
// stream set-up, about 200 µs on loopback; synchronous replication pays that on every host write,
// so its writes, trims and flushes travel here instead.
//
//   request   u32 frame bytes (what follows this field) | u32 call id | u8 method bytes |
//             u32 params bytes | method (ASCII) | params | payload (the rest, may be empty)
//   response  u32 frame bytes | u32 call id | u8 outcome (0 ok, 1 error) | u32 JSON bytes |
//             JSON result or `{ code, message, details }` | payload (the rest)
//
// Params are JSON, or, for a method with a binary form (LaneCodec: a mirrored write's session,
// volume, base and offset), a zero byte and that form: no JSON is built or parsed on a host
// write's path. JSON never starts with a zero byte, so the receiver tells them apart.
//
// Big-endian, like the rest of the network. A request with no payload and one with an empty
// payload are the same thing here: handlers on the lane treat both as "no data".
import { PEER_JSON_BYTES_MAX, PEER_METHOD_BYTES_MAX, PEER_PAYLOAD_BYTES_MAX } from './limits.ts';

/** The first byte of params in a method's binary form (JSON starts with something else). */
export const BINARY_PARAMS_TAG = 0;

/**
 * A method's params in binary form, registered on both ends of the link for the calls a host
 * write waits on. encode returns the params bytes, BINARY_PARAMS_TAG first, or null for params it
 * cannot carry (the call then sends JSON); decode gets those bytes and returns the params object
 * the handler would have got from the JSON, or a problem.
 */
export interface LaneCodec {
  encode(params: unknown): Buffer | null;
  decode(bytes: Buffer): unknown | { problem: string };
}

const LENGTH_BYTES = 4;
const REQUEST_HEAD_BYTES = 4 + 1 + 4;
const RESPONSE_HEAD_BYTES = 4 + 1 + 4;
/** No frame may claim more than this; a larger prefix is a broken or hostile peer. */
export const LANE_FRAME_BYTES_MAX = REQUEST_HEAD_BYTES + PEER_METHOD_BYTES_MAX + PEER_JSON_BYTES_MAX + PEER_PAYLOAD_BYTES_MAX;

export interface LaneRequest {
  callId: number;
  method: string;
  /** The params: JSON, or BINARY_PARAMS_TAG and the method's binary form (LaneCodec). */
  json: Buffer;
  payload: Buffer | null;
}

export interface LaneResponse {
  callId: number;
  outcome: 'ok' | 'error';
  json: Buffer;
  payload: Buffer | null;
}

/**
 * One buffer per frame when the payload is small: each write on the stream becomes a TLS record and
 * a send(2) that wakes the peer, so head and a 4 KiB payload written apart cost two wake-ups where
 * one copy of 4 KiB costs nothing. Above LANE_COPY_BYTES_MAX the payload travels as its own buffer.
 */
const LANE_COPY_BYTES_MAX = 64 * 1024;

/** The frame's buffer, its head and small payload in it (written by the caller), and the payload written apart if large. */
function frameBuffers(headBytes: number, payload: Buffer | null): { frame: Buffer; rest: Buffer | null } {
  const payloadBytes = payload?.length ?? 0;
  if (payloadBytes === 0) return { frame: Buffer.allocUnsafe(headBytes), rest: null };
  if (payloadBytes > LANE_COPY_BYTES_MAX) return { frame: Buffer.allocUnsafe(headBytes), rest: payload };
  // One allocation for head and payload (Buffer.concat would allocate the head apart first).
  const frame = Buffer.allocUnsafe(headBytes + payloadBytes);
  payload!.copy(frame, headBytes);
  return { frame, rest: null };
}

export function encodeRequest(request: LaneRequest): Buffer[] {
  const methodBytes = request.method.length; // ASCII (isValidMethod)
  const payloadBytes = request.payload?.length ?? 0;
  const headBytes = LENGTH_BYTES + REQUEST_HEAD_BYTES + methodBytes + request.json.length;
  const { frame, rest } = frameBuffers(headBytes, request.payload);
  frame.writeUInt32BE(headBytes - LENGTH_BYTES + payloadBytes, 0);
  frame.writeUInt32BE(request.callId, 4);
  frame[8] = methodBytes;
  frame.writeUInt32BE(request.json.length, 9);
  frame.write(request.method, 13, methodBytes, 'latin1');
  request.json.copy(frame, 13 + methodBytes);
  return rest === null ? [frame] : [frame, rest];
}

export function encodeResponse(response: LaneResponse): Buffer[] {
  const payloadBytes = response.payload?.length ?? 0;
  const headBytes = LENGTH_BYTES + RESPONSE_HEAD_BYTES + response.json.length;
  const { frame, rest } = frameBuffers(headBytes, response.payload);
  frame.writeUInt32BE(headBytes - LENGTH_BYTES + payloadBytes, 0);
  frame.writeUInt32BE(response.callId, 4);
  frame[8] = response.outcome === 'ok' ? 0 : 1;
  frame.writeUInt32BE(response.json.length, 9);
  response.json.copy(frame, 13);
  return rest === null ? [frame] : [frame, rest];
}

export function decodeRequest(frame: Buffer): LaneRequest | { problem: string } {
  if (frame.length < REQUEST_HEAD_BYTES) return { problem: `request frame of ${frame.length} bytes is too short` };
  const methodBytes = frame.readUInt8(4);
  const jsonBytes = frame.readUInt32BE(5);
  const bodyStart = REQUEST_HEAD_BYTES + methodBytes + jsonBytes;
  if (jsonBytes > PEER_JSON_BYTES_MAX) return { problem: `JSON of ${jsonBytes} bytes exceeds ${PEER_JSON_BYTES_MAX}` };
  if (bodyStart > frame.length) return { problem: `request frame of ${frame.length} bytes announces ${bodyStart} bytes of head` };
  const payload = frame.length > bodyStart ? frame.subarray(bodyStart) : null;
  if ((payload?.length ?? 0) > PEER_PAYLOAD_BYTES_MAX) return { problem: `payload of ${payload!.length} bytes exceeds ${PEER_PAYLOAD_BYTES_MAX}` };
  return {
    callId: frame.readUInt32BE(0),
    method: frame.toString('ascii', REQUEST_HEAD_BYTES, REQUEST_HEAD_BYTES + methodBytes),
    json: frame.subarray(REQUEST_HEAD_BYTES + methodBytes, bodyStart),
    payload,
  };
}

export function decodeResponse(frame: Buffer): LaneResponse | { problem: string } {
  if (frame.length < RESPONSE_HEAD_BYTES) return { problem: `response frame of ${frame.length} bytes is too short` };
  const outcome = frame.readUInt8(4);
  const jsonBytes = frame.readUInt32BE(5);
  const bodyStart = RESPONSE_HEAD_BYTES + jsonBytes;
  if (outcome > 1) return { problem: `unknown outcome ${outcome}` };
  if (bodyStart > frame.length) return { problem: `response frame of ${frame.length} bytes announces ${bodyStart} bytes of head` };
  return {
    callId: frame.readUInt32BE(0),
    outcome: outcome === 0 ? 'ok' : 'error',
    json: frame.subarray(RESPONSE_HEAD_BYTES, bodyStart),
    payload: frame.length > bodyStart ? frame.subarray(bodyStart) : null,
  };
}

/**
 * Cuts a byte stream into frames (without their length prefix). A frame that arrives inside one
 * chunk is returned as a view of it; one that spans chunks is copied once into a buffer allocated
 * when its length is known, so a 4 MiB payload in 16 KiB chunks costs one copy, not a quadratic one.
 */
export class FrameSplitter {
  private readonly prefix = Buffer.alloc(LENGTH_BYTES);
  private prefixBytes = 0;
  private frame: Buffer | null = null;
  private frameFilled = 0;

  /**
   * `allocate` gives the buffer of a frame that spans chunks: the lane server takes it from a pool
   * (peer/server.ts) and gives it back once answered, because a fresh 4 MiB buffer per replication
   * batch costs first-touch page faults and V8 full collections for the external memory.
   */
  constructor(private readonly allocate: (bytes: number) => Buffer = Buffer.allocUnsafe) {}

  /** Adds a chunk and returns the frames it completed; throws when a prefix is over the limit. */
  push(chunk: Buffer): Buffer[] {
    const frames: Buffer[] = [];
    let at = 0;
    while (at < chunk.length) {
      if (this.frame === null) {
        if (this.prefixBytes === 0 && chunk.length - at >= LENGTH_BYTES) {
          const frameBytes = checked(chunk.readUInt32BE(at));
          if (chunk.length - at - LENGTH_BYTES >= frameBytes) {
            frames.push(chunk.subarray(at + LENGTH_BYTES, at + LENGTH_BYTES + frameBytes));
            at += LENGTH_BYTES + frameBytes;
            continue;
          }
          this.startFrame(frameBytes);
          at += LENGTH_BYTES;
        } else {
          const n = Math.min(LENGTH_BYTES - this.prefixBytes, chunk.length - at);
          chunk.copy(this.prefix, this.prefixBytes, at, at + n);
          this.prefixBytes += n;
          at += n;
          if (this.prefixBytes < LENGTH_BYTES) break;
          this.prefixBytes = 0;
          this.startFrame(checked(this.prefix.readUInt32BE(0)));
        }
      }
      const frame = this.frame!;
      const n = Math.min(frame.length - this.frameFilled, chunk.length - at);
      chunk.copy(frame, this.frameFilled, at, at + n);
      this.frameFilled += n;
      at += n;
      if (this.frameFilled === frame.length) {
        frames.push(frame);
        this.frame = null;
      }
    }
    return frames;
  }

  private startFrame(frameBytes: number): void {
    this.frame = this.allocate(frameBytes);
    this.frameFilled = 0;
  }
}

function checked(frameBytes: number): number {
  if (frameBytes > LANE_FRAME_BYTES_MAX) throw new Error(`lane frame of ${frameBytes} bytes exceeds ${LANE_FRAME_BYTES_MAX}`);
  return frameBytes;
}
