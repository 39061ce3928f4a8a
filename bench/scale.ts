// Scale benchmark (issue 14): thousands of protected volumes on one pair of real `tandem serve`
// processes, over real HTTPS and NBD, on this machine.
//
//   1. Both sites start empty (the start time of site-a is the anchor of the restart figures) and
//      are paired; a Five_Minutes rule and a policy are made.
//   2. Plain 16 MiB volumes (a tenth of the target, at most 500) are created on site-a and its V8
//      heap in use (/metrics) measured before and after: memory per idle volume.
//   3. Protected 16 MiB volumes (POST /api/rest/volume with protection_policy_id, 4 in flight)
//      up to --scale-max (5,000). Create latency p50/p99 over the 200 creates before each of 250,
//      1,000, 2,500 and 5,000 protected volumes; the anchor is the figure at 250. RSS of both
//      sites' heaps once every initial copy is done: memory per protected volume; less the plain
//      volume's cost, per session.
//   4. Listing every session with select (pages of 2,000, as PyPowerStore pages), p99 per request,
//      interleaved with GET /tandem/v1/health (the anchor) on the same connection pool.
//   5. RPO: 2% of the volumes take writes over NBD (64 KiB at a random offset each 5 s, flushed)
//      for --observe-seconds (330: longer than a Five_Minutes RPO, so that every session cycles
//      on its schedule inside the window); every 15 s every source session's lag (now −
//      last_sync_timestamp) is read. Compliance is the share of sessions whose lag never exceeded
//      300 s. An API probe (GET of one session, every 500 ms) measures what the cycles leave of
//      the API meanwhile.
//   6. Restart of site-a, then of site-b (SIGTERM, start on the same data): seconds to the ready
//      line and to a healthy link (remote_system data_connection_state OK); then the most cycles
//      site-a started in any one second over the next 30 s, against the steady rate (N / 240 s).
//
//   node --import tsx bench/scale.ts [--scale-max N] [--observe-seconds S] [--no-restart]
//
// `npm run bench -- scale` runs it at 5,000 (about 20-25 minutes on 2 shared cores).

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { RawNbdClient, C } from '../src/nbd/testing/raw-client.ts';
import { api, expect, pairSites, send, sendJson, startSite, stopSite, type Site } from './sites.ts';

const MiB = 1024 * 1024;
const VOLUME_BYTES = 16 * MiB;
const CREATE_CONCURRENCY = 4;
const CHECKPOINTS = [250, 1000, 2500, 5000];
/** Creates whose latency counts for a checkpoint: the last ones before it. */
const LATENCY_WINDOW = 200;
const PAGE_ROWS = 2000;
const RPO_SECONDS = 300;
const CYCLE_INTERVAL_S = RPO_SECONDS * 0.8;
const WRITE_EVERY_MS = 5_000;
const LAG_POLL_MS = 15_000;
const PROBE_EVERY_MS = 500;
const REQUEST_TIMEOUT_MS = 120_000;
const SETTLE_DEADLINE_MS = 15 * 60_000;

export interface ScaleBenchOptions {
  /** Protected volumes at the end (default 5,000); checkpoints above it are skipped. */
  scaleMax?: number;
  /** Length of the RPO observation, in seconds (default 330). */
  observeSeconds?: number;
  /** Skip the restarts (default false). */
  noRestart?: boolean;
  progress?: boolean;
}

const round = (value: number, digits: number) => Math.round(value * 10 ** digits) / 10 ** digits;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

function rssMiB(site: Site): number {
  const status = readFileSync(`/proc/${site.child.pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) / 1024;
}

/**
 * The server's V8 heap in use (nodejs_heap_size_used_bytes on its /metrics), in MiB: the least of
 * 5 reads a second apart, i.e. closest to after a collection. RSS is reported beside it but moves
 * with the allocator and page cache far more than with the records.
 */
async function heapMiB(agent: Agent, site: Site): Promise<number> {
  const reads: number[] = [];
  for (let i = 0; i < 5; i++) {
    await sleep(1000);
    const { status, text } = await send(agent, site, 'GET', '/metrics');
    const match = /^nodejs_heap_size_used_bytes (\S+)$/m.exec(text);
    if (status !== 200 || !match) throw new Error(`${site.name} /metrics: ${status}, no nodejs_heap_size_used_bytes`);
    reads.push(Number(match[1]) / MiB);
  }
  return Math.min(...reads);
}

/** Cycles committed on a site that started in [fromMs, toMs) (server epoch ms), counted per second of start. */
function cyclesPerSecond(site: Site, fromMs: number, toMs: number): number[] {
  const counts = new Array<number>(Math.max(0, Math.ceil((toMs - fromMs) / 1000))).fill(0);
  for (const c of site.cycles) if (c.startedAtMs >= fromMs && c.startedAtMs < toMs) counts[Math.floor((c.startedAtMs - fromMs) / 1000)]! += 1;
  return counts;
}

/** Keeps `concurrency` calls of op in flight until `count` are done; latency of each, in order of issue. */
async function closedLoop(concurrency: number, from: number, count: number, op: (i: number) => Promise<void>): Promise<number[]> {
  const latencies: number[] = new Array(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      const t0 = performance.now();
      await op(from + i);
      latencies[i] = performance.now() - t0;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return latencies;
}

interface SessionRow {
  id: string;
  state: string;
  local_resource_id: string;
  last_sync_timestamp: string | null;
}

async function allSessions(agent: Agent, site: Site, role: 'Source' | 'Destination'): Promise<SessionRow[]> {
  const rows: SessionRow[] = [];
  for (let offset = 0; ; offset += PAGE_ROWS) {
    const r = await api(agent, site, 'GET', `/replication_session?select=id,state,local_resource_id,last_sync_timestamp&role=eq.${role}&order=id&limit=${PAGE_ROWS}&offset=${offset}`, undefined, REQUEST_TIMEOUT_MS);
    if (r.status !== 200 && r.status !== 206) throw new Error(`list sessions on ${site.name}: HTTP ${r.status} ${JSON.stringify(r.body).slice(0, 300)}`);
    rows.push(...(r.body as SessionRow[]));
    if ((r.body as SessionRow[]).length < PAGE_ROWS) return rows;
  }
}

/** Waits until every source session has finished its initial copy. */
async function untilAllSynced(agent: Agent, site: Site, count: number): Promise<void> {
  const deadline = performance.now() + SETTLE_DEADLINE_MS;
  for (;;) {
    const rows = await allSessions(agent, site, 'Source');
    if (rows.length === count && rows.every((r) => r.last_sync_timestamp !== null)) return;
    if (performance.now() > deadline) throw new Error(`initial copies not done after ${SETTLE_DEADLINE_MS / 1000} s: ${rows.filter((r) => r.last_sync_timestamp === null).length} left`);
    await sleep(2000);
  }
}

/** Restarts a site on its data; seconds to its ready line and to a link reported OK. */
async function restart(agent: Agent, site: Site, dataDir: string): Promise<{ site: Site; readyS: number; healthyS: number }> {
  const code = await stopSite(site);
  if (code !== 0) throw new Error(`${site.name} exited with ${code} on SIGTERM`);
  const t0 = performance.now();
  const again = await startSite(site.name, dataDir);
  const readyS = (performance.now() - t0) / 1000;
  for (;;) {
    // A connection refused or reset while the server finishes starting is retried like a not-yet-OK link.
    const r = await api(agent, again, 'GET', '/remote_system?select=data_connection_state', undefined, REQUEST_TIMEOUT_MS).catch(() => null);
    if (r?.status === 200 && r.body[0]?.data_connection_state === 'OK') break;
    if (performance.now() - t0 > 120_000) throw new Error(`${site.name}: link not OK 120 s after restart`);
    await sleep(100);
  }
  return { site: again, readyS, healthyS: (performance.now() - t0) / 1000 };
}

/** Writers: 64 KiB of fresh data at a random offset of each volume every WRITE_EVERY_MS, flushed. */
async function startWriters(site: Site, names: string[]): Promise<{ stop(): Promise<number> }> {
  const clients = await Promise.all(names.map((name) => RawNbdClient.open(site.ready.nbd_port, name)));
  let stopped = false;
  let writes = 0;
  let handle = 1n;
  const loops = clients.map(async ({ client }, i) => {
    await sleep((i * WRITE_EVERY_MS) / clients.length); // spread over the period
    while (!stopped) {
      const offset = Math.floor(Math.random() * (VOLUME_BYTES / (64 * 1024))) * 64 * 1024;
      client.request(C.CMD_WRITE, handle++, offset, 64 * 1024, { payload: Buffer.alloc(64 * 1024, writes % 251) });
      await client.readReply();
      client.request(C.CMD_FLUSH, handle++, 0, 0);
      await client.readReply();
      writes += 1;
      await sleep(WRITE_EVERY_MS);
    }
  });
  return {
    stop: async () => {
      stopped = true;
      await Promise.all(loops);
      for (const { client } of clients) client.close();
      return writes;
    },
  };
}

export async function runScaleBench(options: ScaleBenchOptions = {}): Promise<Record<string, number>> {
  const scaleMax = options.scaleMax ?? 5000;
  const observeSeconds = options.observeSeconds ?? 330;
  const say = options.progress === false ? () => undefined : (line: string) => process.stderr.write(`[scale] ${new Date().toISOString().slice(11, 19)} ${line}\n`);
  const checkpoints = [...CHECKPOINTS.filter((c) => c < scaleMax), scaleMax];
  const plainCount = Math.min(500, Math.max(50, Math.floor(scaleMax / 10)));
  const dir = mkdtempSync(join(tmpdir(), 'tandem-bench-scale-'));
  const agent = new Agent({ keepAlive: true, maxSockets: 16, rejectUnauthorized: false });
  const figures: Record<string, number> = { scale_max: scaleMax };
  let a: Site | null = null;
  let b: Site | null = null;
  try {
    let t0 = performance.now();
    a = await startSite('site-a', join(dir, 'site-a'));
    figures.empty_start_s = round((performance.now() - t0) / 1000, 2);
    b = await startSite('site-b', join(dir, 'site-b'));
    const rs = await pairSites(agent, a, b);
    const rule = await expect(api(agent, a, 'POST', '/replication_rule', { name: 'scale-rr', rpo: 'Five_Minutes', remote_system_id: rs.id, alert_threshold: 15 }), 201, 'rule');
    const policy = await expect(api(agent, a, 'POST', '/policy', { name: 'scale-pp', replication_rule_ids: [rule.id] }), 201, 'policy');
    const siteA = a;

    // 2. plain volumes: memory per idle volume
    const siteB = b;
    const heapEmptyA = await heapMiB(agent, siteA);
    const heapEmptyB = await heapMiB(agent, siteB);
    await closedLoop(CREATE_CONCURRENCY, 0, plainCount, async (i) => {
      await expect(api(agent, siteA, 'POST', '/volume', { name: `plain-${i}`, size: VOLUME_BYTES }, REQUEST_TIMEOUT_MS), 201, 'plain create');
    });
    const heapPlainA = await heapMiB(agent, siteA);
    figures.memory_per_volume_kib = round(((heapPlainA - heapEmptyA) * 1024) / plainCount, 1);
    say(`${plainCount} plain volumes: ${figures.memory_per_volume_kib} KiB of heap each on site-a`);

    // 3. protected volumes, latency at each checkpoint
    let created = 0;
    const createStartMs = performance.now();
    for (const checkpoint of checkpoints) {
      const latencies = await closedLoop(CREATE_CONCURRENCY, created, checkpoint - created, async (i) => {
        await expect(api(agent, siteA, 'POST', '/volume', { name: `pvol-${String(i).padStart(5, '0')}`, size: VOLUME_BYTES, protection_policy_id: policy.id }, REQUEST_TIMEOUT_MS), 201, 'protected create');
      });
      created = checkpoint;
      const window = latencies.slice(-LATENCY_WINDOW);
      figures[`create_p50_ms_at_${checkpoint}`] = round(percentile(window, 50), 1);
      figures[`create_p99_ms_at_${checkpoint}`] = round(percentile(window, 99), 1);
      say(`${checkpoint} protected: create p50 ${figures[`create_p50_ms_at_${checkpoint}`]} ms, p99 ${figures[`create_p99_ms_at_${checkpoint}`]} ms (last ${window.length}), ${round((performance.now() - createStartMs) / 1000, 0)} s so far`);
    }
    figures.create_seconds = round((performance.now() - createStartMs) / 1000, 1);
    figures.create_p50_ratio = round(figures[`create_p50_ms_at_${scaleMax}`]! / figures[`create_p50_ms_at_${checkpoints[0]}`]!, 2);
    figures.create_p99_ratio = round(figures[`create_p99_ms_at_${scaleMax}`]! / figures[`create_p99_ms_at_${checkpoints[0]}`]!, 2);
    await untilAllSynced(agent, siteA, scaleMax);
    say('every initial copy done');
    const heapA = await heapMiB(agent, siteA);
    const heapB = await heapMiB(agent, siteB);
    figures.memory_per_protected_volume_kib = round(((heapA - heapPlainA) * 1024) / scaleMax, 1);
    figures.memory_per_source_session_kib = round(figures.memory_per_protected_volume_kib - figures.memory_per_volume_kib, 1);
    figures.memory_per_destination_kib = round(((heapB - heapEmptyB) * 1024) / scaleMax, 1);
    figures.heap_a_mib = round(heapA, 0);
    figures.heap_b_mib = round(heapB, 0);
    figures.rss_a_mib = round(rssMiB(siteA), 0);
    figures.rss_b_mib = round(rssMiB(siteB), 0);
    say(`heap site-a ${figures.heap_a_mib} MiB (RSS ${figures.rss_a_mib}), site-b ${figures.heap_b_mib} MiB (RSS ${figures.rss_b_mib}); per protected volume ${figures.memory_per_protected_volume_kib} KiB on a (session ${figures.memory_per_source_session_kib}), destination volume + session ${figures.memory_per_destination_kib} KiB on b`);

    // 4. listing every session with select, against health
    const listLatencies: number[] = [];
    const healthLatencies: number[] = [];
    const pages = Math.ceil(scaleMax / PAGE_ROWS);
    for (let round_ = 0; round_ < 20; round_++) {
      for (let page = 0; page < pages; page++) {
        t0 = performance.now();
        const r = await api(agent, siteA, 'GET', `/replication_session?select=id,state,role,local_resource_id,last_sync_timestamp,remote_system(id,name)&limit=${PAGE_ROWS}&offset=${page * PAGE_ROWS}`, undefined, REQUEST_TIMEOUT_MS);
        listLatencies.push(performance.now() - t0);
        if (r.status !== 200 && r.status !== 206) throw new Error(`list sessions: ${r.status}`);
        t0 = performance.now();
        await expect(sendJson(agent, siteA, 'GET', '/tandem/v1/health'), 200, 'health');
        healthLatencies.push(performance.now() - t0);
      }
    }
    figures.list_sessions_p50_ms = round(percentile(listLatencies, 50), 1);
    figures.list_sessions_p99_ms = round(percentile(listLatencies, 99), 1);
    figures.health_p99_ms = round(percentile(healthLatencies, 99), 1);
    figures.list_vs_health_p99_ratio = round(figures.list_sessions_p99_ms / figures.health_p99_ms, 1);
    say(`list ${scaleMax} sessions (${pages} pages): p50 ${figures.list_sessions_p50_ms} ms, p99 ${figures.list_sessions_p99_ms} ms; health p99 ${figures.health_p99_ms} ms`);

    // 5. RPO with 2% writing
    const sources = await allSessions(agent, siteA, 'Source');
    const writerCount = Math.max(1, Math.round(scaleMax * 0.02));
    const writerNames = Array.from({ length: writerCount }, (_, k) => `pvol-${String(Math.floor((k * scaleMax) / writerCount)).padStart(5, '0')}`);
    const writers = await startWriters(siteA, writerNames);
    const maxLagS = new Map<string, number>();
    const probeLatencies: number[] = [];
    const cyclesBefore = siteA.cycles.length;
    const observeFromEpochMs = Date.now();
    const observeEndMs = performance.now() + observeSeconds * 1000;
    let probing = true;
    const probe = (async () => {
      while (probing) {
        const s = sources[Math.floor(Math.random() * sources.length)]!;
        const start = performance.now();
        await expect(api(agent, siteA, 'GET', `/replication_session/${s.id}?select=id,state,last_sync_timestamp`, undefined, REQUEST_TIMEOUT_MS), 200, 'probe');
        probeLatencies.push(performance.now() - start);
        await sleep(PROBE_EVERY_MS);
      }
    })();
    say(`observing the RPO for ${observeSeconds} s with ${writerCount} volumes taking writes`);
    while (performance.now() < observeEndMs) {
      const rows = await allSessions(agent, siteA, 'Source');
      const nowMs = Date.now();
      for (const r of rows) {
        const lag = r.last_sync_timestamp === null ? Infinity : (nowMs - Date.parse(r.last_sync_timestamp)) / 1000;
        maxLagS.set(r.id, Math.max(maxLagS.get(r.id) ?? 0, lag));
      }
      await sleep(Math.min(LAG_POLL_MS, Math.max(0, observeEndMs - performance.now())));
    }
    probing = false;
    await probe;
    figures.writes = await writers.stop();
    const lags = [...maxLagS.values()];
    figures.rpo_sessions = lags.length;
    figures.rpo_compliance_pct = round((100 * lags.filter((l) => l <= RPO_SECONDS).length) / Math.max(1, lags.length), 2);
    figures.rpo_max_lag_s = round(Math.max(...lags), 1);
    figures.rpo_max_lag_ratio = round(figures.rpo_max_lag_s / RPO_SECONDS, 3);
    figures.cycles_in_window = siteA.cycles.length - cyclesBefore;
    figures.cycles_with_data_in_window = siteA.cycles.slice(cyclesBefore).filter((c) => c.bytes > 0).length;
    // The anchor of "no burst": the most cycles that started in one second while the schedule ran
    // undisturbed (only seconds after the first scheduled cycle count, so the wait for the first is not averaged in).
    const observed = cyclesPerSecond(siteA, observeFromEpochMs, Date.now());
    const firstBusy = observed.findIndex((n) => n > 0);
    figures.steady_cycles_max_per_s = Math.max(0, ...observed);
    figures.steady_cycles_mean_per_s = firstBusy < 0 ? 0 : round(observed.slice(firstBusy).reduce((a, n) => a + n, 0) / (observed.length - firstBusy), 1);
    figures.api_probe_p50_ms = round(percentile(probeLatencies, 50), 1);
    figures.api_probe_p99_ms = round(percentile(probeLatencies, 99), 1);
    say(`RPO: ${figures.rpo_compliance_pct}% of ${lags.length} sessions within ${RPO_SECONDS} s, max lag ${figures.rpo_max_lag_s} s; ${figures.cycles_in_window} cycles (${figures.cycles_with_data_in_window} with data), at most ${figures.steady_cycles_max_per_s} in one second (mean ${figures.steady_cycles_mean_per_s}/s once they began); API probe p99 ${figures.api_probe_p99_ms} ms`);

    // 6. restarts
    if (!options.noRestart) {
      const steadyPerS = scaleMax / CYCLE_INTERVAL_S;
      if (figures.steady_cycles_max_per_s === 0) say(`no scheduled cycle ran in the RPO window: the restarts' cycle counts say nothing of a burst (their schedule starts ${CYCLE_INTERVAL_S * 0.9} s after the creates; give --observe-seconds ${CYCLE_INTERVAL_S + 30} or more)`);
      for (const which of ['a', 'b'] as const) {
        const current = which === 'a' ? a! : b!;
        const restarted = await restart(agent, current, join(dir, `site-${which}`));
        if (which === 'a') a = restarted.site;
        else b = restarted.site;
        figures[`restart_${which}_ready_s`] = round(restarted.readyS, 2);
        figures[`restart_${which}_healthy_s`] = round(restarted.healthyS, 2);
        // Cycles by the second they started in (the server's own startedAtMs: log lines reach the
        // bench in bursts, so their arrival would show bursts that are not there).
        const watchFromMs = Date.now();
        await sleep(30_000);
        const histogram = cyclesPerSecond(a!, watchFromMs, watchFromMs + 30_000);
        figures[`restart_${which}_cycles_max_per_s`] = Math.max(0, ...histogram);
        figures[`restart_${which}_burst_ratio`] = round(figures[`restart_${which}_cycles_max_per_s`]! / steadyPerS, 2);
        // Against the most in one second of the undisturbed schedule (1.0: no second busier than it was anyway).
        if (figures.steady_cycles_max_per_s! > 0) figures[`restart_${which}_vs_steady_max_ratio`] = round(figures[`restart_${which}_cycles_max_per_s`]! / figures.steady_cycles_max_per_s!, 2);
        say(`restart of site-${which}: ready in ${figures[`restart_${which}_ready_s`]} s, link OK in ${figures[`restart_${which}_healthy_s`]} s; then at most ${figures[`restart_${which}_cycles_max_per_s`]} cycles/s on site-a (steady ${round(steadyPerS, 1)}/s); per second: ${histogram.join(' ')}`);
      }
      figures.restart_healthy_vs_empty_start_ratio = round(Math.max(figures.restart_a_healthy_s!, figures.restart_b_healthy_s!) / figures.empty_start_s, 1);
    }
  } finally {
    agent.destroy();
    for (const site of [a, b]) if (site) await stopSite(site).catch(() => null);
    rmSync(dir, { recursive: true, force: true });
  }
  return figures;
}

function parseArgs(argv: string[]): ScaleBenchOptions {
  const options: ScaleBenchOptions = {};
  for (let i = 0; i < argv.length; i++) {
    const value = Number(argv[i + 1]);
    const positive = () => {
      if (!Number.isFinite(value) || value <= 0) throw new Error(`${argv[i]} needs a positive number`);
      i++;
      return value;
    };
    if (argv[i] === '--scale-max') options.scaleMax = Math.floor(positive());
    else if (argv[i] === '--observe-seconds') options.observeSeconds = positive();
    else if (argv[i] === '--no-restart') options.noRestart = true;
    else throw new Error(`unknown argument ${argv[i]}`);
  }
  return options;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  runScaleBench(parseArgs(process.argv.slice(2)))
    .then((figures) => {
      const width = Math.max(...Object.keys(figures).map((k) => k.length));
      for (const [key, value] of Object.entries(figures)) console.log(`${key.padEnd(width)}  ${value}`);
      console.log(JSON.stringify({ bench: 'scale', ...figures }));
    })
    .catch((error: unknown) => {
      console.error(error instanceof Error ? error.stack ?? error.message : error);
      process.exit(1);
    });
}
