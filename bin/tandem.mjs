#!/usr/bin/env node
// Entry point for `npx tandem`: runs the TypeScript CLI through tsx so that no build step is needed.
// The engine reads and writes segment files through libuv's thread pool; 4 threads (the default)
// leave queue-depth-32 NBD clients waiting on each other, so the pool is sized before first use.
process.env.UV_THREADPOOL_SIZE ??= '16';
const { register } = await import('tsx/esm/api');
register();
await import('../src/cli/main.ts');
