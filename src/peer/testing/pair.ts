// Two peer endpoints in one process on 127.0.0.1, each with its own certificate, for tests.
// Certificates are made once per process: RSA key generation is the slow part of these tests.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Clock } from '../../core/clock.ts';
import { loadOrCreateTlsIdentity, type TlsIdentity } from '../../security/tls.ts';
import { PeerEndpoint, type PeerEndpointOptions } from '../endpoint.ts';
import { fingerprintOf, MemoryTrustStore, type TrustedPeer } from '../trust.ts';

const identities = new Map<string, Promise<TlsIdentity>>();

/** A TLS identity made by the production code path (src/security/tls.ts), cached by name. */
export function testIdentity(name: string): Promise<TlsIdentity> {
  let identity = identities.get(name);
  if (!identity) {
    const dir = mkdtempSync(join(tmpdir(), 'tandem-peer-'));
    identity = loadOrCreateTlsIdentity(dir, name).finally(() => rmSync(dir, { recursive: true, force: true }));
    identities.set(name, identity);
  }
  return identity;
}

export function trustRecord(systemId: string, tls: TlsIdentity, peerPort: number): TrustedPeer {
  return {
    systemId,
    name: systemId,
    address: '127.0.0.1',
    managementPort: 443,
    peerPort,
    certPem: tls.cert,
    fingerprint256: fingerprintOf(tls.cert),
    exchangedAtMs: 0,
  };
}

export interface TestSystem {
  systemId: string;
  tls: TlsIdentity;
  trust: MemoryTrustStore;
  endpoint: PeerEndpoint;
  port: number;
}

export async function startSystem(
  systemId: string,
  clock: Clock,
  extra: Partial<PeerEndpointOptions> = {},
): Promise<TestSystem> {
  const tls = await testIdentity(systemId);
  const trust = new MemoryTrustStore();
  const endpoint = new PeerEndpoint({
    identity: { systemId, name: systemId },
    tls,
    host: '127.0.0.1',
    port: 0,
    clock,
    trust,
    closeGraceMs: 200,
    ...extra,
  });
  const { port } = await endpoint.listen();
  return { systemId, tls, trust, endpoint, port };
}

/** Makes each system trust the other, as a certificate exchange would. */
export function trustEachOther(a: TestSystem, b: TestSystem): void {
  a.trust.put(trustRecord(b.systemId, b.tls, b.port));
  b.trust.put(trustRecord(a.systemId, a.tls, a.port));
}
