import { type Logger, names } from '@hcc/shared';
import type { KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import type { HubAuthority, SiteAccount } from './authority.ts';
import { openSiteConfigBucket } from './topology.ts';

export class ConfigDeliveryError extends Error {
  override readonly name = 'ConfigDeliveryError';
  constructor(
    readonly site: string,
    options?: { cause?: unknown },
  ) {
    super(`could not write the config of site ${site} to the hub`, options);
  }
}

interface Link {
  nc: NatsConnection;
  kv: KV;
  born: number;
}

const USER_TTL_S = 3600;
const RENEW_AFTER_MS = 45 * 60_000;

/**
 * Writes signed bundles to each site's config bucket in the hub, through a connection in that site's
 * account (a short-lived user the cloud mints). Connections are kept per site and renewed before the
 * user expires; a dead one is dialled again on the next write.
 */
export class ConfigBus {
  private readonly links = new Map<string, Promise<Link>>();

  constructor(
    private readonly authority: HubAuthority,
    private readonly log: Logger,
  ) {}

  private link(a: SiteAccount): Promise<Link> {
    const existing = this.links.get(a.site);
    if (existing) return existing;
    const p = (async () => {
      const nc = await this.authority.connectSite(a, USER_TTL_S);
      return { nc, kv: await openSiteConfigBucket(nc), born: Date.now() };
    })();
    this.links.set(a.site, p);
    p.catch(() => this.links.delete(a.site));
    return p;
  }

  /** Puts the bundle bytes under the site's key; retries once on a fresh connection. */
  async put(a: SiteAccount, bytes: Uint8Array): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      if (attempt > 2) throw new ConfigDeliveryError(a.site);
      try {
        const l = await this.link(a);
        if (l.nc.isClosed() || Date.now() - l.born > RENEW_AFTER_MS) {
          this.drop(a.site, l);
          continue;
        }
        await l.kv.put(names.configKey(a.site), bytes);
        return;
      } catch (cause) {
        const l = await this.links.get(a.site)?.catch(() => undefined);
        if (l) this.drop(a.site, l);
        if (attempt >= 1) throw new ConfigDeliveryError(a.site, { cause });
        this.log.warn({ site: a.site }, 'config write failed; retrying on a new connection');
      }
    }
  }

  private drop(site: string, l: Link): void {
    this.links.delete(site);
    void l.nc.close().catch(() => {});
  }

  async close(): Promise<void> {
    const all = await Promise.allSettled([...this.links.values()]);
    this.links.clear();
    await Promise.all(
      all.map((r) => (r.status === 'fulfilled' ? r.value.nc.close().catch(() => {}) : undefined)),
    );
  }
}
