/**
 * Composition root of the cloud service: builds the object graph from settings, starts it, and
 * stops it on SIGINT/SIGTERM. Nothing else creates loggers, connections or servers.
 */
import { fileURLToPath } from 'node:url';
import {
  connectNats,
  createLogger,
  type Database,
  type Logger,
  natsReadiness,
  openDatabase,
  startTelemetry,
  waitFor,
} from '@hcc/shared';
import { serve } from '@hono/node-server';
import { jetstreamManager } from '@nats-io/jetstream';
import { ed25519Signer } from './config/publish.ts';
import { seedDemo } from './demo/seed.ts';
import { cloudApp } from './http/app.ts';
import { ensureHubEventsStream, openHubConfigBucket } from './nats/topology.ts';
import { type CloudSettings, cloudSettings } from './settings.ts';

const MIGRATIONS = fileURLToPath(new URL('../drizzle', import.meta.url));

export interface RunningCloud {
  readonly url: string;
  stop(): Promise<void>;
}

export async function startCloud(settings: CloudSettings, log: Logger): Promise<RunningCloud> {
  const database: Database = await openDatabase(settings.database);
  await database.migrate(MIGRATIONS);
  log.info({ db: database.kind }, 'database ready');

  const nc = await connectNats({ servers: settings.natsUrl, name: 'cloud', log });
  const jsm = await jetstreamManager(nc);
  // The hub may still be starting its JetStream: retry for a while before giving up.
  const cfg = await waitFor(
    'hub JetStream',
    async () => {
      await ensureHubEventsStream(jsm, settings.sites);
      return openHubConfigBucket(nc);
    },
    60_000,
    500,
  );
  log.info({ sites: settings.sites }, 'hub streams ready');

  const signer = ed25519Signer(settings.signingKeyPem);
  if (settings.seedDemo) await seedDemo(database.db, cfg, signer, log);

  const app = cloudApp({
    readiness: () => [{ name: 'database', check: () => database.ping() }, natsReadiness(nc)],
  });
  const server = serve({ fetch: app.fetch, hostname: settings.httpHost, port: settings.httpPort });
  const url = `http://${settings.httpHost}:${settings.httpPort}`;
  log.info({ url }, 'cloud listening');
  return {
    url,
    async stop() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await nc.drain().catch(() => {});
      await database.close();
    },
  };
}

async function main(): Promise<void> {
  const log = createLogger({ service: 'cloud' });
  const stopTelemetry = await startTelemetry('hcc-cloud', log);
  const cloud = await startCloud(cloudSettings(), log);
  let stopping = false;
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      if (stopping) return;
      stopping = true;
      log.info({ signal: sig }, 'stopping');
      void cloud
        .stop()
        .then(stopTelemetry)
        .then(() => process.exit(0));
    });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((err: unknown) => {
    process.stderr.write(
      `cloud failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exit(1);
  });
}
