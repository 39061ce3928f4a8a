// ETERNUS sessions (research/eternus-api.md §1.2): POST /session gives a token that lasts
// ETERNUS_TOKEN_LIFETIME_SECONDS from issue and is not extended by use, optionally with a refresh
// token that can obtain new tokens for 10 hours. A session without a refresh token ends when its
// token expires. Requests carry `Authorization: Bearer <token>`; an unknown or expired token is 401.
// Sessions live in memory: after a restart clients log in again, as after a controller reboot.
import { randomBytes } from 'node:crypto';
import type { Clock } from '../../core/clock.ts';
import { DomainError, ForbiddenError } from '../../core/errors.ts';
import type { Role, User } from '../../core/model.ts';
import type { UserDirectory } from '../../security/users.ts';
import {
  ETERNUS_REFRESH_TOKEN_LIFETIME_SECONDS,
  ETERNUS_SESSION_ID_FIRST,
  ETERNUS_SESSIONS_MAX,
  ETERNUS_TOKEN_LIFETIME_SECONDS,
} from './limits.ts';

export interface EternusSession {
  id: number;
  userId: string;
  token: string;
  tokenExpiresMs: number;
  refreshToken: string | null;
  refreshExpiresMs: number | null;
}

/** Policies as the Web GUI names them, spelled with underscores as REST privilege names are. */
export type Policy =
  | 'Status_Display'
  | 'RAID_Group_Management'
  | 'Volume_Create_Modify'
  | 'Volume_Delete_Format'
  | 'Host_Interface_Management'
  | 'Advanced_Copy_Management'
  | 'Copy_Session_Management'
  | 'Storage_Management'
  | 'User_Management'
  | 'Authentication_Role'
  | 'Security_Setting'
  | 'Maintenance_Information'
  | 'Maintenance_Operation';

const ALL_POLICIES: readonly Policy[] = [
  'Status_Display',
  'RAID_Group_Management',
  'Volume_Create_Modify',
  'Volume_Delete_Format',
  'Host_Interface_Management',
  'Advanced_Copy_Management',
  'Copy_Session_Management',
  'Storage_Management',
  'User_Management',
  'Authentication_Role',
  'Security_Setting',
  'Maintenance_Information',
  'Maintenance_Operation',
];

/** Tandem's roles seen as ETERNUS default roles (Web GUI User's Guide App. A). */
export const ETERNUS_ROLES: Record<Role, { name: string; policies: readonly Policy[] }> = {
  Administrator: { name: 'Admin', policies: ALL_POLICIES },
  Storage_Administrator: {
    name: 'StorageAdmin',
    policies: [
      'Status_Display',
      'RAID_Group_Management',
      'Volume_Create_Modify',
      'Volume_Delete_Format',
      'Host_Interface_Management',
      'Advanced_Copy_Management',
      'Copy_Session_Management',
      'Storage_Management',
    ],
  },
  Operator: { name: 'Monitor', policies: ['Status_Display'] },
};

/**
 * Route options the plugin's onRequest hook reads: the policy a route needs (403 before the route
 * looks at its body, ids or state) and the query parameters a mutation accepts (none unless named).
 */
export interface EternusRouteConfig {
  policy?: Policy;
  query?: readonly string[];
}

declare module 'fastify' {
  interface FastifyContextConfig extends EternusRouteConfig {}
}

export function requirePolicy(user: User, policy: Policy): void {
  if (!ETERNUS_ROLES[user.role].policies.includes(policy)) {
    throw new ForbiddenError(`user ${user.name} with role ${ETERNUS_ROLES[user.role].name} lacks the ${policy} policy`);
  }
}

export class EternusSessions {
  private readonly byId = new Map<number, EternusSession>();
  private readonly byToken = new Map<string, EternusSession>();
  private readonly byRefresh = new Map<string, EternusSession>();
  private nextId = ETERNUS_SESSION_ID_FIRST;

  constructor(
    private readonly users: Pick<UserDirectory, 'authenticate' | 'get'>,
    private readonly clock: Clock,
  ) {}

  login(userName: string, password: string, withRefresh: boolean): EternusSession {
    const user = this.users.authenticate(userName, password);
    if (!user) throw unauthenticated('user_name or password');
    this.purgeExpired();
    if (this.byId.size >= ETERNUS_SESSIONS_MAX) this.remove(this.byId.values().next().value!);
    const nowMs = this.clock.nowMs();
    const session: EternusSession = {
      id: this.nextId++,
      userId: user.id,
      token: newSecret(),
      tokenExpiresMs: nowMs + ETERNUS_TOKEN_LIFETIME_SECONDS * 1000,
      refreshToken: withRefresh ? newSecret() : null,
      refreshExpiresMs: withRefresh ? nowMs + ETERNUS_REFRESH_TOKEN_LIFETIME_SECONDS * 1000 : null,
    };
    this.byId.set(session.id, session);
    this.byToken.set(session.token, session);
    if (session.refreshToken) this.byRefresh.set(session.refreshToken, session);
    return session;
  }

  /** A new token for the session of a live refresh token; the session id and refresh token stay. */
  refresh(refreshToken: string): EternusSession {
    this.purgeExpired();
    const session = this.byRefresh.get(refreshToken);
    if (!session || !this.users.get(session.userId)) throw unauthenticated('refresh_token');
    this.byToken.delete(session.token);
    session.token = newSecret();
    session.tokenExpiresMs = Math.min(this.clock.nowMs() + ETERNUS_TOKEN_LIFETIME_SECONDS * 1000, session.refreshExpiresMs!);
    this.byToken.set(session.token, session);
    return session;
  }

  authenticate(authorization: string | undefined): { user: User; session: EternusSession } {
    const match = /^bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
    if (!match) throw unauthenticated('Authorization');
    const session = this.byToken.get(match[1]!);
    if (!session || this.clock.nowMs() >= session.tokenExpiresMs) {
      if (session) this.expireToken(session);
      throw unauthenticated('token');
    }
    const user = this.users.get(session.userId);
    if (!user) throw unauthenticated('token');
    return { user, session };
  }

  logout(session: EternusSession): void {
    this.remove(session);
  }

  /** Seconds left on the session's token, rounded up. */
  lifetimeSeconds(session: EternusSession): number {
    return Math.max(0, Math.ceil((session.tokenExpiresMs - this.clock.nowMs()) / 1000));
  }

  private expireToken(session: EternusSession): void {
    this.byToken.delete(session.token);
    const refreshAlive = session.refreshExpiresMs !== null && this.clock.nowMs() < session.refreshExpiresMs;
    if (!refreshAlive) this.remove(session);
  }

  private purgeExpired(): void {
    const nowMs = this.clock.nowMs();
    for (const session of [...this.byId.values()]) {
      if (nowMs >= session.tokenExpiresMs) this.expireToken(session);
    }
  }

  private remove(session: EternusSession): void {
    this.byId.delete(session.id);
    this.byToken.delete(session.token);
    if (session.refreshToken) this.byRefresh.delete(session.refreshToken);
  }
}

function newSecret(): string {
  return randomBytes(24).toString('base64url');
}

function unauthenticated(factor: string): DomainError {
  return new DomainError('UNAUTHENTICATED', `authentication failed: ${factor}`);
}
