// Changed-block benchmark: POST /api/rest/volume/{id}/compute_differences (the changed-block query
// of gopowerstore's ComputeDifferences and of backup software) on a 16 GiB volume after a 1% change,
// against what a backup without it must do: read both snapshots whole.
//
// One `tandem serve` in a child process. A volume of --size-gib (default 16) is filled over NBD by
// fio (sequential 1 MiB writes, every block allocated), snapshot `full` is taken, fio changes 1%
// of the volume as unique random 4 KiB blocks (same job as bench/replication.ts), snapshot `incr`
// is taken. Measured, each the median of --rounds (default 5):
//   diff_4k_ms   the whole volume's bitmap of incr against full in 4 KiB chunks: 32,768 chunks
//                (128 MiB) a call, paged by next_offset until -1 (128 calls for 16 GiB), one
//                keep-alive HTTPS connection, Basic auth, as a client would
//   diff_64k_ms  the same in 64 KiB chunks (2 GiB a call, 8 calls)
//   allocated_ms the allocated bitmap of full (no base) in chunks of size/32768 (one call)
// Anchor, in the same run: `nbdcopy <snapshot> null:` of full and of incr, one after the other
// (read_both_ms): the bytes a tool reads to find the same differences by comparing.
// Checked: the 4 KiB bitmap has exactly the blocks fio wrote (from its I/O log), the allocated
// bitmap every chunk.
//
//   node --import tsx bench/cbt.ts [--size-gib N] [--rounds N]

import { mkdtempSync, readFileSync, rmSync, statfsSync } from 'node:fs';
import { Agent } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { api, expect, startSite, stopSite, tool, type Site } from './sites.ts';

const GiB = 1024 ** 3;
const BLOCK = 4096;
const CHUNKS_PER_CALL = 32768;

export interface CbtBenchOptions {
  sizeGiB?: number;
  rounds?: number;
  progress?: boolean;
}

const round = (value: number, digits: number) => Math.round(value * 10 ** digits) / 10 ** digits;
const median = (values: number[]) => [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)]!;

function popcount(bytes: Buffer): number {
  let n = 0;
  for (const byte of bytes) for (let v = byte; v !== 0; v &= v - 1) n++;
  return n;
}

/** Offsets of the blocks fio wrote, from its I/O log (version 2 or 3). */
function writtenBlocks(iolog: string): Set<number> {
  const blocks = new Set<number>();
  for (const line of readFileSync(iolog, 'utf8').split('\n')) {
    const fields = line.trim().split(/\s+/);
    const at = fields.indexOf('write');
    if (at < 0 || fields.length < at + 3) continue;
    if (Number(fields[at + 2]) !== BLOCK) throw new Error(`unexpected write length in ${iolog}: ${line}`);
    blocks.add(Number(fields[at + 1]) / BLOCK);
  }
  return blocks;
}

/** Pages through the volume with next_offset; returns the concatenated bitmap and the calls made. */
async function wholeBitmap(agent: Agent, site: Site, volumeId: string, baseId: string | null, chunkBytes: number, sizeBytes: number): Promise<{ bitmap: Buffer; calls: number }> {
  const parts: Buffer[] = [];
  let offset = 0;
  let calls = 0;
  while (offset !== -1) {
    const length = Math.min(CHUNKS_PER_CALL * chunkBytes, sizeBytes - offset);
    const body = { base_snapshot_id: baseId, offset, length, chunk_size: chunkBytes };
    const answer = await expect(api(agent, site, 'POST', `/volume/${volumeId}/compute_differences`, body), 200, 'compute_differences');
    parts.push(Buffer.from(answer.chunk_bitmap as string, 'base64'));
    if (answer.next_offset !== -1 && answer.next_offset !== offset + length) throw new Error(`next_offset ${answer.next_offset} after ${offset}+${length}`);
    offset = answer.next_offset as number;
    calls++;
  }
  return { bitmap: Buffer.concat(parts), calls };
}

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const start = performance.now();
  const value = await work();
  return { value, ms: performance.now() - start };
}

export async function runCbtBench(options: CbtBenchOptions = {}): Promise<Record<string, number>> {
  const sizeGiB = options.sizeGiB ?? 16;
  const rounds = options.rounds ?? 5;
  const say = options.progress === false ? () => undefined : (line: string) => process.stderr.write(`[cbt] ${new Date().toISOString().slice(11, 19)} ${line}\n`);
  for (const [name, pkg] of [['fio', 'fio'], ['nbdcopy', 'libnbd-bin']]) {
    if (spawnSync('sh', ['-c', `command -v ${name}`]).status !== 0) throw new Error(`${name} not installed (Debian package ${pkg})`);
  }
  const sizeBytes = sizeGiB * GiB;
  const changeBlocks = Math.floor(sizeBytes / BLOCK / 100);
  const dir = mkdtempSync(join(tmpdir(), 'tandem-bench-cbt-'));
  const { bavail, bsize } = statfsSync(dir);
  if (bavail * bsize < 1.5 * sizeBytes) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`need ${((1.5 * sizeBytes) / GiB).toFixed(0)} GiB free in ${tmpdir()}; try --size-gib 4`);
  }
  const agent = new Agent({ keepAlive: true, maxSockets: 1, rejectUnauthorized: false });
  let site: Site | null = null;
  const figures: Record<string, number> = { size_gib: sizeGiB, changed_blocks: changeBlocks };
  try {
    site = await startSite('site-a', join(dir, 'site-a'));
    const vol = await expect(api(agent, site, 'POST', '/volume', { name: 'cbt-vol', size: sizeBytes }), 201, 'volume');
    say(`filling ${sizeGiB} GiB over NBD (fio, sequential 1 MiB)`);
    const fill = tool('fio', ['--name=fill', '--ioengine=nbd', `--uri=${site.nbd('cbt-vol')}`, '--rw=write', '--bs=1m', '--iodepth=8', `--size=${sizeBytes}`, '--end_fsync=1', '--output-format=json'], 'fill');
    figures.fill_mibps = round(sizeBytes / 1024 ** 2 / fill.seconds, 1);
    const full = await expect(api(agent, site, 'POST', `/volume/${vol.id}/snapshot`, { name: 'cbt-full' }), 200, 'snapshot full');
    say(`changing 1%: ${changeBlocks} unique random 4 KiB blocks (fio, QD32)`);
    const iolog = join(dir, 'change.iolog');
    tool('fio', ['--name=change', '--ioengine=nbd', `--uri=${site.nbd('cbt-vol')}`, '--iodepth=32', `--size=${sizeBytes}`, '--rw=randwrite', '--bs=4k',
      `--io_size=${changeBlocks * BLOCK}`, '--randrepeat=1', '--norandommap=0', '--refill_buffers', '--end_fsync=1', `--write_iolog=${iolog}`, '--output-format=json'], 'change');
    const changed = writtenBlocks(iolog);
    if (changed.size !== changeBlocks) throw new Error(`fio wrote ${changed.size} unique blocks, expected ${changeBlocks}`);
    const incr = await expect(api(agent, site, 'POST', `/volume/${vol.id}/snapshot`, { name: 'cbt-incr' }), 200, 'snapshot incr');

    // Correctness first: the bitmap is exactly fio's blocks, the allocated bitmap is everything.
    const check = await wholeBitmap(agent, site, incr.id, full.id, BLOCK, sizeBytes);
    for (const block of changed) {
      if ((check.bitmap[block >> 3]! & (1 << (block & 7))) === 0) throw new Error(`block ${block} changed but its bit is clear`);
    }
    if (popcount(check.bitmap) !== changed.size) throw new Error(`bitmap has ${popcount(check.bitmap)} bits for ${changed.size} changed blocks`);
    figures.diff_4k_calls = check.calls;
    figures.diff_4k_bits_set = popcount(check.bitmap);

    const diff4k: number[] = [];
    const diff64k: number[] = [];
    const allocated: number[] = [];
    const allocatedChunk = sizeBytes / CHUNKS_PER_CALL;
    for (let r = 0; r < rounds; r++) {
      diff4k.push((await timed(() => wholeBitmap(agent, site!, incr.id, full.id, BLOCK, sizeBytes))).ms);
      const d64 = await timed(() => wholeBitmap(agent, site!, incr.id, full.id, 64 * 1024, sizeBytes));
      diff64k.push(d64.ms);
      figures.diff_64k_calls = d64.value.calls;
      const alloc = await timed(() => wholeBitmap(agent, site!, full.id, null, allocatedChunk, sizeBytes));
      if (popcount(alloc.value.bitmap) !== CHUNKS_PER_CALL) throw new Error(`allocated bitmap has ${popcount(alloc.value.bitmap)} of ${CHUNKS_PER_CALL} chunks`);
      allocated.push(alloc.ms);
    }
    figures.diff_4k_ms = round(median(diff4k), 1);
    figures.diff_64k_ms = round(median(diff64k), 1);
    figures.allocated_ms = round(median(allocated), 1);
    say(`compute_differences: 4 KiB chunks ${figures.diff_4k_ms} ms (${figures.diff_4k_calls} calls), 64 KiB ${figures.diff_64k_ms} ms, allocated ${figures.allocated_ms} ms`);

    say('anchor: nbdcopy full null: then nbdcopy incr null:');
    const readFull = tool('nbdcopy', [site.nbd('cbt-full'), 'null:'], 'read full');
    const readIncr = tool('nbdcopy', [site.nbd('cbt-incr'), 'null:'], 'read incr');
    figures.read_both_ms = round((readFull.seconds + readIncr.seconds) * 1000, 0);
    figures.read_mibps = round((2 * sizeBytes) / 1024 ** 2 / (readFull.seconds + readIncr.seconds), 1);
    figures.read_both_vs_diff_4k_ratio = round(figures.read_both_ms / figures.diff_4k_ms, 1);
    figures.read_both_vs_diff_64k_ratio = round(figures.read_both_ms / figures.diff_64k_ms, 1);
    say(`anchor ${figures.read_both_ms} ms (${figures.read_mibps} MiB/s): compute_differences is ${figures.read_both_vs_diff_4k_ratio}× faster (4 KiB chunks)`);
  } catch (error) {
    if (site) say(`server log tail:\n${site.stderrTail.slice(-20).join('\n')}`);
    throw error;
  } finally {
    agent.destroy();
    if (site) await stopSite(site);
    rmSync(dir, { recursive: true, force: true });
  }
  return figures;
}

function parseArgs(argv: string[]): CbtBenchOptions {
  const options: CbtBenchOptions = {};
  for (let i = 0; i < argv.length; i++) {
    const value = Number(argv[i + 1]);
    if (argv[i] === '--size-gib' && Number.isInteger(value) && value > 0) options.sizeGiB = value;
    else if (argv[i] === '--rounds' && Number.isInteger(value) && value > 0) options.rounds = value;
    else throw new Error(`unknown or bad argument ${argv[i]} ${argv[i + 1] ?? ''}`);
    i++;
  }
  return options;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  runCbtBench(parseArgs(process.argv.slice(2)))
    .then((figures) => {
      const width = Math.max(...Object.keys(figures).map((k) => k.length));
      for (const [key, value] of Object.entries(figures)) console.log(`${key.padEnd(width)}  ${value}`);
    })
    .catch((error: unknown) => {
      console.error(error instanceof Error ? error.stack ?? error.message : error);
      process.exit(1);
    });
}
