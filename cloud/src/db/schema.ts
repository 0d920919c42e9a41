/**
 * The control plane's tables. Every table carries `tenant_id` and is protected by row-level
 * security (see drizzle/0002_rls.sql): the application runs its queries as the role `hcc_app`, which
 * does not own any table, with the tenant set per transaction (db/tenant.ts).
 */
import {
  bigint,
  boolean,
  customType,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';

const bytea = customType<{ data: Uint8Array; driverData: Uint8Array }>({
  dataType: () => 'bytea',
  fromDriver: (v) => new Uint8Array(v),
});
const ts = (name: string) => timestamp(name, { withTimezone: true });

export const tenants = pgTable('tenants', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  createdAt: ts('created_at').notNull().defaultNow(),
});

/** Console users. `role`: tenant_admin, ops, supervisor or analyst. E-mail is unique across tenants. */
export const users = pgTable(
  'users',
  {
    id: text('id').primaryKey(),
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.id),
    email: text('email').notNull(),
    displayName: text('display_name').notNull(),
    role: text('role').notNull(),
    passwordHash: text('password_hash').notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
    disabledAt: ts('disabled_at'),
  },
  (t) => [uniqueIndex('users_email_idx').on(t.email)],
);

/** Console sessions; the id is the SHA-256 of the cookie token (the token itself is never stored). */
export const sessions = pgTable('sessions', {
  id: text('id').primaryKey(),
  tenantId: text('tenant_id')
    .notNull()
    .references(() => tenants.id),
  userId: text('user_id')
    .notNull()
    .references(() => users.id),
  createdAt: ts('created_at').notNull().defaultNow(),
  expiresAt: ts('expires_at').notNull(),
  revokedAt: ts('revoked_at'),
});

/** API keys `hcck_<id>_<secret>`: looked up by id, the secret stored as SHA-256 only. */
export const apiKeys = pgTable('api_keys', {
  id: text('id').primaryKey(),
  tenantId: text('tenant_id')
    .notNull()
    .references(() => tenants.id),
  name: text('name').notNull(),
  role: text('role').notNull(),
  secretHash: text('secret_hash').notNull(),
  createdBy: text('created_by').notNull(),
  createdAt: ts('created_at').notNull().defaultNow(),
  lastUsedAt: ts('last_used_at'),
  revokedAt: ts('revoked_at'),
});

/** A site is one edge deployment of a tenant; its id is also its NATS JetStream domain. */
export const sites = pgTable('sites', {
  id: text('id').primaryKey(),
  tenantId: text('tenant_id')
    .notNull()
    .references(() => tenants.id),
  name: text('name').notNull(),
  timeZone: text('time_zone').notNull(),
  locale: text('locale').notNull().default('en-US'),
  /** Proto JSON of RecordingPolicy and RetentionPolicy (part of the draft). */
  recording: jsonb('recording').notNull().default({}),
  retention: jsonb('retention').notNull().default({}),
  /** Proto JSON of DialPolicy (part of the draft); {} is the safe default (see README, "Dial policy"). */
  dialPolicy: jsonb('dial_policy').notNull().default({}),
  createdAt: ts('created_at').notNull().defaultNow(),
});

/** The site's hub account (operator mode). The seed mints the site's users: a secret. */
export const siteNats = pgTable('site_nats', {
  siteId: text('site_id')
    .primaryKey()
    .references(() => sites.id),
  tenantId: text('tenant_id')
    .notNull()
    .references(() => tenants.id),
  accountPublicKey: text('account_public_key').notNull(),
  /** The account seed, sealed (AES-256-GCM, `v1:...`; see nats/secret-box.ts). */
  accountSeed: text('account_seed').notNull(),
  /** Public key of the leaf user issued at the last enrollment (revoked on the next one). */
  leafUserPublicKey: text('leaf_user_public_key'),
  /** Revoked users of the account (public key -> unix seconds), carried in every account JWT. */
  revocations: jsonb('revocations').$type<Record<string, number>>().notNull().default({}),
  enrolledAt: ts('enrolled_at').notNull().defaultNow(),
});

/** EdgeHeartbeat.sip_protection as stored (numbers; counters since the edge started). */
export interface SipProtectionStatus {
  bannedAddresses: number;
  dropped: number;
  rateLimited: number;
  overloaded: number;
  authFailures: number;
  registrationsCapped: number;
  /** Calls out refused by the dial policy or its caps (absent in reports of older edges). */
  dialRefused?: number;
}

/** One entry of EdgeHeartbeat.trunk_health as stored (OPTIONS pings of the trunk; no address). */
export interface TrunkHealthStatus {
  trunkId: string;
  /** up | down | unknown (not pinged yet) | unmonitored (pings switched off) */
  state: string;
  /** Round trip of the last answered ping; null when none was answered. */
  rttMs: number | null;
  /** When the state last changed (ISO 8601), or null. */
  lastChange: string | null;
  /** Failed pings since the edge started. */
  failures: number;
}

/** What the site's edge reported last (written by the fleet consumer from events). */
export const siteStatus = pgTable('site_status', {
  siteId: text('site_id')
    .primaryKey()
    .references(() => sites.id),
  tenantId: text('tenant_id')
    .notNull()
    .references(() => tenants.id),
  appliedVersion: bigint('applied_version', { mode: 'bigint' }),
  appliedAt: ts('applied_at'),
  lastHeartbeatAt: ts('last_heartbeat_at'),
  activeCalls: integer('active_calls'),
  rtpengineHealthy: boolean('rtpengine_healthy'),
  natsConnected: boolean('nats_connected'),
  edgeVersion: text('edge_version'),
  /** Events journaled at the edge and not yet confirmed by the cloud, from the newest heartbeat. */
  outboxBacklog: integer('outbox_backlog'),
  /** The edge's SIP front door counters from the newest heartbeat (counts only, no addresses). */
  sipProtection: jsonb('sip_protection').$type<SipProtectionStatus>(),
  /** Health of the edge's trunks from the newest heartbeat (or a later TrunkStatusChanged). */
  trunkHealth: jsonb('trunk_health').$type<TrunkHealthStatus[]>(),
  rejectedVersion: bigint('rejected_version', { mode: 'bigint' }),
  rejectReason: text('reject_reason'),
  rejectDetail: text('reject_detail'),
  rejectedAt: ts('rejected_at'),
});

/**
 * The draft of a site: one row per entity (trunk, did, flow, prompt, queue, skill, agent, hours,
 * mailbox, not_ready_reason) holding its proto JSON. Publishing compiles them into a bundle.
 */
export const draftEntities = pgTable(
  'draft_entities',
  {
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.id),
    siteId: text('site_id')
      .notNull()
      .references(() => sites.id),
    kind: text('kind').notNull(),
    id: text('id').notNull(),
    body: jsonb('body').notNull(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
    updatedBy: text('updated_by').notNull(),
  },
  (t) => [primaryKey({ columns: [t.siteId, t.kind, t.id] })],
);

/** Immutable, signed config versions per site (the encoded proto ConfigBundle). */
export const configVersions = pgTable(
  'config_versions',
  {
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.id),
    siteId: text('site_id')
      .notNull()
      .references(() => sites.id),
    version: bigint('version', { mode: 'bigint' }).notNull(),
    bundle: bytea('bundle').notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
    publishedAt: ts('published_at'),
    createdBy: text('created_by'),
    /** Set when this version restores the content of an earlier one (rollback). */
    restoredFrom: bigint('restored_from', { mode: 'bigint' }),
  },
  (t) => [primaryKey({ columns: [t.siteId, t.version] })],
);

/** Every deployment of a version to a site (staged rollouts and rollbacks), newest last. */
export const deployments = pgTable(
  'deployments',
  {
    id: text('id').primaryKey(),
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.id),
    rolloutId: text('rollout_id').notNull(),
    siteId: text('site_id')
      .notNull()
      .references(() => sites.id),
    version: bigint('version', { mode: 'bigint' }).notNull(),
    action: text('action').notNull(),
    requestedBy: text('requested_by').notNull(),
    requestedAt: ts('requested_at').notNull().defaultNow(),
  },
  (t) => [index('deployments_site_idx').on(t.siteId, t.requestedAt)],
);

/**
 * One-time enrollment tokens (`hcce_<secret>`): only the SHA-256 of the token is stored. A token names
 * its site; it is consumed atomically by the first `POST /api/v1/enroll` that presents it.
 */
export const enrollmentTokens = pgTable(
  'enrollment_tokens',
  {
    id: text('id').primaryKey(),
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.id),
    siteId: text('site_id')
      .notNull()
      .references(() => sites.id),
    tokenHash: text('token_hash').notNull(),
    createdBy: text('created_by').notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
    expiresAt: ts('expires_at').notNull(),
    usedAt: ts('used_at'),
    /** The client address that used it (the socket's peer: a TLS proxy's address when behind one). */
    usedFrom: text('used_from'),
    revokedAt: ts('revoked_at'),
  },
  (t) => [
    uniqueIndex('enrollment_tokens_hash_idx').on(t.tokenHash),
    index('enrollment_tokens_site_idx').on(t.siteId, t.createdAt),
  ],
);
