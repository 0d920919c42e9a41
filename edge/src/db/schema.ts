import {
  bigint,
  bigserial,
  customType,
  index,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';

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

/**
 * Events journal (outbox). A row is written in the same transaction as the state change it
 * describes, and gets the site's gapless `seq` (Event.seq) in the statement that writes it, from the
 * site's state row (whose lock, held to the commit, makes seqs commit in order); rows are kept until
 * the cloud's ingest watermark covers their seq. `payload` is the encoded hcc.events.v1.Event
 * without its seq field; the published bytes are `payload` + the encoded seq field.
 */
export const eventOutbox = pgTable(
  'event_outbox',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    seq: bigint('seq', { mode: 'number' }).notNull(),
    eventId: text('event_id').notNull(),
    /** Subject kind token (names.eventKind). */
    kind: text('kind').notNull(),
    payload: bytea('payload').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('event_outbox_seq_uq').on(t.seq)],
);

/**
 * One row per site: the last seq given out (by the writers, under this row's lock), the highest seq the local
 * stream acknowledged, and the highest seq the cloud confirmed (rows up to it are deleted).
 */
export const eventOutboxState = pgTable('event_outbox_state', {
  siteId: text('site_id').primaryKey(),
  lastSeq: bigint('last_seq', { mode: 'number' }).notNull().default(0),
  publishedSeq: bigint('published_seq', { mode: 'number' }).notNull().default(0),
  watermark: bigint('watermark', { mode: 'number' }).notNull().default(0),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});
