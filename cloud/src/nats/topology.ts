import { names } from '@hcc/shared';
import { type JetStreamManager, RetentionPolicy, StorageType, type StreamSource } from '@nats-io/jetstream';
import { type KV, Kvm } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';

const NANOS_PER_MS = 1_000_000;
const DAY_MS = 24 * 3600_000;
/** How long the cloud's aggregate events stream keeps a message (a replay of it reaches this far back). */
export const HUB_EVENTS_MAX_AGE_DAYS = 30;
/**
 * Duplicate window of the hub's events streams (site streams and the aggregate). The edge's re-sends
 * are dropped by the leaf's 2-minute window (and a rewind re-sends under fresh ids on purpose); past
 * the leaf, a copy can only come from a source consumer resuming, and ingest is idempotent on the
 * event id. A 2-minute window here held every event id of the last 2 minutes twice in the hub's
 * memory (2.4 million per stream at 20,000 events/s) for nothing.
 */
export const HUB_EVENTS_DUPLICATE_WINDOW_MS = 10_000;

/**
 * Opens (creating when absent) the config bucket of a site's hub account: key = site id, one signed
 * bundle. The edge's leaf mirrors it across domains. `nc` is a connection in that site's account.
 */
export async function openSiteConfigBucket(nc: NatsConnection): Promise<KV> {
  return new Kvm(nc).create(names.CONFIG_BUCKET, { history: 10 });
}

/** A JetStream API answer that the stream (or consumer) does not exist. */
export function isNotFound(err: unknown): boolean {
  return err instanceof Error && /not found/i.test(err.message);
}

async function upsertStream(
  jsm: JetStreamManager,
  config: Parameters<JetStreamManager['streams']['add']>[0] & { name: string },
): Promise<void> {
  try {
    await jsm.streams.info(config.name);
  } catch (err) {
    if (!isNotFound(err)) throw err;
    await jsm.streams.add(config);
    return;
  }
  await jsm.streams.update(config.name, config);
}

/**
 * Ensures the site account's hub stream that sources the edge's leaf stream (across the leaf
 * connection, domain = site id). The cloud's aggregate stream sources this one through the account
 * exports. `jsm` belongs to a connection in the site's account.
 */
export async function ensureSiteHubEventsStream(jsm: JetStreamManager, site: string): Promise<void> {
  await upsertStream(jsm, {
    name: names.siteHubEventsStream(site),
    sources: [
      {
        name: names.EDGE_EVENTS_STREAM,
        external: {
          api: names.jsApiPrefix(names.edgeDomain(site)),
          deliver: names.eventsSourceDeliver(site),
        },
      },
    ],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    duplicate_window: HUB_EVENTS_DUPLICATE_WINDOW_MS * NANOS_PER_MS,
    max_age: 7 * DAY_MS * NANOS_PER_MS,
  });
}

function siteSource(site: string): StreamSource {
  return {
    name: names.siteHubEventsStream(site),
    external: { api: names.siteApiImportPrefix(site), deliver: names.aggregateSourceDeliver(site) },
  };
}

/**
 * Ensures the cloud account's aggregate events stream sources every given site's hub stream
 * (imported from the site accounts). Adds new sites without dropping the ones it has.
 */
export async function ensureHubEventsStream(jsm: JetStreamManager, sites: readonly string[]): Promise<void> {
  const name = names.HUB_EVENTS_STREAM;
  const window = HUB_EVENTS_DUPLICATE_WINDOW_MS * NANOS_PER_MS;
  let existing: StreamSource[] = [];
  let current = true;
  try {
    const config = (await jsm.streams.info(name)).config;
    existing = config.sources ?? [];
    current = config.duplicate_window === window;
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
  const wanted = new Map(existing.map((s) => [s.name, s]));
  for (const site of sites) wanted.set(names.siteHubEventsStream(site), siteSource(site));
  // No site yet: no stream (a stream without sources would take subjects of its own).
  if (wanted.size === 0 || (existing.length === wanted.size && existing.length > 0 && current)) return;
  await upsertStream(jsm, {
    name,
    sources: [...wanted.values()],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    duplicate_window: window,
    max_age: HUB_EVENTS_MAX_AGE_DAYS * DAY_MS * NANOS_PER_MS,
  });
}
