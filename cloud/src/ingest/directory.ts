import type { Db } from '@hcc/shared';
import { sql } from 'drizzle-orm';
import { asSystem } from '../db/tenant.ts';
import type { SiteDirectory } from './classify.ts';
import { rowsOf } from './writer.ts';

/**
 * Site -> tenant from the control plane's `sites` table (read as hcc_system), cached: known sites
 * for `ttlMs`, unknown ones for a few seconds so a newly enrolled site is picked up quickly.
 */
export function databaseSiteDirectory(db: Db, ttlMs = 60_000, now: () => number = Date.now): SiteDirectory {
  const cache = new Map<string, { tenant: string | undefined; until: number }>();
  return {
    async tenantOf(site) {
      const hit = cache.get(site);
      if (hit && hit.until > now()) return hit.tenant;
      const rows = await asSystem(db, async (tx) =>
        rowsOf<{ tenant_id: string }>(await tx.execute(sql`select tenant_id from sites where id = ${site}`)),
      );
      const tenant = rows[0]?.tenant_id;
      cache.set(site, { tenant, until: now() + (tenant ? ttlMs : 5000) });
      return tenant;
    },
  };
}
