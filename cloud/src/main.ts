/**
 * Composition root of the cloud service: builds the object graph from settings, starts it, and
 * stops it on SIGINT/SIGTERM. Nothing else creates loggers, connections or servers.
 */
import {
  createLogger,
  isEntrypoint,
  type Logger,
  runService,
  serveAdminSocket,
  serveHttp,
} from '@hcc/shared';
// --- analytics (issue 7) ---
import { mountAnalytics } from './analytics/http.ts';
import { LiveSnapshots } from './analytics/live.ts';
import { migrateAnalytics } from './analytics/migrate.ts';
import { principalOf } from './api/router.ts';
import { cloudAdminSocket } from './backup/layout.ts';
import { startControlPlane } from './control-plane.ts';
// --- end analytics ---
import { seedDemo } from './demo/seed.ts';
import { cloudApp, healthApp } from './http/app.ts';
import { databaseSiteDirectory } from './ingest/directory.ts';
import { type IngestService, startIngest } from './ingest/service.ts';
import { connectionTransport } from './ingest/watermark.ts';
import { type CloudSettings, cloudSettings } from './settings.ts';

export interface RunningCloud {
  readonly url: string;
  stop(): Promise<void>;
}

export async function startCloud(settings: CloudSettings, log: Logger): Promise<RunningCloud> {
  const role = settings.role ?? 'all';
  const cp = await startControlPlane(settings, log);
  // `hcc-cloud backup` takes a consistent copy of PGlite through this process (local unix socket, 0600).
  const adminPath = cloudAdminSocket(settings.database);
  const admin = adminPath
    ? await serveAdminSocket(adminPath, cp.database, log.child({ module: 'admin' }))
    : undefined;
  if (settings.seedDemo && role !== 'ingest') await seedDemo(cp.api, settings, log.child({ module: 'demo' }));
  const app =
    role === 'ingest'
      ? healthApp('cloud', () => cp.readiness())
      : cloudApp({ readiness: () => cp.readiness(), api: cp.api });
  // --- analytics (issue 7): ingest workers, watermarks back to the edges, reports and wallboard ---
  const sites = databaseSiteDirectory(cp.database.db);
  let ingest: IngestService | undefined;
  let live: LiveSnapshots | undefined;
  if (role !== 'api') {
    ingest = await startIngest(
      {
        database: cp.database,
        nc: cp.nc,
        sites,
        // The cloud account exports hcc.wm.* and each site account imports its own subject: one
        // connection reaches every site's leaf.
        watermarks: connectionTransport(cp.nc),
        log,
      },
      { workers: 2, retention: settings.retention },
    );
    // Queue snapshots for the wallboard arrive live on core NATS (hcc.live.<site>), not as events. A
    // subscription: nothing to wait for (startIngest above has migrated the analytics store).
    live = new LiveSnapshots({
      db: cp.database.db,
      nc: cp.nc,
      sites,
      log: log.child({ module: 'live-snapshots' }),
    });
    live.start();
  } else {
    // Reports read the analytics store, which the ingest role migrates: an api-only process must not
    // serve them from an unmigrated schema.
    await migrateAnalytics(cp.database);
  }
  if (role !== 'ingest')
    mountAnalytics(app, {
      db: cp.database.db,
      tenantOf: async (c) => (await principalOf(c, cp.api.identity))?.tenantId,
    });
  // --- end analytics ---
  const { server, url } = serveHttp({
    fetch: app.fetch,
    hostname: settings.httpHost,
    port: settings.httpPort,
    tls: settings.tls,
  });
  log.info({ url, role }, 'cloud listening');
  return {
    url,
    async stop() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await live?.stop();
      await ingest?.stop();
      await admin?.close();
      await cp.stop();
    },
  };
}

/** Runs the cloud service from the environment until SIGINT/SIGTERM (`hcc-cloud run`). */
export function runCloud(): void {
  const log = createLogger({ service: 'cloud' });
  void runService({ name: 'hcc-cloud', log, start: () => startCloud(cloudSettings(), log) });
}

if (isEntrypoint(import.meta.url)) runCloud();
