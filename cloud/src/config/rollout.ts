import { type Db, type Logger, uuid7 } from '@hcc/shared';
import { desc, eq } from 'drizzle-orm';
import { deployments, siteNats } from '../db/schema.ts';
import { type Tx, withTenant } from '../db/tenant.ts';
import { ConflictError, NotFoundError } from '../errors.ts';
import type { SiteAccount } from '../nats/authority.ts';
import type { ConfigBus } from '../nats/config-bus.ts';
import { compileDraft, replaceDraft } from './drafts.ts';
import { createVersion, getVersion, latestVersionNumber, markPublished, type Signer } from './publish.ts';

export interface DeployResult {
  siteId: string;
  version: string;
  ok: boolean;
  error?: string;
}

export async function siteAccountOf(tx: Tx, siteId: string): Promise<SiteAccount | undefined> {
  const [row] = await tx.select().from(siteNats).where(eq(siteNats.siteId, siteId));
  return row ? { site: row.siteId, publicKey: row.accountPublicKey, sealedSeed: row.accountSeed } : undefined;
}

/**
 * Versions and rollouts of one tenant's sites: publish compiles a draft into a signed version;
 * a rollout deploys chosen versions to chosen sites (a staged rollout names a few sites first);
 * rollback restores an earlier version's content as a new version and deploys it (edges accept only
 * newer versions, so going back means going forward with old content).
 */
export class ConfigService {
  constructor(
    private readonly db: Db,
    private readonly signer: Signer,
    private readonly bus: ConfigBus,
    private readonly log: Logger,
  ) {}

  /** Compiles the site's draft into a new version (not deployed). */
  async publishDraft(tenantId: string, siteId: string, by: string): Promise<bigint> {
    return withTenant(this.db, tenantId, async (tx) => {
      const draft = await compileDraft(tx, siteId);
      if (!draft) throw new NotFoundError(`site ${siteId}`);
      return (await createVersion(tx, this.signer, draft, { createdBy: by })).version;
    });
  }

  /** Deploys versions (default: each site's latest) to sites; every site is reported separately. */
  async deploy(
    tenantId: string,
    targets: readonly { siteId: string; version?: bigint }[],
    by: string,
    action: 'rollout' | 'rollback' = 'rollout',
  ): Promise<DeployResult[]> {
    const rolloutId = uuid7();
    return Promise.all(
      targets.map(async (t): Promise<DeployResult> => {
        const prepared = await withTenant(this.db, tenantId, async (tx) => {
          const version = t.version ?? (await latestVersionNumber(tx, t.siteId));
          if (version === undefined) throw new NotFoundError(`a version of site ${t.siteId}`);
          const v = await getVersion(tx, t.siteId, version);
          if (!v) throw new NotFoundError(`version ${version} of site ${t.siteId}`);
          const account = await siteAccountOf(tx, t.siteId);
          if (!account) throw new ConflictError(`site ${t.siteId} is not enrolled`);
          return { version, bytes: v.bytes, account };
        });
        try {
          await this.bus.put(prepared.account, prepared.bytes);
        } catch (err) {
          this.log.warn({ site: t.siteId, err: String(err) }, 'deploy failed');
          return {
            siteId: t.siteId,
            version: prepared.version.toString(),
            ok: false,
            error: 'hub unreachable',
          };
        }
        await withTenant(this.db, tenantId, async (tx) => {
          await markPublished(tx, t.siteId, prepared.version);
          await tx.insert(deployments).values({
            id: uuid7(),
            tenantId,
            rolloutId,
            siteId: t.siteId,
            version: prepared.version,
            action,
            requestedBy: by,
          });
        });
        this.log.info({ site: t.siteId, version: prepared.version.toString(), action }, 'config deployed');
        return { siteId: t.siteId, version: prepared.version.toString(), ok: true };
      }),
    );
  }

  /**
   * What a site that has just enrolled needs: its hub bucket is new and empty, so deploy the version it
   * should run (the newest it was deployed, else its latest published version). A site with no version
   * yet gets nothing. Returns undefined when there was nothing to deploy.
   */
  async deployCurrent(tenantId: string, siteId: string, by: string): Promise<DeployResult | undefined> {
    const version = await withTenant(this.db, tenantId, async (tx) => {
      const [last] = await tx
        .select({ version: deployments.version })
        .from(deployments)
        .where(eq(deployments.siteId, siteId))
        .orderBy(desc(deployments.requestedAt), desc(deployments.id))
        .limit(1);
      return last?.version ?? (await latestVersionNumber(tx, siteId));
    });
    if (version === undefined) return undefined;
    const [r] = await this.deploy(tenantId, [{ siteId, version }], by);
    return r;
  }

  /** Restores `toVersion`'s content as a new version, resets the draft to it and deploys it. */
  async rollback(tenantId: string, siteId: string, toVersion: bigint, by: string): Promise<DeployResult> {
    const version = await withTenant(this.db, tenantId, async (tx) => {
      const old = await getVersion(tx, siteId, toVersion);
      if (!old) throw new NotFoundError(`version ${toVersion} of site ${siteId}`);
      await replaceDraft(tx, old.bundle, by);
      const v = await createVersion(tx, this.signer, old.bundle, { createdBy: by, restoredFrom: toVersion });
      return v.version;
    });
    const [result] = await this.deploy(tenantId, [{ siteId, version }], by, 'rollback');
    return result!;
  }
}
