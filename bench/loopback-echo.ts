// The far end of bench/loopback-rtt.ts: a TCP server on 127.0.0.1 (port printed on stdout) that
// answers every `requestBytes` received with `answerBytes`, as a peer acknowledges a mirrored write.
// With a key and certificate (PEM files), the same over TLS, as the peer link's lane is.
//   node --import tsx bench/loopback-echo.ts <requestBytes> <answerBytes> [<keyPem> <certPem>]
import { readFileSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';

const requestBytes = Number(process.argv[2]);
const answerBytes = Number(process.argv[3]);
if (!(requestBytes > 0 && answerBytes > 0)) throw new Error('usage: loopback-echo.ts <requestBytes> <answerBytes>');
const answer = Buffer.alloc(answerBytes, 0xa5);

const [keyPath, certPath] = [process.argv[4], process.argv[5]];
const serve = (socket: Socket): void => {
  let pending = 0;
  socket.on('data', (chunk: Buffer) => {
    pending += chunk.length;
    while (pending >= requestBytes) {
      pending -= requestBytes;
      socket.write(answer);
    }
  });
  socket.on('error', () => socket.destroy());
};
const server = keyPath && certPath
  ? createTlsServer({ key: readFileSync(keyPath), cert: readFileSync(certPath), requestCert: true, rejectUnauthorized: false }, (socket) => {
    socket.setNoDelay(true);
    serve(socket);
  })
  : createServer({ noDelay: true }, serve);
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`${typeof address === 'object' && address ? address.port : 0}\n`);
});
process.on('SIGTERM', () => process.exit(0));
