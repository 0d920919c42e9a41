import type { Db } from '@hcc/shared';
import { and, count, eq, inArray, sql } from 'drizzle-orm';
import { rejectedEvents, siteWatermarks } from '../analytics/schema.ts';
import { asSystem } from '../db/tenant.ts';
import { rowsOf } from './writer.ts';

/** What the cloud's analytics store knows of one site's events flow. */
export interface SiteIngestFigures {
  /** The contiguous seq ingested (the watermark published back to the edge); null before the first. */
  ingestedSeq: string | null;
  /** When that seq last advanced. */
  ingestedAt: Date | null;
  /** Messages of the site parked in `analytics.rejected_events`. */
  parked: number;
}

/**
 * The ingest figures of `siteIds`, which must be sites of `tenantId` (the caller's own list): the
 * watermark row must also carry that tenant. Runs as `hcc_system` (only it may read the watermarks
 * and the parked events), in its own transaction: call it outside any other transaction of `db`
 * (PGlite runs one at a time). Sites without figures are absent from the map; so is everything
 * while the analytics store is not migrated yet (ingest migrates it when it starts).
 */
export async function siteIngestFigures(
  db: Db,
  tenantId: string,
  siteIds: readonly string[],
): Promise<Map<string, SiteIngestFigures>> {
  const out = new Map<string, SiteIngestFigures>();
  if (siteIds.length === 0) return out;
  const ids = [...siteIds];
  await asSystem(db, async (tx) => {
    const [store] = rowsOf<{ ready: boolean }>(
      await tx.execute(sql`select to_regclass('analytics.rejected_events') is not null as ready`),
    );
    if (!store?.ready) return;
    const marks = await tx
      .select({
        siteId: siteWatermarks.siteId,
        seq: sql<string>`${siteWatermarks.seq}::text`,
        updatedAt: siteWatermarks.updatedAt,
      })
      .from(siteWatermarks)
      .where(and(eq(siteWatermarks.tenantId, tenantId), inArray(siteWatermarks.siteId, ids)));
    // rejected_events_site_idx: a count per site, not a scan of every parked message.
    const parked = await tx
      .select({ siteId: rejectedEvents.siteId, n: count() })
      .from(rejectedEvents)
      .where(inArray(rejectedEvents.siteId, ids))
      .groupBy(rejectedEvents.siteId);
    for (const m of marks) out.set(m.siteId, { ingestedSeq: m.seq, ingestedAt: m.updatedAt, parked: 0 });
    for (const p of parked) {
      if (p.siteId === null) continue;
      const f = out.get(p.siteId) ?? { ingestedSeq: null, ingestedAt: null, parked: 0 };
      out.set(p.siteId, { ...f, parked: Number(p.n) });
    }
  });
  return out;
}
