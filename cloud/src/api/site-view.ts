import { desc, eq, max } from 'drizzle-orm';
import { configVersions, deployments, siteNats, siteStatus, sites } from '../db/schema.ts';
import type { Tx } from '../db/tenant.ts';
import { NotFoundError } from '../errors.ts';

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
    rejected: { version: string; reason: string; detail: string; at: string | null } | null;
  };
}

const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);

/** The sites of the caller's tenant with their fleet status (RLS and an explicit tenant filter). */
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
      };
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
