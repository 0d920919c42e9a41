import { type Db, type Logger, newAccountKey } from '@hcc/shared';
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
  account: string;
  /** `.creds` text for the leaf remote (a LEAFNODE-only user of the site account). */
  leafCredentials: string;
  hubLeafUrls: string[];
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
    private readonly opts: { hubLeafUrls: string[]; signingPublicKey: string },
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
    return rows.map((r) => ({ site: r.siteId, publicKey: r.accountPublicKey, seed: r.accountSeed }));
  }

  /** At start: (re)pushes the cloud account with every enrolled site and ensures the aggregate stream. */
  async restore(): Promise<void> {
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

  /** Enrolls a site of the tenant (idempotent: re-enrolling keeps the account, issues new leaf credentials). */
  async enroll(tenantId: string, siteId: string): Promise<EnrollmentGrant> {
    return this.serial(async () => {
      const account = await withTenant(this.db, tenantId, async (tx) => {
        const [site] = await tx.select({ id: sites.id }).from(sites).where(eq(sites.id, siteId));
        if (!site) throw new NotFoundError(`site ${siteId}`);
        const [row] = await tx.select().from(siteNats).where(eq(siteNats.siteId, siteId));
        if (row) return { site: siteId, publicKey: row.accountPublicKey, seed: row.accountSeed };
        const key = newAccountKey();
        await tx
          .insert(siteNats)
          .values({ siteId, tenantId, accountPublicKey: key.publicKey, accountSeed: key.seed });
        return { site: siteId, publicKey: key.publicKey, seed: key.seed };
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
      const leaf = await this.authority.leafCredentials(account);
      this.log.info({ site: siteId }, 'site enrolled');
      return {
        siteId,
        account: account.publicKey,
        leafCredentials: leaf.creds,
        hubLeafUrls: this.opts.hubLeafUrls,
        configSigningPublicKey: this.opts.signingPublicKey,
      };
    });
  }
}
