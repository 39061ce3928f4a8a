// The calling side of the latency lane (lane-wire.ts): one long-lived TLS connection per peer,
// opened on the first lane call and again after it breaks. Calls are numbered; answers may come in any order and
// are matched by number. A call passes the same fault point as a stream call, has its own timeout,
// and fails PEER_UNREACHABLE when the connection goes away. Timeouts share one timer per client,
// armed for the earliest deadline: a host write makes no timer of its own.
import type { TLSSocket } from 'node:tls';
import type { TimerHandle } from '../core/clock.ts';
import { DomainError } from '../core/errors.ts';
import type { CallResult, ClientLink } from './rpc-types.ts';
import { fromWireError, unreachable } from './errors.ts';
import { passFaultPoint } from './fault-point.ts';
import { decodeResponse, encodeRequest, FrameSplitter } from './lane-wire.ts';
import { LANE_QUEUED_BYTES_MAX, LANE_SLICE_BYTES } from './limits.ts';
import { parseJson } from './wire.ts';

interface PendingCall {
  callId: number;
  method: string;
  timeoutMs: number;
  /** On the clock: when the call fails unanswered. */
  deadlineMs: number;
  /** Answered, failed or timed out: a call held up by a delay fault is then never sent. */
  settled: boolean;
  resolve(value: CallResult<unknown>): void;
  reject(error: DomainError): void;
}

interface Lane {
  socket: TLSSocket;
  /** Calls sent on this stream and not yet answered. */
  pending: Map<number, PendingCall>;
  /**
   * Bulk frames waiting for the socket's queue to go below LANE_QUEUED_BYTES_MAX, in call order,
   * cut into slices of at most LANE_SLICE_BYTES; `started` once a slice of it is on the socket.
   */
  waiting: Array<{ slices: Buffer[]; call: PendingCall; started: boolean }>;
}

const CALL_ID_MAX = 0xffff_ffff;

export class LaneClient {
  private lane: Lane | undefined;
  private opening: Promise<Lane> | undefined;
  private nextCallId = 1;
  /** Every call not yet settled, sent or not, in the order made. */
  private readonly calls = new Map<number, PendingCall>();
  /** The one timeout timer, and the deadline it is armed for. */
  private timer: TimerHandle | null = null;
  private timerDueMs = Infinity;

  /** `bulk`: large payloads, written as the socket drains (PeerClient's bulk lane). */
  constructor(
    private readonly peerSystemId: string,
    private readonly link: ClientLink,
    private readonly bulk = false,
  ) {}

  call(method: string, json: Buffer, payload: Buffer | null, timeoutMs: number): Promise<CallResult<unknown>> {
    return new Promise((resolve, reject) => {
      const callId = this.takeCallId();
      const deadlineMs = this.link.clock.nowMs() + timeoutMs;
      const calls = this.calls;
      const call: PendingCall = {
        callId,
        method,
        timeoutMs,
        deadlineMs,
        settled: false,
        resolve: (value) => {
          if (call.settled) return;
          call.settled = true;
          calls.delete(callId);
          resolve(value);
        },
        reject: (error) => {
          if (call.settled) return;
          call.settled = true;
          calls.delete(callId);
          reject(error);
        },
      };
      calls.set(callId, call);
      if (deadlineMs < this.timerDueMs) this.armTimer(deadlineMs);
      this.send(callId, call, json, payload).catch((error: unknown) => {
        call.reject(error instanceof DomainError ? error : new DomainError('INTERNAL', String(error)));
      });
    });
  }

  private armTimer(dueMs: number): void {
    this.timer?.cancel();
    this.timerDueMs = dueMs;
    this.timer = this.link.clock.setTimer(Math.max(0, dueMs - this.link.clock.nowMs()), () => this.expire());
  }

  /** Fails the calls past their deadline and arms the timer for the next one. */
  private expire(): void {
    this.timer = null;
    this.timerDueMs = Infinity;
    const nowMs = this.link.clock.nowMs();
    let nextMs = Infinity;
    for (const call of [...this.calls.values()]) {
      if (call.deadlineMs <= nowMs) {
        this.lane?.pending.delete(call.callId);
        call.reject(unreachable(this.peerSystemId, `no answer to ${call.method} within ${call.timeoutMs} ms`));
      } else if (call.deadlineMs < nextMs) nextMs = call.deadlineMs;
    }
    if (nextMs !== Infinity) this.armTimer(nextMs);
  }

  private takeCallId(): number {
    const id = this.nextCallId;
    this.nextCallId = id === CALL_ID_MAX ? 1 : id + 1;
    return id;
  }

  private async send(callId: number, call: PendingCall, json: Buffer, payload: Buffer | null): Promise<void> {
    const passed = passFaultPoint(this.link.faults, this.peerSystemId, payload?.length ?? 0, {
      isSettled: () => call.settled,
      fail: (error, linkFailure) => {
        if (linkFailure) this.link.reportLinkFailure(this.peerSystemId, error);
        call.reject(error);
      },
    });
    // Awaited only when held by a delay: otherwise a call on an open lane is written in the turn it was made.
    if (passed !== true && !(await passed)) return;
    let lane: Lane;
    try {
      lane = this.lane && usable(this.lane) ? this.lane : await this.open();
    } catch (error) {
      const failure = error instanceof DomainError ? error : unreachable(this.peerSystemId, String(error));
      this.link.reportLinkFailure(this.peerSystemId, failure);
      call.reject(failure);
      return;
    }
    if (call.settled) return;
    lane.pending.set(callId, call);
    const parts = encodeRequest({ callId, method: call.method, json, payload });
    // The latency lane writes every frame at once (a synchronous write waits for it, and the
    // mirror must apply overlapping writes in their order). The bulk lane writes a frame in slices
    // of LANE_SLICE_BYTES while the socket holds less than LANE_QUEUED_BYTES_MAX: Node encrypts
    // everything written to a TLS socket at once into fresh memory of its own, whose first touch
    // is paid page by page. 16 replication batches written together (64 MiB) doubled the sender's
    // CPU per GiB; whole 4 MiB batches under an 8 MiB bound still cost 0.9-1.1 CPU s/GiB on the
    // sender and gave 0.80-0.86x nbdcopy for an aged volume's initial copy, slices under 1 MiB
    // (scratch runs, 2026-12-06, bench/aged.ts) less. Frames go out whole and in call order.
    if (!this.bulk) writeParts(lane.socket, parts);
    else {
      lane.waiting.push({ slices: parts.flatMap(slicesOf), call, started: false });
      this.flushWaiting(lane);
    }
  }

  /** Writes waiting slices while the socket's queue is below the bound; called on 'drain'. */
  private flushWaiting(lane: Lane): void {
    while (lane.waiting.length > 0 && usable(lane) && lane.socket.writableLength < LANE_QUEUED_BYTES_MAX) {
      const next = lane.waiting[0]!;
      // A call that timed out before any of it was sent is not sent; one begun is finished, or
      // the frames after it would be read as its rest.
      if (!next.started && next.call.settled) {
        lane.waiting.shift();
        continue;
      }
      next.started = true;
      lane.socket.write(next.slices.shift()!);
      if (next.slices.length === 0) lane.waiting.shift();
    }
  }

  private open(): Promise<Lane> {
    this.opening ??= this.connect().finally(() => {
      this.opening = undefined;
    });
    return this.opening;
  }

  private async connect(): Promise<Lane> {
    const socket = await this.link.connector.laneSocket(this.peerSystemId);
    const lane: Lane = { socket, pending: new Map(), waiting: [] };
    socket.on('drain', () => this.flushWaiting(lane));
    this.lane = lane;
    const splitter = new FrameSplitter();
    socket.on('error', () => {}); // reported through 'close'
    socket.on('data', (chunk: Buffer) => {
      let frames: Buffer[];
      try {
        frames = splitter.push(chunk);
      } catch (error) {
        this.breakLane(lane, unreachable(this.peerSystemId, (error as Error).message), false);
        return;
      }
      for (const frame of frames) this.onFrame(lane, frame);
    });
    // A server that does not trust this system's certificate closes the lane before any answer.
    socket.once('close', () => this.breakLane(lane, unreachable(this.peerSystemId, 'the lane closed'), true));
    return lane;
  }

  private onFrame(lane: Lane, frame: Buffer): void {
    const response = decodeResponse(frame);
    if ('problem' in response) {
      this.breakLane(lane, new DomainError('INTERNAL', `Peer ${this.peerSystemId} answered on the lane malformed: ${response.problem}.`), false);
      return;
    }
    const call = lane.pending.get(response.callId);
    if (!call) return; // timed out already
    lane.pending.delete(response.callId);
    const parsed = parseJson(response.json);
    if (!parsed.ok) {
      call.reject(new DomainError('INTERNAL', `Peer ${this.peerSystemId} answered ${call.method} malformed: ${parsed.problem}.`));
    } else if (response.outcome === 'ok') {
      call.resolve({ result: parsed.value, payload: response.payload });
    } else {
      call.reject(fromWireError(parsed.value, this.peerSystemId));
    }
  }

  /** Fails every call on the lane and forgets it; the next call opens a new one. */
  private breakLane(lane: Lane, error: DomainError, linkFailure: boolean): void {
    if (this.lane === lane) this.lane = undefined;
    if (!lane.socket.destroyed) lane.socket.destroy();
    const calls = [...lane.pending.values()];
    lane.pending.clear();
    lane.waiting = [];
    if (linkFailure && calls.length > 0) this.link.reportLinkFailure(this.peerSystemId, error);
    for (const call of calls) call.reject(error);
  }
}

/** A buffer cut into views of at most LANE_SLICE_BYTES (no copy). */
function slicesOf(buffer: Buffer): Buffer[] {
  if (buffer.length <= LANE_SLICE_BYTES) return [buffer];
  const slices: Buffer[] = [];
  for (let at = 0; at < buffer.length; at += LANE_SLICE_BYTES) slices.push(buffer.subarray(at, at + LANE_SLICE_BYTES));
  return slices;
}

function writeParts(socket: TLSSocket, parts: Buffer[]): void {
  for (const part of parts) socket.write(part);
}

function usable(lane: Lane): boolean {
  return !lane.socket.destroyed && lane.socket.writable;
}
