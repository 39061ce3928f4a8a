// ETERNUS REC benchmark: two `tandem serve` processes (site-a, site-b) started and paired over the
// PowerStore API as bench/replication.ts does it; the REC sessions are then created and watched
// through the ETERNUS dialect (/api/v1: POST /session for a Bearer token, POST /copysession/rec,
// GET /copysession/{id}).
//
//   node --import tsx bench/eternus.ts [--stack-gib N] [--consistency-gib N] [--seconds S] [--rate-mib N] [--stack-only]
//   npm run bench -- eternus
//
// a. Stack mode draining a change. A volume of --stack-gib (default 1) on site-a and a destination
//    of the same size on site-b, a REC with transfer_mode Stack, waited until Equivalent (the
//    initial copy of an empty volume). Then, with the session Active, the whole volume is written
//    with incompressible data over NBD (`nbdcopy --flush` from a file of /dev/urandom bytes), and
//    GET /copysession/{id} on site-a is polled every 50 ms until `phase` is Equivalent again.
//    Figures: `stack_drain_ms` (end of the write → Equivalent), the backlog left at the end of
//    the write (`uncopied_data_size`, MB, read right after nbdcopy exits), that backlog / drain
//    time (`stack_drain_backlog_mibps`), and `stack_end_to_end_mibps` = volume size / (start of
//    the write → Equivalent), whose ratio (`stack_end_to_end_ratio`) charges the host's write to
//    the Stack side. Then the target's measurement, a change that exists being drained: the
//    session is suspended, the whole volume is written again with fresh random data, and the
//    session is resumed; `stack_resume_drain_mibps` = volume size / (resume → Equivalent), and
//    `stack_ratio` is it over the anchor: the same work as the anchor (read the change on site-a,
//    write it on site-b), done by Stack shipping.
//    Anchor: `nbdcopy --flush` of the same (filled) source volume from site-a's NBD export to a
//    plain volume of the same size on site-b's NBD export, over loopback, in the same run.
// b. Consistency mode lag under steady host writes. A volume of --consistency-gib (default 2) in a
//    REC with transfer_mode Consistency, waited until Equivalent; then fio (ioengine nbd,
//    sequential 1 MiB writes, --rate=<rate>m, --runtime=<seconds>, time based, fresh random
//    buffers) on site-a's export. Every 250 ms during the run the destination side is asked for
//    its session: PowerStore `GET /api/rest/replication_session?local_resource_id=eq.<dst>&
//    select=last_sync_timestamp` on site-b, i.e. the cut time (the source's clock at the start of
//    the cycle, before its snapshot) of the last cycle committed on the destination, in ms. The
//    ETERNUS `backup_time` of GET /copysession/{id} is the same value but in whole seconds, too
//    coarse for a 2 s target; it is sampled too and reported (`backup_time_*`) for reference.
//    Lag at a sample = the sample's time − max(last cut, start of fio): before fio started no host
//    write was outstanding (and Consistency skips cycles with nothing to ship, so the last cut can
//    be old while the destination is fully current). Max and p95 over the samples; target < 2 s,
//    ratio = lag / 2 s. The achieved write rate is fio's own figure.
//
// --stack-only stops after part a. For diagnosis (printed, not figures): CPU seconds of each site,
// of nbdcopy and of the rest of the machine (other load: a run with much of it is noise) in the
// write, the drain and the anchor, and each Stack cycle's size and phase times from site-a's log.
//
// Loopback only; every wait and loop is bounded in count and time; both servers are stopped and
// the temp dir removed.

import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statfsSync } from 'node:fs';
import { Agent } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { api, expect, pairSites, PASSWORD, sendJson, startSite, stopSite, tool, type Reply, type Site } from './sites.ts';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
const REQUEST_MS_MAX = 30_000;
const TOOL_MS_MAX = 10 * 60_000;
const EQUIVALENT_WAIT_MS_MAX = 5 * 60_000;
const POLL_MS = 50;
const SAMPLE_MS = 250;

export interface EternusBenchOptions {
  stackGiB?: number;
  consistencyGiB?: number;
  seconds?: number;
  rateMiB?: number;
  /** Skips part b (Consistency), for quick iterations on the Stack drain. */
  stackOnly?: boolean;
  progress?: boolean;
}

const round = (value: number, digits: number) => Math.round(value * 10 ** digits) / 10 ** digits;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A request to the ETERNUS dialect (/api/v1) of a site, with a Bearer token when given. */
function v1(agent: Agent, site: Site, method: string, path: string, token: string | null, body?: unknown): Promise<Reply> {
  return sendJson(agent, site, method, `/api/v1${path}`, { body, authorization: token ? `Bearer ${token}` : null, timeoutMs: REQUEST_MS_MAX });
}

/** CPU seconds (user + system) a process has used so far, from /proc; NaN where there is no /proc. */
function cpuSeconds(pid: number | undefined): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields 14 and 15 of stat(5) (utime, stime), counted from after the command name.
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}

/** CPU seconds used by this process's reaped children (the nbdcopy and fio runs), from /proc. */
function childrenCpuSeconds(): number {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields 16 and 17 of stat(5) (cutime, cstime).
    return (Number(fields[13]) + Number(fields[14])) / 100;
  } catch {
    return NaN;
  }
}

/** CPU seconds the whole machine has been busy (all cores, every process), from /proc/stat. */
function machineBusySeconds(): number {
  try {
    const [, ...ticks] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).map(Number);
    // user nice system idle iowait irq softirq steal: busy is all but idle and iowait.
    return (ticks.slice(0, 8).reduce((a, b) => a + b, 0) - ticks[3]! - ticks[4]!) / 100;
  } catch {
    return NaN;
  }
}

/** CPU seconds so far of site-a, site-b, the tools run, and the whole machine. */
function cpuNow(sites: Site[]): number[] {
  return [...sites.map((site) => cpuSeconds(site.child.pid)), childrenCpuSeconds(), machineBusySeconds()];
}

/** What ran in a phase, CPU seconds: each site, the tool, and the rest of the machine (noise). */
function cpuSince(sites: Site[], before: number[], after: number[] = cpuNow(sites)): string {
  const used = after.map((value, i) => value - before[i]!);
  const rest = used[used.length - 1]! - used.slice(0, -1).reduce((a, b) => a + b, 0);
  return `CPU s ${sites.map((site, i) => `${site.name} ${used[i]!.toFixed(1)}`).join(', ')}, tool ${used[sites.length]!.toFixed(1)}, rest of machine ${rest.toFixed(1)}`;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

interface Eternus {
  site: Site;
  token: string;
  boxId: string;
}

async function login(agent: Agent, site: Site): Promise<Eternus> {
  const session = await expect(v1(agent, site, 'POST', '/session', null, { user_name: 'admin', password: PASSWORD }), 200, `ETERNUS login on ${site.name}`);
  const system = await expect(v1(agent, site, 'GET', '/storagesystem', session.token), 200, `storagesystem on ${site.name}`);
  return { site, token: session.token, boxId: system.boxid };
}

/** Creates a volume through the PowerStore API; returns its PowerStore id and its ETERNUS volume_id. */
async function createVolume(agent: Agent, e: Eternus, name: string, sizeBytes: number): Promise<{ id: string; volumeId: number }> {
  const created = await expect(api(agent, e.site, 'POST', '/volume', { name, size: sizeBytes }), 201, `volume ${name} on ${e.site.name}`);
  const list = await expect(v1(agent, e.site, 'GET', '/volume?fields=name', e.token), 200, `ETERNUS volume list on ${e.site.name}`);
  const item = (list.volume_list as { volume_id: number; name: string }[]).find((v) => v.name === name);
  if (!item) throw new Error(`volume ${name} not in ${e.site.name}'s ETERNUS volume list`);
  return { id: created.id, volumeId: item.volume_id };
}

/** POST /copysession/rec on the source box; returns the copysession_id from the job. */
async function createRec(agent: Agent, src: Eternus, dst: Eternus, sourceVolumeId: number, destinationVolumeId: number, transferMode: string): Promise<number> {
  const body = { source_volume_id: sourceVolumeId, destination_volume_id: destinationVolumeId, source_boxid: src.boxId, destination_boxid: dst.boxId, transfer_mode: transferMode };
  const job = await runJob(agent, src, 'POST', '/copysession/rec', `REC ${transferMode}`, body);
  const href = (job.resource_href_list as string[])[0]!;
  return Number(href.slice(href.lastIndexOf('/') + 1));
}

/** A mutation answered 202 with a job, waited until the job is Success (returned); bounded in time and count. */
async function runJob(agent: Agent, e: Eternus, method: string, path: string, what: string, body?: unknown): Promise<any> {
  const job = await expect(v1(agent, e.site, method, path, e.token, body), 202, what);
  const deadline = performance.now() + REQUEST_MS_MAX;
  for (let i = 0; i < 1000; i++) {
    const j = await expect(v1(agent, e.site, 'GET', `/job/${job.job_id}`, e.token), 200, `${what} job`);
    if (j.status === 'Success') return j;
    if (j.status !== 'Running' || performance.now() > deadline) throw new Error(`${what} job: ${JSON.stringify(j).slice(0, 400)}`);
    await sleep(POLL_MS);
  }
  throw new Error(`${what} job did not finish`);
}

async function copySession(agent: Agent, e: Eternus, id: number): Promise<any> {
  return expect(v1(agent, e.site, 'GET', `/copysession/${id}`, e.token), 200, `copysession ${id}`);
}

/**
 * Polls GET /copysession/{id} every 50 ms until `wanted` holds (`what` names it); a session in
 * Error fails at once. Bounded in time and count. Returns when it was seen and after how many polls.
 */
async function waitFor(agent: Agent, e: Eternus, id: number, what: string, wanted: (s: any) => boolean, maxMs: number): Promise<{ atMs: number; polls: number }> {
  const deadline = performance.now() + maxMs;
  const maxPolls = Math.ceil(maxMs / POLL_MS) + 1;
  let last: any = null;
  for (let polls = 1; polls <= maxPolls; polls++) {
    last = await copySession(agent, e, id);
    if (wanted(last)) return { atMs: performance.now(), polls };
    if (last.status === 'Error') throw new Error(`copysession ${id} in Error: ${JSON.stringify(last).slice(0, 400)}`);
    if (performance.now() > deadline) break;
    await sleep(POLL_MS);
  }
  throw new Error(`copysession ${id} not ${what} within ${maxMs} ms: ${JSON.stringify(last).slice(0, 400)}`);
}

function waitEquivalent(agent: Agent, e: Eternus, id: number, maxMs = EQUIVALENT_WAIT_MS_MAX): Promise<{ atMs: number; polls: number }> {
  return waitFor(agent, e, id, 'Equivalent', (s) => s.status === 'Active' && s.phase === 'Equivalent', maxMs);
}

export async function runEternusBench(options: EternusBenchOptions = {}): Promise<Record<string, number>> {
  const stackBytes = (options.stackGiB ?? 1) * GiB;
  const consistencyBytes = (options.consistencyGiB ?? 2) * GiB;
  const seconds = options.seconds ?? 20;
  const rateMiB = options.rateMiB ?? 50;
  const say = options.progress === false ? () => undefined : (line: string) => process.stderr.write(`[eternus] ${new Date().toISOString().slice(11, 19)} ${line}\n`);
  for (const t of ['fio', 'nbdcopy']) if (spawnSync('sh', ['-c', `command -v ${t}`]).status !== 0) throw new Error(`${t} not installed`);
  const dir = mkdtempSync(join(tmpdir(), 'tandem-bench-eternus-'));
  const { bavail, bsize } = statfsSync(dir);
  const need = 7 * stackBytes + 3 * consistencyBytes;
  if (bavail * bsize < need) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`need ${(need / GiB).toFixed(0)} GiB free in ${tmpdir()}`);
  }
  const agent = new Agent({ keepAlive: false, rejectUnauthorized: false });
  const sites: Site[] = [];
  const figures: Record<string, number> = { stack_size_gib: stackBytes / GiB };
  let fioChild: ReturnType<typeof spawn> | null = null;
  try {
    say(`starting site-a and site-b in ${dir}`);
    const siteA = await startSite('site-a', join(dir, 'site-a'));
    sites.push(siteA);
    const siteB = await startSite('site-b', join(dir, 'site-b'));
    sites.push(siteB);
    await pairSites(agent, siteA, siteB);
    const a = await login(agent, siteA);
    const b = await login(agent, siteB);

    // ---- a. Stack mode draining a change
    const randomFile = join(dir, 'random.img');
    say(`writing ${stackBytes / GiB} GiB of /dev/urandom to a file`);
    tool('sh', ['-c', `head -c ${stackBytes} /dev/urandom > '${randomFile}'`], 'random file', TOOL_MS_MAX);
    const stackSrc = await createVolume(agent, a, 'stack-src', stackBytes);
    const stackDst = await createVolume(agent, b, 'stack-dst', stackBytes);
    const stackId = await createRec(agent, a, b, stackSrc.volumeId, stackDst.volumeId, 'Stack');
    const initial = await waitEquivalent(agent, a, stackId);
    say(`REC Stack copysession ${stackId} Equivalent after ${initial.polls} polls; writing ${stackBytes / GiB} GiB over NBD (nbdcopy --flush)`);
    const cpuBefore = cpuNow([siteA, siteB]);
    const writeStartWallMs = Date.now();
    const writeStart = performance.now();
    const write = tool('nbdcopy', ['--flush', randomFile, siteA.nbd('stack-src')], 'write to stack-src', TOOL_MS_MAX);
    const writeEnd = performance.now();
    const cpuAtWriteEnd = cpuNow([siteA, siteB]);
    const atEnd = await copySession(agent, a, stackId);
    const drained = await waitEquivalent(agent, a, stackId);
    const cpuAtEquivalent = cpuNow([siteA, siteB]);
    const drainMs = drained.atMs - writeEnd;
    const cpuUsed = cpuSince([siteA, siteB], cpuBefore, cpuAtEquivalent);
    figures.stack_write_mibps = round(stackBytes / MiB / write.seconds, 1);
    figures.stack_phase_at_write_end_equivalent = atEnd.phase === 'Equivalent' ? 1 : 0;
    figures.stack_backlog_at_write_end_mb = atEnd.uncopied_data_size;
    figures.stack_drain_ms = round(drainMs, 0);
    figures.stack_drain_backlog_mibps = drainMs > 0 ? round(atEnd.uncopied_data_size / (drainMs / 1000), 1) : NaN;
    figures.stack_end_to_end_mibps = round(stackBytes / MiB / ((drained.atMs - writeStart) / 1000), 1);
    say(`  write ${write.seconds.toFixed(1)} s (${figures.stack_write_mibps} MiB/s); at its end ${atEnd.status}/${atEnd.phase}, uncopied ${atEnd.uncopied_data_size} MB; Equivalent ${drainMs.toFixed(0)} ms later; end to end ${figures.stack_end_to_end_mibps} MiB/s; ${cpuUsed}`);

    // A 1 GiB change accumulated while the session is suspended, then drained: what the target
    // asks ("Stack mode draining a 1 GiB change"), and the same work as the anchor (read the
    // change on site-a, write it on site-b), without the host's write competing for the CPUs.
    const secondFile = join(dir, 'random-2.img');
    tool('sh', ['-c', `head -c ${stackBytes} /dev/urandom > '${secondFile}'`], 'second random file', TOOL_MS_MAX);
    await runJob(agent, a, 'POST', `/copysession/${stackId}/suspend`, 'suspend Stack copysession');
    await waitFor(agent, a, stackId, 'suspended', (s) => s.phase === 'Suspend', REQUEST_MS_MAX);
    tool('nbdcopy', ['--flush', secondFile, siteA.nbd('stack-src')], 'write to suspended stack-src', TOOL_MS_MAX);
    rmSync(secondFile, { force: true });
    const pending = await copySession(agent, a, stackId);
    const drainCpuBefore = cpuNow([siteA, siteB]);
    const resumeStart = performance.now();
    await runJob(agent, a, 'POST', `/copysession/${stackId}/resume`, 'resume Stack copysession');
    const resumed = await waitEquivalent(agent, a, stackId);
    const resumeMs = resumed.atMs - resumeStart;
    figures.stack_suspended_change_mb = pending.tracking_data_size ?? pending.uncopied_data_size;
    figures.stack_resume_drain_ms = round(resumeMs, 0);
    figures.stack_resume_drain_mibps = round(stackBytes / MiB / (resumeMs / 1000), 1);
    say(`  suspended, wrote ${stackBytes / GiB} GiB (tracked change ${figures.stack_suspended_change_mb} MB), resumed: Equivalent ${resumeMs.toFixed(0)} ms later, ${figures.stack_resume_drain_mibps} MiB/s; ${cpuSince([siteA, siteB], drainCpuBefore)}`);

    await expect(api(agent, siteB, 'POST', '/volume', { name: 'anchor-dst', size: stackBytes }), 201, 'anchor volume on site-b');
    const anchorCpuBefore = cpuNow([siteA, siteB]);
    const anchor = tool('nbdcopy', ['--flush', siteA.nbd('stack-src'), siteB.nbd('anchor-dst')], 'anchor nbdcopy site-a → site-b', TOOL_MS_MAX);
    figures.anchor_nbdcopy_mibps = round(stackBytes / MiB / anchor.seconds, 1);
    figures.stack_ratio = round(figures.stack_resume_drain_mibps / figures.anchor_nbdcopy_mibps, 3);
    figures.stack_end_to_end_ratio = round(figures.stack_end_to_end_mibps / figures.anchor_nbdcopy_mibps, 3);
    say(`  anchor nbdcopy --flush site-a/stack-src → site-b/anchor-dst: ${anchor.seconds.toFixed(1)} s, ${figures.anchor_nbdcopy_mibps} MiB/s → drain ratio ${figures.stack_ratio}, end-to-end ratio ${figures.stack_end_to_end_ratio}; ${cpuSince([siteA, siteB], anchorCpuBefore)}`);
    // Out of the way of part b: the Stack session (Equivalent, so a normal delete) and the file.
    await expect(v1(agent, siteA, 'DELETE', `/copysession/${stackId}`, a.token), 202, 'delete Stack copysession');
    rmSync(randomFile, { force: true });
    // Each cycle that shipped data, with its phases (ms from its start: snapshot, begin, ship, commit).
    const stackCycles = siteA.stderrTail.flatMap((line) => {
      try {
        const event = JSON.parse(line);
        return event.msg === 'cycle committed' && event.bytes > 0 ? [event] : [];
      } catch {
        return [];
      }
    });
    say(`  write ended at ${Math.round(writeEnd - writeStart)} ms, Equivalent at ${Math.round(drained.atMs - writeStart)} ms; write phase ${cpuSince([siteA, siteB], cpuBefore, cpuAtWriteEnd)}; drain phase ${cpuSince([siteA, siteB], cpuAtWriteEnd, cpuAtEquivalent)}`);
    say(`  Stack cycles with data on site-a: ${stackCycles.length}; ${stackCycles.map((c) => `${(c.bytes / MiB).toFixed(0)} MiB/${c.ms} ms from ${c.startedAtMs - writeStartWallMs} ms ${JSON.stringify(c.phaseMs ?? {})}`).join(', ')}`);
    if (options.stackOnly) return figures;

    // ---- b. Consistency mode lag under steady host writes
    figures.consistency_size_gib = consistencyBytes / GiB;
    const consSrc = await createVolume(agent, a, 'cons-src', consistencyBytes);
    const consDst = await createVolume(agent, b, 'cons-dst', consistencyBytes);
    const consId = await createRec(agent, a, b, consSrc.volumeId, consDst.volumeId, 'Consistency');
    await waitEquivalent(agent, a, consId);
    const onB = await expect(api(agent, siteB, 'GET', `/replication_session?select=id,role,last_sync_timestamp&local_resource_id=eq.${consDst.id}`), 200, 'replication_session on site-b');
    if (!Array.isArray(onB) || onB.length !== 1) throw new Error(`site-b sessions of cons-dst: ${JSON.stringify(onB)}`);
    const bSessionId = onB[0].id as string;
    const bCopyId = (await expect(v1(agent, siteB, 'GET', '/copysession', b.token), 200, 'copysessions on site-b')).copysession_list.find((s: any) => s.destination_volume_number === consDst.volumeId)?.copysession_id as number;
    say(`REC Consistency copysession ${consId} Equivalent (site-b session ${bSessionId}, copysession ${bCopyId}); fio ${rateMiB} MiB/s for ${seconds} s`);

    const fioArgs = ['--name=steady', '--ioengine=nbd', `--uri=${siteA.nbd('cons-src')}`, '--rw=write', '--bs=1M', '--iodepth=4', `--size=${consistencyBytes}`,
      `--rate=${rateMiB}m`, `--runtime=${seconds}`, '--time_based', '--refill_buffers', '--output-format=json'];
    let fioOut = '';
    let fioErr = '';
    const fioStartWall = Date.now();
    const fioStart = performance.now();
    fioChild = spawn('fio', fioArgs, { stdio: ['ignore', 'pipe', 'pipe'] });
    fioChild.stdout!.on('data', (c: Buffer) => (fioOut += c.toString()));
    fioChild.stderr!.on('data', (c: Buffer) => (fioErr += c.toString()));
    const fioDone = new Promise<number | null>((resolve) => fioChild!.once('exit', (code) => resolve(code)));
    let fioExited = false;
    void fioDone.then(() => (fioExited = true));
    const lags: number[] = [];
    const rawLags: number[] = [];
    const backupLags: number[] = [];
    const maxSamples = Math.ceil(((seconds + 30) * 1000) / SAMPLE_MS);
    for (let i = 0; i < maxSamples && !fioExited; i++) {
      const tick = performance.now();
      const [ps, cs] = await Promise.all([
        expect(api(agent, siteB, 'GET', `/replication_session/${bSessionId}?select=last_sync_timestamp`), 200, 'replication_session on site-b'),
        copySession(agent, b, bCopyId),
      ]);
      const nowWall = Date.now();
      const cut = ps.last_sync_timestamp ? Date.parse(ps.last_sync_timestamp) : NaN;
      if (Number.isFinite(cut) && !fioExited) {
        lags.push(nowWall - Math.max(cut, fioStartWall));
        rawLags.push(nowWall - cut);
        if (cs.backup_time) backupLags.push(nowWall - Math.max(Date.parse(cs.backup_time), fioStartWall));
      }
      const wait = SAMPLE_MS - (performance.now() - tick);
      if (wait > 0) await Promise.race([sleep(wait), fioDone]);
    }
    const timer = setTimeout(() => fioChild?.kill('SIGKILL'), 60_000);
    const fioCode = await fioDone;
    clearTimeout(timer);
    fioChild = null;
    if (fioCode !== 0) throw new Error(`fio exited ${fioCode}: ${fioErr.slice(-600)}`);
    const job = JSON.parse(fioOut.slice(fioOut.indexOf('{'))).jobs[0];
    if (job.error !== 0) throw new Error(`fio job error ${job.error}`);
    const sorted = [...lags].sort((x, y) => x - y);
    const sortedBackup = [...backupLags].sort((x, y) => x - y);
    figures.consistency_fio_seconds = round((performance.now() - fioStart) / 1000, 1);
    figures.consistency_write_mibps = round(job.write.bw_bytes / MiB, 1);
    figures.consistency_target_rate_mibps = rateMiB;
    figures.consistency_samples = lags.length;
    figures.consistency_lag_p50_ms = round(percentile(sorted, 50), 0);
    figures.consistency_lag_p95_ms = round(percentile(sorted, 95), 0);
    figures.consistency_lag_max_ms = round(sorted[sorted.length - 1] ?? NaN, 0);
    figures.consistency_lag_raw_max_ms = round(Math.max(...rawLags), 0);
    figures.consistency_backup_time_lag_p95_ms = round(percentile(sortedBackup, 95), 0);
    figures.consistency_backup_time_lag_max_ms = round(sortedBackup[sortedBackup.length - 1] ?? NaN, 0);
    figures.consistency_lag_max_ratio = round(figures.consistency_lag_max_ms / 2000, 3);
    figures.consistency_lag_p95_ratio = round(figures.consistency_lag_p95_ms / 2000, 3);
    say(`  fio ${figures.consistency_write_mibps} MiB/s; ${lags.length} samples: lag p50 ${figures.consistency_lag_p50_ms} ms, p95 ${figures.consistency_lag_p95_ms} ms, max ${figures.consistency_lag_max_ms} ms (backup_time: p95 ${figures.consistency_backup_time_lag_p95_ms}, max ${figures.consistency_backup_time_lag_max_ms} ms)`);
    if (lags.length < (seconds * 1000) / SAMPLE_MS / 2) throw new Error(`only ${lags.length} lag samples in ${seconds} s`);
  } catch (error) {
    for (const site of sites) say(`${site.name} log tail:\n${site.stderrTail.slice(-20).join('\n')}`);
    throw error;
  } finally {
    if (fioChild && fioChild.exitCode === null) fioChild.kill('SIGKILL');
    agent.destroy();
    for (const site of sites.reverse()) {
      const code = await stopSite(site);
      if (code !== 0) say(`${site.name} exited with ${code}`);
    }
    rmSync(dir, { recursive: true, force: true });
  }
  return figures;
}

function parseArgs(argv: string[]): EternusBenchOptions {
  const options: EternusBenchOptions = {};
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--stack-only') {
      options.stackOnly = true;
      continue;
    }
    const value = Number(argv[i + 1]);
    if (argv[i] === '--stack-gib') options.stackGiB = value;
    else if (argv[i] === '--consistency-gib') options.consistencyGiB = value;
    else if (argv[i] === '--seconds') options.seconds = value;
    else if (argv[i] === '--rate-mib') options.rateMiB = value;
    else throw new Error(`unknown argument ${argv[i]}`);
    if (!(value > 0)) throw new Error(`${argv[i]} needs a positive number`);
    i++;
  }
  return options;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  runEternusBench(parseArgs(process.argv.slice(2)))
    .then((figures) => console.log(JSON.stringify({ bench: 'eternus', ...figures })))
    .catch((error: unknown) => {
      console.error(error instanceof Error ? (error.stack ?? error.message) : error);
      process.exit(1);
    });
}
