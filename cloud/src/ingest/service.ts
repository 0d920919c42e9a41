import type { Database, Logger } from '@hcc/shared';
import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { migrateAnalytics } from '../analytics/migrate.ts';
import { isNotFound } from '../nats/topology.ts';
import type { SiteDirectory } from './classify.ts';
import { type RetentionOptions, RetentionService } from './retention.ts';
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
 * Starts the analytics side of the cloud: migrates its store, runs the watermark service, the
 * events retention and `workers` ingest workers on the shared durable consumer. Other cloud processes may run the same.
 * Resolves once the store is migrated: the aggregate events stream exists only once a site is
 * enrolled (through this very cloud's API), so the workers start in the background as soon as it
 * does, and a cloud with no site yet serves its API meanwhile.
 */
export async function startIngest(
  deps: IngestServiceDeps,
  opts: IngestOptions & { workers?: number; retention?: RetentionOptions } = {},
): Promise<IngestService> {
  const retention = new RetentionService(
    deps.database.db,
    opts.retention ?? {},
    deps.log.child({ module: 'retention' }),
  );
  await migrateAnalytics(deps.database);
  const log = deps.log.child({ module: 'ingest' });
  const watermarks = new WatermarkService(
    deps.database.db,
    deps.watermarks,
    {},
    deps.log.child({ module: 'watermark' }),
  );
  watermarks.start();
  retention.start();
  const workers: IngestWorker[] = [];
  let stopped = false;
  let wake: (() => void) | undefined;
  const started = (async () => {
    for (let attempt = 0; !stopped; attempt++) {
      try {
        await ensureIngestConsumer(await jetstreamManager(deps.nc));
        while (workers.length < (opts.workers ?? 2) && !stopped) {
          const w = new IngestWorker(
            deps.database.db,
            deps.nc,
            deps.sites,
            opts,
            log.child({ worker: workers.length }),
          );
          await w.start();
          workers.push(w);
        }
        if (!stopped) log.info({ workers: workers.length }, 'ingest running');
        return;
      } catch (err) {
        if (!isNotFound(err)) log.warn({ err: errName(err) }, 'ingest not started yet, retrying');
        else if (attempt === 0)
          log.info({}, 'ingest waits for the aggregate events stream (no site enrolled yet)');
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, 1000);
          wake = () => {
            clearTimeout(t);
            resolve();
          };
        });
      }
    }
  })();
  return {
    async stop() {
      stopped = true;
      wake?.();
      await started;
      await retention.stop();
      await watermarks.stop();
      await Promise.all(workers.map((w) => w.stop()));
    },
  };
}

const errName = (err: unknown) => (err instanceof Error ? err.name : 'unknown');
