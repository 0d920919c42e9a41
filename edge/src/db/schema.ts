import { bigint, customType, index, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

const bytea = customType<{ data: Uint8Array; driverData: Uint8Array }>({
  dataType: () => 'bytea',
  fromDriver: (v) => new Uint8Array(v),
});

/**
 * Every config bundle this edge received, applied or rejected, newest version last. The latest
 * applied row is what the edge runs; it boots from it when NATS is not reachable.
 */
export const configVersions = pgTable(
  'config_versions',
  {
    version: bigint('version', { mode: 'bigint' }).primaryKey(),
    signingKeyId: text('signing_key_id').notNull(),
    bundle: bytea('bundle').notNull(),
    receivedAt: timestamp('received_at', { withTimezone: true }).notNull().defaultNow(),
    appliedAt: timestamp('applied_at', { withTimezone: true }),
    /** `applied` or `rejected`. */
    status: text('status').notNull(),
    /** Reject reason code (an identifier, never free text). */
    rejectReason: text('reject_reason'),
  },
  (t) => [index('config_versions_status_idx').on(t.status, t.version)],
);
