// Answers to requests refused before any plugin sees them, in the shape of the dialect the path
// names: Fastify's router refusing a path segment over maxParamLength or a malformed URL
// (`frameworkErrors`), and Node's HTTP parser refusing a request head over HTTP_HEADER_BYTES_MAX or
// a malformed one (the server's 'clientError'). Without these, clients got Fastify's or Node's
// own bodies, which neither dialect's client can read.
import type { Socket } from 'node:net';
import { STATUS_CODES } from 'node:http';
import { ETERNUS_PREFIX } from './eternus/plugin.ts';
import { transportError as eternusTransportError } from './eternus/errors.ts';
import { transportError as powerStoreTransportError, type TransportErrorKind } from './powerstore/errors.ts';

export interface TransportAnswer {
  status: number;
  body: unknown;
}

/** ETERNUS paths get ETERNUS bodies; everything else, known or not, PowerStore's error_response. */
export function transportAnswer(path: string | null, kind: TransportErrorKind, detail: string): TransportAnswer {
  if (path !== null && (path === ETERNUS_PREFIX || path.startsWith(`${ETERNUS_PREFIX}/`) || path.startsWith(`${ETERNUS_PREFIX}?`))) return eternusTransportError(kind, detail);
  return powerStoreTransportError(kind, detail);
}

/** Fastify's frameworkErrors: FST_ERR_MAX_PARAM_LENGTH and FST_ERR_BAD_URL, before routing. */
export function frameworkErrorAnswer(error: { code?: string; message?: string }, url: string): TransportAnswer {
  const path = url.split('?')[0]!;
  if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') {
    const longest = Math.max(...path.split('/').map((s) => s.length));
    return transportAnswer(url, 'uri_too_long', `a path segment of ${longest} characters is longer than the ${PATH_SEGMENT_CHARS_MAX} allowed`);
  }
  return transportAnswer(url, 'bad_url', `the URL path is not valid (${error.code ?? 'bad URL'})`);
}

/** Longest path segment the router takes (Fastify's maxParamLength). */
export const PATH_SEGMENT_CHARS_MAX = 512;

/**
 * Node's 'clientError': the parser refused the request head. The dialect comes from the request
 * line when the refused chunk holds it (HTTP_HEADER_BYTES_MAX is set below one TLS record so that
 * an oversized head is refused within its first chunk).
 */
export function answerClientError(error: NodeJS.ErrnoException & { rawPacket?: Buffer }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const head = error.rawPacket ? error.rawPacket.subarray(0, 2048).toString('latin1') : '';
  const line = /^[A-Z]{1,16} (\/[^ \r\n]*)/.exec(head);
  // Node's parser hands the URL to JS early when a head has many header lines (every 32 it flushes
  // them with the URL); then the refused chunk is a later one but the URL is known.
  const flushedUrl = (socket as Socket & { parser?: { _url?: unknown } }).parser?._url;
  const urlSoFar = typeof flushedUrl === 'string' && flushedUrl.startsWith('/') ? flushedUrl : null;
  const path = line ? line[1]! : urlSoFar;
  const lineComplete = (line !== null && head.indexOf('\r\n') > 0) || urlSoFar !== null;
  let answer: TransportAnswer;
  if (error.code === 'HPE_HEADER_OVERFLOW') {
    answer = lineComplete
      ? transportAnswer(path, 'headers_too_large', 'the request header fields are too large')
      : transportAnswer(path, 'uri_too_long', 'the request line is too long');
  } else if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    answer = transportAnswer(path, 'timeout', 'the request was not received in time');
  } else {
    answer = transportAnswer(path, 'bad_request', `the request is not valid HTTP (${error.code ?? 'parse error'})`);
  }
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const body = JSON.stringify(answer.body);
  socket.end(
    `HTTP/1.1 ${answer.status} ${STATUS_CODES[answer.status] ?? 'Error'}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
