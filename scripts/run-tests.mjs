#!/usr/bin/env node
// Runs every *.test.ts under src/, test/ and ui/src/ through node:test (with tsx) and closes with
// "N passed, N failed, N skipped" on its own line. Exits non-zero on any failure or when no test ran.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const roots = process.argv.slice(2).length > 0 ? process.argv.slice(2) : ['src', 'test', 'ui/src'];

function collect(path, out) {
  const stat = statSync(path, { throwIfNoEntry: false });
  if (!stat) return out;
  if (stat.isFile()) {
    if (path.endsWith('.test.ts')) out.push(path);
    return out;
  }
  for (const entry of readdirSync(path)) {
    if (entry === 'node_modules') continue;
    collect(join(path, entry), out);
  }
  return out;
}

const files = roots.flatMap((r) => collect(join(root, r), [])).sort();
if (files.length === 0) {
  console.log('no test files found');
  console.log('0 passed, 0 failed');
  process.exit(1);
}
const countsFile = join(mkdtempSync(join(tmpdir(), 'tandem-tests-')), 'counts.json');
const result = spawnSync(
  process.execPath,
  [
    '--import', 'tsx',
    '--test',
    '--test-concurrency=2',
    '--test-reporter=spec', '--test-reporter-destination=stdout',
    `--test-reporter=${join(root, 'scripts/count-reporter.mjs')}`, `--test-reporter-destination=${countsFile}`,
    ...files.map((f) => relative(root, f)),
  ],
  { cwd: root, stdio: 'inherit', env: { ...process.env, NODE_ENV: 'test' } },
);
let counts = { passed: 0, failed: 0, skipped: 0 };
try {
  counts = JSON.parse(readFileSync(countsFile, 'utf8'));
} catch {
  counts.failed += 1; // the reporter never finished: treat the run as failed
}
console.log(`${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`);
const ok = result.status === 0 && counts.failed === 0 && counts.passed > 0;
process.exit(ok ? 0 : 1);
