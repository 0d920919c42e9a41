import { readFileSync } from 'node:fs';
import type { Logger } from '@hcc/shared';
import { eq } from 'drizzle-orm';
import type { ApiDeps } from '../api/index.ts';
import { replaceDraft } from '../config/drafts.ts';
import { getVersion, latestVersionNumber } from '../config/publish.ts';
import { siteAccountOf } from '../config/rollout.ts';
import { draftEntities, sites, users } from '../db/schema.ts';
import { asSystem, withTenant } from '../db/tenant.ts';
import type { CloudSettings } from '../settings.ts';
import { demoBranchBundle, demoHqBundle } from './bundles.ts';

const TENANT = 'acme';

/**
 * Seeds the demo tenant through the control plane's own services (idempotent): tenant `acme`, its
 * console admin (password from the stack's demo-credentials file), sites hq and branch with their
 * drafts, a first version per site, and a deployment of each site's latest version. The sites are
 * not enrolled here: the dev stack enrolls each edge with a one-time token, as a real site does.
 */
export async function seedDemo(api: ApiDeps, settings: CloudSettings, log: Logger): Promise<void> {
  await api.identity.createTenant(TENANT, 'Acme Corp');
  if (settings.demoCredentialsFile) {
    const creds = JSON.parse(readFileSync(settings.demoCredentialsFile, 'utf8')) as {
      console: { user: string; password: string };
    };
    const exists = await asSystem(api.db, (tx) =>
      tx.select({ id: users.id }).from(users).where(eq(users.email, creds.console.user)),
    );
    if (exists.length === 0)
      await api.identity.createUser(TENANT, {
        email: creds.console.user,
        displayName: 'Acme admin',
        role: 'tenant_admin',
        password: creds.console.password,
      });
  }
  for (const draft of [demoHqBundle(), demoBranchBundle()]) {
    const siteId = draft.siteId;
    const fresh = await withTenant(api.db, TENANT, async (tx) => {
      const [s] = await tx.select({ id: sites.id }).from(sites).where(eq(sites.id, siteId));
      if (!s)
        await tx.insert(sites).values({
          id: siteId,
          tenantId: TENANT,
          name: draft.site?.name ?? siteId,
          timeZone: draft.site?.timeZone ?? 'UTC',
        });
      const latest = await latestVersionNumber(tx, siteId);
      if (latest === undefined) {
        await replaceDraft(tx, draft, 'demo-seed');
        return true;
      }
      // A state dir from before drafts existed: start the draft from the running version.
      const [any] = await tx
        .select({ id: draftEntities.id })
        .from(draftEntities)
        .where(eq(draftEntities.siteId, siteId))
        .limit(1);
      const v = any ? undefined : await getVersion(tx, siteId, latest);
      if (v) await replaceDraft(tx, v.bundle, 'demo-seed');
      return false;
    });
    if (fresh) await api.config.publishDraft(TENANT, siteId, 'demo-seed');
    // A site not enrolled yet has no hub account to deploy to: its enrollment (the edge's one-time
    // token) deploys the site's current version.
    const enrolled = await withTenant(api.db, TENANT, (tx) => siteAccountOf(tx, siteId));
    if (!enrolled) continue;
    const [r] = await api.config.deploy(TENANT, [{ siteId }], 'demo-seed');
    log.info({ site: siteId, version: r?.version, ok: r?.ok }, 'demo config deployed');
  }
}
