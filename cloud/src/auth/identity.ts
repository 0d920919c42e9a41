import { createHash, randomBytes } from 'node:crypto';
import { type Db, uuid7 } from '@hcc/shared';
import { and, eq, gt, isNull } from 'drizzle-orm';
import { apiKeys, sessions, tenants, users } from '../db/schema.ts';
import { asSystem, withTenant } from '../db/tenant.ts';
import { ConflictError, NotFoundError } from '../errors.ts';
import { hashPassword, verifyPassword } from './passwords.ts';
import { isRole, type Principal, type Role } from './roles.ts';

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const SESSION_MS = 12 * 3600_000;
/** API key format: `hcck_<12 hex id>_<43 char secret>`; the prefix makes leaked keys easy to scan for. */
export const API_KEY_PATTERN = /^hcck_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;

export interface UserView {
  id: string;
  email: string;
  displayName: string;
  role: Role;
  createdAt: Date;
  disabled: boolean;
}

/**
 * Users, console sessions and API keys. Login and key lookup are the only cross-tenant reads (the
 * tenant is not known yet); they run as hcc_system and return a Principal. Everything else runs
 * tenant-scoped.
 */
export class IdentityService {
  constructor(private readonly db: Db) {}

  async createTenant(id: string, name: string): Promise<void> {
    await asSystem(this.db, (tx) => tx.insert(tenants).values({ id, name }).onConflictDoNothing());
  }

  async createUser(
    tenantId: string,
    u: { email: string; displayName: string; role: Role; password: string },
  ): Promise<UserView> {
    const id = uuid7();
    const passwordHash = await hashPassword(u.password);
    const email = u.email.toLowerCase();
    const taken = await asSystem(this.db, (tx) =>
      tx.select({ id: users.id }).from(users).where(eq(users.email, email)),
    );
    if (taken.length) throw new ConflictError('a user with this e-mail exists');
    await withTenant(this.db, tenantId, (tx) =>
      tx
        .insert(users)
        .values({ id, tenantId, email, displayName: u.displayName, role: u.role, passwordHash }),
    );
    return { id, email, displayName: u.displayName, role: u.role, createdAt: new Date(), disabled: false };
  }

  async listUsers(tenantId: string): Promise<UserView[]> {
    const rows = await withTenant(this.db, tenantId, (tx) => tx.select().from(users).orderBy(users.email));
    return rows.map((r) => ({
      id: r.id,
      email: r.email,
      displayName: r.displayName,
      role: r.role as Role,
      createdAt: r.createdAt,
      disabled: r.disabledAt !== null,
    }));
  }

  private dummy: Promise<string> | undefined;
  private dummyHash(): Promise<string> {
    this.dummy ??= hashPassword(randomBytes(16).toString('base64url'));
    return this.dummy;
  }

  /** Returns a new session token, or undefined for a wrong e-mail or password (same answer for both). */
  async login(email: string, password: string): Promise<{ token: string; principal: Principal } | undefined> {
    const [u] = await asSystem(this.db, (tx) =>
      tx
        .select()
        .from(users)
        .where(and(eq(users.email, email.toLowerCase()), isNull(users.disabledAt))),
    );
    // An unknown or disabled user costs the same scrypt work as a wrong password: the answer's
    // timing must not tell which e-mail addresses exist.
    const ok = await verifyPassword(password, u?.passwordHash ?? (await this.dummyHash()));
    if (!u || !ok || !isRole(u.role)) return undefined;
    const token = randomBytes(32).toString('base64url');
    await withTenant(this.db, u.tenantId, (tx) =>
      tx.insert(sessions).values({
        id: sha256(token),
        tenantId: u.tenantId,
        userId: u.id,
        expiresAt: new Date(Date.now() + SESSION_MS),
      }),
    );
    return {
      token,
      principal: {
        tenantId: u.tenantId,
        role: u.role,
        subject: `user:${u.id}`,
        userId: u.id,
        email: u.email,
      },
    };
  }

  async session(token: string): Promise<Principal | undefined> {
    const [row] = await asSystem(this.db, (tx) =>
      tx
        .select({ tenantId: sessions.tenantId, userId: users.id, role: users.role, email: users.email })
        .from(sessions)
        .innerJoin(users, eq(users.id, sessions.userId))
        .where(
          and(
            eq(sessions.id, sha256(token)),
            isNull(sessions.revokedAt),
            gt(sessions.expiresAt, new Date()),
            isNull(users.disabledAt),
          ),
        ),
    );
    if (!row || !isRole(row.role)) return undefined;
    return {
      tenantId: row.tenantId,
      role: row.role,
      subject: `user:${row.userId}`,
      userId: row.userId,
      email: row.email,
    };
  }

  async logout(token: string): Promise<void> {
    await asSystem(this.db, (tx) =>
      tx
        .update(sessions)
        .set({ revokedAt: new Date() })
        .where(eq(sessions.id, sha256(token))),
    );
  }

  /** Creates an API key of the tenant; the full key is returned once and never stored. */
  async createApiKey(p: Principal, name: string, role: Role): Promise<{ id: string; key: string }> {
    const id = randomBytes(6).toString('hex');
    const secret = randomBytes(32).toString('base64url');
    await withTenant(this.db, p.tenantId, (tx) =>
      tx
        .insert(apiKeys)
        .values({ id, tenantId: p.tenantId, name, role, secretHash: sha256(secret), createdBy: p.subject }),
    );
    return { id, key: `hcck_${id}_${secret}` };
  }

  async listApiKeys(tenantId: string) {
    return withTenant(this.db, tenantId, (tx) =>
      tx
        .select({
          id: apiKeys.id,
          name: apiKeys.name,
          role: apiKeys.role,
          createdAt: apiKeys.createdAt,
          lastUsedAt: apiKeys.lastUsedAt,
          revokedAt: apiKeys.revokedAt,
        })
        .from(apiKeys)
        .orderBy(apiKeys.createdAt),
    );
  }

  async revokeApiKey(tenantId: string, id: string): Promise<void> {
    const rows = await withTenant(this.db, tenantId, (tx) =>
      tx
        .update(apiKeys)
        .set({ revokedAt: new Date() })
        .where(eq(apiKeys.id, id))
        .returning({ id: apiKeys.id }),
    );
    if (rows.length === 0) throw new NotFoundError(`API key ${id}`);
  }

  async apiKey(key: string): Promise<Principal | undefined> {
    const m = API_KEY_PATTERN.exec(key);
    if (!m) return undefined;
    const [, id, secret] = m;
    const [row] = await asSystem(this.db, (tx) =>
      tx
        .select()
        .from(apiKeys)
        .where(and(eq(apiKeys.id, id!), isNull(apiKeys.revokedAt))),
    );
    if (!row || row.secretHash !== sha256(secret!) || !isRole(row.role)) return undefined;
    await asSystem(this.db, (tx) =>
      tx.update(apiKeys).set({ lastUsedAt: new Date() }).where(eq(apiKeys.id, id!)),
    );
    return { tenantId: row.tenantId, role: row.role, subject: `key:${row.id}` };
  }
}
