// The far end of bench/loopback-rtt.ts: a TCP server on 127.0.0.1 (port printed on stdout) that
// answers every `requestBytes` received with `answerBytes`, as a peer acknowledges a mirrored write.
//   node --import tsx bench/loopback-echo.ts <requestBytes> <answerBytes>
import { createServer } from 'node:net';

const requestBytes = Number(process.argv[2]);
const answerBytes = Number(process.argv[3]);
if (!(requestBytes > 0 && answerBytes > 0)) throw new Error('usage: loopback-echo.ts <requestBytes> <answerBytes>');
const answer = Buffer.alloc(answerBytes, 0xa5);

const server = createServer({ noDelay: true }, (socket) => {
  let pending = 0;
  socket.on('data', (chunk: Buffer) => {
    pending += chunk.length;
    while (pending >= requestBytes) {
      pending -= requestBytes;
      socket.write(answer);
    }
  });
  socket.on('error', () => socket.destroy());
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`${typeof address === 'object' && address ? address.port : 0}\n`);
});
process.on('SIGTERM', () => process.exit(0));
