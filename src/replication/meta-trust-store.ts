// The peer link's trust store, backed by the metadata store's `trust` records.
import type { MetaStore } from '../core/meta-store.ts';
import type { TrustRecord } from '../core/replication/model.ts';
import type { TrustedPeer, TrustStore } from '../peer/trust.ts';

const toPeer = (t: TrustRecord): TrustedPeer => ({
  systemId: t.id,
  name: t.name,
  address: t.address,
  managementPort: t.managementPort,
  peerPort: t.peerPort,
  certPem: t.certPem,
  fingerprint256: t.fingerprint256,
  exchangedAtMs: t.exchangedAtMs,
});

export class MetaTrustStore implements TrustStore {
  constructor(private readonly meta: MetaStore) {}

  list(): TrustedPeer[] {
    // toPeer copies each record, so the shared (uncloned) records are never handed out: the lane
    // looks a peer up by fingerprint on every mirrored write.
    return this.meta.listShared('trust').map(toPeer);
  }

  get(systemId: string): TrustedPeer | undefined {
    const t = this.meta.getShared('trust', systemId);
    return t ? toPeer(t) : undefined;
  }

  findByAddress(address: string, managementPort?: number): TrustedPeer | undefined {
    return this.list()
      .filter((t) => t.address === address && (managementPort === undefined || t.managementPort === managementPort))
      .sort((a, b) => b.exchangedAtMs - a.exchangedAtMs)[0];
  }

  byFingerprint(fingerprint256: string): TrustedPeer | undefined {
    // The lane asks on every mirrored write: copy only the record found.
    const t = this.meta.listShared('trust').find((r) => r.fingerprint256 === fingerprint256);
    return t ? toPeer(t) : undefined;
  }

  put(peer: TrustedPeer): void {
    const existing = this.meta.get('trust', peer.systemId);
    this.meta.put('trust', {
      id: peer.systemId,
      name: peer.name,
      address: peer.address,
      managementPort: peer.managementPort,
      peerPort: peer.peerPort,
      certPem: peer.certPem,
      fingerprint256: peer.fingerprint256,
      exchangedAtMs: peer.exchangedAtMs,
      serialNumber: existing?.serialNumber ?? '',
      boxId: existing?.boxId ?? '',
      version: existing?.version ?? '',
    });
  }

  remove(systemId: string): void {
    this.meta.delete('trust', systemId);
  }
}
