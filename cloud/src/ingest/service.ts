import { type Database, type Logger, waitFor } from '@hcc/shared';
import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { migrateAnalytics } from '../analytics/migrate.ts';
import type { SiteDirectory } from './classify.ts';
import { WatermarkService, type WatermarkTransport } from './watermark.ts';
import { ensureIngestConsumer, type IngestOptions, IngestWorker } from './worker.ts';

export interface IngestServiceDeps {
  database: Database;
  /** A connection of the cloud account (where the aggregate stream lives). */
  nc: NatsConnection;
  sites: SiteDirectory;
  watermarks: WatermarkTransport;
  log: Logger;
}

export interface IngestService {
  stop(): Promise<void>;
}

/**
 * Starts the analytics side of the cloud: migrates its store, ensures the shared durable consumer,
 * runs `workers` ingest workers and the watermark service. Other cloud processes may run the same.
 */
export async function startIngest(
  deps: IngestServiceDeps,
  opts: IngestOptions & { workers?: number } = {},
): Promise<IngestService> {
  await migrateAnalytics(deps.database);
  const log = deps.log.child({ module: 'ingest' });
  // The aggregate stream is created by the control plane; wait for it.
  await waitFor(
    'aggregate events stream',
    async () => {
      await ensureIngestConsumer(await jetstreamManager(deps.nc));
      return true;
    },
    120_000,
    1000,
  );
  const workers: IngestWorker[] = [];
  for (let i = 0; i < (opts.workers ?? 2); i++) {
    const w = new IngestWorker(deps.database.db, deps.nc, deps.sites, opts, log.child({ worker: i }));
    await w.start();
    workers.push(w);
  }
  const watermarks = new WatermarkService(
    deps.database.db,
    deps.watermarks,
    {},
    deps.log.child({ module: 'watermark' }),
  );
  watermarks.start();
  log.info({ workers: workers.length }, 'ingest running');
  return {
    async stop() {
      await watermarks.stop();
      await Promise.all(workers.map((w) => w.stop()));
    },
  };
}
