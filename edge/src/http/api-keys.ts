/**
 * Site API keys for the edge's directory API. A key is `hcck_<id>_<secret>`: a public 16-hex id and
 * a 256-bit random secret (base64url). Only the secret's SHA-256 is stored: the secret is random
 * and long, so a slow password hash (scrypt) would add latency to every request and no security.
 * Keys are created at the site (`hcc-edge api-key create`), shown once, revocable, and record when
 * they were last used. They never leave the site.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Clock, Db } from '@hcc/shared';
import { and, asc, eq, isNull, sql } from 'drizzle-orm';
import { apiKeys } from '../db/api-key-schema.ts';

const PREFIX = 'hcck_';
const KEY = /^hcck_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;
/** last_used_at is written at most this often per key (not on every request). */
const TOUCH_EVERY_MS = 60_000;

export interface ApiKeyInfo {
  id: string;
  label: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest();

export class ApiKeyStore {
  private readonly touched = new Map<string, number>();

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  /** Creates a key; the returned `key` is the only time the secret exists outside the caller. */
  async create(label: string): Promise<{ id: string; key: string }> {
    const l = label.trim();
    if (l === '' || l.length > 100) throw new Error('the label must be 1 to 100 characters');
    const id = randomBytes(8).toString('hex');
    const secret = randomBytes(32).toString('base64url');
    await this.db.insert(apiKeys).values({ id, label: l, secretSha256: sha256(secret).toString('hex') });
    return { id, key: `${PREFIX}${id}_${secret}` };
  }

  async list(): Promise<ApiKeyInfo[]> {
    return this.db
      .select({
        id: apiKeys.id,
        label: apiKeys.label,
        createdAt: apiKeys.createdAt,
        lastUsedAt: apiKeys.lastUsedAt,
        revokedAt: apiKeys.revokedAt,
      })
      .from(apiKeys)
      .orderBy(asc(apiKeys.createdAt));
  }

  /** Revokes a key at once (requests with it get 401); false when no active key has that id. */
  async revoke(id: string): Promise<boolean> {
    const r = await this.db
      .update(apiKeys)
      .set({ revokedAt: sql`now()` })
      .where(and(eq(apiKeys.id, id), isNull(apiKeys.revokedAt)))
      .returning({ id: apiKeys.id });
    return r.length > 0;
  }

  /** The key id when `key` is an active key, otherwise undefined. */
  async verify(key: string): Promise<string | undefined> {
    const m = KEY.exec(key);
    if (!m) return undefined;
    const [, id, secret] = m as unknown as [string, string, string];
    const [row] = await this.db
      .select({ hash: apiKeys.secretSha256, revokedAt: apiKeys.revokedAt })
      .from(apiKeys)
      .where(eq(apiKeys.id, id));
    if (!row || row.revokedAt) return undefined;
    const want = Buffer.from(row.hash, 'hex');
    const got = sha256(secret);
    if (want.length !== got.length || !timingSafeEqual(want, got)) return undefined;
    await this.touch(id);
    return id;
  }

  private async touch(id: string): Promise<void> {
    const now = this.clock.now();
    if (now - (this.touched.get(id) ?? Number.NEGATIVE_INFINITY) < TOUCH_EVERY_MS) return;
    this.touched.set(id, now);
    await this.db
      .update(apiKeys)
      .set({ lastUsedAt: new Date(now) })
      .where(eq(apiKeys.id, id));
  }
}
