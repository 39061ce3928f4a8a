// The answering side of the latency lane (lane-wire.ts): reads request frames off one long-lived
// TLS connection and runs each through the fault point and its handler as it arrives; answers go
// back in the order handlers finish, matched by call id. A handler that answers at once (a
// mirrored write: checked, then acknowledged) is answered in the same turn as its frame was read,
// without a promise in between: on a host's write path every hop is latency.
import type { TLSSocket } from 'node:tls';
import { DomainError } from '../core/errors.ts';
import { toWireError } from './errors.ts';
import type { FaultController } from './faults.ts';
import { BINARY_PARAMS_TAG, decodeRequest, encodeResponse, FrameSplitter, type LaneCodec, type LaneRequest } from './lane-wire.ts';
import type { RpcRequest } from './rpc-types.ts';
import type { PeerLog } from './session-options.ts';
import type { TrustedPeer } from './trust.ts';
import { encodeJson, parseJson, type Frame } from './wire.ts';

type Answer = { outcome: 'ok' | 'error'; frame: Frame };

export interface LaneServing {
  faults: FaultController;
  /** The trusted peer behind the stream, looked up per frame because trust can change. */
  peer(): TrustedPeer | undefined;
  /** Binary forms of params, by method. */
  codecs: ReadonlyMap<string, LaneCodec>;
  dispatch(method: string, request: RpcRequest): Answer | Promise<Answer>;
  log: PeerLog;
  /** Where frames that span chunks get their buffer, and where it goes back once nothing uses it. */
  buffers?: { take(bytes: number): Buffer; give(buffer: Buffer): void };
  /** Whether a method's handler is done with the payload once it answered ok (PeerEndpoint.handle). */
  payloadFreeOnAnswer?(method: string): boolean;
}

export function serveLane(stream: TLSSocket, serving: LaneServing): void {
  stream.setNoDelay(true);
  stream.on('error', () => {}); // a lane that breaks is reported through 'close'
  const splitter = new FrameSplitter(serving.buffers?.take);
  stream.on('data', (chunk: Buffer) => {
    let frames: Buffer[];
    try {
      frames = splitter.push(chunk);
    } catch (error) {
      serving.log('peer lane refused', { error: (error as Error).message });
      stream.destroy();
      return;
    }
    for (const frame of frames) {
      try {
        answer(stream, frame, serving);
      } catch (error) {
        serving.log('peer lane call failed', { error: String(error) });
      }
    }
  });
  stream.on('end', () => stream.end());
}

function answer(stream: TLSSocket, bytes: Buffer, serving: LaneServing): void {
  const request = decodeRequest(bytes);
  if ('problem' in request) {
    // Without a trustworthy call id there is no one to answer: the lane is broken.
    serving.log('peer lane refused', { error: request.problem });
    stream.destroy();
    return;
  }
  const from = serving.peer();
  if (!from) return refuse(stream, request, bytes, serving, new DomainError('FORBIDDEN', 'The client certificate is no longer trusted.'));
  const verdict = serving.faults.decide(from.systemId);
  if (verdict.action === 'refuse') return refuse(stream, request, bytes, serving, new DomainError('PEER_UNREACHABLE', `The link is refused here: ${verdict.reason}.`));
  if (verdict.delayMs > 0) {
    serving.faults.delay(verdict.delayMs).then(() => run(stream, request, bytes, from, serving)).catch((error: unknown) => serving.log('peer lane call failed', { error: String(error) }));
    return;
  }
  run(stream, request, bytes, from, serving);
}

function run(stream: TLSSocket, request: LaneRequest, bytes: Buffer, from: TrustedPeer, serving: LaneServing): void {
  const params = decodeParams(request, serving.codecs);
  if (!params.ok) return refuse(stream, request, bytes, serving, new DomainError('VALIDATION_FAILED', `Refused ${request.method}: ${params.problem}.`));
  const answered = serving.dispatch(request.method, { params: params.value, payload: request.payload, from });
  if (answered instanceof Promise) {
    answered.then((a) => finish(stream, request, bytes, serving, a)).catch((error: unknown) => serving.log('peer lane call failed', { error: String(error) }));
  } else finish(stream, request, bytes, serving, answered);
}

/** JSON, or the method's binary form (lane-wire.ts). */
function decodeParams(request: LaneRequest, codecs: ReadonlyMap<string, LaneCodec>): { ok: true; value: unknown } | { ok: false; problem: string } {
  if (request.json.length === 0 || request.json[0] !== BINARY_PARAMS_TAG) return parseJson(request.json);
  const codec = codecs.get(request.method);
  if (!codec) return { ok: false, problem: 'binary params for a method that has no binary form here' };
  const value = codec.decode(request.json);
  if (value !== null && typeof value === 'object' && 'problem' in value) return { ok: false, problem: String((value as { problem: unknown }).problem) };
  return { ok: true, value };
}

function finish(stream: TLSSocket, request: LaneRequest, bytes: Buffer, serving: LaneServing, answer: Answer): void {
  reply(stream, request, answer);
  // As on an HTTP/2 stream (server.ts): the frame's buffer goes back only after a handler that
  // succeeded, answered without a payload and is done with the request's; a synchronous write is
  // acknowledged before it is applied.
  if (answer.outcome === 'ok' && answer.frame.payload === null && serving.payloadFreeOnAnswer?.(request.method) === true) serving.buffers?.give(bytes);
}

function reply(stream: TLSSocket, request: LaneRequest, answer: Answer): void {
  if (stream.destroyed || !stream.writable) return;
  for (const part of encodeResponse({ callId: request.callId, outcome: answer.outcome, json: answer.frame.json, payload: answer.frame.payload })) stream.write(part);
}

/** Refused before any handler ran: the frame's buffer is free again at once. */
function refuse(stream: TLSSocket, request: LaneRequest, bytes: Buffer, serving: LaneServing, error: DomainError): void {
  reply(stream, request, { outcome: 'error', frame: { json: encodeJson(toWireError(error)), payload: null } });
  serving.buffers?.give(bytes);
}
