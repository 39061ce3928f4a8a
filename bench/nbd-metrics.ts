// What counting host I/O for /metrics costs on the NBD write path: our NBD server with the
// counters (src/nbd/io-stats.ts, as `tandem serve` runs) against the same server without them,
// fio 4 KiB random writes at QD32 and QD1. The two run alternately, each several times, and the
// figure is the ratio of the means (on: off), so drift of a shared machine falls on both sides.
//
//   node --import tsx bench/nbd-metrics.ts [--memory] [--runtime SECONDS] [--size-mib N] [--rounds N]
//
// With --memory the store is the in-memory fake, which makes the server's own per-request work
// (where the counters are) the largest part of each request: the harshest comparison.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NbdIoStats } from '../src/nbd/io-stats.ts';
import { parseArgs, randomIo, requireTools, startOurs, type Target } from './nbd.ts';

/**
 * What the counters add to one request, in nanoseconds, measured in a loop of what
 * Transmission.count does for a WRITE (two clock reads, three increments, one histogram bucket),
 * best of five runs. On a shared machine fio figures swing by more than the counters cost; this
 * figure does not, and divided by the time of one request at the measured IOPS it bounds the cost.
 */
export function countCostNs(): number {
  const stats = new NbdIoStats();
  const counters = stats.forVolume('bench');
  const iterations = 2_000_000;
  let best = Infinity;
  for (let run = 0; run < 5; run++) {
    const startNs = process.hrtime.bigint();
    for (let i = 0; i < iterations; i++) {
      const startedMs = performance.now();
      counters.writeOps += 1;
      counters.writeBytes += 4096;
      stats.latency.write.observe((performance.now() - startedMs) / 1000);
    }
    best = Math.min(best, Number(process.hrtime.bigint() - startNs) / iterations);
  }
  if (stats.latency.write.count !== 10_000_000) throw new Error('the loop was optimized away');
  return best;
}

export async function runNbdMetricsBench(argv: string[] = []): Promise<Record<string, number>> {
  const options = parseArgs(argv.includes('--runtime') ? argv : [...argv, '--runtime', '5']);
  const roundsIndex = argv.indexOf('--rounds');
  const rounds = roundsIndex >= 0 ? Number(argv[roundsIndex + 1]) : 3;
  requireTools();
  const figures: Record<string, number> = {};
  const countNs = countCostNs();
  figures.count_ns_per_request = Math.round(countNs * 10) / 10;
  for (const depth of [32, 1]) {
    const iops: Record<'on' | 'off', number[]> = { on: [], off: [] };
    for (let round = 0; round < rounds; round++) {
      // Alternate which goes first, so neither always runs on a warmer machine.
      const order: Array<'on' | 'off'> = round % 2 === 0 ? ['off', 'on'] : ['on', 'off'];
      for (const mode of order) {
        const dir = mkdtempSync(join(tmpdir(), 'tandem-bench-metrics-'));
        let target: Target | null = null;
        try {
          target = await startOurs(dir, options, mode === 'on');
          const measured = randomIo(target.uri, 'randwrite', depth, options).write.iops;
          iops[mode].push(measured);
          process.stderr.write(`qd${depth} metrics ${mode}: ${Math.round(measured)} IOPS\n`);
        } finally {
          await target?.stop();
          rmSync(dir, { recursive: true, force: true });
        }
      }
    }
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    figures[`randwrite_4k_qd${depth}_iops_metrics_off`] = Math.round(mean(iops.off));
    figures[`randwrite_4k_qd${depth}_iops_metrics_on`] = Math.round(mean(iops.on));
    figures[`randwrite_4k_qd${depth}_metrics_cost_ratio`] = Math.round((mean(iops.off) / mean(iops.on)) * 1000) / 1000;
    // The counters' share of one request's time at the IOPS measured without them.
    figures[`randwrite_4k_qd${depth}_count_share_pct`] = Math.round(countNs * mean(iops.off) / 1e9 * 100 * 1000) / 1000;
  }
  return figures;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  runNbdMetricsBench(process.argv.slice(2))
    .then((figures) => console.log(JSON.stringify({ bench: 'nbd-metrics', engine: process.argv.includes('--memory') ? 'memory' : 'engine', ...figures }, null, 2)))
    .catch((error) => {
      console.error(error instanceof Error ? error.message : error);
      process.exit(1);
    });
}
