import type { Db, Logger } from '@hcc/shared';
import type { KV } from '@nats-io/kv';
import { createVersion, latestVersion, publishVersion, type Signer } from '../config/publish.ts';
import { sites, tenants } from '../db/schema.ts';
import { demoBranchBundle, demoHqBundle } from './bundles.ts';

/**
 * Seeds the demo tenant (idempotent): tenant `acme` with sites hq and branch, a first signed config
 * version per site when it has none, and (re)publishes each site's latest version to the hub.
 */
export async function seedDemo(db: Db, kv: KV, signer: Signer, log: Logger): Promise<void> {
  await db.insert(tenants).values({ id: 'acme', name: 'Acme Corp' }).onConflictDoNothing();
  for (const draft of [demoHqBundle(), demoBranchBundle()]) {
    await db
      .insert(sites)
      .values({
        id: draft.siteId,
        tenantId: 'acme',
        name: draft.site?.name ?? draft.siteId,
        timeZone: draft.site?.timeZone ?? 'UTC',
      })
      .onConflictDoNothing();
    const bundle = (await latestVersion(db, draft.siteId)) ?? (await createVersion(db, signer, draft));
    await publishVersion(db, kv, bundle.siteId, bundle.version);
    log.info({ site: bundle.siteId, version: bundle.version.toString() }, 'demo config published');
  }
}
