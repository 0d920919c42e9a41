import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '@hcc/shared';
import { eq } from 'drizzle-orm';
import type { ApiDeps } from '../api/index.ts';
import { replaceDraft } from '../config/drafts.ts';
import { getVersion, latestVersionNumber } from '../config/publish.ts';
import { draftEntities, sites, users } from '../db/schema.ts';
import { asSystem, withTenant } from '../db/tenant.ts';
import type { CloudSettings } from '../settings.ts';
import { demoBranchBundle, demoHqBundle } from './bundles.ts';

const TENANT = 'acme';

/**
 * Seeds the demo tenant through the control plane's own services (idempotent): tenant `acme`, its
 * console admin (password from the stack's demo-credentials file), sites hq and branch with their
 * drafts, enrollment (leaf credentials written for the dev stack), a first version per site, and a
 * deployment of each site's latest version.
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
    const grant = await api.enrollment.enroll(TENANT, siteId);
    if (settings.demoEnrollDir) {
      mkdirSync(settings.demoEnrollDir, { recursive: true, mode: 0o700 });
      writeFileSync(join(settings.demoEnrollDir, `${siteId}.creds`), grant.leafCredentials, { mode: 0o600 });
    }
    if (fresh) await api.config.publishDraft(TENANT, siteId, 'demo-seed');
    const [r] = await api.config.deploy(TENANT, [{ siteId }], 'demo-seed');
    log.info({ site: siteId, version: r?.version, ok: r?.ok }, 'demo config deployed');
  }
}
