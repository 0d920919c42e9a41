import type { Db } from '@hcc/shared';
import { type SQL, sql } from 'drizzle-orm';
import { withTenant } from '../db/tenant.ts';
import { rowsOf } from '../ingest/writer.ts';

/** A report's range: calendar dates in the viewer's time zone, `to` inclusive. */
export interface ReportRange {
  from: string;
  to: string;
  tz: string;
  siteId?: string;
  queueId?: string;
}

export type Bucket = '15m' | 'hour' | 'day';

/** Sums of one bucket or breakdown row, and the figures derived from them. */
export interface QueueFigures {
  offered: number;
  answered: number;
  abandoned: number;
  shortAbandoned: number;
  answeredInSl: number;
  /** Percent answered within the threshold of (offered - short abandons); null when none. */
  serviceLevel: number | null;
  /** Percent abandoned (short abandons excluded) of (offered - short abandons). */
  abandonRate: number | null;
  asaMs: number | null;
  ahtMs: number | null;
  talkMs: number;
  holdMs: number;
  wrapMs: number;
  longestWaitMs: number;
  /** Late data (after an outage) corrected this bucket. */
  late: boolean;
}

export interface SeriesRow extends QueueFigures {
  /** Bucket start, ISO-8601 UTC. */
  start: string;
}

export interface BreakdownRow extends QueueFigures {
  siteId: string;
  queueId: string;
}

export interface AgentRow {
  siteId: string;
  agentId: string;
  handled: number;
  ahtMs: number | null;
  /** Busy (reserved, ringing, on call, wrap-up) share of staffed time, percent. */
  occupancy: number | null;
  staffedMs: number;
}

/** An invalid report parameter, naming the query parameter (`from`, `to`, `tz`, `bucket`). */
export class ReportParamError extends Error {
  override readonly name = 'ReportParamError';
  constructor(
    message: string,
    readonly field: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;
/** A real calendar date YYYY-MM-DD (2025-02-30 is not). */
const isDate = (s: string): boolean => {
  if (!DATE.test(s)) return false;
  const t = Date.parse(s);
  return !Number.isNaN(t) && new Date(t).toISOString().slice(0, 10) === s;
};

/** Validates a range: ISO dates, a known IANA zone, at most 400 days. */
export function checkRange(r: ReportRange): ReportRange {
  for (const field of ['from', 'to'] as const)
    if (!isDate(r[field])) throw new ReportParamError(`${field} must be a date YYYY-MM-DD`, field);
  checkZone(r.tz);
  const days = (Date.parse(r.to) - Date.parse(r.from)) / 86_400_000;
  if (!(days >= 0 && days <= 400))
    throw new ReportParamError('to must be on or after from, within 400 days', 'to');
  return r;
}

function checkZone(tz: string): void {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
  } catch (cause) {
    throw new ReportParamError('unknown time zone', 'tz', { cause });
  }
}

export const BUCKETS: readonly Bucket[] = ['15m', 'hour', 'day'];

/** The report query parameters the console and the reports API share. */
export const REPORT_PARAMS = ['from', 'to', 'tz', 'site', 'queue', 'bucket'] as const;

/** Today's date in `tz` (YYYY-MM-DD). */
const today = (tz: string): string => new Intl.DateTimeFormat('en-CA', { timeZone: tz }).format(new Date());

/**
 * A report's range and bucket from query parameters (`from`, `to`, `tz`, `site`, `queue`, `bucket`):
 * `from` defaults to today in `tz` (default UTC), `to` to `from`, `bucket` to 15m. Checked by
 * `checkRange` when a report runs; a bad bucket or zone throws here.
 */
export function reportQuery(q: (name: string) => string | undefined): { range: ReportRange; bucket: Bucket } {
  const get = (k: string) => q(k) || undefined;
  const tz = get('tz') ?? 'UTC';
  checkZone(tz);
  const day = today(tz);
  const bucket = (get('bucket') ?? '15m') as Bucket;
  if (!BUCKETS.includes(bucket)) throw new ReportParamError('bucket must be 15m, hour or day', 'bucket');
  return {
    range: {
      from: get('from') ?? day,
      to: get('to') ?? get('from') ?? day,
      tz,
      siteId: get('site'),
      queueId: get('queue'),
    },
    bucket,
  };
}

const bounds = (r: ReportRange) => ({
  lo: sql`(${r.from}::date::timestamp at time zone ${r.tz})`,
  hi: sql`((${r.to}::date + 1)::timestamp at time zone ${r.tz})`,
});

const filters = (r: ReportRange): SQL => {
  const parts = [sql`true`];
  if (r.siteId) parts.push(sql`site_id = ${r.siteId}`);
  if (r.queueId) parts.push(sql`queue_id = ${r.queueId}`);
  return sql.join(parts, sql` and `);
};

const SUMS = sql`sum(offered)::int as offered, sum(answered)::int as answered, sum(abandoned)::int as abandoned,
  sum(short_abandoned)::int as short_abandoned, sum(answered_in_sl)::int as answered_in_sl,
  sum(answer_wait_ms)::float8 as answer_wait_ms, sum(talk_ms)::float8 as talk_ms, sum(hold_ms)::float8 as hold_ms,
  sum(wrap_ms)::float8 as wrap_ms, max(longest_wait_ms)::float8 as longest_wait_ms, sum(late_events)::int as late_events`;

type SumRow = Record<string, string | number | null>;

function figures(r: SumRow): QueueFigures {
  const n = (k: string) => Number(r[k] ?? 0);
  const offered = n('offered');
  const answered = n('answered');
  const short = n('short_abandoned');
  const base = offered - short;
  const pct = (x: number) => (base > 0 ? Math.round((1000 * x) / base) / 10 : null);
  return {
    offered,
    answered,
    abandoned: n('abandoned'),
    shortAbandoned: short,
    answeredInSl: n('answered_in_sl'),
    serviceLevel: pct(n('answered_in_sl')),
    abandonRate: pct(n('abandoned') - short),
    asaMs: answered > 0 ? Math.round(n('answer_wait_ms') / answered) : null,
    ahtMs: answered > 0 ? Math.round((n('talk_ms') + n('hold_ms') + n('wrap_ms')) / answered) : null,
    talkMs: n('talk_ms'),
    holdMs: n('hold_ms'),
    wrapMs: n('wrap_ms'),
    longestWaitMs: n('longest_wait_ms'),
    late: n('late_events') > 0,
  };
}

/** Report queries. Each runs as hcc_app with the analyst's tenant: RLS hides every other tenant. */
export class Reports {
  constructor(private readonly db: Db) {}

  /** Queue figures per bucket (bucket boundaries in the viewer's time zone). */
  async series(tenantId: string, range: ReportRange, bucket: Bucket): Promise<SeriesRow[]> {
    const r = checkRange(range);
    const { lo, hi } = bounds(r);
    const key =
      bucket === '15m'
        ? sql`interval_start`
        : sql`(date_trunc(${bucket}, interval_start at time zone ${r.tz}) at time zone ${r.tz})`;
    const rows = await withTenant(this.db, tenantId, async (tx) =>
      rowsOf<SumRow>(
        await tx.execute(sql`select ${key} as start, ${SUMS} from analytics.queue_intervals
          where interval_start >= ${lo} and interval_start < ${hi} and ${filters(r)}
          group by 1 order by 1`),
      ),
    );
    return rows.map((row) => ({ start: new Date(String(row.start)).toISOString(), ...figures(row) }));
  }

  /** Queue figures over the whole range per site and queue. */
  async breakdown(tenantId: string, range: ReportRange): Promise<BreakdownRow[]> {
    const r = checkRange(range);
    const { lo, hi } = bounds(r);
    const rows = await withTenant(this.db, tenantId, async (tx) =>
      rowsOf<SumRow>(
        await tx.execute(sql`select site_id, queue_id, ${SUMS} from analytics.queue_intervals
          where interval_start >= ${lo} and interval_start < ${hi} and ${filters(r)}
          group by 1, 2 order by 1, 2`),
      ),
    );
    return rows.map((row) => ({
      siteId: String(row.site_id),
      queueId: String(row.queue_id),
      ...figures(row),
    }));
  }

  /** Per agent: handled, AHT, and occupancy from the agent state timeline clipped to the range. */
  async agents(tenantId: string, range: ReportRange): Promise<AgentRow[]> {
    const r = checkRange(range);
    const { lo, hi } = bounds(r);
    const site = r.siteId ? sql`site_id = ${r.siteId}` : sql`true`;
    const rows = await withTenant(this.db, tenantId, async (tx) =>
      rowsOf<SumRow>(
        await tx.execute(sql`
          with h as (
            select site_id, agent_id, sum(handled)::int as handled,
              sum(talk_ms + hold_ms + wrap_ms)::float8 as handle_ms
            from analytics.agent_intervals where interval_start >= ${lo} and interval_start < ${hi} and ${site}
            group by 1, 2),
          s as (
            select site_id, agent_id, to_state, occurred_at as t0,
              lead(occurred_at) over (partition by site_id, agent_id order by occurred_at, seq) as t1
            from analytics.agent_states
            where occurred_at < ${hi} and occurred_at >= ${lo} - interval '2 days' and ${site}),
          o as (
            select site_id, agent_id,
              sum(extract(epoch from least(coalesce(t1, least(now(), ${hi})), ${hi}) - greatest(t0, ${lo})) * 1000)
                filter (where to_state in (4, 5, 6, 7))::float8 as busy_ms,
              sum(extract(epoch from least(coalesce(t1, least(now(), ${hi})), ${hi}) - greatest(t0, ${lo})) * 1000)
                filter (where to_state in (2, 4, 5, 6, 7))::float8 as staffed_ms
            from s where coalesce(t1, ${hi}) > ${lo}
            group by 1, 2)
          select coalesce(h.site_id, o.site_id) as site_id, coalesce(h.agent_id, o.agent_id) as agent_id,
            coalesce(h.handled, 0) as handled, h.handle_ms, o.busy_ms, o.staffed_ms
          from h full join o on h.site_id = o.site_id and h.agent_id = o.agent_id
          order by 1, 2`),
      ),
    );
    return rows.map((row) => {
      const handled = Number(row.handled ?? 0);
      const staffed = Number(row.staffed_ms ?? 0);
      return {
        siteId: String(row.site_id),
        agentId: String(row.agent_id),
        handled,
        ahtMs: handled > 0 ? Math.round(Number(row.handle_ms) / handled) : null,
        occupancy: staffed > 0 ? Math.round((1000 * Number(row.busy_ms ?? 0)) / staffed) / 10 : null,
        staffedMs: Math.round(staffed),
      };
    });
  }

  /** Sites and queues with data in the range (for the filters). */
  async dimensions(tenantId: string, range: ReportRange): Promise<{ sites: string[]; queues: string[] }> {
    const r = checkRange(range);
    const { lo, hi } = bounds(r);
    const rows = await withTenant(this.db, tenantId, async (tx) =>
      rowsOf<{ site_id: string; queue_id: string }>(
        await tx.execute(sql`select distinct site_id, queue_id from analytics.queue_intervals
          where interval_start >= ${lo} and interval_start < ${hi}`),
      ),
    );
    return {
      sites: [...new Set(rows.map((x) => x.site_id))].sort(),
      queues: [...new Set(rows.map((x) => x.queue_id))].sort(),
    };
  }
}
