/**
 * Report query time over a store holding 10 million events:
 *
 *   npx tsx cloud/bench/ingest-report.ts [events]
 *
 * Fills analytics.events with `events` rows (default 10M: 1M interactions of 10 events over 30
 * days, 20 sites, 2 tenants) and the rollup rows those interactions produce (20 sites x 5 queues x
 * 96 intervals a day), generated in SQL for speed rather than ingested one by one; then times the
 * analyst queries through Reports (as hcc_app under RLS): the 24-hour per-queue report in 15-minute
 * intervals, the 24-hour breakdown by site and queue, and 30 days by day.
 */
import { openDatabase } from '@hcc/shared';
import { createTestDatabase, startTestPostgres } from '@hcc/shared/testing';
import { sql } from 'drizzle-orm';
import { migrateAnalytics } from '../src/analytics/migrate.ts';
import { Reports } from '../src/analytics/reports.ts';

const EVENTS = Number(process.argv[2] ?? 10_000_000);
const DAYS = 30;
const SITES = 20;
const QUEUES = 5;
const pg = await startTestPostgres();
const info = await createTestDatabase(pg.url, 'report');
const database = await openDatabase({ url: info.url });
await migrateAnalytics(database);
const db = database.db;
const start = Date.UTC(2025, 0, 1);

let t = performance.now();
const CHUNK = 1_000_000;
for (let off = 0; off < EVENTS; off += CHUNK) {
  await db.execute(sql`
    insert into analytics.events (event_id, tenant_id, site_id, seq, kind, occurred_at, received_at, payload)
    select md5(i::text)::uuid, case when s < 10 then 'acme' else 'globex' end, 'site-' || s, i / ${SITES}::int + 1,
      (array['interaction','agent_state_changed','queue_snapshot'])[1 + i % 3],
      to_timestamp(${start / 1000}::float8 + (i::float8 / ${EVENTS}::float8) * ${DAYS * 86400}::float8),
      to_timestamp(${start / 1000}::float8 + (i::float8 / ${EVENTS}::float8) * ${DAYS * 86400}::float8 + 0.2),
      decode(md5(i::text) || md5((i + 7)::text) || md5((i + 13)::text), 'hex')
    from (select i, (i % ${SITES}::int)::int as s from generate_series(${off}::int, ${Math.min(EVENTS, off + CHUNK) - 1}::int) i) g`);
  process.stdout.write(`\r  events: ${Math.min(EVENTS, off + CHUNK)}`);
}
await db.execute(sql`
  insert into analytics.queue_intervals (tenant_id, site_id, queue_id, interval_start, offered, answered, abandoned,
    short_abandoned, answered_in_sl, answer_wait_ms, talk_ms, hold_ms, wrap_ms, longest_wait_ms, late_events)
  select case when s < 10 then 'acme' else 'globex' end, 'site-' || s, 'queue-' || q,
    to_timestamp(${start / 1000}::float8) + make_interval(mins => 15 * k), o, o - o / 5, o / 5, o / 10, o / 2,
    o * 15000, o * 180000, o * 5000, o * 30000, 40000, (k % 97 = 0)::int
  from generate_series(0, ${SITES - 1}::int) s, generate_series(0, ${QUEUES - 1}::int) q,
    generate_series(0, ${DAYS * 96 - 1}::int) k, lateral (select ((s * 7 + q * 3 + k) % 7) as o) x`);
await db.execute(sql`analyze`);
const rows =
  await db.execute(sql`select (select count(*) from analytics.events) as e, (select count(*) from analytics.queue_intervals) as q,
  (select sum(offered) from analytics.queue_intervals) as offered, pg_size_pretty(pg_database_size(current_database())) as size`);
console.log(
  `\nloaded in ${((performance.now() - t) / 1000).toFixed(0)} s:`,
  (rows as unknown as { rows: unknown[] }).rows[0],
);

const reports = new Reports(db);
const timeIt = async (label: string, n: number, fn: (i: number) => Promise<unknown>) => {
  const ms: number[] = [];
  for (let i = 0; i < n; i++) {
    t = performance.now();
    await fn(i);
    ms.push(performance.now() - t);
  }
  ms.sort((a, b) => a - b);
  const p = (q: number) => ms[Math.min(ms.length - 1, Math.floor(q * ms.length))]!.toFixed(1);
  console.log(`${label}: p50 ${p(0.5)} ms, p95 ${p(0.95)} ms, max ${ms.at(-1)!.toFixed(1)} ms (${n} runs)`);
};
const day = (i: number) => new Date(start + (i % DAYS) * 86_400_000).toISOString().slice(0, 10);
await timeIt('24-hour per-queue report, 15-minute intervals', 200, (i) =>
  reports.series(
    'acme',
    { from: day(i), to: day(i), tz: 'Europe/Berlin', queueId: `queue-${i % QUEUES}` },
    '15m',
  ),
);
await timeIt('24-hour report, all queues and sites of the tenant, hourly', 200, (i) =>
  reports.series('acme', { from: day(i), to: day(i), tz: 'America/New_York' }, 'hour'),
);
await timeIt('24-hour breakdown by site and queue', 200, (i) =>
  reports.breakdown('acme', { from: day(i), to: day(i), tz: 'UTC' }),
);
await timeIt('30 days by day, all queues', 50, () =>
  reports.series('acme', { from: '2025-01-01', to: '2025-01-30', tz: 'UTC' }, 'day'),
);
await database.close();
await pg.stop();
process.exit(0);
