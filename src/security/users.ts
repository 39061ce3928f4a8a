// Users of one system: the built-in admin and users added through the control API.
// Verified credentials are cached briefly by a digest of the Authorization header so that
// Basic auth on every request (as Cinder and gopowerstore do) does not pay scrypt each time.
import { createHash } from 'node:crypto';
import type { IdSource } from '../core/context.ts';
import { NameInUseError, ValidationError } from '../core/errors.ts';
import type { MetaStore } from '../core/meta-store.ts';
import type { Role, User } from '../core/model.ts';
import { checkEnum, checkName } from '../core/validate.ts';
import { generatePassword, hashPassword, verifyPassword } from './passwords.ts';

export const ROLES: readonly Role[] = ['Administrator', 'Storage_Administrator', 'Operator'];
const VERIFIED_CACHE_MAX = 1024;

export class UserDirectory {
  private readonly verified = new Map<string, string>(); // digest(user:password) → user id

  constructor(
    private readonly meta: MetaStore,
    private readonly ids: IdSource,
  ) {}

  /** Creates the admin user on first start; returns the password when it was generated. */
  ensureAdmin(passwordFromEnv: string | undefined): { generatedPassword: string | null } {
    if (this.findByName('admin')) return { generatedPassword: null };
    const password = passwordFromEnv && passwordFromEnv.length > 0 ? passwordFromEnv : generatePassword();
    this.meta.put('user', { id: this.ids.uuid(), name: 'admin', passwordHash: hashPassword(password), role: 'Administrator', tenant: null, isBuiltIn: true });
    return { generatedPassword: passwordFromEnv ? null : password };
  }

  create(input: { name: unknown; password: unknown; role: unknown; tenant?: unknown }): User {
    const name = checkName('name', input.name, 64);
    if (this.findByName(name)) throw new NameInUseError('user', name);
    if (typeof input.password !== 'string' || input.password.length < 8) throw new ValidationError('password must be a string of at least 8 characters.', 'password');
    const role = checkEnum('role', input.role, ROLES);
    const tenant = input.tenant === undefined || input.tenant === null ? null : checkName('tenant', input.tenant, 64);
    const user: User = { id: this.ids.uuid(), name, passwordHash: hashPassword(input.password), role, tenant, isBuiltIn: false };
    this.meta.put('user', user);
    return user;
  }

  findByName(name: string): User | undefined {
    return this.meta.list('user').find((u) => u.name === name);
  }

  get(id: string): User | undefined {
    return this.meta.get('user', id);
  }

  list(): User[] {
    return this.meta.list('user');
  }

  authenticate(name: string, password: string): User | null {
    const digest = createHash('sha256').update(`${name}\0${password}`).digest('base64');
    const cachedId = this.verified.get(digest);
    if (cachedId) {
      const user = this.get(cachedId);
      if (user && user.name === name) return user;
    }
    const user = this.findByName(name);
    if (!user || !verifyPassword(password, user.passwordHash)) return null;
    if (this.verified.size >= VERIFIED_CACHE_MAX) this.verified.clear();
    this.verified.set(digest, user.id);
    return user;
  }
}
