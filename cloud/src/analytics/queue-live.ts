import type { Db } from '@hcc/shared';
import { type SQL, sql } from 'drizzle-orm';
import type { QueueLiveRow } from './rollup.ts';

const p = (v: unknown): SQL => sql`${sql.param(v)}`;
const iso = (ms: number): string => new Date(ms).toISOString();

/**
 * Upserts the wallboard's latest snapshot per (tenant, site, queue) in one statement: a row is
 * replaced only by a newer observed_at, so late or reordered snapshots never move a queue back.
 * The one writer of analytics.queue_live: ingest (snapshots stored as events by older edges) and
 * the live snapshots service both call it, in a transaction of the system role.
 */
export async function upsertQueueLive(tx: Db, live: ReadonlyMap<string, QueueLiveRow>): Promise<void> {
  // Sorted by key so concurrent writers lock the rows in the same order.
  const lv = [...live.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, v]) => v);
  if (lv.length === 0) return;
  await tx.execute(sql`
    insert into analytics.queue_live as l (tenant_id, site_id, queue_id, observed_at, waiting, longest_wait_ms, agents)
    select * from unnest(${p(lv.map((l) => l.tenantId))}::text[], ${p(lv.map((l) => l.siteId))}::text[],
      ${p(lv.map((l) => l.queueId))}::text[], ${p(lv.map((l) => iso(l.observedAt)))}::timestamptz[],
      ${p(lv.map((l) => l.waiting))}::int[], ${p(lv.map((l) => l.longestWaitMs))}::bigint[],
      ${p(lv.map((l) => JSON.stringify(l.agents)))}::jsonb[])
    on conflict (tenant_id, site_id, queue_id) do update set observed_at = excluded.observed_at,
      waiting = excluded.waiting, longest_wait_ms = excluded.longest_wait_ms, agents = excluded.agents
    where l.observed_at < excluded.observed_at`);
}
