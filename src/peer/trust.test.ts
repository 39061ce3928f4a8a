// Goal: fingerprints computed from a PEM match what a TLS socket reports, and the memory trust store
// finds peers by id, address and fingerprint. Method: a real TLS handshake on 127.0.0.1 compares
// fingerprintOf(cert) with getPeerCertificate().fingerprint256 on both sides.
import { strict as assert } from 'node:assert';
import { createServer, connect, type TLSSocket } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { testIdentity, trustRecord } from './testing/pair.ts';
import { fingerprintOf, MemoryTrustStore } from './trust.ts';

describe('trust', () => {
  it('fingerprintOf matches getPeerCertificate().fingerprint256 on both ends of a TLS connection', async () => {
    const server = await testIdentity('trust-server');
    const client = await testIdentity('trust-client');
    let seenByServer = '';
    const listener = createServer({ ...server, requestCert: true, rejectUnauthorized: false }, (socket) => {
      seenByServer = socket.getPeerCertificate().fingerprint256;
      socket.end();
    });
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    try {
      const port = (listener.address() as AddressInfo).port;
      const socket: TLSSocket = connect({ ...client, host: '127.0.0.1', port, rejectUnauthorized: false });
      await new Promise<void>((resolve, reject) => socket.once('secureConnect', resolve).once('error', reject));
      const seenByClient = socket.getPeerCertificate().fingerprint256;
      await new Promise((resolve) => socket.once('close', resolve).resume());
      assert.equal(seenByClient, fingerprintOf(server.cert));
      assert.equal(seenByServer, fingerprintOf(client.cert));
      assert.notEqual(fingerprintOf(server.cert), fingerprintOf(client.cert));
      assert.match(seenByClient, /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    } finally {
      await new Promise((resolve) => listener.close(resolve));
    }
  });

  it('finds peers by id, address, management port and fingerprint, and forgets removed ones', async () => {
    const tls = await testIdentity('trust-store');
    const store = new MemoryTrustStore();
    const record = trustRecord('sys-b', tls, 9443);
    store.put(record);
    assert.equal(store.get('sys-b')?.peerPort, 9443);
    assert.equal(store.findByAddress('127.0.0.1')?.systemId, 'sys-b');
    assert.equal(store.findByAddress('127.0.0.1', 443)?.systemId, 'sys-b');
    assert.equal(store.findByAddress('127.0.0.1', 8443), undefined);
    assert.equal(store.byFingerprint(record.fingerprint256.toLowerCase())?.systemId, 'sys-b');
    store.remove('sys-b');
    assert.equal(store.get('sys-b'), undefined);
    assert.equal(store.list().length, 0);
  });

  it('refuses a record whose fingerprint does not match its certificate', async () => {
    const tls = await testIdentity('trust-store');
    const other = await testIdentity('trust-other');
    const store = new MemoryTrustStore();
    const forged = { ...trustRecord('sys-b', tls, 9443), fingerprint256: fingerprintOf(other.cert) };
    assert.throws(() => store.put(forged), /does not match/);
  });
});
