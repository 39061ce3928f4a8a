// Micro-benchmark of the storage engine alone (no NBD): 4 KiB random write and read IOPS at 32
// concurrent requests, sequential read throughput, and snapshot time of a full 1 GiB volume vs a
// sparsely filled 16 GiB one (the anchor: the 16 GiB snapshot should cost at most 2× the 1 GiB one).
//
//   node --import tsx bench/engine.ts [dir]       prints the figures
//   npm run bench -- engine                       runEngineBench(), recorded in BENCHMARKS.md
//
// Snapshot figures are the median of SNAPSHOT_ROUNDS durable snapshots of each volume,
// interleaved (1 GiB, 16 GiB, 1 GiB, ...) so drift in the machine hits both alike.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { openBlockStore } from '../src/engine/blockstore.ts';
import { BLOCK_BYTES, MAP_PAGE_BLOCKS, MAP_PAGE_BYTES } from '../src/limits.ts';
import { encodeLocation } from '../src/engine/location.ts';
import { VolumeTable } from '../src/engine/volume-table.ts';

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;
const QUEUE_DEPTH = 32;
const PHASE_MS = 3000;
const SNAPSHOT_ROUNDS = 5;

type Figures = Record<string, number>;
const round = (value: number, digits: number) => Math.round(value * 10 ** digits) / 10 ** digits;
const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

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

/** The engine measurements on a fresh store in `dir`; fills `figures` and closes the store. */
async function measureStore(dir: string, figures: Figures): Promise<void> {
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
    figures.seqwrite_1m_x8_mibps = round(fillMiBs, 1);

    const seqRead = async (label: string): Promise<number> => {
      startMs = performance.now();
      for (let offsetBytes = 0; offsetBytes < GiB; offsetBytes += 8 * MiB) {
        const reads = [];
        for (let i = 0; i < 8; i++) reads.push(store.read('v', offsetBytes + i * MiB, MiB));
        await Promise.all(reads);
      }
      const mibps = 1024 / ((performance.now() - startMs) / 1000);
      console.log(`sequential read 1 MiB x8 ${label}: ${mibps.toFixed(0)} MiB/s`);
      return round(mibps, 1);
    };
    figures.seqread_1m_x8_contiguous_mibps = await seqRead('(contiguous layout)');

    const writeIops = await closedLoop(QUEUE_DEPTH, PHASE_MS, () => store.write('v', randomBlockOffset(GiB), block));
    console.log(`random write 4 KiB QD${QUEUE_DEPTH}: ${Math.round(writeIops)} IOPS`);
    figures.randwrite_4k_qd32_iops = Math.round(writeIops);
    await store.flush(); // let writeback of the random writes finish before timing reads
    const readIops = await closedLoop(QUEUE_DEPTH, PHASE_MS, () => store.read('v', randomBlockOffset(GiB), BLOCK_BYTES));
    console.log(`random read 4 KiB QD${QUEUE_DEPTH}: ${Math.round(readIops)} IOPS`);
    figures.randread_4k_qd32_iops = Math.round(readIops);
    const flushEvery = 32;
    let n = 0;
    const fuaIops = await closedLoop(QUEUE_DEPTH, PHASE_MS, async () => {
      await store.write('v', randomBlockOffset(GiB), block);
      if (++n % flushEvery === 0) await store.flush();
    });
    console.log(`random write 4 KiB QD${QUEUE_DEPTH} + flush every ${flushEvery}: ${Math.round(fuaIops)} IOPS`);
    figures.randwrite_4k_qd32_flush32_iops = Math.round(fuaIops);
    figures.seqread_1m_x8_fragmented_mibps = await seqRead('(after random overwrites)');

    await store.createVolume('sparse', 16 * GiB);
    for (let offsetBytes = 0; offsetBytes < 16 * GiB; offsetBytes += MAP_PAGE_BYTES) await store.write('sparse', offsetBytes, block);
    await store.checkpoint();
    const timeSnapshot = async (source: string, name: string): Promise<number> => {
      const t0 = performance.now();
      await store.snapshotVolume(source, name);
      return performance.now() - t0;
    };
    const fullRuns: number[] = [];
    const sparseRuns: number[] = [];
    for (let i = 0; i < SNAPSHOT_ROUNDS; i++) {
      const fullMs = await timeSnapshot('v', `v-snap-${i}`);
      const sparseMs = await timeSnapshot('sparse', `sparse-snap-${i}`);
      fullRuns.push(fullMs);
      sparseRuns.push(sparseMs);
      console.log(`snapshot (durable): full 1 GiB ${fullMs.toFixed(2)} ms, sparse 16 GiB ${sparseMs.toFixed(2)} ms`);
    }
    figures.snapshot_1gib_ms = round(median(fullRuns), 3);
    figures.snapshot_16gib_ms = round(median(sparseRuns), 3);
    figures.snapshot_1gib_max_ms = round(Math.max(...fullRuns), 3);
    figures.snapshot_16gib_max_ms = round(Math.max(...sparseRuns), 3);
    figures.snapshot_16gib_vs_1gib_ratio = round(figures.snapshot_16gib_ms / figures.snapshot_1gib_ms, 2);
    startMs = performance.now();
    await store.checkpoint();
    figures.checkpoint_after_snapshots_ms = round(performance.now() - startMs, 1);
    console.log(`checkpoint after snapshots: ${figures.checkpoint_after_snapshots_ms} ms`);
    startMs = performance.now();
    const { freedBytes } = await store.collectGarbage();
    figures.gc_ms = Math.round(performance.now() - startMs);
    figures.gc_freed_mib = Math.round(freedBytes / MiB);
    console.log(`gc: freed ${figures.gc_freed_mib} MiB in ${figures.gc_ms} ms`);
    console.log(`stats: ${JSON.stringify(store.stats())}`);
  } finally {
    await store.close();
  }
}

/** The in-memory part of a snapshot (slot array copy + refcounts), without the durable log record. */
function snapshotMapCost(figures: Figures): void {
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
  figures.snapshot_map_copy_1gib_us = round(fullMs * 1000, 1);
  figures.snapshot_map_copy_16gib_us = round(sparseMs * 1000, 1);
}

/** Measures reopen (checkpoint load) time of the store left in `dir`. */
async function measureReopen(dir: string, figures: Figures): Promise<void> {
  const t0 = performance.now();
  const store = await openBlockStore({ dir });
  figures.reopen_ms = Math.round(performance.now() - t0);
  console.log(`reopen: ${figures.reopen_ms} ms`);
  await store.close();
}

/** Every engine measurement on a fresh store in a temp directory under `parentDir`, removed after. */
export async function runEngineBench(parentDir: string = tmpdir()): Promise<Record<string, number>> {
  const figures: Figures = {};
  snapshotMapCost(figures);
  const dir = mkdtempSync(join(parentDir, 'tandem-bench-'));
  try {
    await measureStore(dir, figures);
    await measureReopen(dir, figures);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return figures;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  runEngineBench(process.argv[2] ?? tmpdir())
    .then((figures) => console.log(JSON.stringify({ bench: 'engine', ...figures })))
    .catch((error: unknown) => {
      console.error(error instanceof Error ? error.stack ?? error.message : error);
      process.exit(1);
    });
}
