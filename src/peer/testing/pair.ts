// Two peer endpoints in one process on 127.0.0.1, each with its own certificate, for tests.
// Certificates are made once per process: RSA key generation is the slow part of these tests.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach } from 'node:test';
import { ManualClock, type Clock } from '../../core/clock.ts';
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

export interface PairOptions {
  /** Endpoint options of A, made anew for each test (a FaultController with a seeded PRNG, say). */
  optionsA?: () => Partial<PeerEndpointOptions>;
}

/** Systems A and B of the test running now; read them inside a test or hook, not at describe time. */
export interface Pair {
  readonly clock: ManualClock;
  readonly a: TestSystem;
  readonly b: TestSystem;
  /** Starts one more system on the pair's clock; it is closed after the test, with A and B. */
  start(systemId: string, extra?: Partial<PeerEndpointOptions>): Promise<TestSystem>;
}

/**
 * Registers hooks in the enclosing describe: before each test, a fresh ManualClock and systems
 * sys-a and sys-b trusting each other; after it, every system the test started closed. Hooks run
 * in the order they are registered, so a describe's own beforeEach registered after this call
 * sees both systems, and an afterEach that must run before the systems close is registered first.
 */
export function usePair(options: PairOptions = {}): Pair {
  let clock: ManualClock | undefined;
  const started: TestSystem[] = [];
  const current = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('The pair starts before each test: read it inside a test or a hook.');
    return value;
  };
  const system = (index: number): TestSystem => current(started[index]);
  const pair: Pair = {
    get clock() {
      return current(clock);
    },
    get a() {
      return system(0);
    },
    get b() {
      return system(1);
    },
    async start(systemId, extra = {}) {
      const added = await startSystem(systemId, pair.clock, extra);
      started.push(added);
      return added;
    },
  };
  beforeEach(async () => {
    clock = new ManualClock();
    await pair.start('sys-a', options.optionsA?.());
    await pair.start('sys-b');
    trustEachOther(pair.a, pair.b);
  });
  afterEach(async () => {
    await Promise.all(started.splice(0).map((s) => s.endpoint.close()));
  });
  return pair;
}
