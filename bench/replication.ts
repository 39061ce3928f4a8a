// Replication benchmark: two systems, site-a and site-b, each a real `tandem serve` in its own child
// process (so the two sides never share an event loop), paired and driven through the PowerStore
// API over HTTPS as Ansible would: x509_certificate/exchange, remote_system, replication_rule (rpo
// One_Hour, so the schedule stays out of the way), policy, PATCH volume protection_policy_id, and
// POST /replication_session/{id}/sync, which answers 204 once the cycle is committed.
//
//   node --import tsx bench/replication.ts [--size-gib N] [--no-verify]
//   npm run bench -- replication
//
// a. Initial full copy. A volume of --size-gib (default 4) on site-a is filled over NBD with
//    incompressible data (`nbdcopy --flush` from a file of /dev/urandom bytes). Timed: from the
//    PATCH that assigns the policy (which creates the session and starts the initial copy at once)
//    to the 204 of a sync issued right after it (queued behind the initial cycle, so it answers
//    when the initial copy is committed, plus one empty cycle). The product's own duration of the
//    initial cycle (its `cycle committed` log line) is reported beside it.
//    Anchor: `nbdcopy --flush` of the same filled volume from site-a's NBD export to a plain
//    volume on site-b's NBD export, over loopback; run once before and once after our copy (each
//    to a fresh volume), the anchor figure is their mean. For reference only (no target), the
//    same nbdcopy into qemu-nbd serving a raw file: what loopback and disk allow when the
//    receiver is not our NBD server, whose sequential write path limits the anchor.
// b. Incremental cycle after a 1% random change. fio writes 1% of the volume as 4 KiB blocks at
//    random offsets (randrepeat=1, random map on, so every block is written once; fresh random
//    bytes per block) through site-a's NBD export, then one sync is timed (POST → 204).
//    Anchor: `rsync --inplace --no-whole-file --ignore-times A B` between two plain files of the volume's size on
//    this machine, B a copy of A, after the same fio job (same seed, so the same offsets: checked
//    from fio's I/O logs) changed A. Bytes changed = unique 4 KiB blocks in fio's I/O log × 4096.
//    Bytes shipped = the `bytes` of site-a's `cycle committed` log line (the data extents of the
//    cycle's diff, which the shipper sends in full); no API field reports it. As a check from
//    outside the product, the bytes site-a sent on its TCP connection(s) to site-b's peer port
//    over the sync are read from the kernel (`ss -ti`, bytes_acked): the data plus TLS, HTTP/2 and
//    RPC framing and the cycle's control calls. (The loopback interface counter is not used: other
//    work on the machine shares it.)
// Afterwards site-b's replica is compared with site-a's volume (SHA-1 of both NBD exports) and the
// rsync copy with its source, so a fast wrong answer cannot pass; --no-verify skips it.
//
// Loopback only; every wait is bounded; both servers are stopped and the temp dir removed.
// To profile the servers: TANDEM_BENCH_SERVER_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof".

import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, statfsSync, truncateSync, writeFileSync } from 'node:fs';
import { Agent } from 'node:https';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { api, expect, pairSites, startSite, stopSite, tool, type Site } from './sites.ts';

const KiB = 1024;
const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
const BLOCK = 4 * KiB;
const SERVER_START_MS_MAX = 60_000;
const SERVER_STOP_MS_MAX = 60_000;
/** A sync of the initial copy moves the whole volume: allow it 15 minutes before giving up. */
const SYNC_REQUEST_MS_MAX = 15 * 60_000;
const LOG_WAIT_MS_MAX = 5_000;

export interface ReplicationBenchOptions {
  /** Volume size in GiB (default 4). */
  sizeGiB?: number;
  /** Compare site-b's replica and the rsync copy with their sources afterwards (default true). */
  verify?: boolean;
  /** Progress lines on stderr (default true). */
  progress?: boolean;
}

const round = (value: number, digits: number) => Math.round(value * 10 ** digits) / 10 ** digits;

function requireTools(): void {
  for (const [tool, pkg] of [['fio', 'fio'], ['nbdcopy', 'libnbd-bin'], ['rsync', 'rsync'], ['sha1sum', 'coreutils'], ['ss', 'iproute2']]) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) throw new Error(`${tool} not installed (Debian package ${pkg})`);
  }
}

/**
 * Bytes sent so far on the TCP connections to `port` on 127.0.0.1 (the peer link from the other
 * site: TLS, HTTP/2 and RPC framing included), summed from `ss -ti` (bytes_acked, else bytes_sent).
 * Counts only connections open at the time of the call.
 */
function bytesSentTo(port: number): number {
  const { stdout } = tool('ss', ['-tinH', 'state', 'established', `( dport = :${port} )`], 'ss');
  const sum = (name: string) => [...stdout.matchAll(new RegExp(`${name}:(\\d+)`, 'g'))].reduce((total, m) => total + Number(m[1]), 0);
  const acked = sum('bytes_acked');
  return acked > 0 ? acked : sum('bytes_sent');
}

/** The fio job that changes 1% of a target: unique random 4 KiB blocks, same seed every run. */
function fioChange(target: string[], sizeBytes: number, changeBytes: number, iolog: string): void {
  tool(
    'fio',
    ['--name=change', ...target, `--size=${sizeBytes}`, '--rw=randwrite', '--bs=4k', `--io_size=${changeBytes}`, '--randrepeat=1', '--norandommap=0',
      '--refill_buffers', '--end_fsync=1', `--write_iolog=${iolog}`, '--output-format=json'],
    `fio 1% change on ${target.join(' ')}`,
  );
}

/** Offsets written, from a fio I/O log (version 2: "file write offset len"; version 3 adds a timestamp first). */
function writtenOffsets(iolog: string): number[] {
  const offsets: number[] = [];
  for (const line of readFileSync(iolog, 'utf8').split('\n')) {
    const fields = line.trim().split(/\s+/);
    const at = fields.indexOf('write');
    if (at < 0 || fields.length < at + 3) continue;
    if (Number(fields[at + 2]) !== BLOCK) throw new Error(`unexpected write length in ${iolog}: ${line}`);
    offsets.push(Number(fields[at + 1]));
  }
  return offsets;
}

function sha1Of(uri: string): string {
  const { stdout } = tool('sh', ['-c', `nbdcopy '${uri}' - | sha1sum`], `checksum of ${uri}`);
  return stdout.split(/\s+/)[0]!;
}

async function waitForCycles(site: Site, count: number): Promise<void> {
  const deadline = Date.now() + LOG_WAIT_MS_MAX;
  while (site.cycles.length < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20)); // log lines arrive on a pipe
  if (site.cycles.length < count) throw new Error(`${site.name} logged ${site.cycles.length} committed cycles, expected ${count}`);
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * qemu-nbd serving a sparse raw file of `sizeBytes` in `dir` (settings as in bench/nbd.ts), for
 * the reference copy. Returns its URI and a stop function; null when qemu-nbd is not installed.
 */
async function startQemuNbd(dir: string, sizeBytes: number): Promise<{ uri: string; stop(): Promise<void> } | null> {
  if (spawnSync('sh', ['-c', 'command -v qemu-nbd']).status !== 0) return null;
  const file = join(dir, 'qemu-dst.img');
  writeFileSync(file, '');
  truncateSync(file, sizeBytes);
  const port = await freePort();
  const child = spawn('qemu-nbd', ['-f', 'raw', '-x', 'dst', '--bind', '127.0.0.1', '-p', String(port), '--persistent', '--shared=8',
    '--cache=writeback', '--aio=threads', '--discard=unmap', file], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      const timer = setTimeout(() => child.kill('SIGKILL'), SERVER_STOP_MS_MAX);
      child.once('exit', () => {
        clearTimeout(timer);
        rmSync(file, { force: true });
        resolve();
      });
      child.kill('SIGTERM');
    });
  const deadline = Date.now() + SERVER_START_MS_MAX;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`qemu-nbd exited with ${child.exitCode}: ${stderr}`);
    const listening = await new Promise<boolean>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port }, () => {
        socket.destroy();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (listening) return { uri: `nbd://127.0.0.1:${port}/dst`, stop };
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`qemu-nbd did not listen within ${SERVER_START_MS_MAX} ms: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 50)); // polling a process we started
  }
}

export async function runReplicationBench(options: ReplicationBenchOptions = {}): Promise<Record<string, number>> {
  const sizeGiB = options.sizeGiB ?? 4;
  const verify = options.verify ?? true;
  const say = options.progress === false ? () => undefined : (line: string) => process.stderr.write(`[replication] ${new Date().toISOString().slice(11, 19)} ${line}\n`);
  requireTools();
  const sizeBytes = sizeGiB * GiB;
  const changeBlocks = Math.floor(sizeBytes / BLOCK / 100);
  const changeBytes = changeBlocks * BLOCK;

  const dir = mkdtempSync(join(tmpdir(), 'tandem-bench-repl-'));
  // Peak use: random file + rsync copy (2×), site-a volume, site-b replica and two anchor volumes
  // (4×, before GC), with room to spare.
  const { bavail, bsize } = statfsSync(dir);
  if (bavail * bsize < 8 * sizeBytes) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`need ${((8 * sizeBytes) / GiB).toFixed(0)} GiB free in ${tmpdir()}, have ${((bavail * bsize) / GiB).toFixed(1)} GiB; try --size-gib 2`);
  }
  // No keep-alive: the benchmark's requests are minutes apart, and a pooled socket the server has
  // closed in between would fail the next request ("socket hang up").
  const agent = new Agent({ keepAlive: false, rejectUnauthorized: false });
  const sites: Site[] = [];
  const figures: Record<string, number> = { size_gib: sizeGiB };
  try {
    say(`starting site-a and site-b in ${dir}`);
    const a = await startSite('site-a', join(dir, 'site-a'));
    sites.push(a);
    const b = await startSite('site-b', join(dir, 'site-b'));
    sites.push(b);

    // Pairing, as test/helpers/pair.ts does it, but over the network to the two processes.
    const rs = await pairSites(agent, a, b);
    const onB = await expect(api(agent, b, 'GET', '/remote_system?select=id,name'), 200, 'remote_system on site-b');
    if (!Array.isArray(onB) || onB.length !== 1) throw new Error(`site-b has ${JSON.stringify(onB)} as remote systems`);
    const rule = await expect(api(agent, a, 'POST', '/replication_rule', { name: 'bench-rr', rpo: 'One_Hour', remote_system_id: rs.id }), 201, 'replication_rule');
    const policy = await expect(api(agent, a, 'POST', '/policy', { name: 'bench-pp', replication_rule_ids: [rule.id] }), 201, 'policy');

    // a. Fill the source volume with incompressible data.
    const randomFile = join(dir, 'random.img');
    say(`writing ${sizeGiB} GiB of /dev/urandom to a file`);
    tool('sh', ['-c', `head -c ${sizeBytes} /dev/urandom > '${randomFile}'`], 'random file');
    const src = await expect(api(agent, a, 'POST', '/volume', { name: 'bench-src', size: sizeBytes }), 201, 'volume on site-a');
    say('filling bench-src on site-a: nbdcopy --flush');
    const fill = tool('nbdcopy', ['--flush', randomFile, a.nbd('bench-src')], 'fill');
    figures.fill_nbdcopy_mibps = round(sizeBytes / MiB / fill.seconds, 1);
    say(`  filled at ${figures.fill_nbdcopy_mibps} MiB/s`);

    const anchorCopy = async (name: string): Promise<number> => {
      await expect(api(agent, b, 'POST', '/volume', { name, size: sizeBytes }), 201, `anchor volume ${name} on site-b`);
      const run = tool('nbdcopy', ['--flush', a.nbd('bench-src'), b.nbd(name)], `nbdcopy site-a → site-b ${name}`);
      const mibps = sizeBytes / MiB / run.seconds;
      say(`  anchor nbdcopy --flush site-a/bench-src → site-b/${name}: ${run.seconds.toFixed(1)} s, ${mibps.toFixed(0)} MiB/s`);
      return mibps;
    };
    const anchorFirst = await anchorCopy('anchor-dst-1');

    say('initial copy: assign the policy, then sync');
    const cyclesBefore = a.cycles.length;
    let t0 = performance.now();
    await expect(api(agent, a, 'PATCH', `/volume/${src.id}`, { protection_policy_id: policy.id }), 204, 'assign policy');
    const sessions = await expect(api(agent, a, 'GET', `/replication_session?select=id,state&local_resource_id=eq.${src.id}`), 200, 'replication_session');
    if (!Array.isArray(sessions) || sessions.length !== 1) throw new Error(`expected one session, got ${JSON.stringify(sessions)}`);
    const sessionId = sessions[0].id as string;
    await expect(api(agent, a, 'POST', `/replication_session/${sessionId}/sync`, {}, SYNC_REQUEST_MS_MAX), 204, 'initial sync');
    const initialSeconds = (performance.now() - t0) / 1000;
    await waitForCycles(a, cyclesBefore + 1);
    const initialCycle = a.cycles[cyclesBefore]!;
    figures.initial_copy_seconds = round(initialSeconds, 2);
    figures.initial_copy_mibps = round(sizeBytes / MiB / initialSeconds, 1);
    figures.initial_cycle_logged_ms = initialCycle.ms;
    figures.initial_cycle_logged_mibps = round(sizeBytes / MiB / (initialCycle.ms / 1000), 1);
    figures.initial_shipped_bytes = initialCycle.bytes;
    say(`  ours: ${initialSeconds.toFixed(1)} s (${figures.initial_copy_mibps} MiB/s); the product logs the initial cycle at ${initialCycle.ms} ms, ${(initialCycle.bytes / MiB).toFixed(0)} MiB`);

    const anchorSecond = await anchorCopy('anchor-dst-2');
    figures.anchor_nbdcopy_first_mibps = round(anchorFirst, 1);
    figures.anchor_nbdcopy_second_mibps = round(anchorSecond, 1);
    figures.anchor_nbdcopy_mibps = round((anchorFirst + anchorSecond) / 2, 1);
    figures.initial_copy_ratio = round(figures.initial_copy_mibps / figures.anchor_nbdcopy_mibps, 3);

    // Reference, not a target: the same copy into qemu-nbd on a raw file, i.e. what nbdcopy, the
    // loopback and the disk allow when the receiving side is not our NBD server.
    const qemu = await startQemuNbd(dir, sizeBytes);
    if (qemu) {
      try {
        const run = tool('nbdcopy', ['--flush', a.nbd('bench-src'), qemu.uri], 'nbdcopy site-a → qemu-nbd');
        figures.reference_nbdcopy_to_qemu_mibps = round(sizeBytes / MiB / run.seconds, 1);
        figures.initial_copy_vs_qemu_ratio = round(figures.initial_copy_mibps / figures.reference_nbdcopy_to_qemu_mibps, 3);
        say(`  reference nbdcopy --flush site-a/bench-src → qemu-nbd raw file: ${run.seconds.toFixed(1)} s, ${figures.reference_nbdcopy_to_qemu_mibps} MiB/s`);
      } finally {
        await qemu.stop();
      }
    }

    // b. 1% random change, then one timed sync.
    say(`changing 1% of bench-src: ${changeBlocks} random 4 KiB blocks (fio, nbd engine, QD32)`);
    const nbdLog = join(dir, 'change-nbd.iolog');
    fioChange(['--ioengine=nbd', `--uri=${a.nbd('bench-src')}`, '--iodepth=32'], sizeBytes, changeBytes, nbdLog);
    const nbdOffsets = writtenOffsets(nbdLog);
    const uniqueBlocks = new Set(nbdOffsets).size;
    figures.changed_blocks = uniqueBlocks;
    figures.changed_bytes = uniqueBlocks * BLOCK;

    const cyclesBeforeIncr = a.cycles.length;
    const wireBefore = bytesSentTo(b.ready.peer_port);
    t0 = performance.now();
    await expect(api(agent, a, 'POST', `/replication_session/${sessionId}/sync`, {}, SYNC_REQUEST_MS_MAX), 204, 'incremental sync');
    const incrementalMs = performance.now() - t0;
    const wireAfter = bytesSentTo(b.ready.peer_port);
    await waitForCycles(a, cyclesBeforeIncr + 1);
    const incrementalCycle = a.cycles[cyclesBeforeIncr]!;
    figures.incremental_sync_ms = round(incrementalMs, 1);
    figures.incremental_cycle_logged_ms = incrementalCycle.ms;
    figures.incremental_shipped_bytes = incrementalCycle.bytes;
    figures.shipped_vs_changed_ratio = round(incrementalCycle.bytes / figures.changed_bytes, 4);
    figures.incremental_wire_bytes = wireAfter - wireBefore;
    figures.wire_vs_changed_ratio = round(figures.incremental_wire_bytes / figures.changed_bytes, 4);
    say(`  ours: ${incrementalMs.toFixed(0)} ms (logged ${incrementalCycle.ms} ms); shipped ${incrementalCycle.bytes} bytes for ${figures.changed_bytes} changed; ${figures.incremental_wire_bytes} bytes on the peer connection`);

    if (verify) {
      say('verifying: SHA-1 of site-a/bench-src and of its replica on site-b');
      const sourceSum = sha1Of(a.nbd('bench-src'));
      const replicaSum = sha1Of(b.nbd('bench-src'));
      if (sourceSum !== replicaSum) throw new Error(`site-b's replica differs from site-a's volume (${replicaSum} vs ${sourceSum})`);
    }

    // Anchor b: rsync between two plain files, the same change applied to A.
    const fileA = randomFile;
    const fileB = join(dir, 'rsync-b.img');
    say('rsync anchor: copy A → B, same fio change on A, then rsync --inplace --no-whole-file A B');
    copyFileSync(fileA, fileB);
    const fileLog = join(dir, 'change-file.iolog');
    fioChange(['--ioengine=psync', `--filename=${fileA}`], sizeBytes, changeBytes, fileLog);
    const fileOffsets = writtenOffsets(fileLog);
    const sortedFile = [...fileOffsets].sort((x, y) => x - y);
    const sortedNbd = [...nbdOffsets].sort((x, y) => x - y);
    const sameChange = sortedFile.length === sortedNbd.length && sortedFile.every((o, i) => o === sortedNbd[i]);
    if (!sameChange) throw new Error(`fio wrote other offsets on the file (${fileOffsets.length} writes) than on the volume (${nbdOffsets.length}): the anchor would not apply the same change`);
    // --ignore-times: B (copied just now) and A (changed just after) can carry the same mtime to
    // the second, and rsync's quick check would then skip the file and time nothing.
    const rsync = tool('rsync', ['--inplace', '--no-whole-file', '--ignore-times', '--stats', fileA, fileB], 'rsync');
    figures.rsync_ms = round(rsync.seconds * 1000, 1);
    const literal = /Literal data: ([\d,]+) bytes/.exec(rsync.stdout)?.[1];
    if (literal) figures.rsync_literal_bytes = Number(literal.replace(/,/g, ''));
    if (!(figures.rsync_literal_bytes! >= changeBytes / 2)) throw new Error(`rsync sent ${literal ?? 'no'} literal bytes for a change of ${changeBytes}: the anchor did not copy the change`);
    figures.rsync_vs_ours_speedup = round(figures.rsync_ms / figures.incremental_sync_ms, 2);
    say(`  rsync: ${figures.rsync_ms} ms (literal data ${figures.rsync_literal_bytes ?? '?'} bytes): ours is ${figures.rsync_vs_ours_speedup}× faster`);
    if (verify) tool('cmp', [fileA, fileB], 'rsync result check');
  } catch (error) {
    for (const site of sites) say(`${site.name} log tail:\n${site.stderrTail.slice(-20).join('\n')}`);
    throw error;
  } finally {
    agent.destroy();
    for (const site of sites.reverse()) {
      const code = await stopSite(site);
      if (code !== 0) say(`${site.name} exited with ${code}: ${site.stderrTail.slice(-10).join('\n')}`);
    }
    rmSync(dir, { recursive: true, force: true });
  }
  return figures;
}

function parseArgs(argv: string[]): ReplicationBenchOptions {
  const options: ReplicationBenchOptions = {};
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--size-gib') {
      const value = Number(argv[++i]);
      if (!Number.isInteger(value) || value <= 0) throw new Error('--size-gib needs a positive whole number');
      options.sizeGiB = value;
    } else if (argv[i] === '--no-verify') options.verify = false;
    else throw new Error(`unknown argument ${argv[i]}`);
  }
  return options;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const startMs = performance.now();
  runReplicationBench(parseArgs(process.argv.slice(2)))
    .then((figures) => {
      const width = Math.max(...Object.keys(figures).map((k) => k.length));
      for (const [key, value] of Object.entries(figures)) console.log(`${key.padEnd(width)}  ${value}`);
      console.log(JSON.stringify({ bench: 'replication', seconds: Math.round((performance.now() - startMs) / 1000), ...figures }));
    })
    .catch((error: unknown) => {
      console.error(error instanceof Error ? error.stack ?? error.message : error);
      process.exit(1);
    });
}
