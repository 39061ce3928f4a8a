// The wire format of one RPC on the peer link. Each call is one HTTP/2 stream:
//
//   request   :method POST, :path /rpc/<method>
//             tandem-json-bytes: J        length of the JSON params that open the body
//             tandem-payload-bytes: P     present only when a binary payload follows
//             content-length: J + P
//             body = J bytes of UTF-8 JSON params, then P bytes of payload
//
//   response  :status 200, tandem-outcome: ok | error, the same two length headers
//             ok:    body = JSON `result` (J bytes), then the payload (P bytes)
//             error: body = JSON `{ code, message, details }` (J bytes), no payload
//
// Other statuses are refusals by the transport, before any handler ran: 400 malformed request,
// 403 client certificate not trusted, 405 not POST, 413 over a limit; their body is the same JSON
// error object. Lengths travel in headers rather than in a prefix so a receiver can check them
// against the limits and allocate the body once, before reading a byte of it.
import type { Readable } from 'node:stream';
import type { Http2Stream, IncomingHttpHeaders } from 'node:http2';
import { PEER_JSON_BYTES_MAX, PEER_METHOD_BYTES_MAX, PEER_PAYLOAD_BYTES_MAX } from './limits.ts';

export const HEADER_JSON_BYTES = 'tandem-json-bytes';
export const HEADER_PAYLOAD_BYTES = 'tandem-payload-bytes';
export const HEADER_OUTCOME = 'tandem-outcome';
export const RPC_PATH_PREFIX = '/rpc/';

export interface Frame {
  json: Buffer;
  payload: Buffer | null;
}

export interface FrameLengths {
  jsonBytes: number;
  payloadBytes: number | null;
}

const METHOD_PATTERN = /^[A-Za-z][A-Za-z0-9._-]*$/;

export function isValidMethod(method: string): boolean {
  return method.length <= PEER_METHOD_BYTES_MAX && METHOD_PATTERN.test(method);
}

export function encodeJson(value: unknown): Buffer {
  // `undefined` has no JSON form; it travels as null so the receiver always parses something.
  return Buffer.from(JSON.stringify(value ?? null), 'utf8');
}

export function frameHeaders(frame: Frame): Record<string, string | number> {
  const headers: Record<string, string | number> = {
    [HEADER_JSON_BYTES]: frame.json.length,
    'content-length': frame.json.length + (frame.payload?.length ?? 0),
  };
  if (frame.payload !== null) headers[HEADER_PAYLOAD_BYTES] = frame.payload.length;
  return headers;
}

/** Reads the two length headers; returns a message naming the problem when they are unusable. */
export function parseFrameLengths(headers: IncomingHttpHeaders): FrameLengths | { problem: string; status: number } {
  const jsonBytes = parseLength(headers[HEADER_JSON_BYTES]);
  if (jsonBytes === undefined) return { problem: `bad ${HEADER_JSON_BYTES} header`, status: 400 };
  if (jsonBytes > PEER_JSON_BYTES_MAX) {
    return { problem: `JSON of ${jsonBytes} bytes exceeds ${PEER_JSON_BYTES_MAX}`, status: 413 };
  }
  const rawPayload = headers[HEADER_PAYLOAD_BYTES];
  if (rawPayload === undefined) return { jsonBytes, payloadBytes: null };
  const payloadBytes = parseLength(rawPayload);
  if (payloadBytes === undefined) return { problem: `bad ${HEADER_PAYLOAD_BYTES} header`, status: 400 };
  if (payloadBytes > PEER_PAYLOAD_BYTES_MAX) {
    return { problem: `payload of ${payloadBytes} bytes exceeds ${PEER_PAYLOAD_BYTES_MAX}`, status: 413 };
  }
  return { jsonBytes, payloadBytes };
}

function parseLength(raw: string | string[] | undefined): number | undefined {
  if (typeof raw !== 'string' || !/^\d{1,10}$/.test(raw)) return undefined;
  return Number(raw);
}

export function writeFrame(stream: Http2Stream, frame: Frame): void {
  if (frame.payload !== null && frame.payload.length > 0) {
    stream.write(frame.json);
    stream.end(frame.payload);
  } else {
    stream.end(frame.json);
  }
}

/**
 * Reads a body of exactly the announced length into one buffer allocated up front; the JSON and the
 * payload are views of it, so a 4 MiB payload is copied once from the socket and never again.
 */
export function readFrame(stream: Readable, lengths: FrameLengths, allocate: (bytes: number) => Buffer = Buffer.allocUnsafe): Promise<Frame> {
  const totalBytes = lengths.jsonBytes + (lengths.payloadBytes ?? 0);
  const body = allocate(totalBytes);
  let receivedBytes = 0;
  return new Promise((resolve, reject) => {
    const fail = (message: string): void => {
      cleanup();
      reject(new Error(message));
    };
    const onData = (chunk: Buffer): void => {
      if (receivedBytes + chunk.length > totalBytes) {
        fail(`body longer than the announced ${totalBytes} bytes`);
        return;
      }
      chunk.copy(body, receivedBytes);
      receivedBytes += chunk.length;
    };
    const onEnd = (): void => {
      cleanup();
      if (receivedBytes !== totalBytes) {
        reject(new Error(`body of ${receivedBytes} bytes, ${totalBytes} announced`));
        return;
      }
      const json = body.subarray(0, lengths.jsonBytes);
      const payload = lengths.payloadBytes === null ? null : body.subarray(lengths.jsonBytes);
      resolve({ json, payload });
    };
    const onError = (error: Error): void => fail(`stream failed while reading the body: ${error.message}`);
    const onClose = (): void => fail(`stream closed after ${receivedBytes} of ${totalBytes} body bytes`);
    const cleanup = (): void => {
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('error', onError);
      stream.off('close', onClose);
    };
    stream.on('data', onData);
    stream.on('end', onEnd);
    stream.on('error', onError);
    stream.on('close', onClose);
  });
}

export function parseJson(bytes: Buffer): { ok: true; value: unknown } | { ok: false; problem: string } {
  try {
    return { ok: true, value: JSON.parse(bytes.toString('utf8')) };
  } catch (error) {
    return { ok: false, problem: `malformed JSON: ${(error as Error).message}` };
  }
}
