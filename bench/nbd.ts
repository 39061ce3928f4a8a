// NBD benchmark: our server (real engine, or the in-memory fake with --memory) against qemu-nbd
// serving a raw file of the same size, measured in one run, on loopback.
//
//   node --import tsx bench/nbd.ts [--memory] [--runtime SECONDS] [--size-mib N]
//
// Figures: fio 4 KiB randwrite QD32, fio 4 KiB randwrite QD1 (p50/p99 total latency, the
// baseline for synchronous replication), fio 4 KiB randread QD32 on a filled volume, and nbdcopy
// sequential read of the filled volume to null:. Each server runs in its own process (ours in
// bench/nbd-server.ts), so client and server never share an event loop.
//
// qemu-nbd settings, chosen to match what our engine does: `-f raw --cache=writeback --aio=threads
// --discard=unmap --shared=8 --persistent` on a sparse file in the same temp directory (page cache
// on, thin on the same filesystem, host flushes honoured). qemu-nbd 7.2 does not advertise
// CAN_MULTI_CONN for writable exports, so nbdcopy uses one connection to it and up to four to us;
// that is each server's own choice, as a client sees it.
// Both volumes are filled before the read tests by the same fio sequential write (1 MiB, QD8).

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const MIB = 1024 * 1024;
const SERVER_START_MS_MAX = 30_000;

export interface BenchOptions {
  memory: boolean;
  runtimeSeconds: number;
  sizeBytes: number;
}

export interface Target {
  label: 'ours' | 'qemu';
  uri: string;
  stop(): Promise<void>;
}

export function parseArgs(argv: string[]): BenchOptions {
  const value = (name: string) => {
    const index = argv.indexOf(name);
    return index >= 0 ? argv[index + 1] : undefined;
  };
  return {
    memory: argv.includes('--memory'),
    runtimeSeconds: Number(value('--runtime') ?? 10),
    sizeBytes: Number(value('--size-mib') ?? 1024) * MIB,
  };
}

export function requireTools(): void {
  for (const [tool, pkg] of [['fio', 'fio'], ['nbdcopy', 'libnbd-bin'], ['qemu-nbd', 'qemu-utils']]) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) {
      throw new Error(`${tool} not installed (Debian package ${pkg})`);
    }
  }
}

/** Stops a child we started, by its pid, and waits for it to exit. */
function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

export async function startOurs(dir: string, options: BenchOptions, metrics = true): Promise<Target> {
  const script = fileURLToPath(new URL('./nbd-server.ts', import.meta.url));
  const args = ['--import', 'tsx', script, '--size', String(options.sizeBytes)];
  if (!options.memory) args.push('--engine', join(dir, 'engine'));
  // Host I/O counted for /metrics, as tandem serve runs (bench/nbd-metrics.ts measures the cost).
  if (metrics) args.push('--metrics');
  // The same libuv pool size as bin/tandem.mjs gives the product.
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, UV_THREADPOOL_SIZE: process.env.UV_THREADPOOL_SIZE ?? '16' } });
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('our NBD server did not start')), SERVER_START_MS_MAX);
    let text = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      const line = text.split('\n').find((l) => l.startsWith('{'));
      if (line !== undefined) {
        clearTimeout(timer);
        resolve(JSON.parse(line).port);
      }
    });
    child.once('exit', (code) => reject(new Error(`our NBD server exited with ${code}`)));
  });
  return { label: 'ours', uri: `nbd://127.0.0.1:${port}/bench`, stop: () => stopChild(child) };
}

async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address() as { port: number };
      server.close(() => resolve(address.port));
    });
  });
}

async function waitForPort(port: number, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + SERVER_START_MS_MAX;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`qemu-nbd exited with ${child.exitCode}`);
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port }, () => {
        socket.destroy();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error('qemu-nbd did not start listening');
    await new Promise((resolve) => setTimeout(resolve, 50)); // polling a process we started
  }
}

async function startQemu(dir: string, options: BenchOptions): Promise<Target> {
  const file = join(dir, 'qemu.img');
  writeFileSync(file, '');
  truncateSync(file, options.sizeBytes);
  const port = await freePort();
  const child = spawn(
    'qemu-nbd',
    ['-f', 'raw', '-x', 'bench', '--bind', '127.0.0.1', '-p', String(port), '--persistent', '--shared=8',
      '--cache=writeback', '--aio=threads', '--discard=unmap', file],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  // The readiness probe connects and hangs up, which qemu-nbd logs as a failed negotiation: keep
  // its stderr and show it only if it fails to start.
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  await waitForPort(port, child).catch((error: Error) => {
    throw new Error(`${error.message}: ${stderr}`);
  });
  return { label: 'qemu', uri: `nbd://127.0.0.1:${port}/bench`, stop: () => stopChild(child) };
}

interface FioSide {
  iops: number;
  bw_bytes: number;
  lat_ns: { percentile?: Record<string, number> };
}

function fio(uri: string, args: string[]): { read: FioSide; write: FioSide } {
  const result = spawnSync('fio', ['--name=bench', '--ioengine=nbd', `--uri=${uri}`, '--output-format=json', ...args], {
    encoding: 'utf8',
    maxBuffer: 64 * MIB,
  });
  if (result.status !== 0) throw new Error(`fio failed: ${result.stderr}`);
  const json = JSON.parse(result.stdout.slice(result.stdout.indexOf('{')));
  const job = json.jobs[0];
  if (job.error !== 0) throw new Error(`fio job error ${job.error}`);
  return job;
}

/**
 * Latency percentiles are of total latency (submission to completion, `lat_percentiles`): with the
 * nbd engine, fio's default completion latency omits the time inside the submit call, which for
 * qemu-nbd at QD1 is most of the round trip.
 */
export function randomIo(uri: string, rw: string, depth: number, options: BenchOptions) {
  return fio(uri, ['--lat_percentiles=1', '--clat_percentiles=0', `--rw=${rw}`, '--bs=4k',
    `--iodepth=${depth}`, `--size=${options.sizeBytes}`, `--runtime=${options.runtimeSeconds}`, '--time_based', '--randrepeat=0', '--norandommap']);
}

function fill(uri: string, options: BenchOptions): number {
  const job = fio(uri, ['--rw=write', '--bs=1M', '--iodepth=8', `--size=${options.sizeBytes}`]);
  return job.write.bw_bytes / MIB;
}

/** nbdcopy NBD → null:, in MiB/s; best of two runs (each run is short). */
function nbdcopyRead(uri: string, options: BenchOptions): number {
  let best = 0;
  for (let run = 0; run < 2; run++) {
    const start = process.hrtime.bigint();
    const result = spawnSync('nbdcopy', [uri, 'null:'], { encoding: 'utf8' });
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    if (result.status !== 0) throw new Error(`nbdcopy failed: ${result.stderr}`);
    best = Math.max(best, options.sizeBytes / MIB / seconds);
  }
  return best;
}

/** Runs every measurement on both servers; returns the figures keyed `<test>_<ours|qemu|ratio>`. */
export async function runNbdBench(argv: string[] = []): Promise<Record<string, number>> {
  const options = parseArgs(argv);
  requireTools();
  const dir = mkdtempSync(join(tmpdir(), 'tandem-bench-nbd-'));
  const targets: Target[] = [];
  const figures: Record<string, number> = {};
  const record = (name: string, label: string, value: number) => {
    figures[`${name}_${label}`] = Math.round(value * 10) / 10;
  };
  try {
    targets.push(await startOurs(dir, options), await startQemu(dir, options));
    for (const target of targets) {
      const job = randomIo(target.uri, 'randwrite', 32, options);
      record('randwrite_4k_qd32_iops', target.label, job.write.iops);
    }
    for (const target of targets) {
      const job = randomIo(target.uri, 'randwrite', 1, options);
      record('randwrite_4k_qd1_iops', target.label, job.write.iops);
      record('randwrite_4k_qd1_p50_us', target.label, (job.write.lat_ns.percentile?.['50.000000'] ?? NaN) / 1000);
      record('randwrite_4k_qd1_p99_us', target.label, (job.write.lat_ns.percentile?.['99.000000'] ?? NaN) / 1000);
    }
    for (const target of targets) record('fill_seqwrite_1m_mibps', target.label, fill(target.uri, options));
    for (const target of targets) {
      const job = randomIo(target.uri, 'randread', 32, options);
      record('randread_4k_qd32_iops', target.label, job.read.iops);
    }
    for (const target of targets) record('nbdcopy_read_mibps', target.label, nbdcopyRead(target.uri, options));
  } finally {
    for (const target of targets) await target.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  for (const key of Object.keys(figures)) {
    if (!key.endsWith('_ours')) continue;
    const name = key.slice(0, -'_ours'.length);
    figures[`${name}_ratio`] = Math.round((figures[key]! / figures[`${name}_qemu`]!) * 100) / 100;
  }
  return figures;
}

function printTable(figures: Record<string, number>, memory: boolean): void {
  const names = Object.keys(figures).filter((k) => k.endsWith('_ours')).map((k) => k.slice(0, -'_ours'.length));
  const rows = names.map((n) => [n, String(figures[`${n}_ours`]), String(figures[`${n}_qemu`]), String(figures[`${n}_ratio`])]);
  const header = ['test', memory ? 'ours (memory)' : 'ours (engine)', 'qemu-nbd', 'ours/qemu'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  console.log(line(header));
  for (const row of rows) console.log(line(row));
  console.log('(latency rows: lower is better, so a ratio above 1 means ours is slower)');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const argv = process.argv.slice(2);
  runNbdBench(argv)
    .then((figures) => {
      printTable(figures, argv.includes('--memory'));
      console.log(JSON.stringify({ bench: 'nbd', engine: argv.includes('--memory') ? 'memory' : 'engine', ...figures }));
    })
    .catch((error) => {
      console.error(error instanceof Error ? error.message : error);
      process.exit(1);
    });
}
