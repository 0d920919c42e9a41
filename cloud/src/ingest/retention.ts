import { type Db, type Logger, names } from '@hcc/shared';
import { sql } from 'drizzle-orm';
import { asSystem } from '../db/tenant.ts';
import { HUB_EVENTS_MAX_AGE_DAYS } from '../nats/topology.ts';
import { type Periodic, runPeriodically } from './periodic.ts';
import { rowsOf } from './writer.ts';

const HOUR_MS = 3600_000;
const DAY_MS = 24 * HOUR_MS;

/**
 * Kinds whose rows nothing reads once ingested: latest-value status (the wallboard's queue_live,
 * the fleet's site_status are kept elsewhere). A re-delivered old one changes nothing there (only a
 * newer observation replaces a row), so dropping their rows costs no idempotency.
 */
export const STATUS_KINDS = ['queueSnapshot', 'edgeHeartbeat', 'configApplied', 'configRejected'].map(
  names.eventKind,
);

export interface RetentionOptions {
  /** Rows of STATUS_KINDS are deleted this long after they were received (default 48 h). */
  statusHours?: number;
  /**
   * Every other event (the rollups' sources) is deleted this many days after it was received;
   * 0 keeps them (the default). Must exceed the hub aggregate stream's max age: a replay of that
   * stream has to find every event it holds, or it would roll it up a second time.
   */
  eventsDays?: number;
  /** Rows deleted per statement (default 10,000): short transactions, no long lock on the table. */
  batch?: number;
  /** Between two rounds (default 10 min). */
  periodMs?: number;
}

export class RetentionError extends Error {
  override readonly name = 'RetentionError';
}

/** Checks the options once, at start: a bad value is a configuration error, not a late surprise. */
export function checkRetention(o: RetentionOptions): void {
  const { statusHours = 48, eventsDays = 0 } = o;
  if (!(Number.isFinite(statusHours) && statusHours >= 1))
    throw new RetentionError(`status events retention must be at least 1 hour (got ${statusHours})`);
  if (!(Number.isInteger(eventsDays) && (eventsDays === 0 || eventsDays > HUB_EVENTS_MAX_AGE_DAYS)))
    throw new RetentionError(
      `events retention must be 0 (keep) or more than the hub stream's ${HUB_EVENTS_MAX_AGE_DAYS} days (got ${eventsDays})`,
    );
}

/**
 * One round: deletes the expired rows of analytics.events in batches. Only rows at or below their
 * site's watermark go: the watermark counts the contiguous seqs above it from these rows, and the
 * edge re-sends from it, so a row above it must stay until it is covered.
 */
export async function pruneEvents(
  db: Db,
  o: RetentionOptions,
  now = Date.now(),
): Promise<{ status: number; events: number }> {
  const batch = o.batch ?? 10_000;
  const statusBefore = new Date(now - (o.statusHours ?? 48) * HOUR_MS).toISOString();
  const status = await deleteWhile(
    db,
    batch,
    sql`e.received_at < ${statusBefore}::timestamptz and e.kind = any(${sql.param(STATUS_KINDS)}::text[])`,
  );
  const days = o.eventsDays ?? 0;
  const events =
    days > 0
      ? await deleteWhile(
          db,
          batch,
          sql`e.received_at < ${new Date(now - days * DAY_MS).toISOString()}::timestamptz`,
        )
      : 0;
  return { status, events };
}

async function deleteWhile(db: Db, batch: number, expired: ReturnType<typeof sql>): Promise<number> {
  let total = 0;
  for (;;) {
    const n = await asSystem(db, async (tx) => {
      const [row] = rowsOf<{ n: number }>(
        await tx.execute(sql`
          with gone as (
            delete from analytics.events where event_id in (
              select e.event_id from analytics.events e
              join analytics.site_watermarks w on w.site_id = e.site_id and e.seq <= w.seq
              where ${expired}
              limit ${batch})
            returning 1)
          select count(*)::int as n from gone`),
      );
      return Number(row?.n ?? 0);
    });
    total += n;
    if (n < batch) return total;
  }
}

/** Runs pruneEvents every period; a failed round is logged and tried again the next period. */
export class RetentionService {
  private rounds: Periodic | undefined;

  constructor(
    private readonly db: Db,
    private readonly opts: RetentionOptions,
    private readonly log: Logger,
  ) {
    checkRetention(opts);
  }

  start(): void {
    const round = async () => {
      const r = await pruneEvents(this.db, this.opts);
      if (r.status + r.events > 0) this.log.info(r, 'expired events deleted');
    };
    this.rounds = runPeriodically(
      round,
      this.opts.periodMs ?? 600_000,
      this.log,
      'events retention round failed',
    );
  }

  async stop(): Promise<void> {
    await this.rounds?.stop();
    this.rounds = undefined;
  }
}
