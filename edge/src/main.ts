/**
 * Composition root of the edge service: builds the object graph from settings, starts it, and
 * stops it on SIGINT/SIGTERM. Nothing else creates loggers, connections or servers.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ConfigBundle } from '@hcc/proto';
import {
  connectNats,
  createLogger,
  type Logger,
  natsReadiness,
  openDatabase,
  type ReadinessCheck,
  signingKeyId,
  startTelemetry,
  waitFor,
} from '@hcc/shared';
import { serve } from '@hono/node-server';
import { jetstreamManager } from '@nats-io/jetstream';
import { ConfigStore } from './config/store.ts';
import { watchConfig } from './config/watch.ts';
import { edgeApp } from './http/app.ts';
import { NgClient } from './media/ng-client.ts';
import { ensureEdgeEventsStream, openEdgeConfigMirror } from './nats/topology.ts';
import { type EdgeSettings, edgeSettings } from './settings.ts';

const MIGRATIONS = fileURLToPath(new URL('../drizzle', import.meta.url));

export interface RunningEdge {
  readonly url: string;
  readonly config: ConfigStore;
  stop(): Promise<void>;
}

/** A prompt is usable when one of its variants exists under the prompts dir. */
function missingPrompt(promptsDir: string) {
  return (bundle: ConfigBundle): string | undefined => {
    for (const p of bundle.prompts) {
      if (!p.variants.some((v) => existsSync(join(promptsDir, v.path)))) return `prompts.${p.id}`;
    }
    return undefined;
  };
}

export async function startEdge(settings: EdgeSettings, log: Logger): Promise<RunningEdge> {
  const database = await openDatabase(settings.database);
  await database.migrate(MIGRATIONS);
  log.info({ db: database.kind }, 'database ready');

  const config = new ConfigStore(
    database.db,
    {
      site: settings.site,
      publicKeys: new Map(settings.configPublicKeys.map((pem) => [signingKeyId(pem), pem])),
      localCheck: missingPrompt(settings.promptsDir),
    },
    log.child({ module: 'config' }),
  );
  await config.load();

  const engines = await Promise.all(settings.rtpengines.map((r) => NgClient.create({ ...r, logger: log })));

  const nc = await connectNats({ servers: settings.natsUrl, name: `edge-${settings.site}`, log });
  // The leaf may still be starting: set up its stream and mirror in the background, retrying.
  let stopWatch: (() => void) | undefined;
  const natsSetup = waitFor(
    'edge streams in the leaf',
    async () => {
      await ensureEdgeEventsStream(await jetstreamManager(nc), settings.site);
      const kv = await openEdgeConfigMirror(nc, settings.site);
      stopWatch = watchConfig(kv, settings.site, config, log.child({ module: 'config' }));
      return true;
    },
    24 * 3600_000,
    1000,
  ).catch((err: unknown) => log.error({ err: String(err) }, 'leaf setup gave up'));

  const readiness = (): ReadinessCheck[] => [
    { name: 'database', check: () => database.ping() },
    natsReadiness(nc),
    {
      name: 'rtpengine',
      // Ready when at least one rtpengine answers; calls avoid the dead ones.
      check: () => Promise.any(engines.map((e) => e.ping({ timeoutMs: 500, retries: 0 }))).then(() => {}),
    },
  ];
  const app = edgeApp({
    site: settings.site,
    readiness,
    status: () => ({ site: settings.site, config_version: config.version.toString() }),
  });
  const server = serve({ fetch: app.fetch, hostname: settings.httpHost, port: settings.httpPort });
  const url = `http://${settings.httpHost}:${settings.httpPort}`;
  log.info({ url }, 'edge listening');
  return {
    url,
    config,
    async stop() {
      stopWatch?.();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      for (const e of engines) e.close();
      await nc.drain().catch(() => {});
      await natsSetup;
      await database.close();
    },
  };
}

async function main(): Promise<void> {
  const settings = edgeSettings();
  const log = createLogger({ service: 'edge', site: settings.site });
  const stopTelemetry = await startTelemetry(`hcc-edge-${settings.site}`, log);
  const edge = await startEdge(settings, log);
  let stopping = false;
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      if (stopping) return;
      stopping = true;
      log.info({ signal: sig }, 'stopping');
      void edge
        .stop()
        .then(stopTelemetry)
        .then(() => process.exit(0));
    });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((err: unknown) => {
    process.stderr.write(
      `edge failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exit(1);
  });
}
