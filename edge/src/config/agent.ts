import type { ConfigBundle } from '@hcc/proto';
import { connectNats, type Database, type Logger, openDatabase, signingKeyId, waitFor } from '@hcc/shared';
import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { EDGE_MIGRATIONS } from '../db/migrations.ts';
import { DirectJetStreamSink } from '../fleet/direct-sink.ts';
import { startFleetReporter } from '../fleet/reporter.ts';
import { ensureEdgeEventsStream, openEdgeConfigMirror } from '../nats/topology.ts';
import { ConfigStore } from './store.ts';
import { watchConfig } from './watch.ts';

export interface ConfigAgentOptions {
  site: string;
  /** The site's leaf server. */
  natsUrl: string;
  /** PGlite data dir or PostgreSQL URL of the edge database. */
  database: { dataDir: string } | { url: string };
  /** Trusted config signing keys (PEM). */
  publicKeys: string[];
  heartbeatMs: number;
  localCheck?: (bundle: ConfigBundle) => string | undefined;
}

export interface ConfigAgent {
  readonly store: ConfigStore;
  readonly nc: NatsConnection;
  stop(): Promise<void>;
}

/**
 * The edge's config path on its own, without SIP or media: local database, config store (boots from
 * the last applied version), the leaf's mirror watch, and applied/rejected/heartbeat reports. Used by
 * integration tests and the publish benchmark; the edge service wires the same parts in main.ts.
 */
export async function startConfigAgent(o: ConfigAgentOptions, log: Logger): Promise<ConfigAgent> {
  const database: Database = await openDatabase(o.database);
  await database.migrate(EDGE_MIGRATIONS);
  const store = new ConfigStore(
    database.db,
    {
      site: o.site,
      publicKeys: new Map(o.publicKeys.map((pem) => [signingKeyId(pem), pem])),
      localCheck: o.localCheck,
    },
    log,
  );
  await store.load();
  const nc = await connectNats({ servers: o.natsUrl, name: `edge-${o.site}`, log });
  const sink = new DirectJetStreamSink(nc, {
    siteId: o.site,
    tenantId: () => store.current()?.tenantId ?? '',
    configVersion: () => store.version,
  });
  let stopWatch: (() => void) | undefined;
  let stopped = false;
  const setup = waitFor(
    'edge streams in the leaf',
    async () => {
      if (stopped) return true;
      await ensureEdgeEventsStream(await jetstreamManager(nc), o.site);
      const kv = await openEdgeConfigMirror(nc, o.site);
      if (!stopped) stopWatch = watchConfig(kv, o.site, store, log);
      return true;
    },
    24 * 3600_000,
    500,
  ).catch(() => {});
  const stopReporter = startFleetReporter(
    store,
    sink,
    {
      nodeId: `agent-${o.site}`,
      version: '0.1.0',
      heartbeatMs: o.heartbeatMs,
      facts: () => ({
        activeCalls: 0,
        registeredDevices: 0,
        rtpengineHealthy: true,
        natsConnected: !nc.isClosed(),
        outboxBacklog: 0,
      }),
    },
    log,
  );
  return {
    store,
    nc,
    async stop() {
      stopped = true;
      stopReporter();
      stopWatch?.();
      await nc.close().catch(() => {});
      await setup;
      await database.close();
    },
  };
}
