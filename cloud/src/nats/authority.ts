import {
  issueAccountJwt,
  issueUser,
  keyPairFromSeed,
  type Logger,
  names,
  newAccountKey,
  pushAccountClaims,
  type UserIdentity,
} from '@hcc/shared';
import type { Export, Import } from '@nats-io/jwt';
import { connect, credsAuthenticator, type NatsConnection } from '@nats-io/transport-node';
import { SecretBox, SecretBoxError } from '../db/secret-box.ts';

/** What the control plane holds to act for the NATS operator (read from a secret file at start). */
export interface AuthoritySecrets {
  operatorSeed: string;
  systemAccountSeed: string;
  /** Seed of the cloud's own hub account (aggregate events stream, fleet and ingest consumers). */
  cloudAccountSeed: string;
}

/**
 * A site's hub account: its public key and the seed that mints the site's users, sealed as stored
 * in the database (only HubAuthority opens it, just to sign a user).
 */
export interface SiteAccount {
  site: string;
  publicKey: string;
  sealedSeed: string;
  /** Revoked users (public key -> unix seconds); omitted when none are known to the caller. */
  revocations?: Record<string, number>;
}

const enc = new TextEncoder();
const seedContext = (site: string, account: string) => `site_nats.account_seed:${site}:${account}`;

/** The site account's public exports, consumed by the cloud account only (only the operator signs imports). */
function siteExports(site: string): Export[] {
  const stream = names.siteHubEventsStream(site);
  return [
    { name: 'events-consumer', type: 'service', subject: `$JS.API.CONSUMER.CREATE.${stream}` },
    { name: 'events-consumer-ext', type: 'service', subject: `$JS.API.CONSUMER.CREATE.${stream}.>` },
    { name: 'events-flow-control', type: 'service', subject: `$JS.FC.${stream}.>` },
    { name: 'events-delivery', type: 'stream', subject: `${names.aggregateSourceDeliver(site)}.>` },
    // Queue snapshots for the live wallboard: exactly the site's own live subject, nothing wider.
    { name: 'live', type: 'stream', subject: names.liveSubject(site) },
  ];
}

function cloudImports(a: SiteAccount): Import[] {
  const stream = names.siteHubEventsStream(a.site);
  const api = names.siteApiImportPrefix(a.site);
  return [
    {
      name: `${a.site}-consumer`,
      type: 'service',
      account: a.publicKey,
      subject: `$JS.API.CONSUMER.CREATE.${stream}`,
      local_subject: `${api}.CONSUMER.CREATE.${stream}`,
    },
    {
      name: `${a.site}-consumer-ext`,
      type: 'service',
      account: a.publicKey,
      subject: `$JS.API.CONSUMER.CREATE.${stream}.>`,
      local_subject: `${api}.CONSUMER.CREATE.${stream}.>`,
    },
    { name: `${a.site}-fc`, type: 'service', account: a.publicKey, subject: `$JS.FC.${stream}.>` },
    {
      name: `${a.site}-delivery`,
      type: 'stream',
      account: a.publicKey,
      subject: `${names.aggregateSourceDeliver(a.site)}.>`,
    },
    // The site's live snapshots: the cloud attributes one to the site its subject names, which only
    // this import (from that site's account) can deliver.
    { name: `${a.site}-live`, type: 'stream', account: a.publicKey, subject: names.liveSubject(a.site) },
  ];
}

/**
 * The cloud account's public exports: every site's ingest watermark subject, as a stream. Public (no
 * activation token): only the operator signs account JWTs, so the only accounts importing it are the
 * site accounts the cloud signs, each with its own subject (siteImports).
 */
function cloudExports(): Export[] {
  return [{ name: 'watermarks', type: 'stream', subject: names.WATERMARK_EXPORT }];
}

/** A site account imports exactly its own watermark subject from the cloud account, nothing wider. */
function siteImports(site: string, cloudAccount: string): Import[] {
  return [
    { name: 'watermark', type: 'stream', account: cloudAccount, subject: names.watermarkSubject(site) },
  ];
}

/**
 * Issues and pushes the hub's account JWTs and mints users. Nothing here touches the database: the
 * caller stores site account seeds and passes the enrolled sites in.
 */
export class HubAuthority {
  readonly cloudAccount: string;

  constructor(
    private readonly secrets: AuthoritySecrets,
    private readonly hubUrl: string,
    private readonly log: Logger,
    private readonly box: SecretBox,
  ) {
    this.cloudAccount = keyPairFromSeed(secrets.cloudAccountSeed).getPublicKey();
  }

  /** A new hub account for a site: a fresh account key, its seed sealed for the database. */
  newSiteAccount(site: string): SiteAccount {
    const key = newAccountKey();
    return { site, publicKey: key.publicKey, sealedSeed: this.sealSeed(site, key.publicKey, key.seed) };
  }

  /** Seals a new site account seed for the database (bound to the site and account). */
  sealSeed(site: string, publicKey: string, seed: string): string {
    return this.box.seal(seed, seedContext(site, publicKey));
  }

  /**
   * What to store instead of a stored seed, or undefined if it is current: a plaintext seed (from
   * before seeds were sealed; it must be the account's own) is sealed, one under an older key re-sealed.
   */
  resealSeed(site: string, publicKey: string, stored: string): string | undefined {
    const ctx = seedContext(site, publicKey);
    if (!SecretBox.isSealed(stored)) {
      let own = false;
      try {
        own = keyPairFromSeed(stored).getPublicKey() === publicKey;
      } catch {}
      if (!own)
        throw new SecretBoxError(`stored seed of site ${site} is neither sealed nor its account's seed`);
      return this.box.seal(stored, ctx);
    }
    if (this.box.isStale(stored)) return this.box.seal(this.box.open(stored, ctx), ctx);
    return undefined;
  }

  private seedOf(a: SiteAccount): string {
    return this.box.open(a.sealedSeed, seedContext(a.site, a.publicKey));
  }

  /** A short-lived system-account connection (for claims updates). */
  private async system<T>(fn: (nc: NatsConnection) => Promise<T>): Promise<T> {
    const user = await issueUser({
      name: 'cloud-claims',
      accountSeed: this.secrets.systemAccountSeed,
      ttlSeconds: 300,
    });
    const nc = await this.dial(user, 'cloud-claims');
    try {
      return await fn(nc);
    } finally {
      await nc.close();
    }
  }

  private dial(user: UserIdentity, name: string, reconnect = false): Promise<NatsConnection> {
    return connect({
      servers: this.hubUrl,
      name,
      authenticator: credsAuthenticator(enc.encode(user.creds)),
      maxReconnectAttempts: reconnect ? -1 : 0,
      reconnectTimeWait: 500,
      waitOnFirstConnect: reconnect,
    });
  }

  /**
   * Pushes the cloud account JWT importing the events and live snapshots of every given site and
   * exporting the sites' watermark subjects (each site account imports its own).
   */
  async pushCloudAccount(sites: readonly SiteAccount[]): Promise<void> {
    const jwt = await issueAccountJwt(this.secrets.operatorSeed, {
      name: names.CLOUD_ACCOUNT_NAME,
      account: this.cloudAccount,
      jetstream: true,
      exports: cloudExports(),
      imports: sites.flatMap(cloudImports),
    });
    await this.system((nc) => pushAccountClaims(nc, jwt));
    this.log.info({ sites: sites.length, jwt_bytes: jwt.length }, 'cloud account claims pushed');
  }

  /**
   * Pushes a site's account JWT (JetStream enabled, events and its live subject exported to the cloud account, its own
   * watermark subject imported from the cloud account, revoked users listed: the hub drops their
   * connections and refuses them from then on).
   */
  async pushSiteAccount(a: SiteAccount): Promise<void> {
    const jwt = await issueAccountJwt(this.secrets.operatorSeed, {
      name: names.siteAccountName(a.site),
      account: a.publicKey,
      jetstream: true,
      exports: siteExports(a.site),
      imports: siteImports(a.site, this.cloudAccount),
      revocations: a.revocations,
    });
    await this.system((nc) => pushAccountClaims(nc, jwt));
  }

  /** A connection of the cloud's own account that reconnects forever (the service's main connection). */
  async connectCloud(name = 'cloud'): Promise<NatsConnection> {
    const user = await issueUser({ name, accountSeed: this.secrets.cloudAccountSeed });
    return this.dial(user, name, true);
  }

  /** A connection into a site's account, as a short-lived user (config writes, site setup). */
  async connectSite(a: SiteAccount, ttlSeconds = 3600): Promise<NatsConnection> {
    const user = await issueUser({ name: `cloud@${a.site}`, accountSeed: this.seedOf(a), ttlSeconds });
    return this.dial(user, `cloud@${a.site}`);
  }

  /** The credentials an edge's leaf server connects with: a LEAFNODE-only user of the site account. */
  leafCredentials(a: SiteAccount): Promise<UserIdentity> {
    return issueUser({ name: `leaf-${a.site}`, accountSeed: this.seedOf(a), leafOnly: true });
  }
}
