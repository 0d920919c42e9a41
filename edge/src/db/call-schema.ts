/**
 * Call-layer tables of the edge: CDRs with their legs and IVR/queue history, the recordings index,
 * the site's customer directory and the local secret store. Everything here is customer data that
 * never leaves the site (numbers and names included); the retention job deletes old rows.
 */
import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';

/** One row per interaction (call): who, where it went, how it ended, the durations events sum up. */
export const cdrs = pgTable(
  'cdrs',
  {
    interactionId: text('interaction_id').primaryKey(),
    configVersion: bigint('config_version', { mode: 'bigint' }).notNull(),
    direction: text('direction').notNull(),
    trunkId: text('trunk_id').notNull().default(''),
    didId: text('did_id').notNull().default(''),
    /** Full E.164 numbers (PII, site-local). */
    callerNumber: text('caller_number'),
    calledNumber: text('called_number'),
    sipCallId: text('sip_call_id').notNull(),
    startedAt: timestamp('started_at', { withTimezone: true }).notNull(),
    answeredAt: timestamp('answered_at', { withTimezone: true }),
    endedAt: timestamp('ended_at', { withTimezone: true }).notNull(),
    /** hcc.events.v1.Disposition / EndedBy names. */
    disposition: text('disposition').notNull(),
    endedBy: text('ended_by').notNull(),
    queueId: text('queue_id').notNull().default(''),
    agentId: text('agent_id').notNull().default(''),
    totalMs: integer('total_ms').notNull(),
    ivrMs: integer('ivr_ms').notNull().default(0),
    queueWaitMs: integer('queue_wait_ms').notNull().default(0),
    ringMs: integer('ring_ms').notNull().default(0),
    talkMs: integer('talk_ms').notNull().default(0),
    holdMs: integer('hold_ms').notNull().default(0),
    transferCount: integer('transfer_count').notNull().default(0),
    recorded: boolean('recorded').notNull().default(false),
  },
  (t) => [index('cdrs_ended_at_idx').on(t.endedAt)],
);

/** Each SIP leg of an interaction: the caller, every agent or external party rung. */
export const cdrLegs = pgTable(
  'cdr_legs',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    interactionId: text('interaction_id')
      .notNull()
      .references(() => cdrs.interactionId, { onDelete: 'cascade' }),
    /** caller | agent | external */
    role: text('role').notNull(),
    agentId: text('agent_id').notNull().default(''),
    /** The URI called (contact or external number; PII for external). */
    target: text('target').notNull().default(''),
    sipCallId: text('sip_call_id').notNull(),
    startedAt: timestamp('started_at', { withTimezone: true }).notNull(),
    answeredAt: timestamp('answered_at', { withTimezone: true }),
    endedAt: timestamp('ended_at', { withTimezone: true }),
    /** answered | no-answer | busy | unreachable | cancelled | rejected */
    result: text('result').notNull(),
    finalStatus: integer('final_status'),
  },
  (t) => [index('cdr_legs_interaction_idx').on(t.interactionId)],
);

/** The IVR and queue history of an interaction, in order (node entered, menu choice, queued ...). */
export const cdrSteps = pgTable(
  'cdr_steps',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    interactionId: text('interaction_id')
      .notNull()
      .references(() => cdrs.interactionId, { onDelete: 'cascade' }),
    at: timestamp('at', { withTimezone: true }).notNull(),
    /** ivr-node | ivr-choice | queued | ringing | answered | held | resumed | transferred | overflow | abandoned */
    kind: text('kind').notNull(),
    detail: jsonb('detail').$type<Record<string, string | number>>().notNull(),
  },
  (t) => [index('cdr_steps_interaction_idx').on(t.interactionId)],
);

/**
 * WAVs kept under the edge data dir, one per interaction and kind: 'call' (stereo, caller left,
 * agent right) or 'voicemail' (mono, the caller's message to `mailboxId`).
 */
export const recordings = pgTable(
  'recordings',
  {
    interactionId: text('interaction_id').notNull(),
    kind: text('kind').notNull().default('call'),
    mailboxId: text('mailbox_id').notNull().default(''),
    path: text('path').notNull(),
    sha256: text('sha256').notNull(),
    durationMs: integer('duration_ms').notNull(),
    bytes: integer('bytes').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.interactionId, t.kind, t.path] }),
    index('recordings_created_idx').on(t.createdAt),
    index('recordings_mailbox_idx').on(t.mailboxId, t.createdAt).where(sql`${t.kind} = 'voicemail'`),
  ],
);

/**
 * The site's customer directory: screen pop and the IVR's caller attributes. Keyed by phone number;
 * an e-mail address, when given, is unique too (the directory API finds a customer by either).
 */
export const customers = pgTable(
  'customers',
  {
    /** E.164. */
    phone: text('phone').primaryKey(),
    /** Lower-cased; '' when unknown. */
    email: text('email').notNull().default(''),
    name: text('name').notNull(),
    account: text('account').notNull().default(''),
    notes: text('notes').notNull().default(''),
    /** IVR attributes, e.g. {"vip_tier":"gold","language":"nl-NL"}. */
    attributes: jsonb('attributes').$type<Record<string, string>>().notNull().default(sql`'{}'::jsonb`),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('customers_email_uq').on(t.email).where(sql`${t.email} <> ''`),
    index('customers_name_idx').on(sql`lower(${t.name}) text_pattern_ops`),
  ],
);

/**
 * Local secrets named by the bundle's `*_ref` fields. Device secrets are digest HA1 values per
 * realm (never the password); trunk secrets hold the password the digest client needs.
 */
export const localSecrets = pgTable('local_secrets', {
  ref: text('ref').primaryKey(),
  realm: text('realm').notNull().default(''),
  ha1Md5: text('ha1_md5'),
  ha1Sha256: text('ha1_sha256'),
  password: text('password'),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

/**
 * SIP registrations of agents' phones (the registrar's bindings, written through), so that a restart
 * keeps them. `binding` is the registrar's Binding; `expires_at` its expiry in the registrar clock's ms.
 */
export const sipBindings = pgTable(
  'sip_bindings',
  {
    aor: text('aor').notNull(),
    contact: text('contact').notNull(),
    expiresAt: bigint('expires_at', { mode: 'number' }).notNull(),
    binding: jsonb('binding').$type<Record<string, unknown>>().notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.aor, t.contact] }), index('sip_bindings_expires_idx').on(t.expiresAt)],
);
