/**
 * Site API keys of the edge's directory API (`hcc-edge api-key create`). The key itself is shown once
 * and never stored: a row holds its public id and the SHA-256 of its secret part. Keys never leave
 * the site.
 */
import { pgTable, text, timestamp } from 'drizzle-orm/pg-core';

export const apiKeys = pgTable('api_keys', {
  /** The public part of the key (`hcck_<id>_<secret>`), shown by `api-key list`. */
  id: text('id').primaryKey(),
  /** What the operator called it, e.g. "crm-sync". */
  label: text('label').notNull(),
  /** Hex SHA-256 of the secret part (a 256-bit random value, so no slow hash is needed). */
  secretSha256: text('secret_sha256').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  lastUsedAt: timestamp('last_used_at', { withTimezone: true }),
  revokedAt: timestamp('revoked_at', { withTimezone: true }),
});
