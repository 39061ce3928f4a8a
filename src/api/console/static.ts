// The web console's files, built from ui/ into ui/dist (npm's prepare step), served at / on every
// system's HTTPS port. Routes are made for the files found at start-up (no wildcard route), so the
// API prefixes keep their own not-found answers; a GET of any other path that asks for HTML gets
// index.html (the console's own routes live after `#`, but a reload of a pasted path still works).
// A bundle rebuilt while the system runs (`npm run build:ui`) has new file names: the not-found
// handler serves those from ui/dist/assets too, so the new index.html finds them without a restart.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

export const CONSOLE_DIST_DIR = fileURLToPath(new URL('../../../ui/dist/', import.meta.url));

/** Paths the console never answers for: the APIs, the metrics and Swagger UI keep their own 404s. */
const API_PATH = /^\/(api|tandem|metrics|swaggerui)(\/|$|\?)/;

/** Names Vite gives the bundle's files: no directory, no dot-dot. */
const ASSET_PATH = /^\/assets\/[A-Za-z0-9_-][A-Za-z0-9._-]*$/;
const IMMUTABLE = 'public, max-age=31536000, immutable';

/** Registers the console's files; returns their directory, or null when the console was not built (then / stays an API 404). */
export async function registerConsoleFiles(app: FastifyInstance, distDir: string = CONSOLE_DIST_DIR): Promise<string | null> {
  if (!existsSync(join(distDir, 'index.html'))) return null;
  await app.register(fastifyStatic, {
    root: distDir,
    wildcard: false,
    index: ['index.html'],
    // Vite names bundles by content hash: they never change under the same name. index.html does.
    setHeaders: (reply, path) => reply.header('cache-control', path.endsWith('.html') ? 'no-cache' : IMMUTABLE),
  });
  return distDir;
}

/** For the not-found handler: answers a browser's GET outside the APIs with the console page. */
export function answerWithConsole(request: FastifyRequest, reply: FastifyReply, distDir: string | null): boolean {
  if (distDir === null || request.method !== 'GET') return false;
  const path = request.url.split('?')[0]!;
  if (ASSET_PATH.test(path) && existsSync(join(distDir, path))) {
    void reply.header('cache-control', IMMUTABLE).sendFile(path.slice(1));
    return true;
  }
  if (API_PATH.test(path) || !(request.headers.accept ?? '').includes('text/html')) return false;
  void reply.header('cache-control', 'no-cache').sendFile('index.html');
  return true;
}
