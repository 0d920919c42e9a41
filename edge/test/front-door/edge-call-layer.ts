/**
 * The edge's call layer as the running edge builds it (startCallLayer: UDP + TCP on one port, the SIP front
 * door from settings, the agent registrar) on real peers: rtpengine, PostgreSQL (a database of its own), the
 * outbox journal. No NATS and no HTTP: the front door's tests need the SIP side only.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConfigBundle } from '@hcc/proto';
import { createLogger, type Database, Observer, openDatabase, silentLogger, systemClock } from '@hcc/shared';
import { createTestDatabase, freePort, startChild } from '@hcc/shared/testing';
import type { sql } from 'drizzle-orm';
import { AgentRegistry } from '../../src/agent/index.ts';
import { CallRegistry, type CallSession, callOfferPort, type LegRef } from '../../src/call/index.ts';
import { type CallLayer, startCallLayer } from '../../src/call/start.ts';
import { EDGE_MIGRATIONS } from '../../src/db/migrations.ts';
import { OutboxJournal } from '../../src/events/index.ts';
import { RtpenginePool } from '../../src/media/index.ts';
import { Acd } from '../../src/queue/index.ts';
import { sipRealm } from '../../src/secrets/index.ts';
import { type HungCallSettings, hungCallSettings } from '../../src/settings-calls.ts';
import { type SipProtectionSettings, sipProtectionSettings } from '../../src/settings-sip.ts';
import type { SipTlsSettings } from '../../src/settings-sip-tls.ts';
import { makePrompts } from '../call/harness.ts';
import { type RtpengineFixture, startRtpengine } from '../media/rtpengine-fixture.ts';

export interface EdgeCallLayer {
  sipPort: number;
  layer: CallLayer;
  agents: AgentRegistry;
  rtp: RtpengineFixture;
  database: Database;
  dir: string;
  /** Sets a SIP phone's password in the edge's secret store (as `hcc-edge secrets` does). */
  setPassword(extension: string, password: string): Promise<void>;
  /** Runs one SIPp scenario against the edge from `ip` (default 127.0.0.2, the carrier trunk), on `port` (default a free one). */
  sipp(
    scenario: string,
    args?: string[],
    o?: { ip?: string; timeoutS?: number; port?: number },
  ): Promise<{ code: number | null; output: string }>;
  query<T>(q: ReturnType<typeof sql>): Promise<T[]>;
  close(): Promise<void>;
}

export async function startEdgeCallLayer(o: {
  pgUrl: string;
  name: string;
  bundle: (ports: { sip: number }) => ConfigBundle;
  /** Environment for the front door's settings (EDGE_SIP_*); the product defaults otherwise. */
  env?: NodeJS.ProcessEnv;
  settings?: Partial<SipProtectionSettings>;
  /** Media and session timer limits (short ones in tests); rtpengine gets the media timeouts too. */
  hungCalls?: Partial<HungCallSettings>;
  /** rtpengine media port range (load tests need thousands). */
  ports?: { min: number; max: number };
  /** SIP over TLS (the listener on its own port), as EDGE_SIP_TLS_* configure it. */
  sipTls?: SipTlsSettings;
}): Promise<EdgeCallLayer> {
  const dir = await mkdtemp(join(tmpdir(), `hcc-door-${o.name}-`));
  const promptsDir = join(dir, 'prompts');
  await makePrompts(promptsDir);
  const dtmfPort = await freePort();
  const hungCalls = { ...hungCallSettings(o.env ?? {}), ...o.hungCalls };
  const rtp = await startRtpengine({
    dtmfPort,
    timeouts: {
      mediaS: hungCalls.mediaTimeoutS,
      holdS: hungCalls.holdTimeoutS,
      finalS: hungCalls.finalTimeoutS,
    },
    name: `rtpengine-${o.name}`,
    ...(o.ports ? { portMin: o.ports.min, portMax: o.ports.max, logLevel: 3, ngTimeoutMs: 1000 } : {}),
  });
  const pg = await createTestDatabase(o.pgUrl, `edge_door_${o.name}`);
  const database = await openDatabase({ url: pg.url });
  await database.migrate(EDGE_MIGRATIONS);
  const journal = new OutboxJournal(database.db, {
    siteId: 'hq',
    tenantId: () => 'acme',
    configVersion: () => 1n,
  });
  await journal.init();
  const sipPort = await freePort();
  const bundle = o.bundle({ sip: sipPort });
  const log = process.env.HCC_TEST_LOG ? createLogger({ service: 'edge-test', site: 'hq' }) : silentLogger;
  const agentObs = new Observer<import('../../src/agent/events.ts').AgentEvents>(log);
  const acdObs = new Observer<import('../../src/queue/events.ts').AcdEvents>(log);
  const agents = new AgentRegistry({ clock: systemClock, observer: agentObs, log });
  const registry = new CallRegistry<CallSession, LegRef>();
  const acd = new Acd({ clock: systemClock, agents, offers: callOfferPort(registry), observer: acdObs, log });
  acd.applyConfig(bundle);
  const media = new RtpenginePool({ servers: [{ id: 'rtp', client: rtp.client }] });
  const layer = await startCallLayer({
    site: 'hq',
    sipHost: '127.0.0.1',
    sipPort,
    dtmfPort,
    dataDir: dir,
    promptsDir,
    recordingSpool: rtp.recordingDir,
    db: database.db,
    journal,
    media,
    config: { current: () => bundle },
    registry,
    acd,
    agents,
    observers: { acd: acdObs, agents: agentObs },
    log,
    sipProtection: { ...sipProtectionSettings(o.env ?? {}), ...o.settings },
    ...(o.sipTls ? { sipTls: o.sipTls } : {}),
    hungCalls,
  });
  const running = new Set<{ stop(): Promise<void> }>();
  return {
    sipPort,
    layer,
    agents,
    rtp,
    database,
    dir,
    setPassword: (ext, pw) => layer.secrets.setDevicePassword(`sip-${ext}`, ext, sipRealm('hq'), pw),
    async sipp(
      scenario: string,
      args: string[] = [],
      so: { ip?: string; timeoutS?: number; port?: number } = {},
    ) {
      const ip = so.ip ?? '127.0.0.2';
      const child = startChild({
        name: 'sipp',
        command: 'sipp',
        args: [
          '-sf',
          scenario,
          `127.0.0.1:${sipPort}`,
          '-i',
          ip,
          '-p',
          String(so.port ?? (await freePort(ip))),
          '-mi',
          ip,
          '-mp',
          String(await freePort(ip, 4)),
          '-t',
          'u1',
          '-nostdin',
          '-timeout',
          `${so.timeoutS ?? 60}s`,
          '-timeout_error',
          ...(args.includes('-m') ? [] : ['-m', '1']),
          ...args,
        ],
      });
      running.add(child);
      try {
        const exit = await child.exited;
        return { code: exit.code, output: child.tail() };
      } finally {
        running.delete(child);
        await child.stop();
      }
    },
    async query<T>(q: ReturnType<typeof sql>) {
      const r = (await database.db.execute(q)) as unknown as { rows: T[] };
      return r.rows;
    },
    async close() {
      await Promise.all([...running].map((c) => c.stop()));
      await layer.stop();
      await rtp.stop();
      await database.close();
      await pg.drop();
      if (!process.env.HCC_KEEP_DIR) await rm(dir, { recursive: true, force: true });
    },
  };
}
