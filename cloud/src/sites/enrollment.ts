import type { Db, Logger } from '@hcc/shared';
import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { eq } from 'drizzle-orm';
import { siteNats, sites } from '../db/schema.ts';
import { asSystem, withTenant } from '../db/tenant.ts';
import { NotFoundError } from '../errors.ts';
import type { HubAuthority, SiteAccount } from '../nats/authority.ts';
import { ensureHubEventsStream, ensureSiteHubEventsStream, openSiteConfigBucket } from '../nats/topology.ts';

/** What an edge needs to join: its leaf's hub credentials, where the hub is, and whom to trust. */
export interface EnrollmentGrant {
  siteId: string;
  tenantId: string;
  account: string;
  /** `.creds` text for the leaf remote (a LEAFNODE-only user of the site account). */
  leafCredentials: string;
  hubLeafUrls: string[];
  /** The CA (PEM) that signed the hub's leafnode TLS certificate; empty when the hub has no TLS. */
  hubCaPem: string;
  /** Ed25519 public key (PEM) that signs the site's config bundles. */
  configSigningPublicKey: string;
}

/**
 * Enrollment gives a site its own hub account, created at runtime (no hub restart): the account JWT
 * is pushed to the hub's resolver, the account's config bucket and events stream are created, the
 * cloud account's JWT is re-issued to import the site's events, and the aggregate stream starts
 * sourcing them. Account changes are serialised in this process.
 */
export class Enrollment {
  private chain: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly db: Db,
    private readonly authority: HubAuthority,
    private readonly cloudNc: () => NatsConnection,
    private readonly opts: { hubLeafUrls: string[]; signingPublicKey: string; hubCaPem?: string },
    private readonly log: Logger,
  ) {}

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.chain.then(fn);
    this.chain = next.catch(() => {});
    return next;
  }

  /** Every enrolled site's account (a cross-tenant read: the cloud account imports them all). */
  async enrolledAccounts(): Promise<SiteAccount[]> {
    const rows = await asSystem(this.db, (tx) => tx.select().from(siteNats));
    return rows.map((r) => ({
      site: r.siteId,
      publicKey: r.accountPublicKey,
      sealedSeed: r.accountSeed,
      revocations: r.revocations,
    }));
  }

  /**
   * Seals site account seeds still stored in plain text (from before seeds were sealed) and re-seals
   * those under an older key (after a key rotation). Runs at start, before anything reads a seed.
   */
  async sealStoredSeeds(): Promise<void> {
    await asSystem(this.db, async (tx) => {
      const rows = await tx.select().from(siteNats);
      let sealed = 0;
      for (const r of rows) {
        const next = this.authority.resealSeed(r.siteId, r.accountPublicKey, r.accountSeed);
        if (next === undefined) continue;
        await tx.update(siteNats).set({ accountSeed: next }).where(eq(siteNats.siteId, r.siteId));
        sealed++;
      }
      if (sealed > 0) this.log.info({ sites: sealed }, 'site account seeds sealed under the current key');
    });
  }

  /** At start: (re)pushes the cloud account with every enrolled site and ensures the aggregate stream. */
  async restore(): Promise<void> {
    await this.sealStoredSeeds();
    await this.serial(async () => {
      const accounts = await this.enrolledAccounts();
      for (const a of accounts) await this.authority.pushSiteAccount(a);
      await this.authority.pushCloudAccount(accounts);
    });
  }

  /** Sources every enrolled site into the aggregate stream (needs the cloud connection). */
  async ensureAggregate(): Promise<void> {
    const accounts = await this.enrolledAccounts();
    await ensureHubEventsStream(
      await jetstreamManager(this.cloudNc()),
      accounts.map((a) => a.site),
    );
  }

  /**
   * Enrolls a site of the tenant (idempotent: re-enrolling keeps the account and issues new leaf
   * credentials). The previous leaf user is revoked in the same account JWT push, so a leaf still
   * holding the old credentials is dropped by the hub and cannot connect again.
   */
  async enroll(tenantId: string, siteId: string): Promise<EnrollmentGrant> {
    return this.serial(async () => {
      const { account, leaf } = await withTenant(this.db, tenantId, async (tx) => {
        const [site] = await tx.select({ id: sites.id }).from(sites).where(eq(sites.id, siteId));
        if (!site) throw new NotFoundError(`site ${siteId}`);
        const [row] = await tx.select().from(siteNats).where(eq(siteNats.siteId, siteId));
        if (!row) {
          const account = this.authority.newSiteAccount(siteId);
          const leaf = await this.authority.leafCredentials(account);
          await tx.insert(siteNats).values({
            siteId,
            tenantId,
            accountPublicKey: account.publicKey,
            accountSeed: account.sealedSeed,
            leafUserPublicKey: leaf.publicKey,
          });
          return { account, leaf };
        }
        const revocations = { ...row.revocations };
        if (row.leafUserPublicKey) revocations[row.leafUserPublicKey] = Math.floor(Date.now() / 1000);
        const account: SiteAccount = {
          site: siteId,
          publicKey: row.accountPublicKey,
          sealedSeed: row.accountSeed,
          revocations,
        };
        const leaf = await this.authority.leafCredentials(account);
        await tx
          .update(siteNats)
          .set({ leafUserPublicKey: leaf.publicKey, revocations })
          .where(eq(siteNats.siteId, siteId));
        if (row.leafUserPublicKey)
          this.log.info({ site: siteId, user: row.leafUserPublicKey }, 'previous leaf user revoked');
        return { account, leaf };
      });
      await this.authority.pushSiteAccount(account);
      const nc = await this.authority.connectSite(account, 300);
      try {
        await openSiteConfigBucket(nc);
        await ensureSiteHubEventsStream(await jetstreamManager(nc), siteId);
      } finally {
        await nc.close();
      }
      await this.authority.pushCloudAccount(await this.enrolledAccounts());
      await ensureHubEventsStream(await jetstreamManager(this.cloudNc()), [siteId]);
      this.log.info({ site: siteId }, 'site enrolled');
      return {
        siteId,
        tenantId,
        account: account.publicKey,
        leafCredentials: leaf.creds,
        hubLeafUrls: this.opts.hubLeafUrls,
        hubCaPem: this.opts.hubCaPem ?? '',
        configSigningPublicKey: this.opts.signingPublicKey,
      };
    });
  }
}
