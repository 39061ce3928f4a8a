// The HTTPS half of pairing: `x509_certificate/exchange` logs in to the peer's management API
// with the peer's admin credentials and swaps certificates, so each side trusts the other's
// peer-link certificate. Real arrays verify nothing at this step either (self-signed), so the
// management certificate is not verified; the credentials are what authorises the exchange.
import type { ClientRequest, IncomingMessage } from 'node:http';
import { request } from 'node:https';
import { DomainError } from '../core/errors.ts';

import type { ExchangeOffer } from '../core/replication/commands.ts';
export type { ExchangeOffer };

export async function exchangeWithPeer(target: { address: string; port: number; username: string; password: string }, offer: ExchangeOffer): Promise<ExchangeOffer> {
  const payload = JSON.stringify(offer);
  const auth = `Basic ${Buffer.from(`${target.username}:${target.password}`).toString('base64')}`;
  const options = { host: target.address, port: target.port, path: '/tandem/v1/peer/exchange', method: 'POST', rejectUnauthorized: false, headers: { authorization: auth, 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } };
  return new Promise((resolve, reject) => {
    const onResponse = (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        if (res.statusCode === 401 || res.statusCode === 403) {
          return reject(new DomainError('VALIDATION_FAILED', `The remote system at ${target.address}:${target.port} refused the credentials of user ${target.username}.`, { arguments: [target.address] }));
        }
        if (res.statusCode !== 200) return reject(new DomainError('PEER_UNREACHABLE', `Certificate exchange with ${target.address}:${target.port} failed with HTTP ${res.statusCode}: ${text.slice(0, 200)}`));
        try {
          resolve(JSON.parse(text) as ExchangeOffer);
        } catch {
          reject(new DomainError('PEER_UNREACHABLE', `Certificate exchange with ${target.address}:${target.port} answered something that is not JSON.`));
        }
      });
    };
    // node:https throws synchronously on arguments it cannot use (a port outside 0..65535, a
    // malformed host): the caller's bad input, not an internal error.
    let req: ClientRequest;
    try {
      req = request(options, onResponse);
    } catch (error) {
      reject(new DomainError('VALIDATION_FAILED', `Cannot connect to ${target.address}:${target.port} for the certificate exchange: ${(error as Error).message}`, { arguments: [target.address] }));
      return;
    }
    req.on('error', (error) => reject(new DomainError('PEER_UNREACHABLE', `Cannot reach ${target.address}:${target.port} for the certificate exchange: ${error.message}`, {}, { cause: error })));
    req.setTimeout(15_000, () => req.destroy(new Error('timed out')));
    req.end(payload);
  });
}
