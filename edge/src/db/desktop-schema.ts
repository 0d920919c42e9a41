/**
 * Agent desktop tables of the edge: the disposition code and notes an agent records after a call,
 * and the agents' desktop password hashes. Notes are customer data: they stay on site with the
 * CDRs (never in events or logs); password hashes never leave the edge either.
 */
import { bigint, index, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';

/** One row per (interaction, agent): what the agent recorded in wrap-up (last write wins). */
export const callDispositions = pgTable(
  'call_dispositions',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    interactionId: text('interaction_id').notNull(),
    agentId: text('agent_id').notNull(),
    /** A code of the desktop's disposition list, e.g. "resolved", "callback". */
    code: text('code').notNull(),
    notes: text('notes').notNull().default(''),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('call_dispositions_interaction_agent_idx').on(t.interactionId, t.agentId),
    index('call_dispositions_agent_idx').on(t.agentId, t.createdAt),
  ],
);

/** One scrypt hash per agent (the desktop login); set by provisioning, never sent anywhere. */
export const agentCredentials = pgTable('agent_credentials', {
  agentId: text('agent_id').primaryKey(),
  /** `scrypt$N$r$p$salt$hash` as @hcc/shared's hashPassword writes it. */
  passwordHash: text('password_hash').notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});
