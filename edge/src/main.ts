/**
 * Composition root of the edge service: builds the object graph from settings, starts it, and
 * stops it on SIGINT/SIGTERM. Nothing else creates loggers, connections or servers.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ConfigBundle } from '@hcc/proto';
import {
  ADMIN_SOCKET_NAME,
  connectNats,
  createLogger,
  isEntrypoint,
  type Logger,
  natsReadiness,
  Observer,
  openDatabase,
  productVersion,
  type ReadinessCheck,
  runService,
  serveAdminSocket,
  signingKeyId,
  systemClock,
  waitFor,
} from '@hcc/shared';
import { jetstreamManager } from '@nats-io/jetstream';
import type { AgentEvents } from './agent/events.ts';
import { AgentRegistry } from './agent/registry.ts';
import { provisionDemoPhones } from './call/demo-phones.ts';
import { dialingView } from './call/dial-guard.ts';
import { sipProtectionView } from './call/front-door.ts';
import { CallRegistry, type CallSession, callOfferPort, type LegRef } from './call/index.ts';
import { type CallLayer, startCallLayer } from './call/start.ts';
import { type TrunkHealthView, trunkHealthEntries, trunkStatusView } from './call/trunks/index.ts';
import { ConfigStore } from './config/store.ts';
import { watchConfig } from './config/watch.ts';
import { CustomerDirectory, siteNumberRules } from './customers/index.ts';
import { eventsStatusView, startEventsPipeline } from './events/pipeline.ts';
import { startFleetReporter } from './fleet/reporter.ts';
import { agentApi } from './http/agent-api.ts';
import { MemorySessionStore } from './http/agent-api-auth.ts';
import { PgCredentialStore } from './http/agent-credentials-db.ts';
import { ApiKeyStore } from './http/api-keys.ts';
import { edgeApp } from './http/app.ts';
import { customersApi } from './http/customers-api.ts';
import { serveEdgeHttp, tlsFromEnv } from './http/desktop-tls.ts';
import { desktopDevice, desktopHttp, provisionDemoDesktop } from './http/desktop-wiring.ts';
import { directoryAdmin } from './http/directory-admin.ts';
import { checkFlows } from './ivr/flow-check.ts';
import { NgClient, RtpenginePool } from './media/index.ts';
import { ensureEdgeEventsStream, openEdgeConfigMirror } from './nats/topology.ts';
import type { AcdEvents } from './queue/events.ts';
import { Acd } from './queue/router.ts';
import { startSnapshots } from './queue/stats.ts';
import { sipRealm } from './secrets/index.ts';
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
  // --- customer directory (issue 18): national numbers read with the applied config's trunk rules ---
  const directory = new CustomerDirectory(database.db, () => siteNumberRules(config.current()?.trunks));
  const apiKeys = new ApiKeyStore(database.db, systemClock);
  const directoryLog = log.child({ module: 'directory' });
  // `hcc-edge backup` takes a consistent copy of PGlite through this process (local unix socket, 0600),
  // and `hcc-edge api-key` / `customers` work through it while the edge runs on PGlite.
  const admin = await serveAdminSocket(
    join(settings.dataDir, ADMIN_SOCKET_NAME),
    database,
    log.child({ module: 'admin' }),
    directoryAdmin({ directory, keys: apiKeys, log: directoryLog }),
  );

  const config = new ConfigStore(
    database.db,
    {
      site: settings.site,
      publicKeys: new Map(settings.configPublicKeys.map((pem) => [signingKeyId(pem), pem])),
      // ACD/IVR: flow problems validateBundle does not cover (reported as the local check's reason).
      localCheck: (b) => missingPrompt(settings.promptsDir)(b) ?? checkFlows(b)[0]?.path,
    },
    log.child({ module: 'config' }),
  );
  await config.load();

  const engines = await Promise.all(settings.rtpengines.map((r) => NgClient.create({ ...r, logger: log })));
  const media = new RtpenginePool({
    servers: engines.map((client) => ({ id: client.target, client })),
    logger: log.child({ module: 'media' }),
  });
  media.observer.on('health', (h) =>
    log[h.healthy ? 'info' : 'error']({ rtpengine: h.id, healthy: h.healthy }, 'rtpengine health'),
  );
  media.start();

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

  // Config reports and heartbeats go through one EventSink: the events pipeline's outbox journal.
  // --- events (issue 7): the outbox journal is the EventSink; publisher + watermark follower ---
  const events = await startEventsPipeline(
    database.db,
    nc,
    {
      siteId: settings.site,
      tenantId: () => config.current()?.tenantId ?? '',
      configVersion: () => config.version,
      batchMax: settings.events.batchMax,
      batchLingerMs: settings.events.batchLingerMs,
      ensureStream: async () => ensureEdgeEventsStream(await jetstreamManager(nc), settings.site),
    },
    log,
  );
  const sink = events.journal;
  // --- end events ---
  // --- call layer (issue 4): counters read by the heartbeat before the layer exists ---
  const callFacts = {
    activeCalls: () => 0,
    registeredDevices: () => 0,
    protection: (): ReturnType<CallLayer['protection']> | undefined => undefined,
    trunks: (): TrunkHealthView[] => [],
  };
  // --- end call layer counters ---
  const stopReporter = startFleetReporter(
    config,
    sink,
    {
      nodeId: `edge-${settings.site}`,
      version: productVersion(),
      heartbeatMs: settings.heartbeatMs,
      facts: () => ({
        activeCalls: callFacts.activeCalls(),
        registeredDevices: callFacts.registeredDevices(),
        rtpengineHealthy: media.snapshot().some((s) => s.healthy),
        natsConnected: !nc.isClosed(),
        outboxBacklog: events.backlog(),
        sipProtection: callFacts.protection(),
        trunkHealth: trunkHealthEntries(callFacts.trunks()),
      }),
    },
    log.child({ module: 'fleet' }),
  );

  const readiness = (): ReadinessCheck[] => [
    { name: 'database', check: () => database.ping() },
    natsReadiness(nc),
    {
      name: 'rtpengine',
      // Ready when at least one rtpengine answers now; new calls avoid the dead ones.
      check: () => Promise.any(engines.map((e) => e.ping({ timeoutMs: 500, retries: 0 }))).then(() => {}),
    },
  ];
  // --- ACD, agents and the agent API (issue 4) ---
  const agentObserver = new Observer<AgentEvents>(log);
  const acdObserver = new Observer<AcdEvents>(log);
  const agents = new AgentRegistry({
    clock: systemClock,
    observer: agentObserver,
    log: log.child({ module: 'agent' }),
  });
  // The voice call layer rings agents for the ACD (issue 4).
  const calls = new CallRegistry<CallSession, LegRef>();
  const acd = new Acd({
    clock: systemClock,
    agents,
    offers: callOfferPort(calls),
    observer: acdObserver,
    log: log.child({ module: 'acd' }),
  });
  const applyAcd = () => {
    const b = config.current();
    if (b) acd.applyConfig(b);
  };
  applyAcd();
  config.observer.on('applied', applyAcd);
  // --- agent desktop (issue 5): SIP over WebSocket listener for the browser softphone ---
  // The browser reaches the page and its SIP WebSocket at the same host: both listen on EDGE_HTTP_HOST.
  const desktop = desktopDevice({
    host: settings.httpHost,
    sipPort: settings.sipPort,
    realm: sipRealm(settings.site),
  });
  // --- end agent desktop ---
  // Desktop password hashes (scrypt) in the edge's database: they survive restarts.
  const agentCredentials = new PgCredentialStore(database.db);
  const agentSessions = new MemorySessionStore(systemClock);
  const agentHttp = agentApi({
    agents,
    acd,
    config: () => config.current(),
    credentials: agentCredentials,
    sessions: agentSessions,
    // HTTPS (EDGE_TLS_CERT/EDGE_TLS_KEY): the session cookie is Secure.
    secureCookie: tlsFromEnv() !== undefined,
    onLogout: (agentId) => desktop.signOut(agentId),
    log: log.child({ module: 'agent-api' }),
  });
  // --- end ACD ---
  // --- events (issue 7): queue snapshots (on change, at most 1/s per queue) for the cloud wallboard,
  // published live on core NATS (not journaled) ---
  acdObserver.on('queueSnapshot', events.onQueueSnapshot);
  const stopSnapshots = startSnapshots(acd, systemClock, acdObserver, 1000);
  // --- end events ---
  // --- call layer (issue 4): SIP on EDGE_SIP_HOST/PORT (UDP+TCP), B2BUA sessions, registrar, CDRs ---
  const callLayer = await startCallLayer({
    site: settings.site,
    sipHost: settings.sipHost,
    sipPort: settings.sipPort,
    advertisedHost: settings.network.sipAdvertisedHost,
    dtmfPort: settings.dtmfPort,
    mediaHost: settings.mediaHost,
    dataDir: settings.dataDir,
    promptsDir: settings.promptsDir,
    recordingSpool: join(settings.dataDir, 'recordings-spool'),
    db: database.db,
    journal: events.journal,
    media,
    config,
    registry: calls,
    acd,
    agents,
    observers: { acd: acdObserver, agents: agentObserver },
    browser: desktop.callLayer,
    sipProtection: settings.sipProtection,
    ...(settings.sipTls ? { sipTls: settings.sipTls } : {}),
    hungCalls: settings.hungCalls,
    log,
  });
  callFacts.activeCalls = callLayer.activeCalls;
  callFacts.registeredDevices = callLayer.registeredDevices;
  callFacts.protection = callLayer.protection;
  callFacts.trunks = callLayer.trunks;
  if (settings.demoCredentialsFile)
    await provisionDemoPhones(callLayer.secrets, settings.demoCredentialsFile, sipRealm(settings.site), log);
  // --- end call layer ---
  // --- agent desktop (issue 5): API, supervisor API and page; demo passwords from the demo file ---
  if (settings.demoCredentialsFile) {
    const file = settings.demoCredentialsFile;
    const provision = () =>
      provisionDemoDesktop(agentCredentials, file, config.current(), log).catch((err: unknown) =>
        log.warn({ err: String(err) }, 'demo desktop passwords not provisioned'),
      );
    await provision();
    config.observer.on('applied', () => void provision());
  }
  const desktopRoutes = desktopHttp(desktop, {
    db: database.db,
    agents,
    acd,
    config: () => config.current(),
    sessions: agentSessions,
    customers: callLayer.customers,
    calls,
    clock: systemClock,
    log: log.child({ module: 'desktop' }),
  });
  log.info({ ws: desktop.ws.port, secure: desktop.ws.secure }, 'agent desktop SIP WebSocket listening');
  // --- end agent desktop ---
  // --- customer directory (issue 18): /api/v1/customers for the site's systems, site API keys ---
  const directoryApi = customersApi({ directory, keys: apiKeys, log: directoryLog });
  // --- end customer directory ---
  const app = edgeApp({
    agentApi: agentHttp,
    directoryApi,
    desktop: desktopRoutes,
    site: settings.site,
    readiness,
    status: () => ({
      site: settings.site,
      config_version: config.version.toString(),
      rtpengines: media.snapshot(),
      events: eventsStatusView(events.status()),
      sip_protection: sipProtectionView(callLayer.protection()),
      calls_by_age: callLayer.callsByAge(),
      dialing: dialingView(callLayer.dialing()),
      trunks: callLayer.trunks().map(trunkStatusView),
    }),
  });
  const { server, url } = serveEdgeHttp({
    fetch: app.fetch,
    hostname: settings.httpHost,
    port: settings.httpPort,
    tls: desktop.tls,
  });
  log.info({ url }, 'edge listening');
  return {
    url,
    config,
    async stop() {
      stopReporter();
      await callLayer.stop();
      stopSnapshots();
      await events.stop();
      stopWatch?.();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      media.stop();
      for (const e of engines) e.close();
      await nc.drain().catch(() => {});
      await natsSetup;
      await admin.close();
      await database.close();
    },
  };
}

/** Runs the edge service from the environment until SIGINT/SIGTERM (`hcc-edge run`). */
export function runEdge(): void {
  let settings: EdgeSettings;
  try {
    settings = edgeSettings();
  } catch (err) {
    process.stderr.write(`edge failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  }
  const log = createLogger({ service: 'edge', site: settings.site });
  void runService({ name: `hcc-edge-${settings.site}`, log, start: () => startEdge(settings, log) });
}

if (isEntrypoint(import.meta.url)) runEdge();
