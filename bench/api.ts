// PowerStore API benchmark: a real `tandem serve` in a child process (so the load generator and the
// server never share an event loop), 10,000 volumes created through POST /api/rest/volume, then
// three GETs measured with the same keep-alive HTTPS client, concurrency and bounds:
//
//   filter  GET /api/rest/volume?select=id,name,size,type,protection_data,volume_groups(id,name)&name=eq.vol-07777
//   page    GET /api/rest/volume?select=id,name,size&order=name&limit=100&offset=5000
//   health  GET /tandem/v1/health                      (the anchor: same server, TLS, client, auth header)
//
// Every request carries Basic auth, as Cinder does (health ignores it, so the ratios include the
// cost of checking credentials, which the server caches). The figures that matter are the ratios
// filter/health and page/health in requests/s: they cancel most of the machine's noise.
// Loopback only; every loop is bounded by a count and a deadline.
//
//   node --import tsx bench/api.ts [--volumes N] [--requests N] [--seconds S] [--concurrency N]
//
// To profile the server: TANDEM_BENCH_SERVER_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof".

import { mkdtempSync, rmSync } from 'node:fs';
import { Agent } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { send, startSite, stopSite, type Site } from './sites.ts';

const MiB = 1024 * 1024;
const REQUEST_TIMEOUT_MS = 30_000;

export interface ApiBenchOptions {
  /** Volumes to create before measuring (default 10,000). */
  volumes?: number;
  /** Requests in flight while creating (default 12). */
  createConcurrency?: number;
  /** Deadline for the whole create phase, in seconds (default 900). */
  createSeconds?: number;
  /** Requests per measured GET, at most (default 2,000). */
  requests?: number;
  /** Time per measured GET, at most, in seconds (default 20). */
  seconds?: number;
  /** Requests in flight while measuring (default 8). */
  concurrency?: number;
  /** Print progress lines to stderr (default true). */
  progress?: boolean;
}

function percentile(sortedMs: number[], p: number): number {
  if (sortedMs.length === 0) return NaN;
  const index = Math.min(sortedMs.length - 1, Math.ceil((p / 100) * sortedMs.length) - 1);
  return sortedMs[Math.max(0, index)]!;
}

const round = (value: number, digits: number) => Math.round(value * 10 ** digits) / 10 ** digits;

/** Keeps `concurrency` requests in flight until `count` have been issued or `deadlineMs` passes. */
async function closedLoop(
  concurrency: number,
  count: number,
  durationMs: number,
  op: (i: number) => Promise<void>,
): Promise<{ done: number; elapsedMs: number; latenciesMs: number[] }> {
  const startMs = performance.now();
  const deadlineMs = startMs + durationMs;
  let issued = 0;
  const latenciesMs: number[] = [];
  const worker = async (): Promise<void> => {
    while (issued < count && performance.now() < deadlineMs) {
      const i = issued++;
      const t0 = performance.now();
      await op(i);
      latenciesMs.push(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { done: latenciesMs.length, elapsedMs: performance.now() - startMs, latenciesMs };
}

export const volumeName = (i: number) => `vol-${String(i).padStart(5, '0')}`;

export async function runApiBench(options: ApiBenchOptions = {}): Promise<Record<string, number>> {
  const volumes = options.volumes ?? 10_000;
  const createConcurrency = options.createConcurrency ?? 12;
  const createSeconds = options.createSeconds ?? 900;
  const requests = options.requests ?? 2_000;
  const seconds = options.seconds ?? 20;
  const concurrency = options.concurrency ?? 8;
  const say = options.progress === false ? () => undefined : (line: string) => process.stderr.write(`[api] ${line}\n`);
  const probeIndex = Math.min(7777, volumes - 1);
  const pageOffset = Math.min(5000, Math.max(0, volumes - 100));

  const dataDir = mkdtempSync(join(tmpdir(), 'tandem-bench-api-'));
  const agent = new Agent({ keepAlive: true, maxSockets: Math.max(concurrency, createConcurrency), rejectUnauthorized: false });
  let server: Site | null = null;
  const figures: Record<string, number> = {};
  try {
    server = await startSite('bench-api', dataDir);
    const site = server;
    say(`server ready on ${server.ready.url}; creating ${volumes} volumes of 1 MiB, ${createConcurrency} in flight`);

    // Create phase. Rates over the first and last tenth show whether creating slows with the count.
    const doneAtMs: number[] = [];
    const create = await closedLoop(createConcurrency, volumes, createSeconds * 1000, async (i) => {
      const reply = await send(agent, site, 'POST', '/api/rest/volume', { body: { name: volumeName(i), size: MiB }, timeoutMs: REQUEST_TIMEOUT_MS });
      if (reply.status !== 201) throw new Error(`POST /volume ${volumeName(i)}: ${reply.status} ${reply.text.slice(0, 300)}`);
      doneAtMs.push(performance.now());
      if (doneAtMs.length % 1000 === 0) say(`  ${doneAtMs.length} created`);
    });
    if (create.done < volumes) throw new Error(`only ${create.done} of ${volumes} volumes created within ${createSeconds} s`);
    const createStartMs = doneAtMs[0]! - create.latenciesMs[0]!;
    const block = Math.max(1, Math.floor(volumes / 10));
    const rateOver = (from: number, to: number) => (to - from) / ((doneAtMs[to - 1]! - (from === 0 ? createStartMs : doneAtMs[from - 1]!)) / 1000);
    const createSorted = [...create.latenciesMs].sort((a, b) => a - b);
    figures.volumes = volumes;
    figures.create_seconds = round(create.elapsedMs / 1000, 1);
    figures.create_per_s = round(volumes / (create.elapsedMs / 1000), 1);
    figures.create_first_tenth_per_s = round(rateOver(0, block), 1);
    figures.create_last_tenth_per_s = round(rateOver(volumes - block, volumes), 1);
    figures.create_p50_ms = round(percentile(createSorted, 50), 2);
    figures.create_p99_ms = round(percentile(createSorted, 99), 2);
    say(`created ${volumes} in ${figures.create_seconds} s (${figures.create_per_s}/s)`);

    const endpoints = {
      filter: `/api/rest/volume?select=id,name,size,type,protection_data,volume_groups(id,name)&name=eq.${volumeName(probeIndex)}`,
      page: `/api/rest/volume?select=id,name,size&order=name&limit=100&offset=${pageOffset}`,
      health: '/tandem/v1/health',
    } as const;
    type Endpoint = keyof typeof endpoints;

    // Check the answers once, so that a fast wrong answer cannot pass for a fast right one.
    const filterReply = await send(agent, site, 'GET', endpoints.filter, { timeoutMs: REQUEST_TIMEOUT_MS });
    const filterBody = JSON.parse(filterReply.text);
    if (filterReply.status !== 200 || !Array.isArray(filterBody) || filterBody.length !== 1 || filterBody[0].name !== volumeName(probeIndex)) {
      throw new Error(`filter GET returned ${filterReply.status} ${filterReply.text.slice(0, 300)}`);
    }
    const pageReply = await send(agent, site, 'GET', endpoints.page, { timeoutMs: REQUEST_TIMEOUT_MS });
    const pageBody = JSON.parse(pageReply.text);
    const expectedPage = Math.min(100, volumes - pageOffset);
    if (![200, 206].includes(pageReply.status) || !Array.isArray(pageBody) || pageBody.length !== expectedPage || pageBody[0].name !== volumeName(pageOffset)) {
      throw new Error(`page GET returned ${pageReply.status} with ${Array.isArray(pageBody) ? pageBody.length : '?'} rows`);
    }

    // Measure in interleaved rounds (health, filter, page, health, ...) so that drift in the
    // machine's speed during the run hits the anchor and the measured paths alike.
    const rounds = 4;
    const results: Record<Endpoint, { done: number; elapsedMs: number; latenciesMs: number[] }> = {
      filter: { done: 0, elapsedMs: 0, latenciesMs: [] },
      page: { done: 0, elapsedMs: 0, latenciesMs: [] },
      health: { done: 0, elapsedMs: 0, latenciesMs: [] },
    };
    const order: Endpoint[] = ['health', 'filter', 'page'];
    for (const name of order) {
      // warm-up: JIT, sockets, credential cache
      await closedLoop(concurrency, 50, 5_000, async () => {
        const reply = await send(agent, site, 'GET', endpoints[name], { timeoutMs: REQUEST_TIMEOUT_MS });
        if (reply.status >= 300 && reply.status !== 206) throw new Error(`${name}: ${reply.status}`);
      });
    }
    for (let round_ = 0; round_ < rounds; round_++) {
      for (const name of order) {
        const result = await closedLoop(concurrency, Math.ceil(requests / rounds), (seconds * 1000) / rounds, async () => {
          const reply = await send(agent, site, 'GET', endpoints[name], { timeoutMs: REQUEST_TIMEOUT_MS });
          if (reply.status >= 300 && reply.status !== 206) throw new Error(`${name}: ${reply.status} ${reply.text.slice(0, 200)}`);
        });
        results[name].done += result.done;
        results[name].elapsedMs += result.elapsedMs;
        results[name].latenciesMs.push(...result.latenciesMs);
      }
    }
    for (const name of order) {
      const r = results[name];
      const sorted = r.latenciesMs.sort((a, b) => a - b);
      figures[`${name}_requests`] = r.done;
      figures[`${name}_p50_ms`] = round(percentile(sorted, 50), 2);
      figures[`${name}_p99_ms`] = round(percentile(sorted, 99), 2);
      figures[`${name}_rps`] = round(r.done / (r.elapsedMs / 1000), 1);
      say(`${name}: ${figures[`${name}_rps`]} req/s, p50 ${figures[`${name}_p50_ms`]} ms, p99 ${figures[`${name}_p99_ms`]} ms (${r.done} requests)`);
    }
    figures.filter_vs_health_ratio = round(figures.filter_rps! / figures.health_rps!, 3);
    figures.page_vs_health_ratio = round(figures.page_rps! / figures.health_rps!, 3);
  } finally {
    agent.destroy();
    if (server) {
      const code = await stopSite(server);
      if (code !== 0) say(`server exited with ${code}: ${server.stderrTail.join('\n').slice(-500)}`);
    }
    rmSync(dataDir, { recursive: true, force: true });
  }
  return figures;
}

function parseArgs(argv: string[]): ApiBenchOptions {
  const options: ApiBenchOptions = {};
  for (let i = 0; i < argv.length; i++) {
    const value = Number(argv[i + 1]);
    const take = (key: keyof ApiBenchOptions) => {
      if (!Number.isFinite(value) || value <= 0) throw new Error(`${argv[i]} needs a positive number`);
      (options as Record<string, number>)[key] = value;
      i++;
    };
    if (argv[i] === '--volumes') take('volumes');
    else if (argv[i] === '--requests') take('requests');
    else if (argv[i] === '--seconds') take('seconds');
    else if (argv[i] === '--concurrency') take('concurrency');
    else throw new Error(`unknown argument ${argv[i]}`);
  }
  return options;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  runApiBench(parseArgs(process.argv.slice(2)))
    .then((figures) => {
      const width = Math.max(...Object.keys(figures).map((k) => k.length));
      for (const [key, value] of Object.entries(figures)) console.log(`${key.padEnd(width)}  ${value}`);
      console.log(JSON.stringify({ bench: 'api', ...figures }));
    })
    .catch((error: unknown) => {
      console.error(error instanceof Error ? error.stack ?? error.message : error);
      process.exit(1);
    });
}
