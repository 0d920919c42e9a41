import {
  bigint,
  bigserial,
  customType,
  index,
  integer,
  jsonb,
  pgSchema,
  primaryKey,
  smallint,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';

/**
 * The analytics store: its own PostgreSQL schema and migration history (cloud/drizzle-analytics).
 * Every table an analyst can read carries tenant_id and is row-level secured by it (see the
 * `rls` migration); ingest writes as the owner.
 */
export const analytics = pgSchema('analytics');

const bytea = customType<{ data: Uint8Array; driverData: Uint8Array }>({
  dataType: () => 'bytea',
  fromDriver: (v) => new Uint8Array(v),
});

const ts = (name: string) => timestamp(name, { withTimezone: true });

/** Every accepted event, once (idempotent on event_id), with the bytes as received. */
export const events = analytics.table(
  'events',
  {
    eventId: uuid('event_id').primaryKey(),
    tenantId: text('tenant_id').notNull(),
    siteId: text('site_id').notNull(),
    seq: bigint('seq', { mode: 'number' }).notNull(),
    kind: text('kind').notNull(),
    occurredAt: ts('occurred_at').notNull(),
    receivedAt: ts('received_at').notNull().defaultNow(),
    payload: bytea('payload').notNull(),
  },
  (t) => [
    uniqueIndex('events_site_seq_uq').on(t.siteId, t.seq),
    // Retention finds expired rows by received_at (drizzle-analytics/0004_events_received_brin.sql).
    index('events_received_brin').using('brin', t.receivedAt),
  ],
);

/** Messages ingest could not accept, parked with the reason (and acknowledged). Ops only. */
export const rejectedEvents = analytics.table(
  'rejected_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    receivedAt: ts('received_at').notNull().defaultNow(),
    subject: text('subject').notNull(),
    /** The hub's Nats-Stream-Source header, verbatim. */
    source: text('source'),
    streamSeq: bigint('stream_seq', { mode: 'number' }),
    /** Site the hub attributes the message to, when known. */
    siteId: text('site_id'),
    reason: text('reason').notNull(),
    detail: text('detail'),
    payload: bytea('payload').notNull(),
    payloadSha256: bytea('payload_sha256').notNull(),
    /** The site's seq of a parked event of that site (the watermark counts it as delivered). */
    seq: bigint('seq', { mode: 'number' }),
  },
  (t) => [
    uniqueIndex('rejected_events_sha_uq').on(t.payloadSha256),
    // The site view's count of a site's parked events (drizzle-analytics/0003_rejected_site.sql).
    index('rejected_events_site_idx').on(t.siteId),
  ],
);

/** Queue metrics per 15-minute interval of arrival (see rollup.ts for the definitions). */
export const queueIntervals = analytics.table(
  'queue_intervals',
  {
    tenantId: text('tenant_id').notNull(),
    siteId: text('site_id').notNull(),
    queueId: text('queue_id').notNull(),
    intervalStart: ts('interval_start').notNull(),
    offered: integer('offered').notNull().default(0),
    answered: integer('answered').notNull().default(0),
    abandoned: integer('abandoned').notNull().default(0),
    shortAbandoned: integer('short_abandoned').notNull().default(0),
    answeredInSl: integer('answered_in_sl').notNull().default(0),
    answerWaitMs: bigint('answer_wait_ms', { mode: 'number' }).notNull().default(0),
    talkMs: bigint('talk_ms', { mode: 'number' }).notNull().default(0),
    holdMs: bigint('hold_ms', { mode: 'number' }).notNull().default(0),
    wrapMs: bigint('wrap_ms', { mode: 'number' }).notNull().default(0),
    longestWaitMs: bigint('longest_wait_ms', { mode: 'number' }).notNull().default(0),
    /** Events that reached the cloud long after they happened (after an outage) and corrected this row. */
    lateEvents: integer('late_events').notNull().default(0),
    lastLateAt: ts('last_late_at'),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.intervalStart, t.siteId, t.queueId] })],
);

/** Agent metrics per 15-minute interval (interactions handled; occupancy comes from agent_states). */
export const agentIntervals = analytics.table(
  'agent_intervals',
  {
    tenantId: text('tenant_id').notNull(),
    siteId: text('site_id').notNull(),
    agentId: text('agent_id').notNull(),
    intervalStart: ts('interval_start').notNull(),
    handled: integer('handled').notNull().default(0),
    talkMs: bigint('talk_ms', { mode: 'number' }).notNull().default(0),
    holdMs: bigint('hold_ms', { mode: 'number' }).notNull().default(0),
    wrapMs: bigint('wrap_ms', { mode: 'number' }).notNull().default(0),
    lateEvents: integer('late_events').notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.intervalStart, t.siteId, t.agentId] })],
);

/** Every agent state change (to_state from seq on); durations are derived at query time. */
export const agentStates = analytics.table(
  'agent_states',
  {
    tenantId: text('tenant_id').notNull(),
    siteId: text('site_id').notNull(),
    seq: bigint('seq', { mode: 'number' }).notNull(),
    agentId: text('agent_id').notNull(),
    occurredAt: ts('occurred_at').notNull(),
    toState: smallint('to_state').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.siteId, t.seq] }),
    index('agent_states_agent_idx').on(t.tenantId, t.siteId, t.agentId, t.occurredAt),
  ],
);

/** Latest QueueSnapshot per site and queue, for the wallboard. */
export const queueLive = analytics.table(
  'queue_live',
  {
    tenantId: text('tenant_id').notNull(),
    siteId: text('site_id').notNull(),
    queueId: text('queue_id').notNull(),
    observedAt: ts('observed_at').notNull(),
    waiting: integer('waiting').notNull(),
    longestWaitMs: bigint('longest_wait_ms', { mode: 'number' }).notNull(),
    /** Agent state name -> count. */
    agents: jsonb('agents').$type<Record<string, number>>().notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.siteId, t.queueId] })],
);

/** Per site: every event with seq <= this is committed here; published back to the edge. */
export const siteWatermarks = analytics.table('site_watermarks', {
  siteId: text('site_id').primaryKey(),
  tenantId: text('tenant_id').notNull(),
  seq: bigint('seq', { mode: 'number' }).notNull().default(0),
  updatedAt: ts('updated_at').notNull().defaultNow(),
});
