// Micro-benchmark of the storage engine alone (no NBD): 4 KiB random write and read IOPS at 32
// concurrent requests, sequential read throughput, and snapshot time of a full 1 GiB volume vs a
// sparsely filled 16 GiB one. Run: node --import tsx bench/engine.ts [dir]

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openBlockStore } from '../src/engine/blockstore.ts';
import { BLOCK_BYTES, MAP_PAGE_BLOCKS, MAP_PAGE_BYTES } from '../src/limits.ts';
import { encodeLocation } from '../src/engine/location.ts';
import { VolumeTable } from '../src/engine/volume-table.ts';

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;
const QUEUE_DEPTH = 32;
const PHASE_MS = 3000;

/** Keeps `depth` operations in flight for `durationMs`; returns completed operations per second. */
async function closedLoop(depth: number, durationMs: number, op: () => Promise<unknown>): Promise<number> {
  const endMs = performance.now() + durationMs;
  let done = 0;
  const worker = async (): Promise<void> => {
    while (performance.now() < endMs) {
      await op();
      done++;
    }
  };
  const startMs = performance.now();
  await Promise.all(Array.from({ length: depth }, worker));
  return done / ((performance.now() - startMs) / 1000);
}

function randomBlockOffset(volumeBytes: number): number {
  return Math.floor(Math.random() * (volumeBytes / BLOCK_BYTES)) * BLOCK_BYTES;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(process.argv[2] ?? tmpdir(), 'tandem-bench-'));
  const store = await openBlockStore({ dir });
  const block = Buffer.alloc(BLOCK_BYTES, 0xab);
  try {
    await store.createVolume('v', GiB);
    // Sequential fill with 1 MiB writes, 8 in flight (also a sequential write figure).
    let startMs = performance.now();
    const chunk = Buffer.alloc(MiB, 0xcd);
    for (let offsetBytes = 0; offsetBytes < GiB; offsetBytes += 8 * MiB) {
      const writes = [];
      for (let i = 0; i < 8; i++) writes.push(store.write('v', offsetBytes + i * MiB, chunk));
      await Promise.all(writes);
    }
    await store.flush();
    const fillMiBs = 1024 / ((performance.now() - startMs) / 1000);
    console.log(`sequential write 1 MiB x8 (+flush): ${fillMiBs.toFixed(0)} MiB/s`);

    const seqRead = async (label: string): Promise<void> => {
      startMs = performance.now();
      for (let offsetBytes = 0; offsetBytes < GiB; offsetBytes += 8 * MiB) {
        const reads = [];
        for (let i = 0; i < 8; i++) reads.push(store.read('v', offsetBytes + i * MiB, MiB));
        await Promise.all(reads);
      }
      console.log(`sequential read 1 MiB x8 ${label}: ${(1024 / ((performance.now() - startMs) / 1000)).toFixed(0)} MiB/s`);
    };
    await seqRead('(contiguous layout)');

    const writeIops = await closedLoop(QUEUE_DEPTH, PHASE_MS, () => store.write('v', randomBlockOffset(GiB), block));
    console.log(`random write 4 KiB QD${QUEUE_DEPTH}: ${Math.round(writeIops)} IOPS`);
    await store.flush(); // let writeback of the random writes finish before timing reads
    const readIops = await closedLoop(QUEUE_DEPTH, PHASE_MS, () => store.read('v', randomBlockOffset(GiB), BLOCK_BYTES));
    console.log(`random read 4 KiB QD${QUEUE_DEPTH}: ${Math.round(readIops)} IOPS`);
    const flushEvery = 32;
    let n = 0;
    const fuaIops = await closedLoop(QUEUE_DEPTH, PHASE_MS, async () => {
      await store.write('v', randomBlockOffset(GiB), block);
      if (++n % flushEvery === 0) await store.flush();
    });
    console.log(`random write 4 KiB QD${QUEUE_DEPTH} + flush every ${flushEvery}: ${Math.round(fuaIops)} IOPS`);
    await seqRead('(after random overwrites)');

    await store.createVolume('sparse', 16 * GiB);
    for (let offsetBytes = 0; offsetBytes < 16 * GiB; offsetBytes += MAP_PAGE_BYTES) await store.write('sparse', offsetBytes, block);
    await store.checkpoint();
    const timeSnapshot = async (source: string, name: string): Promise<number> => {
      const t0 = performance.now();
      await store.snapshotVolume(source, name);
      return performance.now() - t0;
    };
    for (let i = 0; i < 3; i++) {
      const fullMs = await timeSnapshot('v', `v-snap-${i}`);
      const sparseMs = await timeSnapshot('sparse', `sparse-snap-${i}`);
      console.log(`snapshot (durable): full 1 GiB ${fullMs.toFixed(2)} ms, sparse 16 GiB ${sparseMs.toFixed(2)} ms`);
    }
    startMs = performance.now();
    await store.checkpoint();
    console.log(`checkpoint after snapshots: ${(performance.now() - startMs).toFixed(1)} ms`);
    startMs = performance.now();
    const { freedBytes } = await store.collectGarbage();
    console.log(`gc: freed ${(freedBytes / MiB).toFixed(0)} MiB in ${(performance.now() - startMs).toFixed(0)} ms`);
    console.log(`stats: ${JSON.stringify(store.stats())}`);
  } finally {
    await store.close();
    startTimed(dir);
  }
}

/** The in-memory part of a snapshot (slot array copy + refcounts), without the durable log record. */
function snapshotMapCost(): void {
  const table = new VolumeTable();
  table.createVolume('full', 1, GiB);
  const full = table.byId.get('full')!;
  table.mapBlocks(full, 0, GiB / BLOCK_BYTES, encodeLocation(1, 0));
  table.createVolume('sparse', 2, 16 * GiB);
  const sparse = table.byId.get('sparse')!;
  for (let block = 0; block < (16 * GiB) / BLOCK_BYTES; block += MAP_PAGE_BLOCKS) table.mapBlocks(sparse, block, 1, encodeLocation(1, 0));
  const time = (source: number, prefix: string): number => {
    const t0 = performance.now();
    for (let i = 0; i < 1000; i++) table.snapshotVolume(table.byHandle.get(source)!, `${prefix}${i}`, 10 + table.nextHandle);
    return (performance.now() - t0) / 1000;
  };
  const fullMs = time(1, 'f');
  const sparseMs = time(2, 's');
  console.log(`snapshot map copy: full 1 GiB (256 pages) ${(fullMs * 1000).toFixed(1)} us, ` +
    `sparse-filled 16 GiB (4096 pages, 1 block each) ${(sparseMs * 1000).toFixed(1)} us`);
}

/** Measures reopen (checkpoint load) time, then removes the directory. */
function startTimed(dir: string): void {
  const t0 = performance.now();
  openBlockStore({ dir }).then(async (store) => {
    console.log(`reopen: ${(performance.now() - t0).toFixed(0)} ms`);
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }).catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}

snapshotMapCost();
await main();
