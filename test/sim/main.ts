// npm run sim -- --seed N --steps M [--seeds K] [--verbose] [--workload v1|v2|v3|v4|v5|v6|v7]: runs the simulation, prints the seed,
// the trace hash and any failure with the end of its trace. The same seed reproduces a run exactly.
import { runSimulation, type Workload } from './simulation.ts';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const seed = arg('seed', Math.floor(Math.random() * 2 ** 31));
const steps = arg('steps', 200);
const seeds = arg('seeds', 1);
const verbose = process.argv.includes('--verbose');
// The workload: v3 by default; v4 and v5 are wider (simulation.ts). known-bugs.ts names the one each bug was found with.
const workloadAt = process.argv.indexOf('--workload');
const workload = (workloadAt >= 0 ? process.argv[workloadAt + 1] : 'v3') as Workload;
let failed = 0;
const startedMs = Date.now();
for (let i = 0; i < seeds; i++) {
  const result = await runSimulation({ seed: seed + i, steps, verbose, workload });
  const s = result.stats;
  console.log(`seed ${result.seed} steps ${result.steps} trace ${result.traceHash} virtual ${s.virtualSeconds}s crashes ${s.crashes} ${JSON.stringify(s.crashPoints)} writes ${s.writes} flushes ${s.flushes} quiet ${s.quietPoints}${s.recBufferOverloads > 0 ? ` overloads ${s.recBufferOverloads}` : ""} actions ${JSON.stringify(s.actions)} -> ${result.failures.length === 0 ? 'ok' : 'FAILED'}`);
  if (result.failures.length > 0) {
    failed++;
    if (!verbose) for (const line of result.tail.slice(-60)) console.log(`  | ${line}`);
    for (const f of result.failures) console.log(`  ! ${f}`);
    console.log(`  reproduce: npm run sim -- --seed ${result.seed} --steps ${result.steps} --workload ${workload} --verbose`);
  }
}
console.log(`${seeds} seed(s), ${failed} failed, ${((Date.now() - startedMs) / 1000).toFixed(1)} s`);
process.exit(failed > 0 ? 1 : 0);
