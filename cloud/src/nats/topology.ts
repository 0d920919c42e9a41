import { names } from '@hcc/shared';
import { type JetStreamManager, RetentionPolicy, StorageType, type StreamSource } from '@nats-io/jetstream';
import { type KV, Kvm } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';

const NANOS_PER_MS = 1_000_000;

/** Opens (creating when absent) the hub's config bucket: one signed bundle per site, key = site id. */
export async function openHubConfigBucket(nc: NatsConnection): Promise<KV> {
  return new Kvm(nc).create(names.CONFIG_BUCKET, { history: 10 });
}

function siteSource(site: string): StreamSource {
  return {
    name: names.EDGE_EVENTS_STREAM,
    external: { api: names.jsApiPrefix(names.edgeDomain(site)), deliver: names.eventsSourceDeliver(site) },
  };
}

/**
 * Ensures the hub's aggregate events stream sources the events stream of every given site, across
 * JetStream domains. Adds new sites to an existing stream without dropping the ones it has.
 */
export async function ensureHubEventsStream(jsm: JetStreamManager, sites: readonly string[]): Promise<void> {
  const name = names.HUB_EVENTS_STREAM;
  let existing: StreamSource[] | undefined;
  try {
    existing = (await jsm.streams.info(name)).config.sources ?? [];
  } catch (err) {
    if (!(err instanceof Error && /not found/i.test(err.message))) throw err;
  }
  const wanted = new Map((existing ?? []).map((s) => [s.external?.api ?? s.name, s]));
  for (const site of sites) wanted.set(names.jsApiPrefix(names.edgeDomain(site)), siteSource(site));
  const config = {
    name,
    sources: [...wanted.values()],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    duplicate_window: 120_000 * NANOS_PER_MS,
    max_age: 30 * 24 * 3600_000 * NANOS_PER_MS,
  };
  if (existing === undefined) await jsm.streams.add(config);
  else await jsm.streams.update(name, config);
}
