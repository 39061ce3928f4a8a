// The deterministic simulation in the test suite: a fixed budget of seeds (SIM_SEEDS and
// SIM_STEPS widen it), reproducibility, and the seeds of every bug it found (known-bugs.ts).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FIXED_BUGS, OPEN_BUGS, openBugOf } from './known-bugs.ts';
import { runSimulation } from './simulation.ts';

const SEEDS = Number(process.env.SIM_SEEDS ?? 24);
const STEPS = Number(process.env.SIM_STEPS ?? 80);
const FIRST_SEED = Number(process.env.SIM_FIRST_SEED ?? 1);

describe('deterministic simulation of two systems', () => {
  test('the same seed gives the same trace, another seed another', async () => {
    const first = await runSimulation({ seed: 42, steps: 40 });
    const again = await runSimulation({ seed: 42, steps: 40 });
    const other = await runSimulation({ seed: 43, steps: 40 });
    assert.equal(again.traceHash, first.traceHash);
    assert.deepEqual(again.failures, first.failures);
    assert.notEqual(other.traceHash, first.traceHash);
    assert.ok(first.stats.traceLines > 100, 'the run did something');
  });

  test(`${SEEDS} seeds x ${STEPS} steps find nothing but the open bugs`, async () => {
    const unexplained: string[] = [];
    const seen = new Map<string, number>();
    let crashes = 0;
    for (let seed = FIRST_SEED; seed < FIRST_SEED + SEEDS; seed++) {
      const result = await runSimulation({ seed, steps: STEPS });
      crashes += result.stats.crashes;
      for (const failure of result.failures) {
        const bug = openBugOf(failure);
        if (bug) seen.set(bug.id, (seen.get(bug.id) ?? 0) + 1);
        else unexplained.push(`seed ${seed}: ${failure}\n  reproduce: npm run sim -- --seed ${seed} --steps ${STEPS} --verbose`);
      }
    }
    assert.ok(crashes > SEEDS / 2, `crashes happened (${crashes})`);
    assert.deepEqual(unexplained, [], `failures no known bug explains:\n${unexplained.join('\n')}`);
  });

  for (const bug of FIXED_BUGS) {
    test(`fixed: ${bug.id} (seed ${bug.seed})`, bug.drifted ? { skip: `seed drifted: ${bug.description}` } : {}, async () => {
      const result = await runSimulation({ seed: bug.seed, steps: bug.steps, workload: bug.workload });
      const again = result.failures.filter((f) => bug.signature.test(f));
      assert.deepEqual(again, [], bug.description);
    });
  }

  for (const bug of OPEN_BUGS) {
    test(`open: ${bug.id} (seed ${bug.seed})`, bug.drifted ? { skip: `seed drifted: ${bug.description}` } : { todo: bug.description }, async () => {
      const result = await runSimulation({ seed: bug.seed, steps: bug.steps, workload: bug.workload });
      assert.deepEqual(result.failures.filter((f) => bug.signature.test(f)), []);
    });
  }
});
