// The loopback round trip between two Node processes, as a synchronous write pays it: this process
// sends a 4 KiB message and waits in its event loop for a 64-byte answer from a TCP echo child
// (bench/loopback-echo.ts), one at a time (QD1), like a mirrored write and its acknowledgement.
// bench/sync.ts reports it beside the synchronous latency: the model of a synchronous write
// is "the plain write plus one loopback round trip plus the remote write", and on these VMs that
// round trip alone can cost more than a whole plain write (BENCHMARKS.md).
import { spawn } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { readFileSync } from 'node:fs';
import { connect as connectTls } from 'node:tls';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const REQUEST_BYTES = 4096;
const ANSWER_BYTES = 64;
const START_MS_MAX = 10_000;

/** PEM files of a key and certificate: the round trip then runs over TLS, both ends presenting it. */
export interface RttTls {
  keyPath: string;
  certPath: string;
}

/** Median round trip in µs over `count` QD1 exchanges (after `warmup` unmeasured ones); over TLS when `tls` is given. */
export async function loopbackRttP50Us(count = 4000, warmup = 200, tls?: RttTls): Promise<number> {
  const script = fileURLToPath(new URL('./loopback-echo.ts', import.meta.url));
  const tlsArgs = tls ? [tls.keyPath, tls.certPath] : [];
  const child = spawn(process.execPath, ['--import', 'tsx', script, String(REQUEST_BYTES), String(ANSWER_BYTES), ...tlsArgs], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`loopback echo not listening within ${START_MS_MAX} ms`)), START_MS_MAX);
      child.once('exit', (code) => reject(new Error(`loopback echo exited (${code})`)));
      createInterface({ input: child.stdout! }).once('line', (line) => {
        clearTimeout(timer);
        resolve(Number(line));
      });
    });
    const socket: Socket = tls
      ? connectTls({ host: '127.0.0.1', port, key: readFileSync(tls.keyPath), cert: readFileSync(tls.certPath), rejectUnauthorized: false })
      : connect({ host: '127.0.0.1', port, noDelay: true });
    await new Promise<void>((resolve, reject) => socket.once(tls ? 'secureConnect' : 'connect', resolve).once('error', reject));
    socket.setNoDelay(true);
    const request = Buffer.alloc(REQUEST_BYTES, 0x5a);
    const samplesUs: number[] = [];
    let received = 0;
    let sentAt = 0n;
    let left = count + warmup;
    await new Promise<void>((resolve, reject) => {
      socket.on('error', reject);
      socket.on('data', (chunk: Buffer) => {
        received += chunk.length;
        if (received < ANSWER_BYTES) return;
        received -= ANSWER_BYTES;
        const us = Number(process.hrtime.bigint() - sentAt) / 1000;
        if (left <= count) samplesUs.push(us);
        left -= 1;
        if (left === 0) return resolve();
        sentAt = process.hrtime.bigint();
        socket.write(request);
      });
      sentAt = process.hrtime.bigint();
      socket.write(request);
    });
    socket.destroy();
    samplesUs.sort((a, b) => a - b);
    return samplesUs[samplesUs.length >> 1]!;
  } finally {
    child.kill('SIGTERM');
  }
}
