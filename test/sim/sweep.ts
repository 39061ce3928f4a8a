// npx tsx test/sim/sweep.ts FIRST COUNT STEPS [WORKLOAD]: runs many seeds and groups the failures no known
// bug explains by their shape (ids and numbers blanked), with the first seeds of each.
import { openBugOf } from './known-bugs.ts';
import { runSimulation, type Workload } from './simulation.ts';

const [first, count, steps] = process.argv.slice(2, 5).map(Number) as [number, number, number];
const workload = (process.argv[5] ?? 'v3') as Workload;
const groups = new Map<string, number[]>();
const known = new Map<string, number[]>();
const startedMs = Date.now();
for (let seed = first; seed < first + count; seed++) {
  const result = await runSimulation({ seed, steps, workload });
  for (const failure of result.failures) {
    const bug = openBugOf(failure);
    if (bug) {
      const seeds = known.get(bug.id) ?? [];
      if (!seeds.includes(seed)) seeds.push(seed);
      known.set(bug.id, seeds);
      continue;
    }
    const shape = failure.replace(/^t=\d+ms /, '').replace(/[0-9a-f]{8}-[0-9a-f-]{27}/g, 'ID').replace(/\d+/g, 'N').replace(/site-[ab]/g, 'X').slice(0, 200);
    const seeds = groups.get(shape) ?? [];
    if (!seeds.includes(seed)) seeds.push(seed);
    groups.set(shape, seeds);
  }
}
for (const [shape, seeds] of [...groups].sort((x, y) => y[1].length - x[1].length)) console.log(`${seeds.length} seeds: ${shape} (${seeds.slice(0, 6).join(', ')})`);
for (const [id, seeds] of known) console.log(`known ${id}: ${seeds.length} seeds (${seeds.slice(0, 6).join(', ')})`);
console.log(`${count} seeds x ${steps} steps in ${((Date.now() - startedMs) / 1000).toFixed(1)} s`);
