// The calling side of the peer link: one PeerClient per remote system, each call one HTTP/2
// stream on the shared session, so many calls are in flight at once. A call passes the fault point,
// gets the session, sends one frame (wire.ts) and waits for one frame back, all within its timeout.
import { constants, type ClientHttp2Session, type ClientHttp2Stream, type IncomingHttpHeaders } from 'node:http2';
import type { TimerHandle } from '../core/clock.ts';
import { DomainError, ValidationError } from '../core/errors.ts';
import { fromWireError, unreachable } from './errors.ts';
import { passFaultPoint } from './fault-point.ts';
import { PEER_CALL_TIMEOUT_MS_DEFAULT, PEER_JSON_BYTES_MAX, PEER_PAYLOAD_BYTES_MAX } from './limits.ts';
import { LaneClient } from './lane-client.ts';
import {
  encodeJson, frameHeaders, HEADER_OUTCOME, isValidMethod, parseFrameLengths, parseJson, readFrame,
  RPC_PATH_PREFIX, writeFrame, type Frame,
} from './wire.ts';

export interface CallOptions {
  payload?: Buffer;
  /** Time allowed for the whole call, connecting included; on expiry the stream is cancelled. */
  timeoutMs?: number;
  /**
   * Send it on the latency lane (lane-client.ts): one long-lived TLS connection, no per-call
   * set-up. For small calls on a host's write path; bulk transfers keep an HTTP/2 stream per call.
   */
  lane?: boolean;
  /**
   * Send it on the bulk lane: a lane connection of its own for large payloads (replication's
   * batches). On an HTTP/2 stream a 4 MiB batch cost the receiver its framing and V8 full
   * collections (~1.9 against ~1.0 CPU s/GiB for TLS alone, scratch runs 2026-12-06); on the
   * latency lane it would hold up the small synchronous writes behind it.
   */
  bulk?: boolean;
}

export type { CallResult, ClientLink } from './rpc-types.ts';
import type { CallResult, ClientLink } from './rpc-types.ts';

export class PeerClient {
  private readonly lane: LaneClient;
  private readonly bulkLane: LaneClient;

  constructor(
    readonly peerSystemId: string,
    private readonly link: ClientLink,
  ) {
    this.lane = new LaneClient(peerSystemId, link);
    this.bulkLane = new LaneClient(peerSystemId, link, true);
  }

  call<T>(method: string, params: unknown, options: CallOptions = {}): Promise<CallResult<T>> {
    const payload = options.payload ?? null;
    const timeoutMs = options.timeoutMs ?? PEER_CALL_TIMEOUT_MS_DEFAULT;
    if (!isValidMethod(method)) {
      return Promise.reject(new ValidationError(`Invalid RPC method name ${JSON.stringify(method)}.`, 'method'));
    }
    if (!(Number.isFinite(timeoutMs) && timeoutMs > 0)) {
      return Promise.reject(new ValidationError(`timeoutMs must be positive, got ${timeoutMs}.`, 'timeoutMs'));
    }
    if (payload !== null && payload.length > PEER_PAYLOAD_BYTES_MAX) {
      return Promise.reject(new ValidationError(
        `Cannot send ${method}: payload of ${payload.length} bytes exceeds ${PEER_PAYLOAD_BYTES_MAX}.`, 'payload'));
    }
    if (options.lane === true) {
      // A method with a binary form skips JSON on the lane (lane-wire.ts).
      const binary = this.link.codecs.get(method)?.encode(params) ?? null;
      if (binary !== null) return this.lane.call(method, binary, payload, timeoutMs) as Promise<CallResult<T>>;
    }
    const json = encodeJson(params);
    if (json.length > PEER_JSON_BYTES_MAX) {
      return Promise.reject(new ValidationError(
        `Cannot send ${method}: params of ${json.length} bytes exceed ${PEER_JSON_BYTES_MAX}.`, 'params'));
    }
    if (options.lane === true) return this.lane.call(method, json, payload, timeoutMs) as Promise<CallResult<T>>;
    if (options.bulk === true) return this.bulkLane.call(method, json, payload, timeoutMs) as Promise<CallResult<T>>;
    return new Promise((resolve, reject) => {
      const call = new OutgoingCall(this.peerSystemId, method, { json, payload }, this.link, {
        resolve: (value) => resolve(value as CallResult<T>),
        reject,
      });
      call.start(timeoutMs);
    });
  }
}

interface Settle {
  resolve(value: CallResult<unknown>): void;
  reject(error: DomainError): void;
}

/** One call from start to settlement. Settles exactly once; everything after that is ignored. */
class OutgoingCall {
  private settled = false;
  private timer: TimerHandle | undefined;
  private stream: ClientHttp2Stream | undefined;
  /** Set once response headers arrived: from then on readFrame owns the stream's end and close. */
  private answering = false;

  constructor(
    private readonly peerSystemId: string,
    private readonly method: string,
    private readonly request: Frame,
    private readonly link: ClientLink,
    private readonly settle: Settle,
  ) {}

  start(timeoutMs: number): void {
    this.timer = this.link.clock.setTimer(timeoutMs, () => this.onTimeout(timeoutMs));
    this.send().catch((error: unknown) => {
      this.fail(error instanceof DomainError ? error : new DomainError('INTERNAL', String(error)), false);
    });
  }

  private async send(): Promise<void> {
    const passed = passFaultPoint(this.link.faults, this.peerSystemId, this.request.payload?.length ?? 0, {
      isSettled: () => this.settled,
      fail: (error, linkFailure) => this.fail(error, linkFailure),
    });
    if (!(await passed)) return;
    let session: ClientHttp2Session;
    try {
      session = await this.link.connector.session(this.peerSystemId);
    } catch (error) {
      this.fail(error as DomainError, true);
      return;
    }
    if (this.settled) return;
    this.open(session);
  }

  private open(session: ClientHttp2Session): void {
    const stream = session.request({
      ':method': 'POST',
      ':path': `${RPC_PATH_PREFIX}${this.method}`,
      ...frameHeaders(this.request),
    });
    this.stream = stream;
    stream.on('error', () => {}); // reported through 'close' with its code, below
    stream.once('response', (headers) => this.onResponse(session, stream, headers));
    stream.once('close', () => {
      if (this.settled || this.answering) return;
      const linkBroke = session.destroyed || session.closed;
      this.fail(unreachable(this.peerSystemId, `${this.method} stream closed (code ${stream.rstCode})`), linkBroke);
    });
    writeFrame(stream, this.request);
  }

  private onResponse(session: ClientHttp2Session, stream: ClientHttp2Stream, headers: IncomingHttpHeaders): void {
    this.answering = true;
    const status = Number(headers[':status']);
    const lengths = parseFrameLengths(headers);
    if ('problem' in lengths) {
      this.fail(this.malformed(lengths.problem), false);
      return;
    }
    readFrame(stream, lengths).then(
      (frame) => this.onFrame(status, headers[HEADER_OUTCOME], frame),
      (error: Error) => {
        const reason = `reading the answer to ${this.method}: ${error.message}`;
        this.fail(unreachable(this.peerSystemId, reason), session.destroyed || session.closed);
      },
    );
  }

  private onFrame(status: number, outcome: unknown, frame: Frame): void {
    const parsed = parseJson(frame.json);
    if (!parsed.ok) {
      this.fail(this.malformed(parsed.problem), false);
      return;
    }
    if (status === 200 && outcome === 'ok') {
      this.succeed({ result: parsed.value, payload: frame.payload });
    } else if (status === 403) {
      const reason = `it refused this system's certificate (${fromWireError(parsed.value, this.peerSystemId).message})`;
      this.fail(unreachable(this.peerSystemId, reason), true);
    } else {
      this.fail(fromWireError(parsed.value, this.peerSystemId), false);
    }
  }

  private malformed(problem: string): DomainError {
    return new DomainError('INTERNAL', `Peer ${this.peerSystemId} answered ${this.method} malformed: ${problem}.`);
  }

  private onTimeout(timeoutMs: number): void {
    if (this.settled) return;
    if (!this.stream) this.link.connector.dropIfConnecting(this.peerSystemId);
    this.fail(unreachable(this.peerSystemId, `no answer to ${this.method} within ${timeoutMs} ms`), false);
  }

  private succeed(value: CallResult<unknown>): void {
    if (this.settled) return;
    this.finish();
    this.settle.resolve(value);
  }

  private fail(error: DomainError, linkFailure: boolean): void {
    if (this.settled) return;
    this.finish();
    if (this.stream && !this.stream.closed) this.stream.close(constants.NGHTTP2_CANCEL);
    if (linkFailure) this.link.reportLinkFailure(this.peerSystemId, error);
    this.settle.reject(error);
  }

  private finish(): void {
    this.settled = true;
    this.timer?.cancel();
  }
}
