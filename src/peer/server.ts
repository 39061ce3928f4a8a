// The answering side of the peer link: a TLS HTTP/2 server that asks every client for its
// certificate. Each stream passes the fault point, is matched to a trusted peer by the client
// certificate's fingerprint, read as one frame (wire.ts), dispatched to its handler and answered.
import {
  constants, createSecureServer, type Http2SecureServer, type Http2Session, type IncomingHttpHeaders,
  type ServerHttp2Stream,
} from 'node:http2';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { Clock } from '../core/clock.ts';
import { DomainError, type ErrorCode } from '../core/errors.ts';
import { toWireError, type WireError } from './errors.ts';
import { serveLane } from './lane-server.ts';
import type { LaneCodec } from './lane-wire.ts';
import { BufferPool } from '../buffer-pool.ts';
import type { FaultController } from './faults.ts';
import { PEER_JSON_BYTES_MAX, PEER_PAYLOAD_BYTES_MAX } from './limits.ts';
import { closeWithGrace, PEER_SESSION_OPTIONS, PEER_TLS_OPTIONS, widenSessionWindow, type PeerLog } from './session-options.ts';
import type { TrustedPeer, TrustStore } from './trust.ts';
import {
  encodeJson, frameHeaders, HEADER_OUTCOME, parseFrameLengths, parseJson, readFrame, RPC_PATH_PREFIX,
  writeFrame, type Frame,
} from './wire.ts';

const MIB = 1024 * 1024;

export type { RpcHandler, RpcRequest, RpcResponse } from './rpc-types.ts';
import type { RpcHandler, RpcRequest, RpcResponse } from './rpc-types.ts';

export interface RpcServerOptions {
  tls: { key: string; cert: string };
  trust: TrustStore;
  faults: FaultController;
  handlers: ReadonlyMap<string, RpcHandler>;
  /** Binary forms of params on the lane, by method (lane-wire.ts). */
  codecs: ReadonlyMap<string, LaneCodec>;
  log: PeerLog;
  /** Methods whose request buffer may be reused once answered ok (PeerEndpoint.handle). */
  payloadFreeOnAnswer?: ReadonlySet<string>;
}

export class RpcServer {
  private readonly server: Http2SecureServer;
  private readonly sessions = new Set<Http2Session>();
  private readonly fingerprints = new WeakMap<Http2Session, string>();
  /** Large call bodies (replication's 4 MiB batches plus their JSON), 16 kept for reuse. */
  private readonly receiveBuffers = new BufferPool({ pooledFromBytes: 1 * MIB, pooledToBytes: 5 * MIB, keptBytesMax: 16 * 5 * MIB });
  /** Latency lanes being served, with the client certificate's fingerprint. */
  private readonly lanes = new Map<TLSSocket, string>();

  constructor(private readonly options: RpcServerOptions) {
    this.server = createSecureServer({
      ...PEER_SESSION_OPTIONS,
      ...PEER_TLS_OPTIONS,
      key: options.tls.key,
      cert: options.tls.cert,
      // Ask for the client's certificate but judge it ourselves: peers are self-signed, and trust
      // is the fingerprint in the trust store, checked per stream because trust can change.
      requestCert: true,
      rejectUnauthorized: false,
      allowHTTP1: false,
    });
    this.server.on('session', (session) => this.track(session));
    this.server.on('stream', (stream, headers) => {
      stream.on('error', () => {}); // a reset stream is normal here: the caller gave up or went away
      this.serve(stream, headers).catch((error: unknown) => {
        this.options.log('peer stream failed', { error: String(error) });
        if (!stream.destroyed) stream.close(constants.NGHTTP2_INTERNAL_ERROR);
      });
    });
    // A client that offers no ALPN is a latency lane (connector.ts laneSocket), not HTTP/2.
    this.server.on('unknownProtocol', (socket: TLSSocket) => this.openLane(socket));
    this.server.on('sessionError', (error) => this.options.log('peer session error', { error: error.message }));
  }

  listen(host: string, port: number): Promise<{ port: number }> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve({ port: (this.server.address() as AddressInfo).port });
      });
    });
  }

  /** Destroys the sessions of the peers `affected` selects (undefined: the client is not trusted). */
  dropSessions(affected: (peerSystemId: string | undefined) => boolean): void {
    for (const session of this.sessions) {
      if (affected(this.peerOf(session)?.systemId)) session.destroy();
    }
    for (const [socket, fingerprint] of this.lanes) {
      if (affected(this.options.trust.byFingerprint(fingerprint)?.systemId)) socket.destroy();
    }
  }

  async close(graceMs: number, wallClock: Clock): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const socket of this.lanes.keys()) socket.destroy();
    await Promise.all([...this.sessions].map((session) => closeWithGrace(session, graceMs, wallClock)));
    if (this.server.listening) await closed;
  }

  private track(session: Http2Session): void {
    this.sessions.add(session);
    session.on('close', () => this.sessions.delete(session));
    session.on('error', (error) => this.options.log('peer session failed', { error: error.message }));
    widenSessionWindow(session);
  }

  /** The trusted peer behind a session, looked up afresh each time because trust can change. */
  private peerOf(session: Http2Session | undefined): TrustedPeer | undefined {
    if (!session) return undefined;
    let fingerprint = this.fingerprints.get(session);
    if (fingerprint === undefined) {
      // getPeerCertificate() builds a new object per call; the certificate of a session never changes.
      fingerprint = (session.socket as TLSSocket | undefined)?.getPeerCertificate?.()?.fingerprint256 ?? '';
      this.fingerprints.set(session, fingerprint);
    }
    return fingerprint ? this.options.trust.byFingerprint(fingerprint) : undefined;
  }

  /** A latency lane (lane-server.ts); a client this system does not trust is disconnected. */
  private openLane(socket: TLSSocket): void {
    const fingerprint = socket.getPeerCertificate?.()?.fingerprint256 ?? '';
    const peer = (): TrustedPeer | undefined => (fingerprint ? this.options.trust.byFingerprint(fingerprint) : undefined);
    const from = peer();
    if (!from || this.options.faults.isLinkDown(from.systemId)) {
      socket.destroy();
      return;
    }
    this.lanes.set(socket, fingerprint);
    socket.once('close', () => this.lanes.delete(socket));
    serveLane(socket, {
      faults: this.options.faults,
      peer,
      codecs: this.options.codecs,
      dispatch: (method, request) => this.dispatch(method, request),
      log: this.options.log,
      buffers: { take: this.receiveBuffers.take, give: (buffer) => this.receiveBuffers.give(buffer) },
      payloadFreeOnAnswer: (method) => this.options.payloadFreeOnAnswer?.has(method) === true,
    });
  }

  private async serve(stream: ServerHttp2Stream, headers: IncomingHttpHeaders): Promise<void> {
    const from = this.peerOf(stream.session);
    const verdict = this.options.faults.decide(from?.systemId);
    if (verdict.action === 'refuse') {
      stream.close(constants.NGHTTP2_REFUSED_STREAM);
      return;
    }
    if (!from) return refuse(stream, 403, 'FORBIDDEN', 'The client certificate is not trusted.');
    await this.options.faults.delay(verdict.delayMs);
    const method = methodOf(headers);
    if (headers[':method'] !== 'POST') return refuse(stream, 405, 'VALIDATION_FAILED', 'Peer RPC uses POST.');
    if (method === undefined) return refuse(stream, 400, 'VALIDATION_FAILED', `Not an RPC path: ${headers[':path']}.`);
    const lengths = parseFrameLengths(headers);
    if ('problem' in lengths) {
      return refuse(stream, lengths.status, 'VALIDATION_FAILED', `Refused ${method}: ${lengths.problem}.`);
    }
    const frame = await readFrame(stream, lengths, this.receiveBuffers.take);
    const params = parseJson(frame.json);
    if (!params.ok) return refuse(stream, 400, 'VALIDATION_FAILED', `Refused ${method}: ${params.problem}.`);
    const answer = await this.dispatch(method, { params: params.value, payload: frame.payload, from });
    respond(stream, 200, answer);
    // Only after a handler that succeeded, answered without a payload and is done with the request's
    // (payloadFreeOnAnswer): a failed one may have left writes from the body running, one that
    // acknowledges before it writes still needs it, and an answer's payload may still be queued.
    if (answer.outcome === 'ok' && answer.frame.payload === null && this.options.payloadFreeOnAnswer?.has(method) === true) this.receiveBuffers.give(frame.json);
  }

  /**
   * Runs the handler and turns its outcome, success or error, into the answer frame: at once when
   * the handler answered at once (the lane then replies in the same turn), else when it settles.
   */
  private dispatch(method: string, request: RpcRequest): Answer | Promise<Answer> {
    const handler = this.options.handlers.get(method);
    if (!handler) {
      const message = `No RPC method ${method} on this system.`;
      return errorAnswer({ code: 'NOT_FOUND', message, details: { arguments: [method] } });
    }
    let response: RpcResponse | Promise<RpcResponse>;
    try {
      response = handler(request);
    } catch (error) {
      return this.failed(method, error);
    }
    if (response instanceof Promise) return response.then((r) => this.answered(method, r), (error: unknown) => this.failed(method, error));
    return this.answered(method, response);
  }

  private answered(method: string, response: RpcResponse): Answer {
    const json = encodeJson(response.result);
    const payload = response.payload ?? null;
    if (json.length > PEER_JSON_BYTES_MAX || (payload?.length ?? 0) > PEER_PAYLOAD_BYTES_MAX) {
      const sizes = `${json.length} JSON and ${payload?.length ?? 0} payload bytes`;
      return this.failed(method, new Error(`${method} answered ${sizes}, over the limits`));
    }
    return { outcome: 'ok', frame: { json, payload } };
  }

  private failed(method: string, error: unknown): Answer {
    if (!(error instanceof DomainError)) this.options.log('peer handler failed', { method, error: String(error) });
    return errorAnswer(toWireError(error));
  }
}

type Answer = { outcome: 'ok' | 'error'; frame: Frame };

function methodOf(headers: IncomingHttpHeaders): string | undefined {
  const path = headers[':path'];
  if (typeof path !== 'string' || !path.startsWith(RPC_PATH_PREFIX)) return undefined;
  return path.slice(RPC_PATH_PREFIX.length);
}

function errorAnswer(error: WireError): { outcome: 'error'; frame: Frame } {
  return { outcome: 'error', frame: { json: encodeJson(error), payload: null } };
}

function refuse(stream: ServerHttp2Stream, status: number, code: ErrorCode, message: string): void {
  respond(stream, status, errorAnswer({ code, message, details: {} }));
}

function respond(stream: ServerHttp2Stream, status: number, answer: { outcome: 'ok' | 'error'; frame: Frame }): void {
  // The caller may have cancelled or the session may be gone while the handler ran.
  if (stream.destroyed || stream.closed || stream.headersSent) return;
  stream.respond({ ':status': status, [HEADER_OUTCOME]: answer.outcome, ...frameHeaders(answer.frame) });
  writeFrame(stream, answer.frame);
}
