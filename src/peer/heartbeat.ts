// Heartbeats decide each peer's data_connection_state (DESIGN §5.5). Every interval of the injected
// clock, each monitored peer gets one `peer.ping`. A peer is Initializing until its first answer,
// OK after any answer, and Complete_Data_Connection_Loss after `failuresMax` consecutive failed
// pings, or at once when any call to it fails because the link itself failed. Network I/O is still
// asynchronous, so tests advance the clock and then await idle() (or pingNow) instead of sleeping.
import type { Clock, TimerHandle } from '../core/clock.ts';
import type { DomainError } from '../core/errors.ts';
import type { LinkFailureListener, PingResult } from './endpoint.ts';
import type { PeerClient } from './client.ts';
import { HEARTBEAT_FAILURES_MAX, HEARTBEAT_INTERVAL_MS, HEARTBEAT_PING_TIMEOUT_MS } from './limits.ts';
import { SILENT_LOG, type PeerLog } from './session-options.ts';
import type { TrustedPeer, TrustStore } from './trust.ts';

/** PowerStore's remote_system data_connection_state values that heartbeats can decide. */
export type DataConnectionState = 'Initializing' | 'OK' | 'Complete_Data_Connection_Loss';

export type StateChangeListener = (peerSystemId: string, state: DataConnectionState) => void;

export interface HeartbeatOptions {
  endpoint: {
    peer(peerSystemId: string): Pick<PeerClient, 'call'>;
    onLinkFailure(listener: LinkFailureListener): () => void;
  };
  trust: TrustStore;
  clock: Clock;
  /** Which trusted peers are remote systems to watch; every trusted peer when absent. */
  isRemoteSystem?: (peer: TrustedPeer) => boolean;
  intervalMs?: number;
  pingTimeoutMs?: number;
  failuresMax?: number;
  log?: PeerLog;
}

interface PeerHealth {
  state: DataConnectionState;
  failuresCount: number;
  ping: Promise<void> | undefined;
  /** Wall time of the last answered ping (real time, not the injected clock: it is a measurement). */
  roundTripMs: number | null;
}

export class HeartbeatMonitor {
  private readonly health = new Map<string, PeerHealth>();
  private readonly listeners = new Set<StateChangeListener>();
  private readonly intervalMs: number;
  private readonly pingTimeoutMs: number;
  private readonly failuresMax: number;
  private readonly log: PeerLog;
  private timer: TimerHandle | undefined;
  private unsubscribe: (() => void) | undefined;

  constructor(private readonly options: HeartbeatOptions) {
    this.intervalMs = options.intervalMs ?? HEARTBEAT_INTERVAL_MS;
    this.pingTimeoutMs = options.pingTimeoutMs ?? HEARTBEAT_PING_TIMEOUT_MS;
    this.failuresMax = options.failuresMax ?? HEARTBEAT_FAILURES_MAX;
    this.log = options.log ?? SILENT_LOG;
    if (!(this.intervalMs > 0 && this.pingTimeoutMs > 0 && this.failuresMax >= 1)) {
      throw new Error('heartbeat: interval, ping timeout and failure count must be positive');
    }
  }

  /** Starts pinging every interval; the first round is one interval from now. */
  start(): void {
    if (this.timer) return;
    this.unsubscribe = this.options.endpoint.onLinkFailure((id, error) => this.onLinkFailure(id, error));
    this.schedule();
  }

  stop(): void {
    this.timer?.cancel();
    this.timer = undefined;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }

  /** The state of a monitored peer; undefined for a peer that is not monitored. */
  connectionState(peerSystemId: string): DataConnectionState | undefined {
    const peer = this.options.trust.get(peerSystemId);
    if (!peer || !this.monitored(peer)) return undefined;
    return this.healthOf(peerSystemId).state;
  }

  /** Round trip of the last answered ping to a peer, in seconds; null before the first answer. */
  roundTripSeconds(peerSystemId: string): number | null {
    const ms = this.health.get(peerSystemId)?.roundTripMs ?? null;
    return ms === null ? null : ms / 1000;
  }

  onStateChange(listener: StateChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Pings every monitored peer once and forgets peers no longer trusted. Never rejects. */
  async tick(): Promise<void> {
    const peers = this.options.trust.list().filter((peer) => this.monitored(peer));
    const ids = new Set(peers.map((peer) => peer.systemId));
    for (const id of this.health.keys()) if (!ids.has(id)) this.health.delete(id);
    await Promise.all(peers.map((peer) => this.pingNow(peer.systemId)));
  }

  /** Pings one peer now, or joins the ping already in flight to it. Never rejects. */
  pingNow(peerSystemId: string): Promise<void> {
    const health = this.healthOf(peerSystemId);
    health.ping ??= this.ping(peerSystemId, health).finally(() => {
      health.ping = undefined;
    });
    return health.ping;
  }

  /** Resolves when no ping is in flight. */
  async idle(): Promise<void> {
    for (;;) {
      const pings = [...this.health.values()].flatMap((health) => (health.ping ? [health.ping] : []));
      if (pings.length === 0) return;
      await Promise.all(pings);
    }
  }

  private schedule(): void {
    this.timer = this.options.clock.setTimer(this.intervalMs, () => {
      this.schedule();
      void this.tick();
    });
  }

  private async ping(peerSystemId: string, health: PeerHealth): Promise<void> {
    const startedMs = performance.now();
    try {
      const { result } = await this.options.endpoint
        .peer(peerSystemId)
        .call<PingResult>('peer.ping', {}, { timeoutMs: this.pingTimeoutMs });
      if (result?.systemId !== peerSystemId) throw new Error(`answered as ${String(result?.systemId)}`);
      health.failuresCount = 0;
      health.roundTripMs = performance.now() - startedMs;
      this.setState(peerSystemId, health, 'OK');
    } catch (error) {
      health.failuresCount += 1;
      this.log('peer ping failed', { peerSystemId, failuresCount: health.failuresCount, error: String(error) });
      if (health.failuresCount >= this.failuresMax) {
        this.setState(peerSystemId, health, 'Complete_Data_Connection_Loss');
      }
    }
  }

  private onLinkFailure(peerSystemId: string, error: DomainError): void {
    const peer = this.options.trust.get(peerSystemId);
    if (!peer || !this.monitored(peer)) return;
    const health = this.healthOf(peerSystemId);
    this.log('peer link failed', { peerSystemId, error: error.message });
    health.failuresCount = Math.max(health.failuresCount, this.failuresMax);
    this.setState(peerSystemId, health, 'Complete_Data_Connection_Loss');
  }

  private setState(peerSystemId: string, health: PeerHealth, state: DataConnectionState): void {
    if (health.state === state) return;
    health.state = state;
    for (const listener of this.listeners) listener(peerSystemId, state);
  }

  private healthOf(peerSystemId: string): PeerHealth {
    let health = this.health.get(peerSystemId);
    if (!health) {
      health = { state: 'Initializing', failuresCount: 0, ping: undefined, roundTripMs: null };
      this.health.set(peerSystemId, health);
    }
    return health;
  }

  private monitored(peer: TrustedPeer): boolean {
    return this.options.isRemoteSystem?.(peer) ?? true;
  }
}
