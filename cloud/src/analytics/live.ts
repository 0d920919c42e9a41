import { timestampMs } from '@bufbuild/protobuf/wkt';
import { decodeEvent, type Event } from '@hcc/proto';
import { type Db, type Logger, names } from '@hcc/shared';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { asSystem } from '../db/tenant.ts';
import type { SiteDirectory } from '../ingest/classify.ts';
import { upsertQueueLive } from './queue-live.ts';
import { addQueueSnapshot, type QueueLiveRow } from './rollup.ts';

/** Why a live message was dropped (counted; warned about without its payload). */
export type LiveDropReason =
  /** Not `hcc.live.<site id>`. */
  | 'bad_subject'
  /** Not an Event. */
  | 'malformed'
  /** An Event, but not a queue snapshot. */
  | 'not_snapshot'
  /** The envelope names another site than the subject (the only attribution the hub vouches for). */
  | 'site_mismatch'
  | 'unknown_site'
  | 'tenant_mismatch'
  /** A value the table cannot hold (no time, empty or oversized queue id, out-of-range figures). */
  | 'invalid'
  /** The site directory could not be read. */
  | 'lookup_failed'
  /** The database refused the write. */
  | 'unwritable';

const REASONS: readonly LiveDropReason[] = [
  'bad_subject',
  'malformed',
  'not_snapshot',
  'site_mismatch',
  'unknown_site',
  'tenant_mismatch',
  'invalid',
  'lookup_failed',
  'unwritable',
];

export interface LiveSnapshotsDeps {
  db: Db;
  /** A connection of the cloud account (which imports every site's live subject). */
  nc: NatsConnection;
  sites: SiteDirectory;
  log: Logger;
}

export interface LiveSnapshotsOptions {
  /** How often the latest snapshot per (site, queue) is written, in one statement (default 200 ms). */
  flushMs?: number;
  /** At most one warning per this period about dropped messages (default 30 s). */
  warnEveryMs?: number;
}

const MAX_QUEUE_ID = 128;
const MAX_INT = 2 ** 31 - 1;

/**
 * The live wallboard's feed: subscribes to every site's `hcc.live.<site>` on the cloud's connection
 * and keeps `analytics.queue_live` current. A message is attributed to the site in its subject,
 * which only that site's account can deliver (each site account exports exactly its own subject,
 * the cloud account imports it; only the operator signs account JWTs), and the envelope must name
 * the same site. The newest snapshot per (tenant, site, queue) is kept and written every
 * `flushMs` in one statement, as the system role (cross-tenant, like ingest); an older observed_at
 * never replaces a newer row. Nothing is acknowledged or stored besides that row: a message lost
 * on the way only leaves the site stale for a moment. A malformed or mismatched message is counted
 * and dropped, never fatal.
 */
export class LiveSnapshots {
  /** Messages taken into a batch, rows written, and messages dropped by reason. */
  accepted = 0;
  written = 0;
  readonly dropped = Object.fromEntries(REASONS.map((r) => [r, 0])) as Record<LiveDropReason, number>;
  private pending = new Map<string, QueueLiveRow>();
  private sub: Subscription | undefined;
  private loop: Promise<void> | undefined;
  private timer: ReturnType<typeof setInterval> | undefined;
  private flushing: Promise<void> | undefined;
  private warnedAt = Number.NEGATIVE_INFINITY;
  private unwarned: Partial<Record<LiveDropReason, number>> = {};

  constructor(
    private readonly deps: LiveSnapshotsDeps,
    private readonly opts: LiveSnapshotsOptions = {},
  ) {}

  start(): void {
    if (this.sub) return;
    const sub = this.deps.nc.subscribe(names.ALL_LIVE_SUBJECTS);
    this.sub = sub;
    this.loop = (async () => {
      // One message at a time: the directory is cached, and order within a site is kept.
      for await (const m of sub) await this.handle(m.subject, m.data);
    })().catch((err: unknown) =>
      this.deps.log.error({ err: err instanceof Error ? err.name : 'unknown' }, 'live snapshots stopped'),
    );
    this.timer = setInterval(() => void this.flush(), this.opts.flushMs ?? 200);
    this.timer.unref?.();
  }

  /** Stops listening and writes what is pending. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.sub?.unsubscribe();
    this.sub = undefined;
    await this.loop;
    // A flush in flight leaves what arrived after it for the next one.
    while (this.flushing || this.pending.size > 0) await this.flush();
  }

  /** Takes one message into the next batch, or counts and drops it. */
  private async handle(subject: string, data: Uint8Array): Promise<void> {
    const site = names.siteOfLiveSubject(subject);
    if (!site) return this.drop('bad_subject', undefined);
    let event: Event;
    try {
      event = decodeEvent(data);
    } catch {
      // decodeEvent turns every failure into a ProtoDecodeError; whatever it is, the message goes.
      return this.drop('malformed', site);
    }
    if (event.siteId !== site) return this.drop('site_mismatch', site);
    const body = event.body;
    if (body.case !== 'queueSnapshot') return this.drop('not_snapshot', site);
    const s = body.value;
    if (
      !event.occurredAt ||
      s.queueId === '' ||
      s.queueId.length > MAX_QUEUE_ID ||
      s.queueId.includes('\u0000') ||
      s.waiting > MAX_INT ||
      s.longestWaitMs > BigInt(Number.MAX_SAFE_INTEGER)
    )
      return this.drop('invalid', site);
    const observedAt = timestampMs(event.occurredAt);
    if (!Number.isFinite(observedAt) || Math.abs(observedAt) > 8.64e15) return this.drop('invalid', site);
    let tenant: string | undefined;
    try {
      tenant = await this.deps.sites.tenantOf(site);
    } catch {
      return this.drop('lookup_failed', site);
    }
    if (tenant === undefined) return this.drop('unknown_site', site);
    // An edge without its first config does not know its tenant yet: the site's tenant applies.
    if (event.tenantId !== '' && event.tenantId !== tenant) return this.drop('tenant_mismatch', site);
    this.accepted++;
    addQueueSnapshot(this.pending, tenant, site, s, observedAt);
  }

  /** Writes the pending rows in one statement (a lone flush at a time); never rejects. */
  flush(): Promise<void> {
    if (this.flushing) return this.flushing;
    if (this.pending.size === 0) return Promise.resolve();
    const batch = this.pending;
    this.pending = new Map();
    this.flushing = this.write(batch).finally(() => {
      this.flushing = undefined;
    });
    return this.flushing;
  }

  private async write(batch: Map<string, QueueLiveRow>): Promise<void> {
    try {
      await asSystem(this.deps.db, (tx) => upsertQueueLive(tx as unknown as Db, batch));
      this.written += batch.size;
      return;
    } catch {
      if (batch.size === 1) {
        for (const row of batch.values()) this.drop('unwritable', row.siteId);
        return;
      }
    }
    // One bad row fails the statement: each row once on its own, the others still land. A newer
    // snapshot replaces what is dropped here within the edge's refresh period.
    for (const [key, row] of batch) {
      try {
        await asSystem(this.deps.db, (tx) => upsertQueueLive(tx as unknown as Db, new Map([[key, row]])));
        this.written++;
      } catch {
        this.drop('unwritable', row.siteId);
      }
    }
  }

  private drop(reason: LiveDropReason, site: string | undefined): void {
    this.dropped[reason]++;
    this.unwarned[reason] = (this.unwarned[reason] ?? 0) + 1;
    const now = Date.now();
    if (now - this.warnedAt < (this.opts.warnEveryMs ?? 30_000)) return;
    this.warnedAt = now;
    // Identifiers and counts only, never the payload.
    this.deps.log.warn({ site, reasons: this.unwarned }, 'live snapshots dropped');
    this.unwarned = {};
  }
}
