// Outgoing sessions: at most one HTTP/2 session per peer, opened on first use, checked against the
// peer's trust record, reused by every call and reopened on the next call after it fails.
import { connect, type ClientHttp2Session } from 'node:http2';
import { isIP } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import type { Clock } from '../core/clock.ts';
import { unreachable } from './errors.ts';
import { closeWithGrace, PEER_SESSION_OPTIONS, PEER_TLS_OPTIONS, widenSessionWindow, type PeerLog } from './session-options.ts';
import type { TrustStore } from './trust.ts';

export interface ConnectorOptions {
  tls: { key: string; cert: string };
  trust: TrustStore;
  log: PeerLog;
}

interface Entry {
  session: ClientHttp2Session;
  /** The fingerprint the session was checked against; a changed trust record forces a reconnect. */
  fingerprint256: string;
  connected: boolean;
  ready: Promise<ClientHttp2Session>;
}

export class PeerConnector {
  private readonly entries = new Map<string, Entry>();
  /** Raw TLS sockets of latency lanes (lane-client.ts), dropped with the sessions. */
  private readonly laneSockets = new Map<string, Set<TLSSocket>>();
  private closed = false;

  constructor(private readonly options: ConnectorOptions) {}

  /** The live session to this peer, connecting first if there is none. Rejects PEER_UNREACHABLE. */
  session(peerSystemId: string): Promise<ClientHttp2Session> {
    if (this.closed) return Promise.reject(unreachable(peerSystemId, 'this endpoint is closed'));
    const trusted = this.options.trust.get(peerSystemId);
    if (!trusted) return Promise.reject(unreachable(peerSystemId, 'no trust record for it'));
    const entry = this.entries.get(peerSystemId);
    if (entry && usable(entry) && entry.fingerprint256 === trusted.fingerprint256) return entry.ready;
    if (entry) this.drop(peerSystemId);
    const fresh = this.open(peerSystemId, trusted.address, trusted.peerPort, trusted.fingerprint256);
    this.entries.set(peerSystemId, fresh);
    return fresh.ready;
  }

  /** Destroys the session and lanes to one peer, or to every peer; in-flight calls on them fail. */
  drop(peerSystemId?: string): void {
    for (const [id, entry] of this.entries) {
      if (peerSystemId !== undefined && id !== peerSystemId) continue;
      this.entries.delete(id);
      entry.session.destroy();
    }
    for (const [id, sockets] of this.laneSockets) {
      if (peerSystemId !== undefined && id !== peerSystemId) continue;
      for (const socket of sockets) socket.destroy();
    }
  }

  /**
   * A TLS socket to the peer's link port without ALPN, which its HTTP/2 server hands to the lane
   * (server.ts, 'unknownProtocol'): the latency lane skips HTTP/2 framing, whose deferred writes
   * cost ~25 µs per round trip on loopback (research/dataplane.md). Same certificates and the same
   * fingerprint check as a session. Rejects PEER_UNREACHABLE.
   */
  laneSocket(peerSystemId: string): Promise<TLSSocket> {
    if (this.closed) return Promise.reject(unreachable(peerSystemId, 'this endpoint is closed'));
    const trusted = this.options.trust.get(peerSystemId);
    if (!trusted) return Promise.reject(unreachable(peerSystemId, 'no trust record for it'));
    const socket = tlsConnect({
      ...PEER_TLS_OPTIONS,
      host: trusted.address,
      port: trusted.peerPort,
      key: this.options.tls.key,
      cert: this.options.tls.cert,
      rejectUnauthorized: false,
      ...(isIP(trusted.address) === 0 ? { servername: trusted.address } : {}),
    });
    let sockets = this.laneSockets.get(peerSystemId);
    if (!sockets) this.laneSockets.set(peerSystemId, (sockets = new Set()));
    sockets.add(socket);
    socket.once('close', () => {
      sockets.delete(socket);
      if (sockets.size === 0 && this.laneSockets.get(peerSystemId) === sockets) this.laneSockets.delete(peerSystemId);
    });
    return new Promise((resolve, reject) => {
      const onError = (error: Error): void => reject(unreachable(peerSystemId, `lane connect failed: ${error.message}`, error));
      const onClose = (): void => reject(unreachable(peerSystemId, 'the lane closed while connecting'));
      socket.once('error', onError);
      socket.once('close', onClose);
      socket.once('secureConnect', () => {
        socket.off('error', onError);
        socket.off('close', onClose);
        const seen = socket.getPeerCertificate()?.fingerprint256;
        if (!seen || seen.toUpperCase() !== trusted.fingerprint256.toUpperCase()) {
          socket.destroy();
          reject(unreachable(peerSystemId, seen ? `the server certificate ${seen} does not match the trusted ${trusted.fingerprint256}` : 'the server presented no certificate'));
          return;
        }
        socket.setNoDelay(true);
        resolve(socket);
      });
    });
  }

  /** Abandons a connection attempt that has not completed, so the next call starts afresh. */
  dropIfConnecting(peerSystemId: string): void {
    const entry = this.entries.get(peerSystemId);
    if (entry && !entry.connected) this.drop(peerSystemId);
  }

  async close(graceMs: number, wallClock: Clock): Promise<void> {
    this.closed = true;
    for (const sockets of this.laneSockets.values()) for (const socket of sockets) socket.destroy();
    const sessions = [...this.entries.values()].map((entry) => entry.session);
    this.entries.clear();
    await Promise.all(sessions.map((session) => closeWithGrace(session, graceMs, wallClock)));
  }

  private open(peerSystemId: string, address: string, port: number, fingerprint256: string): Entry {
    const host = isIP(address) === 6 ? `[${address}]` : address;
    const session = connect(`https://${host}:${port}`, {
      ...PEER_SESSION_OPTIONS,
      ...PEER_TLS_OPTIONS,
      key: this.options.tls.key,
      cert: this.options.tls.cert,
      // Peers use self-signed certificates: the chain is not checked, the fingerprint is.
      rejectUnauthorized: false,
      // RFC 6066 forbids an IP address as SNI; Node warns if one is passed.
      ...(isIP(address) === 0 ? { servername: address } : {}),
    });
    const entry: Entry = { session, fingerprint256, connected: false, ready: Promise.resolve(session) };
    entry.ready = new Promise<ClientHttp2Session>((resolve, reject) => {
      const onError = (error: Error): void => {
        reject(unreachable(peerSystemId, `connect failed: ${error.message}`, error));
      };
      const onClose = (): void => reject(unreachable(peerSystemId, 'the session closed while connecting'));
      session.once('error', onError);
      session.once('close', onClose);
      session.once('connect', () => {
        session.off('error', onError);
        session.off('close', onClose);
        const problem = this.verify(session, fingerprint256);
        if (problem) {
          session.destroy();
          reject(unreachable(peerSystemId, problem));
          return;
        }
        entry.connected = true;
        widenSessionWindow(session);
        resolve(session);
      });
    });
    entry.ready.catch(() => this.forget(peerSystemId, entry));
    this.watch(peerSystemId, entry);
    return entry;
  }

  /** Returns why the server's certificate is not the trusted one, or undefined when it is. */
  private verify(session: ClientHttp2Session, fingerprint256: string): string | undefined {
    const seen = (session.socket as TLSSocket).getPeerCertificate?.()?.fingerprint256;
    if (!seen) return 'the server presented no certificate';
    if (seen.toUpperCase() !== fingerprint256.toUpperCase()) {
      return `the server certificate ${seen} does not match the trusted ${fingerprint256}`;
    }
    return undefined;
  }

  private watch(peerSystemId: string, entry: Entry): void {
    const { session } = entry;
    session.on('error', (error) => {
      this.options.log('peer session failed', { peerSystemId, error: error.message });
      this.forget(peerSystemId, entry);
    });
    session.on('close', () => this.forget(peerSystemId, entry));
    // After GOAWAY no new stream may start on this session; later calls open a new one.
    session.on('goaway', () => this.forget(peerSystemId, entry));
  }

  private forget(peerSystemId: string, entry: Entry): void {
    if (this.entries.get(peerSystemId) === entry) this.entries.delete(peerSystemId);
  }
}

function usable(entry: Entry): boolean {
  return !entry.session.destroyed && !entry.session.closed;
}
