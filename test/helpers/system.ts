// Starts a real system in a temp directory on free loopback ports, and talks to its PowerStore
// API in-process through Fastify's inject (no sockets), authenticated as admin by default.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Clock } from '../../src/core/clock.ts';
import { startSystem, type RunningSystem } from '../../src/system.ts';

export const ADMIN_PASSWORD = 'Admin-Password-1';

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | number | undefined>;
  body: any;
}

export interface TestSystem {
  system: RunningSystem;
  dataDir: string;
  /** PowerStore request as admin (Basic auth) unless headers say otherwise. */
  ps(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<Reply>;
  /** Control API request. */
  control(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<Reply>;
  close(): Promise<void>;
}

export function basic(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

export async function startTestSystem(options: { name?: string; clock?: Clock; dataDir?: string; keepData?: boolean } = {}): Promise<TestSystem> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'tandem-test-'));
  const system = await startSystem({
    name: options.name ?? 'test-system',
    dataDir,
    host: '127.0.0.1',
    httpsPort: 0,
    nbdPort: 0,
    peerPort: 0,
    adminPassword: ADMIN_PASSWORD,
    clock: options.clock,
  });
  const inject = async (prefix: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply> => {
    const response = await system.http.inject({
      method: method as never,
      url: `${prefix}${path}`,
      headers: { authorization: basic('admin', ADMIN_PASSWORD), 'content-type': 'application/json', ...headers },
      ...(body === undefined ? {} : { payload: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    let parsed: unknown = undefined;
    if (response.body.length > 0) {
      try {
        parsed = JSON.parse(response.body);
      } catch {
        parsed = response.body;
      }
    }
    return { status: response.statusCode, headers: response.headers, body: parsed };
  };
  return {
    system,
    dataDir,
    ps: (method, path, body, headers) => inject('/api/rest', method, path, body, headers),
    control: (method, path, body, headers) => inject('/tandem/v1', method, path, body, headers),
    close: async () => {
      await system.close();
      if (!options.keepData) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export const GiB = 1024 ** 3;
export const MiB = 1024 ** 2;
