import type { Database } from '@hcc/shared';
import { sql } from 'drizzle-orm';
import type { Totals } from './day.ts';

/** Per-queue totals of one site read back from the cloud's rollup table. */
export async function cloudTotals(db: Database, site: string): Promise<Record<string, Totals>> {
  const res = (await db.db.execute(sql`
    select queue_id, sum(offered)::int as offered, sum(answered)::int as answered, sum(abandoned)::int as abandoned,
      sum(short_abandoned)::int as short_abandoned, sum(answered_in_sl)::int as answered_in_sl,
      sum(answer_wait_ms)::bigint as answer_wait_ms, sum(talk_ms)::bigint as talk_ms, sum(hold_ms)::bigint as hold_ms,
      sum(wrap_ms)::bigint as wrap_ms, max(longest_wait_ms)::bigint as longest_wait_ms
    from analytics.queue_intervals where site_id = ${site} group by queue_id`)) as unknown as {
    rows: Record<string, string | number>[];
  };
  const out: Record<string, Totals> = {};
  for (const r of res.rows) {
    out[String(r.queue_id)] = {
      offered: Number(r.offered),
      answered: Number(r.answered),
      abandoned: Number(r.abandoned),
      shortAbandoned: Number(r.short_abandoned),
      answeredInSl: Number(r.answered_in_sl),
      answerWaitMs: Number(r.answer_wait_ms),
      talkMs: Number(r.talk_ms),
      holdMs: Number(r.hold_ms),
      wrapMs: Number(r.wrap_ms),
      longestWaitMs: Number(r.longest_wait_ms),
    };
  }
  return out;
}
