import { names } from '@hcc/shared';
import { type JetStreamManager, RetentionPolicy, StorageType } from '@nats-io/jetstream';
import { type KV, Kvm } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';

const NANOS_PER_MS = 1_000_000;

/**
 * Ensures the edge-local stream that captures this site's events (in the leaf's own JetStream
 * domain). Idempotent; safe on every start. The hub sources this stream across domains.
 */
export async function ensureEdgeEventsStream(jsm: JetStreamManager, site: string): Promise<void> {
  const config = {
    name: names.EDGE_EVENTS_STREAM,
    subjects: [names.siteEventsFilter(site)],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    duplicate_window: 120_000 * NANOS_PER_MS,
    max_age: 14 * 24 * 3600_000 * NANOS_PER_MS,
  };
  try {
    await jsm.streams.info(config.name);
    await jsm.streams.update(config.name, config);
  } catch (err) {
    if (!isNotFound(err)) throw err;
    await jsm.streams.add(config);
  }
}

/**
 * Opens (creating when absent) the edge's config bucket: a filtered cross-domain mirror of this
 * site's key in the hub's bucket. It keeps the last bundle locally, so the edge boots with the WAN down.
 * (`kvm.create`, not `kvm.open`: v3's open misreads mirror buckets.)
 */
export async function openEdgeConfigMirror(nc: NatsConnection, site: string): Promise<KV> {
  const kvm = new Kvm(nc);
  return kvm.create(names.EDGE_CONFIG_BUCKET, {
    history: 5,
    mirror: {
      name: names.CONFIG_BUCKET,
      filter_subject: names.configKvSubject(site),
      external: { api: names.jsApiPrefix(names.CLOUD_DOMAIN), deliver: names.configMirrorDeliver(site) },
    },
  });
}

export function isNotFound(err: unknown): boolean {
  return err instanceof Error && /not found/i.test(err.message);
}
