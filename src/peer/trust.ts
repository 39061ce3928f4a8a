// Which remote systems this system trusts on the peer link, and by which certificate.
// Trust is established by certificate exchange (PowerStore x509_certificate/exchange) and remote
// system creation; the peer link only reads it. The interface is synchronous and minimal so the
// composition root can back it with the metadata store.
import { X509Certificate } from 'node:crypto';

export interface TrustedPeer {
  systemId: string;
  name: string;
  /** Host name or IP address the peer link connects to. */
  address: string;
  managementPort: number;
  peerPort: number;
  certPem: string;
  /** SHA-256 fingerprint as Node prints it: upper-case hex pairs joined by ':'. */
  fingerprint256: string;
  exchangedAtMs: number;
}

export interface TrustStore {
  list(): TrustedPeer[];
  get(systemId: string): TrustedPeer | undefined;
  findByAddress(address: string, managementPort?: number): TrustedPeer | undefined;
  byFingerprint(fingerprint256: string): TrustedPeer | undefined;
  put(peer: TrustedPeer): void;
  remove(systemId: string): void;
}

/**
 * The SHA-256 fingerprint of a PEM certificate, in the form `getPeerCertificate().fingerprint256`
 * reports, so trust records compare directly with what a TLS socket sees.
 */
export function fingerprintOf(certPem: string): string {
  return new X509Certificate(certPem).fingerprint256;
}

/** A trust store in memory, for tests and for systems without a metadata store. */
export class MemoryTrustStore implements TrustStore {
  private readonly peers = new Map<string, TrustedPeer>();

  constructor(initial: TrustedPeer[] = []) {
    for (const peer of initial) this.put(peer);
  }

  list(): TrustedPeer[] {
    return [...this.peers.values()].map((peer) => ({ ...peer }));
  }

  get(systemId: string): TrustedPeer | undefined {
    const peer = this.peers.get(systemId);
    return peer ? { ...peer } : undefined;
  }

  findByAddress(address: string, managementPort?: number): TrustedPeer | undefined {
    for (const peer of this.peers.values()) {
      if (peer.address !== address) continue;
      if (managementPort !== undefined && peer.managementPort !== managementPort) continue;
      return { ...peer };
    }
    return undefined;
  }

  byFingerprint(fingerprint256: string): TrustedPeer | undefined {
    const wanted = fingerprint256.toUpperCase();
    for (const peer of this.peers.values()) {
      if (peer.fingerprint256.toUpperCase() === wanted) return { ...peer };
    }
    return undefined;
  }

  put(peer: TrustedPeer): void {
    if (peer.systemId.length === 0) throw new Error('trust: a trusted peer needs a systemId');
    if (fingerprintOf(peer.certPem) !== peer.fingerprint256) {
      throw new Error(`trust: fingerprint of ${peer.systemId} does not match its certificate`);
    }
    this.peers.set(peer.systemId, { ...peer });
  }

  remove(systemId: string): void {
    this.peers.delete(systemId);
  }
}
