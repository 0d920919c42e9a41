/**
 * ACD tables of the edge (agent credentials). Kept out of schema.ts on purpose: the lead wires this
 * file into the drizzle config and generates the migration. Nothing here leaves the site.
 */
import { pgTable, text, timestamp } from 'drizzle-orm/pg-core';

/** Desktop login credentials of an agent (the bundle never carries secrets). */
export const agentCredentials = pgTable('agent_credentials', {
  /** Agent id of the config bundle. */
  agentId: text('agent_id').primaryKey(),
  /** Self-describing scrypt hash: `scrypt$N$r$p$<salt b64>$<hash b64>`. */
  passwordHash: text('password_hash').notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});
