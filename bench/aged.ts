// Aged-volume benchmark (issue 14, item 2): sequential reads of a volume whose every block was
// rewritten at random, as a VM disk is after a day, and the initial copy of such a volume.
//
//   node --import tsx bench/aged.ts [--size-mib N] [--age-seconds S] [--rounds N] [--no-replication]
//   npm run bench -- aged
//
// Ours: a volume on site-a, a real `tandem serve` in a child process (site-b, paired, is the
// replication destination). Anchor: qemu-nbd serving a sparse raw file of the same size in the same
// temp directory (settings as in bench/nbd.ts). Both are aged the same way, one after the other:
//   1. fill: fio nbd sequential write, 1 MiB, QD8, the whole volume;
//   2. age:  fio nbd 4 KiB randwrite, QD32, --age-seconds (default 16) time-based, no random map
//      (blocks are hit a few times each, some not at all, as fio's uniform random generator does).
// Right after its ageing, each is read once with `nbdcopy <export> null:` (`just_aged_*`: before
// the engine had any idle time to defragment; reported, not the target). Then, with ours idle
// meanwhile for as long as qemu-nbd's fill and ageing took (~20 s), in --rounds (default 2) interleaved rounds (ours, then qemu-nbd): `nbdcopy <export> null:`
// and fio nbd sequential read, 1 MiB, QD8, the whole volume. Each figure is the best of the rounds
// (a round is short, so one descheduling spell can halve it); `_ratio` is ours / qemu-nbd.
// Replication: the same aged volume is copied from site-a to site-b: anchor `nbdcopy --flush` from
// site-a's export to a plain volume on site-b's (before and after ours, mean), ours = assign a
// policy (rule rpo One_Hour) and time PATCH → 204 of POST /replication_session/{id}/sync. The
// replica is checked against the source (SHA-1 over NBD) afterwards. `*_cpu_s_per_gib_a`/`_b`: CPU seconds
// (user + system, all threads, from /proc) site-a and site-b spent per GiB during our copy and
// during the anchor (mean of its two runs): on a shared machine the speed ratio moves with the load,
// what each side costs much less.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statfsSync } from 'node:fs';
import { Agent } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { startQemu, type Target } from './nbd.ts';
import { api, expect, pairSites, sendJson, startSite, stopSite, tool, type Site } from './sites.ts';

const MiB = 1024 * 1024;
const SYNC_REQUEST_MS_MAX = 15 * 60_000;
/** Linux's USER_HZ, the unit of utime and stime in /proc/PID/stat. */
const CLOCK_TICKS_PER_S = 100;

export interface AgedBenchOptions {
  sizeMiB?: number;
  ageSeconds?: number;
  rounds?: number;
  replication?: boolean;
  progress?: boolean;
}

const round = (value: number, digits: number) => Math.round(value * 10 ** digits) / 10 ** digits;

function fioJob(uri: string, args: string[], what: string): any {
  const { stdout } = tool('fio', ['--name=aged', '--ioengine=nbd', `--uri=${uri}`, '--output-format=json', ...args], what);
  const job = JSON.parse(stdout.slice(stdout.indexOf('{'))).jobs[0];
  if (job.error !== 0) throw new Error(`${what}: fio job error ${job.error}`);
  return job;
}

function fill(uri: string, sizeBytes: number): number {
  return fioJob(uri, ['--rw=write', '--bs=1M', '--iodepth=8', `--size=${sizeBytes}`], `fill ${uri}`).write.bw_bytes / MiB;
}

function age(uri: string, sizeBytes: number, seconds: number): number {
  return fioJob(uri, ['--rw=randwrite', '--bs=4k', '--iodepth=32', `--size=${sizeBytes}`, `--runtime=${seconds}`, '--time_based',
    '--randrepeat=0', '--norandommap'], `age ${uri}`).write.iops;
}

/**
 * CPU seconds a server process has used (user + system, all its threads), from /proc: what a copy
 * costs each side, which on a shared machine says more than its speed (null where /proc is absent).
 */
function cpuSeconds(site: Site): number | null {
  try {
    const fields = readFileSync(`/proc/${site.child.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_S;
  } catch {
    return null;
  }
}

function nbdcopyRead(uri: string, sizeBytes: number): number {
  return sizeBytes / MiB / tool('nbdcopy', [uri, 'null:'], `nbdcopy ${uri} null:`).seconds;
}

function fioSeqRead(uri: string, sizeBytes: number): number {
  return fioJob(uri, ['--rw=read', '--bs=1M', '--iodepth=8', `--size=${sizeBytes}`], `seqread ${uri}`).read.bw_bytes / MiB;
}

export async function runAgedBench(options: AgedBenchOptions = {}): Promise<Record<string, number>> {
  const sizeBytes = (options.sizeMiB ?? 1024) * MiB;
  const ageSeconds = options.ageSeconds ?? 16;
  const rounds = options.rounds ?? 2;
  const replication = options.replication ?? true;
  const say = options.progress === false ? () => undefined : (line: string) => process.stderr.write(`[aged] ${new Date().toISOString().slice(11, 19)} ${line}\n`);
  for (const [name, pkg] of [['fio', 'fio'], ['nbdcopy', 'libnbd-bin'], ['qemu-nbd', 'qemu-utils'], ['sha1sum', 'coreutils']]) {
    if (spawnSync('sh', ['-c', `command -v ${name}`]).status !== 0) throw new Error(`${name} not installed (Debian package ${pkg})`);
  }
  const dir = mkdtempSync(join(tmpdir(), 'tandem-bench-aged-'));
  const { bavail, bsize } = statfsSync(dir);
  if (bavail * bsize < 12 * sizeBytes) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`need ${((12 * sizeBytes) / 1024 ** 3).toFixed(0)} GiB free in ${tmpdir()}`);
  }
  const agent = new Agent({ keepAlive: false, rejectUnauthorized: false });
  const sites: Site[] = [];
  let qemu: Target | null = null;
  const figures: Record<string, number> = { size_mib: sizeBytes / MiB, age_seconds: ageSeconds };
  try {
    say(`starting site-a${replication ? ', site-b' : ''} and qemu-nbd in ${dir}`);
    const a = await startSite('site-a', join(dir, 'site-a'));
    sites.push(a);
    qemu = await startQemu(dir, sizeBytes);
    await expect(api(agent, a, 'POST', '/volume', { name: 'aged', size: sizeBytes }), 201, 'volume on site-a');
    const targets = [{ label: 'ours', uri: a.nbd('aged') }, { label: 'qemu', uri: qemu.uri }];

    for (const t of targets) {
      figures[`fill_mibps_${t.label}`] = round(fill(t.uri, sizeBytes), 1);
      say(`${t.label}: filled at ${figures[`fill_mibps_${t.label}`]} MiB/s; ageing: 4 KiB randwrite QD32 for ${ageSeconds} s`);
      figures[`age_randwrite_iops_${t.label}`] = round(age(t.uri, sizeBytes, ageSeconds), 0);
      const writes = figures[`age_randwrite_iops_${t.label}`]! * ageSeconds;
      say(`${t.label}: ${figures[`age_randwrite_iops_${t.label}`]} IOPS, about ${(writes / (sizeBytes / 4096)).toFixed(1)} writes per block`);
      figures[`just_aged_nbdcopy_read_mibps_${t.label}`] = round(nbdcopyRead(t.uri, sizeBytes), 1);
      say(`${t.label}: nbdcopy right after ageing ${figures[`just_aged_nbdcopy_read_mibps_${t.label}`]} MiB/s`);
    }
    figures.just_aged_nbdcopy_read_mibps_ratio = round(figures.just_aged_nbdcopy_read_mibps_ours! / figures.just_aged_nbdcopy_read_mibps_qemu!, 2);
    const engine = (await expect(sendJson(agent, a, 'GET', '/tandem/v1/system'), 200, 'system')).engine;
    figures.ours_defragmented_pages_before_reads = engine.defragmentedPages;
    figures.ours_segment_mib_before_reads = round(engine.segmentBytes / MiB, 0);
    say(`ours before the rounds: ${JSON.stringify(engine)}`);
    const best: Record<string, number> = {};
    const keep = (key: string, value: number) => (best[key] = Math.max(best[key] ?? 0, value));
    for (let r = 0; r < rounds; r++) {
      for (const t of targets) {
        const copy = nbdcopyRead(t.uri, sizeBytes);
        keep(`nbdcopy_read_mibps_${t.label}`, copy);
        const seq = fioSeqRead(t.uri, sizeBytes);
        keep(`seqread_1m_qd8_mibps_${t.label}`, seq);
        say(`round ${r + 1} ${t.label}: nbdcopy ${copy.toFixed(0)} MiB/s, fio 1 MiB QD8 read ${seq.toFixed(0)} MiB/s`);
      }
    }
    for (const name of ['nbdcopy_read_mibps', 'seqread_1m_qd8_mibps']) {
      figures[`${name}_ours`] = round(best[`${name}_ours`]!, 1);
      figures[`${name}_qemu`] = round(best[`${name}_qemu`]!, 1);
      figures[`${name}_ratio`] = round(best[`${name}_ours`]! / best[`${name}_qemu`]!, 2);
    }
    await qemu.stop();
    qemu = null;

    if (replication) {
      const b = await startSite('site-b', join(dir, 'site-b'));
      sites.push(b);
      const rs = await pairSites(agent, a, b);
      const rule = await expect(api(agent, a, 'POST', '/replication_rule', { name: 'aged-rr', rpo: 'One_Hour', remote_system_id: rs.id }), 201, 'replication_rule');
      const policy = await expect(api(agent, a, 'POST', '/policy', { name: 'aged-pp', replication_rule_ids: [rule.id] }), 201, 'policy');
      const gib = sizeBytes / 1024 ** 3;
      // CPU seconds per GiB copied on site-a and site-b during `work`, added to figures `<key>_a`/`<key>_b`.
      const cpuTotals: Record<string, number> = {};
      const withCpu = async <T>(key: string, work: () => Promise<T>): Promise<T> => {
        const before = [cpuSeconds(a), cpuSeconds(b)];
        const result = await work();
        const after = [cpuSeconds(a), cpuSeconds(b)];
        ['a', 'b'].forEach((side, i) => {
          if (before[i] === null || after[i] === null) return;
          cpuTotals[`${key}_${side}`] = (cpuTotals[`${key}_${side}`] ?? 0) + (after[i]! - before[i]!) / gib;
        });
        return result;
      };
      const anchorCopy = async (name: string): Promise<number> => {
        await expect(api(agent, b, 'POST', '/volume', { name, size: sizeBytes }), 201, `anchor volume ${name} on site-b`);
        const run = await withCpu('anchor_cpu_s_per_gib', async () => tool('nbdcopy', ['--flush', a.nbd('aged'), b.nbd(name)], `nbdcopy site-a → site-b ${name}`));
        say(`anchor nbdcopy --flush site-a/aged → site-b/${name}: ${(sizeBytes / MiB / run.seconds).toFixed(0)} MiB/s`);
        return sizeBytes / MiB / run.seconds;
      };
      const anchorFirst = await anchorCopy('anchor-1');
      const vol = await expect(api(agent, a, 'GET', '/volume?select=id&name=eq.aged'), 200, 'volume id');
      const cyclesBefore = a.cycles.length;
      const t0 = performance.now();
      await withCpu('initial_copy_cpu_s_per_gib', async () => {
        await expect(api(agent, a, 'PATCH', `/volume/${vol[0].id}`, { protection_policy_id: policy.id }), 204, 'assign policy');
        const sessions = await expect(api(agent, a, 'GET', `/replication_session?select=id&local_resource_id=eq.${vol[0].id}`), 200, 'replication_session');
        await expect(api(agent, a, 'POST', `/replication_session/${sessions[0].id}/sync`, {}, SYNC_REQUEST_MS_MAX), 204, 'initial sync');
      });
      const seconds = (performance.now() - t0) / 1000;
      figures.initial_copy_mibps = round(sizeBytes / MiB / seconds, 1);
      // The product's own duration of the initial cycle (its `cycle committed` log line), without
      // the session's creation and the sync call around it.
      for (let i = 0; i < 100 && a.cycles.length <= cyclesBefore; i++) await new Promise((r) => setTimeout(r, 20)); // log lines arrive on a pipe
      const cycle = a.cycles[cyclesBefore];
      if (cycle !== undefined) figures.initial_cycle_logged_mibps = round(sizeBytes / MiB / (cycle.ms / 1000), 1);
      say(`initial copy of the aged volume: ${seconds.toFixed(1)} s, ${figures.initial_copy_mibps} MiB/s`);
      for (const site of [a, b]) say(`${site.name} engine: ${JSON.stringify((await expect(sendJson(agent, site, 'GET', '/tandem/v1/system'), 200, 'system')).engine)}`);
      const anchorSecond = await anchorCopy('anchor-2');
      figures.anchor_nbdcopy_mibps = round((anchorFirst + anchorSecond) / 2, 1);
      figures.initial_copy_ratio = round(figures.initial_copy_mibps / figures.anchor_nbdcopy_mibps, 2);
      // The anchor ran twice: its CPU figures are the mean of the two.
      for (const [key, value] of Object.entries(cpuTotals)) figures[key] = round(key.startsWith('anchor') ? value / 2 : value, 2);
      const sha = (uri: string) => tool('sh', ['-c', `nbdcopy '${uri}' - | sha1sum`], `checksum of ${uri}`).stdout.split(/\s+/)[0];
      const source = sha(a.nbd('aged'));
      const replica = sha(b.nbd('aged'));
      if (source !== replica) throw new Error(`site-b's replica differs from site-a's aged volume (${replica} vs ${source})`);
    }
  } catch (error) {
    for (const site of sites) say(`${site.name} log tail:\n${site.stderrTail.slice(-20).join('\n')}`);
    throw error;
  } finally {
    agent.destroy();
    if (qemu) await qemu.stop();
    for (const site of sites.reverse()) await stopSite(site);
    rmSync(dir, { recursive: true, force: true });
  }
  return figures;
}

function parseArgs(argv: string[]): AgedBenchOptions {
  const options: AgedBenchOptions = {};
  for (let i = 0; i < argv.length; i++) {
    const value = Number(argv[i + 1]);
    if (argv[i] === '--no-replication') {
      options.replication = false;
      continue;
    }
    if (!(Number.isInteger(value) && value > 0)) throw new Error(`unknown or bad argument ${argv[i]} ${argv[i + 1] ?? ''}`);
    if (argv[i] === '--size-mib') options.sizeMiB = value;
    else if (argv[i] === '--age-seconds') options.ageSeconds = value;
    else if (argv[i] === '--rounds') options.rounds = value;
    else throw new Error(`unknown argument ${argv[i]}`);
    i++;
  }
  return options;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  runAgedBench(parseArgs(process.argv.slice(2)))
    .then((figures) => {
      const width = Math.max(...Object.keys(figures).map((k) => k.length));
      for (const [key, value] of Object.entries(figures)) console.log(`${key.padEnd(width)}  ${value}`);
      console.log(JSON.stringify({ bench: 'aged', ...figures }));
    })
    .catch((error: unknown) => {
      console.error(error instanceof Error ? error.stack ?? error.message : error);
      process.exit(1);
    });
}
