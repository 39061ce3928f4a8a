// Remote systems: certificate exchange (trust), creation on both systems, connection state from
// heartbeats, and deletion refused while rules or sessions reference the peer.
import type { CoreContext } from '../core/context.ts';
import { DomainError, InUseError, NotFoundError, ValidationError } from '../core/errors.ts';
import type { RemoteSystem, TrustRecord } from '../core/replication/model.ts';
import { checkEnum } from '../core/validate.ts';
import { exchangeWithPeer, type ExchangeOffer } from './pairing-client.ts';
import type { ConnectionState, PeerTransport } from './transport.ts';

export const DATA_NETWORK_LATENCIES = ['Low', 'Low_Medium', 'Medium', 'Medium_High', 'High'] as const;

export interface LocalEndpoints {
  address: string;
  managementPort: () => number;
  peerPort: () => number;
  certPem: string;
}

/** The remote_system record of the peer that made a call; FORBIDDEN when this system has none. */
export function remoteSystemOfCaller(ctx: CoreContext, peerSystemId: string): RemoteSystem {
  const rs = ctx.meta.list('remote_system').find((r) => r.peerSystemId === peerSystemId);
  if (!rs) throw new DomainError('FORBIDDEN', 'This system has no remote_system record for the caller.');
  return rs;
}

export class RemoteSystemService {
  constructor(
    private readonly ctx: CoreContext,
    private readonly transport: PeerTransport,
    private readonly local: LocalEndpoints,
  ) {
    transport.handle('remote.register', async ({ params, fromSystemId }) => ({ result: await this.registerFromPeer(params as ExchangeOffer & { data_network_latency: string }, fromSystemId) }));
    transport.handle('remote.unregister', async ({ fromSystemId }) => {
      await this.ctx.lock.run(async () => {
        const record = this.byPeer(fromSystemId);
        if (record && !this.isReferenced(record.id)) this.ctx.meta.delete('remote_system', record.id);
      });
      return { result: {} };
    });
    transport.handle('peer.identity', async () => ({ result: this.offer() }));
  }

  get(id: string): RemoteSystem {
    const rs = this.ctx.meta.get('remote_system', id);
    if (!rs) throw new NotFoundError('remote_system', id);
    return rs;
  }

  list(): RemoteSystem[] {
    return this.ctx.meta.list('remote_system');
  }

  byPeer(peerSystemId: string): RemoteSystem | undefined {
    return this.list().find((r) => r.peerSystemId === peerSystemId);
  }

  connectionState(rs: RemoteSystem): ConnectionState {
    return this.transport.connectionState(rs.peerSystemId);
  }

  offer(): ExchangeOffer {
    const id = this.ctx.identity;
    return {
      system_id: id.id,
      name: id.name,
      serial_number: id.serialNumber,
      box_id: id.boxId,
      version: id.softwareVersion,
      cert_pem: this.local.certPem,
      address: this.local.address,
      management_port: this.local.managementPort(),
      peer_port: this.local.peerPort(),
    };
  }

  /** POST /x509_certificate/exchange: swap certificates with the peer using its credentials. */
  async exchange(input: { address: string; port: number; username: string; password: string }): Promise<void> {
    const theirs = await exchangeWithPeer(input, this.offer());
    this.trust(theirs, input.address, input.port);
  }

  /** The peer side of an exchange: trust the caller, answer with our own offer. */
  acceptExchange(offer: ExchangeOffer): ExchangeOffer {
    if (!offer || typeof offer.cert_pem !== 'string' || typeof offer.system_id !== 'string') throw new ValidationError('A certificate exchange needs system_id and cert_pem.');
    if (offer.system_id === this.ctx.identity.id) throw new ValidationError('A system cannot pair with itself.');
    this.trust(offer, offer.address, offer.management_port);
    return this.offer();
  }

  /** POST /remote_system: creates the relationship here and on the peer. */
  create(input: { managementAddress: string; managementPort?: number; description?: string | null; dataNetworkLatency?: string }): Promise<RemoteSystem> {
    return this.ctx.lock.run(async () => {
      const latency = checkEnum('data_network_latency', input.dataNetworkLatency ?? 'Low', DATA_NETWORK_LATENCIES);
      const trust = this.findTrust(input.managementAddress, input.managementPort);
      if (!trust) {
        throw new DomainError(
          'STATE_INVALID',
          `No certificate has been exchanged with ${input.managementAddress}${input.managementPort ? `:${input.managementPort}` : ''}; run POST /x509_certificate/exchange with service Replication_HTTP first.`,
          { arguments: [input.managementAddress] },
        );
      }
      if (this.byPeer(trust.id)) throw new DomainError('NAME_IN_USE', `A remote system for ${trust.name} at ${trust.address} already exists.`, { kind: 'remote_system', arguments: [trust.name] });
      // The peer creates its side first: if it cannot be reached, nothing is created here.
      await this.transport.call(trust.id, 'remote.register', { ...this.offer(), data_network_latency: latency });
      const record = this.recordFor(trust, latency, input.description ?? null);
      this.ctx.meta.put('remote_system', record);
      return record;
    });
  }

  modify(id: string, input: { description?: string | null; dataNetworkLatency?: string; managementAddress?: string }): Promise<RemoteSystem> {
    return this.ctx.lock.run(async () => {
      const rs = this.get(id);
      const next = { ...rs };
      if (input.description !== undefined) next.description = input.description;
      if (input.dataNetworkLatency !== undefined) next.dataNetworkLatency = checkEnum('data_network_latency', input.dataNetworkLatency, DATA_NETWORK_LATENCIES);
      if (input.managementAddress !== undefined && input.managementAddress !== rs.managementAddress) {
        throw new ValidationError('management_address of a PowerStore remote system cannot change here; delete and pair again.', 'management_address');
      }
      this.ctx.meta.put('remote_system', next);
      return next;
    });
  }

  delete(id: string): Promise<void> {
    return this.ctx.lock.run(async () => {
      const rs = this.get(id);
      if (this.isReferenced(id)) {
        throw new InUseError(`Remote system ${rs.name} is referenced by replication rules or sessions; remove them first.`, 'remote_system', id);
      }
      this.ctx.meta.delete('remote_system', id);
      // Best effort: the peer drops its side if nothing there uses it.
      await this.transport.call(rs.peerSystemId, 'remote.unregister', {}).catch(() => undefined);
    });
  }

  /** POST /remote_system/{id}/verify: one round trip over the peer link. */
  async verify(id: string): Promise<void> {
    const rs = this.get(id);
    await this.transport.call(rs.peerSystemId, 'peer.identity', {});
  }

  isReferenced(remoteSystemId: string): boolean {
    return (
      this.ctx.meta.list('replication_rule').some((r) => r.remoteSystemId === remoteSystemId) ||
      this.ctx.meta.list('replication_session').some((s) => s.remoteSystemId === remoteSystemId)
    );
  }

  private async registerFromPeer(offer: ExchangeOffer & { data_network_latency: string }, fromSystemId: string): Promise<{ id: string }> {
    if (offer.system_id !== fromSystemId) throw new ValidationError('The peer identity does not match its certificate.');
    return this.ctx.lock.run(async () => {
      const existing = this.byPeer(fromSystemId);
      if (existing) return { id: existing.id };
      const trust = this.ctx.meta.get('trust', fromSystemId);
      if (!trust) throw new DomainError('FORBIDDEN', 'No certificate has been exchanged with this system.');
      const record = this.recordFor(trust, offer.data_network_latency ?? 'Low', null);
      this.ctx.meta.put('remote_system', record);
      return { id: record.id };
    });
  }

  private recordFor(trust: TrustRecord, latency: string, description: string | null): RemoteSystem {
    return {
      id: this.ctx.ids.uuid(),
      peerSystemId: trust.id,
      name: trust.name,
      description,
      serialNumber: trust.serialNumber,
      version: trust.version,
      boxId: trust.boxId,
      managementAddress: trust.address,
      managementPort: trust.managementPort,
      peerPort: trust.peerPort,
      dataNetworkLatency: latency,
      certFingerprint256: trust.fingerprint256,
      createdAtMs: this.ctx.clock.nowMs(),
    };
  }

  private trust(offer: ExchangeOffer, address: string, managementPort: number): void {
    const record: TrustRecord = {
      id: offer.system_id,
      name: offer.name,
      address,
      managementPort,
      peerPort: offer.peer_port,
      certPem: offer.cert_pem,
      fingerprint256: fingerprintOf(offer.cert_pem),
      serialNumber: offer.serial_number,
      boxId: offer.box_id,
      version: offer.version,
      exchangedAtMs: this.ctx.clock.nowMs(),
    };
    this.ctx.meta.put('trust', record);
    // A re-exchange with a system we already know refreshes the remote_system's addresses.
    const rs = this.byPeer(offer.system_id);
    if (rs) this.ctx.meta.put('remote_system', { ...rs, name: offer.name, managementAddress: address, managementPort, peerPort: offer.peer_port, certFingerprint256: record.fingerprint256 });
  }

  private findTrust(address: string, port?: number): TrustRecord | undefined {
    const candidates = this.ctx.meta
      .list('trust')
      .filter((t) => t.address === address && (port === undefined || t.managementPort === port))
      .sort((a, b) => b.exchangedAtMs - a.exchangedAtMs);
    return candidates[0];
  }
}

/** The fingerprint format of X509Certificate.fingerprint256 and getPeerCertificate(). */
export let fingerprintOf: (pem: string) => string = () => {
  throw new Error('fingerprintOf not installed');
};
export function installFingerprint(fn: (pem: string) => string): void {
  fingerprintOf = fn;
}
