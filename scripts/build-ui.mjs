#!/usr/bin/env node
// Builds the web console (ui/ → ui/dist) with Vite. Run by npm's `prepare` step, so `npm ci` builds
// it, and by `npm start` with --if-missing, so a checkout that skipped the install scripts still gets
// a console. Without Vite (an install that omitted dev dependencies) it says so and leaves the
// systems to run without a console rather than failing the install.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = `${root}ui/dist/index.html`;
if (process.argv.includes('--if-missing') && existsSync(dist)) process.exit(0);

let vite;
try {
  vite = await import(createRequire(`${root}package.json`).resolve('vite'));
} catch {
  console.warn('tandem: the web console is not built (vite is not installed: run `npm ci` with dev dependencies); the APIs work without it.');
  process.exit(0);
}
const startedMs = Date.now();
await vite.build({ configFile: `${root}ui/vite.config.ts`, logLevel: 'warn' });
console.log(`tandem: web console built into ui/dist in ${((Date.now() - startedMs) / 1000).toFixed(1)} s`);
