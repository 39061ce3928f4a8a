// `npm run bench`: runs every available benchmark module in sequence, prints a table, and rewrites
// the generated section of BENCHMARKS.md (between <!-- bench:begin --> and <!-- bench:end -->).
//
//   npm run bench                 all modules: engine, nbd, nbd-metrics, aged, api, replication, sync, eternus, cbt, scale
//   npm run bench -- api nbd      only these (the others keep their last figures in BENCHMARKS.md)
//   npm run bench -- --no-write   print only
//
// A module is bench/<name>.ts exporting a function named run<Something>Bench that resolves to a
// flat record of figures. The file is imported only when its text shows such an export, because a
// script-only module (top-level `await main()`) would run on import. A missing module, one without
// the export, or one that throws is reported and the run goes on. Each module measures its own
// anchor in the same run (qemu-nbd, the health endpoint, ...), so figures are read as ratios.

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { consoleReport, generatedSection, machineDescription, rewriteSection, storedResults, type ModuleResult } from './report.ts';

const BENCH_DIR = fileURLToPath(new URL('.', import.meta.url));
const BENCHMARKS_MD = fileURLToPath(new URL('../BENCHMARKS.md', import.meta.url));
const MODULES = ['engine', 'nbd', 'nbd-metrics', 'aged', 'api', 'replication', 'sync', 'eternus', 'cbt', 'scale'];
const EXPORT_PATTERN = /export\s+(?:async\s+)?(?:function\s+|const\s+|let\s+)(run\w*Bench)\b/;

async function runModule(name: string, machine: string): Promise<ModuleResult> {
  const date = new Date().toISOString();
  const file = `${BENCH_DIR}${name}.ts`;
  if (!existsSync(file)) return { name, status: 'missing', error: `bench/${name}.ts does not exist`, date, machine };
  const exportName = EXPORT_PATTERN.exec(readFileSync(file, 'utf8'))?.[1];
  if (!exportName) return { name, status: 'no-export', error: `bench/${name}.ts exports no run*Bench function`, date, machine };
  const startMs = performance.now();
  try {
    const module = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
    const run = module[exportName];
    if (typeof run !== 'function') return { name, status: 'no-export', error: `${exportName} is not a function`, date, machine };
    const figures = (await run()) as Record<string, number>;
    if (!figures || typeof figures !== 'object') throw new Error(`${exportName} returned ${String(figures)}`);
    return { name, status: 'ok', figures, date, machine, seconds: (performance.now() - startMs) / 1000 };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { name, status: 'failed', error: message.split('\n')[0]!.slice(0, 300), date, machine, seconds: (performance.now() - startMs) / 1000 };
  }
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const write = !args.includes('--no-write');
  const selected = args.filter((a) => !a.startsWith('--'));
  for (const name of selected) if (!MODULES.includes(name)) throw new Error(`unknown benchmark ${name}; known: ${MODULES.join(', ')}`);
  const machine = machineDescription();
  console.log(`machine: ${machine}`);

  const thisRun: ModuleResult[] = [];
  for (const name of selected.length > 0 ? selected : MODULES) {
    console.log(`\n=== ${name} ===`);
    const result = await runModule(name, machine);
    if (result.status === 'ok') console.log(`${name}: done in ${result.seconds!.toFixed(0)} s`);
    else console.log(`${name}: ${result.status}${result.error ? ` — ${result.error}` : ''}; continuing`);
    thisRun.push(result);
  }

  const markdown = existsSync(BENCHMARKS_MD) ? readFileSync(BENCHMARKS_MD, 'utf8') : '# Benchmarks\n';
  const results = storedResults(markdown);
  for (const r of thisRun) if (r.status === 'ok') results.set(r.name, r);

  console.log(`\n${consoleReport(thisRun, results)}`);
  if (write) {
    writeFileSync(BENCHMARKS_MD, rewriteSection(markdown, generatedSection(results, thisRun)));
    console.log(`\nwrote ${BENCHMARKS_MD}`);
  }
  // Benchmarks that failed make the run fail, after the others have been recorded.
  if (thisRun.some((r) => r.status === 'failed')) process.exitCode = 1;
}

await main();
