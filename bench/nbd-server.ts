// Child process for bench/nbd.ts: serves one volume over NBD so the benchmark clients (fio,
// nbdcopy) never share an event loop with the server. Usage:
//   node --import tsx bench/nbd-server.ts --size BYTES (--engine DIR | --memory) [--metrics]
// --metrics counts host I/O for /metrics as `tandem serve` does (src/nbd/io-stats.ts).
// Prints one JSON line {"port": N} on stdout once listening; on SIGTERM closes the server (which
// flushes) and the store, then exits.

import { NbdIoStats } from '../src/nbd/io-stats.ts';
import { NbdServer } from '../src/nbd/server.ts';
import type { VolumeIo } from '../src/core/ports.ts';
import { MemoryVolumeIo, staticExports } from '../src/nbd/testing/memory-volume-io.ts';

export const BENCH_EXPORT_NAME = 'bench';
const VOLUME_ID = 'bench-volume';

interface Store {
  io: VolumeIo;
  close(): Promise<void>;
}

async function openEngine(dir: string, sizeBytes: number): Promise<Store> {
  // A computed specifier: the engine may not exist yet, and the typecheck must not depend on it.
  const enginePath = '../src/engine/blockstore.ts';
  const engine = await import(enginePath);
  const store = await engine.openBlockStore({ dir });
  await store.createVolume(VOLUME_ID, sizeBytes);
  return { io: store, close: () => store.close() };
}

function openMemory(sizeBytes: number): Store {
  const io = new MemoryVolumeIo();
  io.createVolume(VOLUME_ID, sizeBytes);
  return { io, close: async () => {} };
}

function argument(name: string): string | undefined {
  const index = process.argv.indexOf(name);
  return index >= 0 ? process.argv[index + 1] : undefined;
}

async function main(): Promise<void> {
  const sizeBytes = Number(argument('--size'));
  if (!Number.isSafeInteger(sizeBytes) || sizeBytes <= 0) throw new Error(`--size must be a byte count, got ${argument('--size')}`);
  const engineDir = argument('--engine');
  const store = engineDir !== undefined ? await openEngine(engineDir, sizeBytes) : openMemory(sizeBytes);
  const server = new NbdServer({
    io: store.io,
    exports: staticExports([{ name: BENCH_EXPORT_NAME, volumeId: VOLUME_ID }]),
    host: '127.0.0.1',
    port: 0,
    ...(process.argv.includes('--metrics') ? { stats: new NbdIoStats() } : {}),
  });
  const { port } = await server.listen();
  process.stdout.write(`${JSON.stringify({ port })}\n`);
  process.once('SIGTERM', () => {
    void (async () => {
      await server.close();
      await store.close();
      process.exit(0);
    })();
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((error) => {
    process.stderr.write(`nbd-server: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  });
}
