// The answering side of the latency lane (lane-wire.ts): reads request frames off one long-lived
// TLS connection and runs each through the fault point and its handler as it arrives; answers go
// back in the order handlers finish, matched by call id.
import type { TLSSocket } from 'node:tls';
import { DomainError } from '../core/errors.ts';
import { toWireError } from './errors.ts';
import { faultDelay, type FaultController } from './faults.ts';
import { decodeRequest, encodeResponse, FrameSplitter } from './lane-wire.ts';
import type { RpcRequest } from './rpc-types.ts';
import type { PeerLog } from './session-options.ts';
import type { TrustedPeer } from './trust.ts';
import { encodeJson, parseJson, type Frame } from './wire.ts';

export interface LaneServing {
  faults: FaultController;
  /** The trusted peer behind the stream, looked up per frame because trust can change. */
  peer(): TrustedPeer | undefined;
  dispatch(method: string, request: RpcRequest): Promise<{ outcome: 'ok' | 'error'; frame: Frame }>;
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
      answer(stream, frame, serving).catch((error: unknown) => serving.log('peer lane call failed', { error: String(error) }));
    }
  });
  stream.on('end', () => stream.end());
}

async function answer(stream: TLSSocket, bytes: Buffer, serving: LaneServing): Promise<void> {
  const request = decodeRequest(bytes);
  if ('problem' in request) {
    // Without a trustworthy call id there is no one to answer: the lane is broken.
    serving.log('peer lane refused', { error: request.problem });
    stream.destroy();
    return;
  }
  const reply = (outcome: 'ok' | 'error', frame: Frame): void => {
    if (stream.destroyed || !stream.writable) return;
    for (const part of encodeResponse({ callId: request.callId, outcome, json: frame.json, payload: frame.payload })) stream.write(part);
  };
  // Refused before any handler ran, the frame's buffer is free again at once.
  const refuse = (error: DomainError): void => {
    reply('error', { json: encodeJson(toWireError(error)), payload: null });
    serving.buffers?.give(bytes);
  };
  const from = serving.peer();
  if (!from) return refuse(new DomainError('FORBIDDEN', 'The client certificate is no longer trusted.'));
  const verdict = serving.faults.decide(from.systemId);
  if (verdict.action === 'refuse') return refuse(new DomainError('PEER_UNREACHABLE', `The link is refused here: ${verdict.reason}.`));
  if (verdict.delayMs > 0) await faultDelay(verdict.delayMs);
  const params = parseJson(request.json);
  if (!params.ok) return refuse(new DomainError('VALIDATION_FAILED', `Refused ${request.method}: ${params.problem}.`));
  const answer = await serving.dispatch(request.method, { params: params.value, payload: request.payload, from });
  reply(answer.outcome, answer.frame);
  // As on an HTTP/2 stream (server.ts): only after a handler that succeeded, answered without a
  // payload and is done with the request's; a synchronous write is acknowledged before it is applied.
  if (answer.outcome === 'ok' && answer.frame.payload === null && serving.payloadFreeOnAnswer?.(request.method) === true) serving.buffers?.give(bytes);
}
