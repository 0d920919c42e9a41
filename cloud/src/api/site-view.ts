import type { Db } from '@hcc/shared';
import { desc, eq, max } from 'drizzle-orm';
import {
  configVersions,
  deployments,
  type SipProtectionStatus,
  siteNats,
  siteStatus,
  sites,
  type TrunkHealthStatus,
} from '../db/schema.ts';
import type { Tx } from '../db/tenant.ts';
import { NotFoundError } from '../errors.ts';
import { siteIngestFigures } from '../ingest/site-events.ts';

export interface SiteView {
  id: string;
  name: string;
  timeZone: string;
  locale: string;
  enrolled: boolean;
  latestVersion: string | null;
  deployedVersion: string | null;
  status: {
    online: boolean;
    lastHeartbeatAt: string | null;
    appliedVersion: string | null;
    appliedAt: string | null;
    activeCalls: number | null;
    rtpengineHealthy: boolean | null;
    natsConnected: boolean | null;
    /** The edge's SIP front door (newest heartbeat): bans, drops, refusals; counts only. */
    sipProtection: SipProtectionStatus | null;
    /** The edge's trunks as its OPTIONS pings see them (newest heartbeat or change); ids only. */
    trunkHealth: TrunkHealthStatus[];
    rejected: { version: string; reason: string; detail: string; at: string | null } | null;
  };
  /** The site's events (analytics) flow: what waits at the edge, what the cloud has, what it parked. */
  events: {
    /** Events journaled at the edge and not yet confirmed by the cloud (newest heartbeat). */
    outboxBacklog: number | null;
    /** The contiguous seq the cloud has ingested (its watermark for the site). */
    ingestedSeq: string | null;
    /** When that seq last advanced. */
    ingestedAt: string | null;
    /** Messages of the site parked in analytics.rejected_events (malformed or misattributed). */
    parked: number;
  };
}

const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);

/**
 * The sites of the caller's tenant with their fleet status (RLS and an explicit tenant filter).
 * `events` holds the edge's backlog only: add the analytics figures with `addIngestFigures` once
 * the tenant transaction is over.
 */
export async function siteViews(
  tx: Tx,
  tenantId: string,
  onlineAfterMs: number,
  only?: string,
): Promise<SiteView[]> {
  const rows = await tx
    .select({ site: sites, status: siteStatus, account: siteNats.accountPublicKey })
    .from(sites)
    .leftJoin(siteStatus, eq(siteStatus.siteId, sites.id))
    .leftJoin(siteNats, eq(siteNats.siteId, sites.id))
    .where(only ? eq(sites.id, only) : eq(sites.tenantId, tenantId))
    .orderBy(sites.id);
  const latest = new Map(
    (
      await tx
        .select({ siteId: configVersions.siteId, v: max(configVersions.version) })
        .from(configVersions)
        .groupBy(configVersions.siteId)
    ).map((r) => [r.siteId, r.v]),
  );
  // The newest deployment per site (DISTINCT ON uses deployments_site_idx).
  const deployed = new Map(
    (
      await tx
        .selectDistinctOn([deployments.siteId], { siteId: deployments.siteId, version: deployments.version })
        .from(deployments)
        .orderBy(deployments.siteId, desc(deployments.requestedAt))
    ).map((d) => [d.siteId, d.version]),
  );
  return rows
    .filter((r) => r.site.tenantId === tenantId)
    .map(({ site, status, account }) => {
      const hb = status?.lastHeartbeatAt;
      return {
        id: site.id,
        name: site.name,
        timeZone: site.timeZone,
        locale: site.locale,
        enrolled: account !== null,
        latestVersion: latest.get(site.id)?.toString() ?? null,
        deployedVersion: deployed.get(site.id)?.toString() ?? null,
        status: {
          online: hb ? Date.now() - hb.getTime() < onlineAfterMs : false,
          lastHeartbeatAt: iso(hb),
          appliedVersion: status?.appliedVersion?.toString() ?? null,
          appliedAt: iso(status?.appliedAt),
          activeCalls: status?.activeCalls ?? null,
          rtpengineHealthy: status?.rtpengineHealthy ?? null,
          natsConnected: status?.natsConnected ?? null,
          sipProtection: status?.sipProtection ?? null,
          trunkHealth: status?.trunkHealth ?? [],
          rejected:
            status?.rejectedVersion != null
              ? {
                  version: status.rejectedVersion.toString(),
                  reason: status.rejectReason ?? '',
                  detail: status.rejectDetail ?? '',
                  at: iso(status.rejectedAt),
                }
              : null,
        },
        events: {
          outboxBacklog: status?.outboxBacklog ?? null,
          ingestedSeq: null,
          ingestedAt: null,
          parked: 0,
        },
      };
    });
}

/**
 * Fills in each view's ingested seq and parked count from the analytics store (read as the system
 * role, for these sites of `tenantId` only). Call it outside the tenant transaction that built the
 * views: it runs its own.
 */
export async function addIngestFigures(db: Db, tenantId: string, views: SiteView[]): Promise<SiteView[]> {
  const figures = await siteIngestFigures(
    db,
    tenantId,
    views.map((v) => v.id),
  );
  return views.map((v) => {
    const f = figures.get(v.id);
    return f
      ? {
          ...v,
          events: {
            ...v.events,
            ingestedSeq: f.ingestedSeq,
            ingestedAt: iso(f.ingestedAt),
            parked: f.parked,
          },
        }
      : v;
  });
}

/** The API's own tenant check on top of RLS: the site must belong to the caller's tenant. */
export async function requireSite(
  tx: Tx,
  tenantId: string,
  siteId: string,
): Promise<typeof sites.$inferSelect> {
  const [site] = await tx.select().from(sites).where(eq(sites.id, siteId));
  if (!site || site.tenantId !== tenantId) throw new NotFoundError(`site ${siteId}`);
  return site;
}
