// PowerStore authentication (research/powerstore-api.md §1.3–1.7): HTTP Basic on any request;
// a login session (auth_cookie + DELL-EMC-TOKEN) created on the first authenticated request;
// cookie-only requests that change state must carry the session's token (403 otherwise, which
// gopowerstore answers by logging in again). Sessions expire after idle_timeout without use.
import { randomBytes } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { Clock } from '../../core/clock.ts';
import { DomainError, ForbiddenError } from '../../core/errors.ts';
import type { Role, User } from '../../core/model.ts';
import { POWERSTORE_IDLE_TIMEOUT_SECONDS } from '../../limits.ts';
import type { UserDirectory } from '../../security/users.ts';

/** Bound on live login sessions; the least recently used is dropped beyond it. */
const LOGIN_SESSIONS_MAX = 4096;

export interface LoginSession {
  id: string;
  cookie: string;
  token: string;
  userId: string;
  lastUsedMs: number;
}

export const ROLE_IDS: Record<Role, string> = { Administrator: '1', Storage_Administrator: '2', Operator: '3' };

export interface Authenticated {
  user: User;
  session: LoginSession;
}

export class PowerStoreAuth {
  private readonly byCookie = new Map<string, LoginSession>();

  constructor(
    private readonly users: Pick<UserDirectory, 'authenticate' | 'get'>,
    private readonly clock: Clock,
  ) {}

  /** Authenticates a request; throws UNAUTHENTICATED (401) or FORBIDDEN (403). */
  authenticate(headers: { authorization?: string; cookie?: string; token?: string }, isMutation: boolean): Authenticated {
    const basic = parseBasic(headers.authorization);
    if (basic) {
      const user = this.users.authenticate(basic.name, basic.password);
      if (!user) throw unauthenticated();
      const fromCookie = this.sessionFromCookie(headers.cookie);
      const session = fromCookie && fromCookie.userId === user.id ? fromCookie : this.newSession(user);
      return { user, session: this.touch(session) };
    }
    const session = this.sessionFromCookie(headers.cookie);
    if (!session) throw unauthenticated();
    const user = this.users.get(session.userId);
    if (!user) throw unauthenticated();
    if (isMutation && headers.token !== session.token) throw new ForbiddenError('The DELL-EMC-TOKEN header is missing or does not match this session.');
    return { user, session: this.touch(session) };
  }

  logout(session: LoginSession): void {
    this.byCookie.delete(session.cookie);
  }

  idleTimeoutSeconds(): number {
    return POWERSTORE_IDLE_TIMEOUT_SECONDS;
  }

  private sessionFromCookie(cookieHeader: string | undefined): LoginSession | null {
    const cookie = parseCookie(cookieHeader, 'auth_cookie');
    if (!cookie) return null;
    const session = this.byCookie.get(cookie);
    if (!session) return null;
    if (this.clock.nowMs() - session.lastUsedMs > POWERSTORE_IDLE_TIMEOUT_SECONDS * 1000) {
      this.byCookie.delete(cookie);
      return null;
    }
    return session;
  }

  private newSession(user: User): LoginSession {
    if (this.byCookie.size >= LOGIN_SESSIONS_MAX) {
      const oldest = [...this.byCookie.values()].sort((a, b) => a.lastUsedMs - b.lastUsedMs)[0]!;
      this.byCookie.delete(oldest.cookie);
    }
    const session: LoginSession = {
      id: randomBytes(16).toString('hex'),
      cookie: randomBytes(24).toString('base64url'),
      token: randomBytes(24).toString('hex'),
      userId: user.id,
      lastUsedMs: this.clock.nowMs(),
    };
    this.byCookie.set(session.cookie, session);
    return session;
  }

  private touch(session: LoginSession): LoginSession {
    session.lastUsedMs = this.clock.nowMs();
    return session;
  }
}

/** What each role may change. Operators only read; Storage Administrators may not manage users. */
export function checkRoleMayMutate(user: User, area: 'storage' | 'security'): void {
  if (user.role === 'Operator') throw new ForbiddenError(`User ${user.name} with role Operator may only read.`);
  if (area === 'security' && user.role !== 'Administrator') {
    throw new ForbiddenError(`User ${user.name} with role ${user.role} may not manage security settings.`);
  }
}

/** Route option of POSTs that change nothing (logout, query_appliances): every role may call them. */
declare module 'fastify' {
  interface FastifyContextConfig {
    /** A PowerStore POST that only reads (any role may call it). */
    readOnly?: boolean;
  }
}

export const READ_ONLY_ROUTE = { config: { readOnly: true } } as const;

export function isReadOnlyRoute(request: FastifyRequest): boolean {
  return (request.routeOptions.config as { readOnly?: boolean } | undefined)?.readOnly === true;
}

function unauthenticated(): DomainError {
  return new DomainError('UNAUTHENTICATED', 'Access forbidden: Authentication required.');
}

function parseBasic(header: string | undefined): { name: string; password: string } | null {
  if (!header || !/^basic /i.test(header)) return null;
  const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return null;
  return { name: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

function parseCookie(header: string | undefined, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) return rest.join('=') || null;
  }
  return null;
}
