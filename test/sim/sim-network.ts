// The peer link in memory, behind the same PeerTransport port the HTTP/2 RPC and the lane back in
// production (src/replication/transport.ts), with seeded delay, drop, reordering and partitions.
// Params and results cross as JSON and errors as wire errors (src/peer/errors.ts), as on the real
// link; calls on the lane keep their order (one TLS connection), other calls may overtake each
// other. Data connection state comes from the real HeartbeatMonitor pinging over this link.
import type { Clock, TimerHandle } from '../../src/core/clock.ts';
import { DomainError } from '../../src/core/errors.ts';
import { fromWireError, toWireError, unreachable } from '../../src/peer/errors.ts';
import type { LinkFailureListener } from '../../src/peer/endpoint.ts';
import type { HeartbeatMonitor } from '../../src/peer/heartbeat.ts';
import { PEER_CALL_TIMEOUT_MS_DEFAULT } from '../../src/peer/limits.ts';
import type { ConnectionState, PeerTransport, RpcRequest } from '../../src/replication/transport.ts';
import type { Rng } from '../helpers/rng.ts';
import type { SimScheduler } from './sim-scheduler.ts';

type Handler = (request: RpcRequest) => Promise<{ result?: unknown; payload?: Buffer | null } | void>;

export interface LinkFaults {
  /** Probability that a call or its answer (not on the lane) is lost: the caller times out. */
  dropProbability: number;
  delayMinMs: number;
  delayMaxMs: number;
  /**
   * A thin link (v6): payloads cross one after another at this rate, on top of the delay. Control
   * calls without a payload (heartbeats, commits) still cross in the delay alone, as small packets
   * slip between a bulk transfer's on a real link.
   */
  payloadBytesPerS?: number;
}

export const CALM: LinkFaults = { dropProbability: 0, delayMinMs: 1, delayMaxMs: 5 };

export class SimNetwork {
  private readonly endpoints = new Map<string, SimEndpoint>();
  /** Cut: nothing crosses between the two systems. */
  partitioned = false;
  faults: LinkFaults = CALM;
  /** When the last lane message in each direction arrives (lane order is kept). */
  private readonly laneFreeAtMs = new Map<string, number>();
  /** On a thin link: when the last payload in each direction has crossed it. */
  private readonly pipeFreeAtMs = new Map<string, number>();

  constructor(
    readonly scheduler: SimScheduler,
    private readonly rng: Rng,
    private readonly trace: (line: string) => void,
  ) {}

  /** The endpoint of one incarnation of a system (a restart makes a new one). */
  attach(systemId: string, owner: string, clock: Clock): SimEndpoint {
    const endpoint = new SimEndpoint(this, systemId, owner, clock);
    this.endpoints.set(systemId, endpoint);
    return endpoint;
  }

  /** A crashed system answers nothing; calls in flight to it break. */
  detach(endpoint: SimEndpoint): void {
    endpoint.dead = true;
    if (this.endpoints.get(endpoint.systemId) === endpoint) this.endpoints.delete(endpoint.systemId);
  }

  current(systemId: string): SimEndpoint | undefined {
    return this.endpoints.get(systemId);
  }

  delayMs(lane: boolean, from: string, to: string, payloadBytes = 0): number {
    const d = this.rng.int(this.faults.delayMinMs, this.faults.delayMaxMs);
    const key = `${from}>${to}`;
    const rate = this.faults.payloadBytesPerS;
    if (rate !== undefined && payloadBytes > 0) {
      const at = Math.max(this.scheduler.nowMs() + d, this.pipeFreeAtMs.get(key) ?? 0) + Math.ceil((payloadBytes / rate) * 1000);
      this.pipeFreeAtMs.set(key, at);
      if (lane) this.laneFreeAtMs.set(key, Math.max(at, this.laneFreeAtMs.get(key) ?? 0));
      return at - this.scheduler.nowMs();
    }
    if (!lane) return d;
    const at = Math.max(this.scheduler.nowMs() + d, this.laneFreeAtMs.get(key) ?? 0);
    this.laneFreeAtMs.set(key, at);
    return at - this.scheduler.nowMs();
  }

  drops(lane: boolean): boolean {
    return !lane && this.faults.dropProbability > 0 && this.rng.chance(this.faults.dropProbability);
  }

  /** Across a cut, a call is refused at once (connection reset) or never answered. */
  refusesAtOnce(): boolean {
    return this.rng.chance(0.5);
  }

  log(line: string): void {
    this.trace(line);
  }
}

export class SimEndpoint implements PeerTransport {
  dead = false;
  private readonly handlers = new Map<string, Handler>();
  private readonly failureListeners = new Set<LinkFailureListener>();
  private heartbeat: HeartbeatMonitor | null = null;
  private nextCall = 1;

  constructor(
    private readonly network: SimNetwork,
    readonly systemId: string,
    private readonly owner: string,
    private readonly clock: Clock,
  ) {}

  useHeartbeat(heartbeat: HeartbeatMonitor): void {
    this.heartbeat = heartbeat;
  }

  // ------------------------------------------------ PeerTransport

  handle(method: string, handler: Handler): void {
    if (this.handlers.has(method)) throw new Error(`sim: a handler for ${method} is already registered`);
    this.handlers.set(method, handler);
  }

  connectionState(peerSystemId: string): ConnectionState {
    return this.heartbeat?.connectionState(peerSystemId) ?? 'Initializing';
  }

  onStateChange(listener: (peerSystemId: string, state: ConnectionState) => void): void {
    this.heartbeat?.onStateChange(listener);
  }

  // ------------------------------------------------ what HeartbeatMonitor needs of an endpoint

  peer(peerSystemId: string): { call: <T>(method: string, params: unknown, options?: { payload?: Buffer; timeoutMs?: number }) => Promise<{ result: T; payload: Buffer | null }> } {
    return { call: (method, params, options) => this.call(peerSystemId, method, params, options) };
  }

  onLinkFailure(listener: LinkFailureListener): () => void {
    this.failureListeners.add(listener);
    return () => this.failureListeners.delete(listener);
  }

  // ------------------------------------------------ a call

  call<T>(peerSystemId: string, method: string, params: unknown, options: { payload?: Buffer; timeoutMs?: number; lane?: boolean } = {}): Promise<{ result: T; payload: Buffer | null }> {
    const net = this.network;
    const callId = `${this.owner}#${this.nextCall++}`;
    const lane = options.lane === true;
    if (this.dead) return Promise.reject(unreachable(peerSystemId, 'this endpoint is closed'));
    let json: string;
    try {
      json = JSON.stringify(params ?? null);
    } catch (error) {
      return Promise.reject(new DomainError('INTERNAL', `params of ${method} are not JSON: ${String(error)}`));
    }
    const payload = options.payload ? Buffer.from(options.payload) : null;
    const timeoutMs = options.timeoutMs ?? PEER_CALL_TIMEOUT_MS_DEFAULT;
    return new Promise((resolve, reject) => {
      let settled = false;
      let timer: TimerHandle | null = null;
      const settle = (outcome: () => void): void => {
        if (settled) return;
        settled = true;
        timer?.cancel();
        outcome();
      };
      const fail = (error: DomainError, linkFailure: boolean): void =>
        settle(() => {
          if (linkFailure && !this.dead) for (const l of this.failureListeners) l(peerSystemId, error);
          net.log(`${callId} ${method} failed ${error.code}${linkFailure ? ' (link)' : ''}`);
          reject(error);
        });
      timer = this.clock.setTimer(timeoutMs, () => fail(unreachable(peerSystemId, `no answer to ${method} within ${timeoutMs} ms`), false));
      net.log(`${callId} ${method} sent${payload ? ` +${payload.length}B` : ''}${lane ? ' lane' : ''}`);
      if (net.partitioned) {
        if (net.refusesAtOnce()) this.clock.setTimer(1, () => fail(unreachable(peerSystemId, 'connection reset (partition)'), true));
        return;
      }
      if (net.drops(lane)) {
        net.log(`${callId} ${method} dropped`);
        return;
      }
      // The connection reaches the incarnation of the peer that runs now; a restart breaks it.
      const targetAtSend = net.current(peerSystemId);
      net.scheduler.add(`net>${peerSystemId}`, `deliver ${method}`, net.delayMs(lane, this.systemId, peerSystemId, payload?.length ?? 0), () => {
        if (settled || this.dead) return;
        const target = net.current(peerSystemId);
        if (net.partitioned) {
          net.log(`${callId} ${method} lost in partition`);
          return;
        }
        if (!target || target !== targetAtSend) {
          this.clock.setTimer(0, () => fail(unreachable(peerSystemId, 'connection refused'), true));
          return;
        }
        const answer = (outcome: (ok: boolean) => void, answerBytes = 0): void => {
          // The answer travels back; lost to a cut or a drop, or to this caller's crash (its timers die with it).
          const back = (): void => {
            if (net.partitioned || target.dead) {
              if (target.dead) fail(unreachable(peerSystemId, `${method} stream closed (peer gone)`), true);
              return;
            }
            outcome(true);
          };
          if (net.drops(lane)) {
            net.log(`${callId} ${method} answer dropped`);
            return;
          }
          this.clock.setTimer(net.delayMs(lane, peerSystemId, this.systemId, answerBytes), back);
        };
        const handler = target.handlers.get(method);
        const request: RpcRequest = { params: JSON.parse(json), payload: payload ? Buffer.from(payload) : null, fromSystemId: this.systemId };
        const started = handler ? Promise.resolve().then(() => handler(request)) : Promise.reject(new DomainError('NOT_FOUND', `No handler for ${method}.`));
        started.then(
          (response) => {
            if (target.dead) return answer(() => fail(unreachable(peerSystemId, `${method}: peer crashed while answering`), true));
            const resultJson = JSON.stringify(response?.result ?? {});
            const resultPayload = response?.payload ? Buffer.from(response.payload) : null;
            answer(() => settle(() => {
              net.log(`${callId} ${method} ok`);
              resolve({ result: JSON.parse(resultJson) as T, payload: resultPayload });
            }), resultPayload?.length ?? 0);
          },
          (error: unknown) => {
            if (target.dead) return answer(() => fail(unreachable(peerSystemId, `${method}: peer crashed while answering`), true));
            const wire = toWireError(error);
            answer(() => fail(fromWireError(wire, peerSystemId), false));
          },
        );
      });
    });
  }
}
