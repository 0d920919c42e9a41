import type { Db } from '@hcc/shared';
import { eq } from 'drizzle-orm';
import { sites } from '../db/schema.ts';
import { asSystem, withTenant } from '../db/tenant.ts';
import { ConflictError } from '../errors.ts';

export interface NewSite {
  id: string;
  name: string;
  timeZone: string;
  locale: string;
}

/** Creates a site of the tenant (the API's `POST /sites` and the console's "Add site"). */
export async function createSite(db: Db, tenantId: string, site: NewSite): Promise<void> {
  // Site ids are global (NATS domains): a taken id is a conflict whichever tenant holds it.
  const taken = await asSystem(db, (tx) =>
    tx.select({ id: sites.id }).from(sites).where(eq(sites.id, site.id)),
  );
  if (taken.length) throw new ConflictError(`site id ${site.id} is taken`);
  await withTenant(db, tenantId, (tx) => tx.insert(sites).values({ ...site, tenantId }));
}
