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
  /**
   * ETERNUS request (/api/v1) with `Authorization: Bearer` of an admin session opened on first use
   * (and again if it expired), unless headers carry their own authorization.
   */
  et(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<Reply>;
  /** Opens an ETERNUS session and returns `Bearer <token>` for the headers of et(). */
  etLogin(user?: string, password?: string): Promise<string>;
  /** Control API request. */
  control(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<Reply>;
  close(): Promise<void>;
}

export function basic(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

/** `ports`: listen on these (a restart keeps its ports, so its peer finds it again); free ones by default. */
export async function startTestSystem(options: { name?: string; clock?: Clock; peerFaultClock?: Clock; dataDir?: string; keepData?: boolean; ports?: { https: number; nbd: number; peer: number } } = {}): Promise<TestSystem> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'tandem-test-'));
  const system = await startSystem({
    name: options.name ?? 'test-system',
    dataDir,
    host: '127.0.0.1',
    httpsPort: options.ports?.https ?? 0,
    nbdPort: options.ports?.nbd ?? 0,
    peerPort: options.ports?.peer ?? 0,
    adminPassword: ADMIN_PASSWORD,
    clock: options.clock,
    peerFaultClock: options.peerFaultClock,
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
  const etLogin = async (user = 'admin', password = ADMIN_PASSWORD): Promise<string> => {
    const r = await inject('/api/v1', 'POST', '/session', { user_name: user, password }, { authorization: '' });
    if (r.status !== 200) throw new Error(`ETERNUS login as ${user} failed: ${r.status} ${JSON.stringify(r.body)}`);
    return `Bearer ${r.body.token}`;
  };
  let adminBearer: string | null = null;
  const et = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply> => {
    if (headers.authorization !== undefined) return inject('/api/v1', method, path, body, headers);
    adminBearer ??= await etLogin();
    const first = await inject('/api/v1', method, path, body, { ...headers, authorization: adminBearer });
    if (first.status !== 401) return first;
    adminBearer = await etLogin();
    return inject('/api/v1', method, path, body, { ...headers, authorization: adminBearer });
  };
  return {
    system,
    dataDir,
    et,
    etLogin,
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
