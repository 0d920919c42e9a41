/**
 * One edge call layer per test file, on real peers: rtpengine (with its DTMF log), PostgreSQL (a
 * database of its own), the SIP stack on free UDP ports, the IVR, the ACD, and SIPp processes for
 * callers, agents and carriers. No NATS: events go to the outbox journal in the test database.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { ConfigBundle } from '@hcc/proto';
import { createLogger, type Database, Observer, openDatabase, silentLogger, systemClock } from '@hcc/shared';
import { createTestDatabase, freePort, startChild } from '@hcc/shared/testing';
import { trace } from '@opentelemetry/api';
import type { sql } from 'drizzle-orm';
import { AgentRegistry } from '../../src/agent/index.ts';
import {
  AgentBindingStore,
  agentDigest,
  type CallEvents,
  CallRegistry,
  type CallServices,
  type CallSession,
  ConsultRegistry,
  callOfferPort,
  DbCallStore,
  DialGuard,
  EventBridge,
  type LegRef,
  mountCallLayer,
} from '../../src/call/index.ts';
import { CustomerStore } from '../../src/customers/index.ts';
import { EDGE_MIGRATIONS } from '../../src/db/migrations.ts';
import { CallerPseudonymizer, OutboxJournal } from '../../src/events/index.ts';
import { HoursCalendar, IvrInterpreter } from '../../src/ivr/index.ts';
import { DtmfListener, G711PromptCache, RtpenginePool } from '../../src/media/index.ts';
import { Acd } from '../../src/queue/index.ts';
import { RecordingArchive } from '../../src/recording/index.ts';
import { SecretStore, sipRealm } from '../../src/secrets/index.ts';
import { SipStack, type Transport, UdpTransport } from '../../src/sip/index.ts';
import { type RtpengineFixture, startRtpengine } from '../media/rtpengine-fixture.ts';

const run = promisify(execFile);

/** Short prompts (tones) so tests do not wait for speech. */
export async function makePrompts(dir: string): Promise<void> {
  await mkdir(join(dir, 'en'), { recursive: true });
  const tone = (name: string, secs: number, freq: number) =>
    run('sox', [
      '-n',
      '-r',
      '8000',
      '-c',
      '1',
      '-b',
      '16',
      join(dir, 'en', `${name}.wav`),
      'synth',
      String(secs),
      'sine',
      String(freq),
    ]);
  await Promise.all([
    tone('welcome', 0.4, 500),
    tone('main-menu', 1.2, 600),
    tone('invalid', 0.3, 700),
    tone('moh', 2, 400),
    tone('recording-notice', 0.3, 800),
    tone('greeting', 0.3, 900),
  ]);
}

export interface Harness {
  sipPort: number;
  stack: SipStack;
  acd: Acd;
  agents: AgentRegistry;
  registry: CallRegistry<CallSession, LegRef>;
  rtp: RtpengineFixture;
  /** Every rtpengine of the pool (`rtp` first). */
  engines: RtpengineFixture[];
  database: Database;
  secrets: SecretStore;
  customers: CustomerStore;
  bindings: AgentBindingStore;
  events: Array<{ name: keyof CallEvents; payload: unknown }>;
  dir: string;
  bridge: EventBridge;
  ended: Promise<void>[];
  sipp(scenario: string, args: string[], o?: { ip?: string; timeoutS?: number }): Promise<SippRun>;
  /** Starts a SIPp in the background (agent phones, carriers). */
  sippBg(
    scenario: string,
    args: string[],
    o?: { ip?: string; timeoutS?: number },
  ): { port: number; done: Promise<SippRun> };
  query<T>(q: ReturnType<typeof sql>): Promise<T[]>;
  close(): Promise<void>;
}

export interface SippRun {
  code: number | null;
  output: string;
}

export async function startHarness(o: {
  pgUrl: string;
  name: string;
  bundle: (ports: { sip: number }) => ConfigBundle;
  record?: boolean;
  /** rtpengine media port range (benchmarks need thousands). */
  ports?: { min: number; max: number };
  /** More SIP transports besides UDP (the desktop tests add SIP over WebSocket). */
  transports?: Transport[];
  /**
   * Journal into an existing edge database through this journal (an events pipeline that publishes
   * to a leaf) instead of a database of the harness's own. The caller owns both.
   */
  events?: { dbUrl: string; journal: OutboxJournal };
  /** Digest for INVITEs from browsers (the desktop tests' consultation calls). */
  browserAuth?: (clock: SipStack['clock']) => CallServices['browserAuth'];
  /**
   * rtpengine instances in the media pool (default 1; `ports` is split between them). One rtpengine
   * answered ng commands far below its CPU capacity in the full-flow bench, so a load test can spread calls
   * over several, as a site can (EDGE_RTPENGINE_NG). Recordings are archived from the first one's spool only.
   */
  engines?: number;
  /** How long a queued caller waits before music on hold (default: the product's 1 s). */
  queueMusicDelayMs?: number;
  /** Keep every call event in `events` (default true; a load test would only grow its heap). */
  recordEvents?: boolean;
  /** More rtpengine options for every instance (benchmarks compare thread settings). */
  rtpengineArgs?: string[];
}): Promise<Harness> {
  const dir = await mkdtemp(join(tmpdir(), `hcc-call-${o.name}-`));
  const promptsDir = join(dir, 'prompts');
  await makePrompts(promptsDir);
  const dtmf = await DtmfListener.bind({ host: '127.0.0.1', port: 0 });
  const count = Math.max(1, o.engines ?? 1);
  const engines = await Promise.all(
    Array.from({ length: count }, (_, i) => {
      const span = o.ports ? Math.floor((o.ports.max - o.ports.min + 1) / count) : 0;
      const min = (o.ports?.min ?? 0) + i * span;
      return startRtpengine({
        dtmfPort: dtmf.address.port,
        name: `rtpengine-${o.name}${i ? `-${i + 1}` : ''}`,
        ...(o.ports ? { portMin: min, portMax: min + span - 1, logLevel: 3, ngTimeoutMs: 1000 } : {}),
        ...(o.rtpengineArgs ? { extraArgs: o.rtpengineArgs } : {}),
      });
    }),
  );
  const rtp = engines[0]!;
  const pg = o.events ? undefined : await createTestDatabase(o.pgUrl, `edge_call_${o.name}`);
  const database = await openDatabase({ url: o.events?.dbUrl ?? pg!.url });
  await database.migrate(EDGE_MIGRATIONS);
  const journal =
    o.events?.journal ??
    new OutboxJournal(database.db, {
      siteId: 'hq',
      tenantId: () => 'acme',
      configVersion: () => 1n,
    });
  await journal.init();
  const store = new DbCallStore(database.db, journal);
  const secrets = new SecretStore(database.db);
  const customers = new CustomerStore(database.db);

  const sipPort = await freePort();
  const bundle = o.bundle({ sip: sipPort });
  const clock = systemClock;
  const stack = new SipStack({
    transports: [new UdpTransport({ host: '127.0.0.1', port: sipPort }), ...(o.transports ?? [])],
  });
  const log = process.env.HCC_TEST_LOG ? createLogger({ service: 'edge-test', site: 'hq' }) : silentLogger;
  const registry = new CallRegistry<CallSession, LegRef>();
  const agentObs = new Observer<import('../../src/agent/events.ts').AgentEvents>(log);
  const agents = new AgentRegistry({ clock, observer: agentObs, log });
  const acdObs = new Observer<import('../../src/queue/events.ts').AcdEvents>(log);
  const acd = new Acd({ clock, agents, offers: callOfferPort(registry), observer: acdObs, log });
  acd.applyConfig(bundle);
  const ivrObs = new Observer<import('../../src/ivr/events.ts').IvrEvents>(log);
  const ivr = new IvrInterpreter({ clock, calendar: new HoursCalendar(), customers, observer: ivrObs });
  const pool = new RtpenginePool({
    servers: engines.map((e, i) => ({ id: i ? `rtp${i + 1}` : 'rtp', client: e.client })),
  });
  const observer = new Observer<CallEvents>(log);
  const events: Harness['events'] = [];
  const ended: Promise<void>[] = [];
  if (o.recordEvents !== false)
    for (const name of [
      'offered',
      'held',
      'resumed',
      'transferred',
      'abandoned',
      'ended',
      'dialLimitHit',
    ] as const)
      observer.on(name, (payload) => events.push({ name, payload }));
  const bindings = new AgentBindingStore(stack.clock);
  const svc: CallServices = {
    site: 'hq',
    stack,
    sipHost: '127.0.0.1',
    media: pool,
    dtmf,
    ivr,
    acd,
    agents,
    bindings,
    store,
    secrets,
    recordings: new RecordingArchive({ spoolDir: rtp.recordingDir, dataDir: dir, store, clock }),
    observer,
    registry,
    consults: new ConsultRegistry(),
    dial: new DialGuard(observer),
    agentAuth: agentDigest({
      clock: stack.clock,
      realm: sipRealm('hq'),
      secrets,
      config: { current: () => bundle },
      algorithms: ['MD5'],
      proxy: true,
    }),
    clock,
    promptsDir,
    prompts: new G711PromptCache({ dir: join(dir, 'prompt-cache') }),
    directRingMs: 8000,
    ...(o.queueMusicDelayMs !== undefined ? { queueMusicDelayMs: o.queueMusicDelayMs } : {}),
    ...(o.browserAuth ? { browserAuth: o.browserAuth(stack.clock) } : {}),
  };
  const bridge = new EventBridge(journal, clock, log).attach({
    call: observer,
    ivr: ivrObs,
    acd: acdObs,
    agents: agentObs,
  });
  mountCallLayer(stack, {
    svc,
    config: { current: () => bundle },
    pseudonymizer: new CallerPseudonymizer(new Uint8Array(32).fill(7), { countryCode: '1' }),
    tracer: trace.getTracer('test'),
    log,
  });
  await stack.start();

  const running = new Set<{ stop(): Promise<void> }>();
  const sippProc = async (scenario: string, args: string[], port: number, ip: string, timeoutS: number) => {
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
        String(port),
        '-mi',
        ip,
        '-mp',
        // SIPp binds the media port and the three after it (RTP/RTCP, audio and video).
        String(await freePort(ip, 4)),
        '-t',
        'u1',
        '-nostdin',
        '-timeout',
        `${timeoutS}s`,
        '-timeout_error',
        '-max_recv_loops',
        '1000',
        '-m',
        '1',
        '-trace_err',
        '-error_file',
        join(dir, `sipp-${port}-err.log`),
        ...(process.env.HCC_KEEP_DIR
          ? ['-trace_msg', '-message_file', join(dir, `sipp-${port}-msg.log`)]
          : []),
        ...args,
      ],
    });
    running.add(child);
    try {
      const exit = await child.exited;
      const err = await readFile(join(dir, `sipp-${port}-err.log`), 'utf8').catch(() => '');
      return { code: exit.code, output: `${err.slice(-3000)}\n${child.tail()}` };
    } finally {
      running.delete(child);
      await child.stop();
    }
  };
  const children: Promise<SippRun>[] = [];
  return {
    sipPort,
    stack,
    acd,
    agents,
    registry,
    rtp,
    engines,
    database,
    secrets,
    customers,
    bindings,
    events,
    dir,
    bridge,
    ended,
    async sipp(scenario, args, so = {}) {
      return sippProc(
        scenario,
        args,
        await freePort(),
        so.ip ?? '127.0.0.2',
        so.timeoutS ?? Number(process.env.HCC_SIPP_TIMEOUT ?? 60),
      );
    },
    sippBg(scenario, args, so = {}) {
      // The port must be known before the agent's contact is put into the bundle: callers pass -p.
      const pIdx = args.indexOf('-p');
      const port = Number(args[pIdx + 1]);
      const rest = pIdx >= 0 ? [...args.slice(0, pIdx), ...args.slice(pIdx + 2)] : args;
      const done = sippProc(
        scenario,
        [...rest, '-bg_never'].filter((a) => a !== '-bg_never'),
        port,
        so.ip ?? '127.0.0.1',
        so.timeoutS ?? Number(process.env.HCC_SIPP_TIMEOUT ?? 60),
      );
      children.push(done);
      return { port, done };
    },
    async query<T>(q: ReturnType<typeof sql>) {
      const r = (await database.db.execute(q)) as unknown as { rows: T[] };
      return r.rows;
    },
    async close() {
      // Give background phones a moment to finish their scenario, then stop what is left.
      await Promise.race([Promise.allSettled(children), new Promise((r) => setTimeout(r, 10_000))]);
      await Promise.all([...running].map((c) => c.stop()));
      await bridge.close();
      await stack.close();
      dtmf.close();
      await Promise.all(engines.map((e) => e.stop()));
      await database.close();
      await pg?.drop();
      if (!process.env.HCC_KEEP_DIR) await rm(dir, { recursive: true, force: true });
    },
  };
}
