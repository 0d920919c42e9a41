import { createHash, randomBytes } from 'node:crypto';
import { type Db, type Logger, uuid7 } from '@hcc/shared';
import { and, desc, eq, isNull, sql } from 'drizzle-orm';
import type { Principal } from '../auth/roles.ts';
import { enrollmentTokens, sites } from '../db/schema.ts';
import { asSystem, withTenant } from '../db/tenant.ts';
import { NotFoundError, ValidationError } from '../errors.ts';

/** Token text: `hcce_` + 32 random bytes (base64url, 43 characters). Only its SHA-256 is stored. */
const TOKEN_RE = /^hcce_[A-Za-z0-9_-]{43}$/;
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

export const DEFAULT_TOKEN_TTL_MINUTES = 24 * 60;
export const MIN_TOKEN_TTL_MINUTES = 5;
export const MAX_TOKEN_TTL_MINUTES = 7 * 24 * 60;

export type TokenRefusal = 'malformed' | 'unknown' | 'used' | 'expired' | 'revoked';

/** A presented enrollment token cannot be used; `reason` says why (the API maps each to a status). */
export class EnrollmentTokenError extends Error {
  override readonly name = 'EnrollmentTokenError';
  constructor(readonly reason: TokenRefusal) {
    super(
      {
        malformed: 'not an enrollment token (expected hcce_ followed by 43 characters)',
        unknown: 'unknown enrollment token',
        used: 'enrollment token already used',
        expired: 'enrollment token expired',
        revoked: 'enrollment token revoked',
      }[reason],
    );
  }
}

export interface IssuedToken {
  id: string;
  siteId: string;
  /** The secret: shown once, never stored. */
  token: string;
  expiresAt: string;
}

export interface TokenView {
  id: string;
  siteId: string;
  createdBy: string;
  createdAt: string;
  expiresAt: string;
  usedAt: string | null;
  usedFrom: string | null;
  revokedAt: string | null;
  state: 'pending' | 'used' | 'expired' | 'revoked';
}

/** A consumed token: whose site it enrolls. */
export interface ConsumedToken {
  id: string;
  tenantId: string;
  siteId: string;
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/**
 * One-time enrollment tokens: made by an ops user for one site of their tenant, consumed once by the
 * site's `hcc-edge enroll` (an UPDATE ... WHERE used_at IS NULL: single use even under a race).
 */
export class EnrollmentTokens {
  constructor(
    private readonly db: Db,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  /** A new token for a site of the caller's tenant (404 for any other site). */
  async create(p: Principal, siteId: string, ttlMinutes = DEFAULT_TOKEN_TTL_MINUTES): Promise<IssuedToken> {
    if (
      !Number.isInteger(ttlMinutes) ||
      ttlMinutes < MIN_TOKEN_TTL_MINUTES ||
      ttlMinutes > MAX_TOKEN_TTL_MINUTES
    )
      throw new ValidationError([
        {
          field: 'expiresInMinutes',
          problem: `an integer from ${MIN_TOKEN_TTL_MINUTES} to ${MAX_TOKEN_TTL_MINUTES}`,
        },
      ]);
    const token = `hcce_${randomBytes(32).toString('base64url')}`;
    const id = uuid7();
    const expiresAt = new Date(this.now() + ttlMinutes * 60_000);
    await withTenant(this.db, p.tenantId, async (tx) => {
      // Row-level security: another tenant's site is simply not there.
      const [site] = await tx.select({ id: sites.id }).from(sites).where(eq(sites.id, siteId));
      if (!site) throw new NotFoundError(`site ${siteId}`);
      await tx.insert(enrollmentTokens).values({
        id,
        tenantId: p.tenantId,
        siteId,
        tokenHash: sha256(token),
        createdBy: p.subject,
        expiresAt,
      });
    });
    this.log.info(
      { tenant: p.tenantId, site: siteId, token_id: id, by: p.subject, expires_at: expiresAt.toISOString() },
      'enrollment token created',
    );
    return { id, siteId, token, expiresAt: expiresAt.toISOString() };
  }

  /** The site's tokens, newest first (never the secret). */
  async list(tenantId: string, siteId: string): Promise<TokenView[]> {
    const rows = await withTenant(this.db, tenantId, (tx) =>
      tx
        .select()
        .from(enrollmentTokens)
        .where(eq(enrollmentTokens.siteId, siteId))
        .orderBy(desc(enrollmentTokens.createdAt)),
    );
    const now = this.now();
    return rows.map((r) => ({
      id: r.id,
      siteId: r.siteId,
      createdBy: r.createdBy,
      createdAt: r.createdAt.toISOString(),
      expiresAt: r.expiresAt.toISOString(),
      usedAt: iso(r.usedAt),
      usedFrom: r.usedFrom,
      revokedAt: iso(r.revokedAt),
      state: r.usedAt
        ? 'used'
        : r.revokedAt
          ? 'revoked'
          : r.expiresAt.getTime() <= now
            ? 'expired'
            : 'pending',
    }));
  }

  /** Revokes a pending token of the site (404 when there is none by that id). */
  async revoke(p: Principal, siteId: string, id: string): Promise<void> {
    const done = await withTenant(this.db, p.tenantId, (tx) =>
      tx
        .update(enrollmentTokens)
        .set({ revokedAt: new Date(this.now()) })
        .where(
          and(
            eq(enrollmentTokens.id, id),
            eq(enrollmentTokens.siteId, siteId),
            isNull(enrollmentTokens.usedAt),
            isNull(enrollmentTokens.revokedAt),
          ),
        )
        .returning({ id: enrollmentTokens.id }),
    );
    if (done.length === 0) throw new NotFoundError(`pending enrollment token ${id} of site ${siteId}`);
    this.log.info(
      { tenant: p.tenantId, site: siteId, token_id: id, by: p.subject },
      'enrollment token revoked',
    );
  }

  /**
   * Marks the token used by `from` and returns its site, or throws EnrollmentTokenError saying why
   * not (and changes nothing). A cross-tenant path: the token alone says whose site it is.
   */
  async consume(token: string, from: string): Promise<ConsumedToken> {
    if (!TOKEN_RE.test(token)) throw new EnrollmentTokenError('malformed');
    const hash = sha256(token);
    const now = new Date(this.now());
    return asSystem(this.db, async (tx) => {
      const [won] = await tx
        .update(enrollmentTokens)
        .set({ usedAt: now, usedFrom: from })
        .where(
          and(
            eq(enrollmentTokens.tokenHash, hash),
            isNull(enrollmentTokens.usedAt),
            isNull(enrollmentTokens.revokedAt),
            sql`${enrollmentTokens.expiresAt} > ${now}`,
          ),
        )
        .returning({
          id: enrollmentTokens.id,
          tenantId: enrollmentTokens.tenantId,
          siteId: enrollmentTokens.siteId,
        });
      if (won) {
        this.log.info(
          { tenant: won.tenantId, site: won.siteId, token_id: won.id, from },
          'enrollment token used',
        );
        return won;
      }
      const [row] = await tx.select().from(enrollmentTokens).where(eq(enrollmentTokens.tokenHash, hash));
      const reason: TokenRefusal = !row
        ? 'unknown'
        : row.usedAt
          ? 'used'
          : row.revokedAt
            ? 'revoked'
            : 'expired';
      this.log.warn(
        { token_id: row?.id, site: row?.siteId, tenant: row?.tenantId, from, reason },
        'enrollment token refused',
      );
      throw new EnrollmentTokenError(reason);
    });
  }

  /** Gives a consumed token back when the enrollment it started failed (the hub was unreachable, say). */
  async release(t: ConsumedToken): Promise<void> {
    await asSystem(this.db, (tx) =>
      tx.update(enrollmentTokens).set({ usedAt: null, usedFrom: null }).where(eq(enrollmentTokens.id, t.id)),
    );
    this.log.warn(
      { tenant: t.tenantId, site: t.siteId, token_id: t.id },
      'enrollment failed: token released',
    );
  }
}
