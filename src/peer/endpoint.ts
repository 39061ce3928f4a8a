// A system's end of the peer link: the server that answers peers and the clients that call them,
// behind one fault point and one trust store (DESIGN §5.5). This file only wires the parts:
// server.ts answers, connector.ts holds sessions, client.ts calls, faults.ts decides.
import { systemClock, type Clock } from '../core/clock.ts';
import { DomainError, NotFoundError, ValidationError } from '../core/errors.ts';
import { PeerClient } from './client.ts';
import { PeerConnector } from './connector.ts';
import { FaultController } from './faults.ts';
import type { LaneCodec } from './lane-wire.ts';
import { PEER_CLOSE_GRACE_MS } from './limits.ts';
import { RpcServer, type RpcHandler } from './server.ts';
import { SILENT_LOG, type PeerLog } from './session-options.ts';
import type { TrustStore } from './trust.ts';
import { isValidMethod } from './wire.ts';

export interface PeerEndpointOptions {
  identity: { systemId: string; name: string };
  tls: { key: string; cert: string };
  host: string;
  /** 0 picks a free port; listen() returns the one chosen. */
  port: number;
  clock: Clock;
  trust: TrustStore;
  /** The fault point; one is made when absent. Shared by calls out and streams in. */
  faults?: FaultController;
  log?: PeerLog;
  /** How long close() lets in-flight calls finish before destroying sessions. */
  closeGraceMs?: number;
  /** The clock of that grace: real time by default (it bounds teardown, not a schedule). */
  wallClock?: Clock;
}

/** The answer to `peer.ping`, also what heartbeats record about the peer. */
export interface PingResult {
  systemId: string;
  name: string;
  nowMs: number;
}

export type LinkFailureListener = (peerSystemId: string, error: DomainError) => void;

export class PeerEndpoint {
  readonly faults: FaultController;
  private readonly handlers = new Map<string, RpcHandler>();
  private readonly codecs = new Map<string, LaneCodec>();
  /** Methods whose handler is done with the request's payload once it has answered (see handle). */
  private readonly payloadFreeOnAnswer = new Set<string>();
  private readonly server: RpcServer;
  private readonly connector: PeerConnector;
  private readonly clients = new Map<string, PeerClient>();
  private readonly failureListeners = new Set<LinkFailureListener>();
  private readonly log: PeerLog;
  private closing: Promise<void> | undefined;

  constructor(private readonly options: PeerEndpointOptions) {
    this.log = options.log ?? SILENT_LOG;
    this.faults = options.faults ?? new FaultController();
    this.server = new RpcServer({
      tls: options.tls, trust: options.trust, faults: this.faults, handlers: this.handlers, codecs: this.codecs, log: this.log,
      payloadFreeOnAnswer: this.payloadFreeOnAnswer,
    });
    this.connector = new PeerConnector({ tls: options.tls, trust: options.trust, log: this.log });
    this.faults.onChange(() => this.cutDownLinks());
    this.handle('peer.ping', async () => {
      const result: PingResult = { ...options.identity, nowMs: options.clock.nowMs() };
      return { result };
    });
  }

  listen(): Promise<{ port: number }> {
    return this.server.listen(this.options.host, this.options.port);
  }

  /**
   * `payloadFreeOnAnswer`: the handler uses the request's payload only until its promise settles
   * (it awaits every write of it), so a successful answer frees the buffer it arrived in for the
   * next large request (replication's batches). A handler that answers first and writes later
   * (synchronous writes acknowledged before they are applied) must not say so.
   */
  handle(method: string, handler: RpcHandler, options: { payloadFreeOnAnswer?: boolean } = {}): void {
    if (!isValidMethod(method)) {
      throw new ValidationError(`Invalid RPC method name ${JSON.stringify(method)}.`, 'method');
    }
    if (this.handlers.has(method)) throw new Error(`peer: a handler for ${method} is already registered`);
    this.handlers.set(method, handler);
    if (options.payloadFreeOnAnswer === true) this.payloadFreeOnAnswer.add(method);
  }

  /**
   * A binary form for a method's params on the latency lane (lane-wire.ts), for calls a host write
   * waits on. Both systems register the same; calls without it, or whose params it cannot carry, send JSON.
   */
  laneCodec(method: string, codec: LaneCodec): void {
    this.codecs.set(method, codec);
  }

  /** The client for a trusted peer; it connects on its first call and again after a failure. */
  peer(peerSystemId: string): PeerClient {
    if (!this.options.trust.get(peerSystemId)) throw new NotFoundError('remote_system', peerSystemId);
    let client = this.clients.get(peerSystemId);
    if (!client) {
      client = new PeerClient(peerSystemId, {
        clock: this.options.clock,
        faults: this.faults,
        connector: this.connector,
        codecs: this.codecs,
        reportLinkFailure: (id, error) => this.reportLinkFailure(id, error),
      });
      this.clients.set(peerSystemId, client);
    }
    return client;
  }

  /** Listens to failures of the link itself (connect refused, session lost, link cut). */
  onLinkFailure(listener: LinkFailureListener): () => void {
    this.failureListeners.add(listener);
    return () => this.failureListeners.delete(listener);
  }

  close(): Promise<void> {
    this.closing ??= this.shutDown();
    return this.closing;
  }

  private async shutDown(): Promise<void> {
    const graceMs = this.options.closeGraceMs ?? PEER_CLOSE_GRACE_MS;
    const wallClock = this.options.wallClock ?? systemClock;
    await Promise.all([this.server.close(graceMs, wallClock), this.connector.close(graceMs, wallClock)]);
  }

  private reportLinkFailure(peerSystemId: string, error: DomainError): void {
    for (const listener of this.failureListeners) listener(peerSystemId, error);
  }

  /** A link_down fault ends the sessions it covers, in both directions, so in-flight calls fail. */
  private cutDownLinks(): void {
    for (const peer of this.options.trust.list()) {
      if (this.faults.isLinkDown(peer.systemId)) this.connector.drop(peer.systemId);
    }
    this.server.dropSessions((peerSystemId) => this.faults.isLinkDown(peerSystemId));
  }
}
