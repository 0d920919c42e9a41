import type { Db } from '@hcc/shared';
import { sql } from 'drizzle-orm';
import { withTenant } from '../db/tenant.ts';
import { rowsOf } from '../ingest/writer.ts';

export interface WallboardCell {
  waiting: number;
  /** Longest current wait, extrapolated from the snapshot to now while callers wait. */
  longestWaitMs: number;
  /** Agent state name -> count. */
  agents: Record<string, number>;
}

export interface WallboardSite extends WallboardCell {
  siteId: string;
  observedAt: string;
  /** No snapshot for `staleAfterMs`: the site is offline or silent; excluded from the totals. */
  stale: boolean;
}

export interface WallboardQueue extends WallboardCell {
  queueId: string;
  sites: WallboardSite[];
}

export interface Wallboard {
  generatedAt: string;
  queues: WallboardQueue[];
}

/** The live wallboard of a tenant: the latest snapshot of every site's queues, totalled per queue across sites. */
export async function wallboard(
  db: Db,
  tenantId: string,
  opts: { now?: number; staleAfterMs?: number } = {},
): Promise<Wallboard> {
  const now = opts.now ?? Date.now();
  const staleAfter = opts.staleAfterMs ?? 15_000;
  const rows = await withTenant(db, tenantId, async (tx) =>
    rowsOf<{
      site_id: string;
      queue_id: string;
      observed_at: string | Date;
      waiting: number;
      longest_wait_ms: string;
      agents: Record<string, number>;
    }>(
      await tx.execute(sql`select site_id, queue_id, observed_at, waiting, longest_wait_ms, agents
        from analytics.queue_live order by queue_id, site_id`),
    ),
  );
  const queues = new Map<string, WallboardQueue>();
  for (const r of rows) {
    const observed = new Date(r.observed_at).getTime();
    const stale = now - observed > staleAfter;
    const waiting = Number(r.waiting);
    const longest = Number(r.longest_wait_ms) + (waiting > 0 && !stale ? Math.max(0, now - observed) : 0);
    const site: WallboardSite = {
      siteId: r.site_id,
      observedAt: new Date(observed).toISOString(),
      stale,
      waiting,
      longestWaitMs: longest,
      agents: r.agents,
    };
    let q = queues.get(r.queue_id);
    if (!q) {
      q = { queueId: r.queue_id, waiting: 0, longestWaitMs: 0, agents: {}, sites: [] };
      queues.set(r.queue_id, q);
    }
    q.sites.push(site);
    if (stale) continue;
    q.waiting += waiting;
    q.longestWaitMs = Math.max(q.longestWaitMs, longest);
    for (const [state, n] of Object.entries(r.agents)) q.agents[state] = (q.agents[state] ?? 0) + n;
  }
  for (const q of queues.values()) {
    q.agents = ordered(q.agents);
    for (const s of q.sites) s.agents = ordered(s.agents);
  }
  return { generatedAt: new Date(now).toISOString(), queues: [...queues.values()] };
}

const STATE_ORDER = ['ready', 'reserved', 'ringing', 'on_call', 'wrap_up', 'not_ready', 'logged_out'];

/** Agent counts in a fixed state order (as a wallboard reads them). */
function ordered(a: Record<string, number>): Record<string, number> {
  const rank = (k: string) => STATE_ORDER.indexOf(k) + 1 || 99;
  return Object.fromEntries(Object.entries(a).sort(([x], [y]) => rank(x) - rank(y)));
}
