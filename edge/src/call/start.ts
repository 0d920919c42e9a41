/**
 * Builds and starts the edge's voice call layer for the composition root: SIP transports (UDP and
 * TCP, TLS when configured), the DTMF listener, agent registrar with the local secret store, CDR store, recordings,
 * customer directory, the INVITE pipeline and the events bridge. Returns what main.ts needs.
 */
import { join } from 'node:path';
import type { ConfigBundle } from '@hcc/proto';
import { type Db, type Logger, Observer, systemClock } from '@hcc/shared';
import { trace } from '@opentelemetry/api';
import type { AgentEvents, AgentRegistry } from '../agent/index.ts';
import { CustomerStore } from '../customers/index.ts';
import { CallerPseudonymizer, loadOrCreatePseudonymKey, type OutboxJournal } from '../events/index.ts';
import { HoursCalendar, type IvrEvents, IvrInterpreter } from '../ivr/index.ts';
import { DtmfListener, G711PromptCache, type NgClient, type RtpenginePool } from '../media/index.ts';
import type { Acd, AcdEvents } from '../queue/index.ts';
import { RecordingArchive, scheduleRetention } from '../recording/index.ts';
import { SecretStore, sipRealm } from '../secrets/index.ts';
import { type HungCallSettings, hungCallSettings } from '../settings-calls.ts';
import type { SipProtectionSettings } from '../settings-sip.ts';
import type { SipTlsSettings } from '../settings-sip-tls.ts';
import {
  type Handler,
  type Clock as SipClock,
  SipStack,
  TcpTransport,
  TlsTransport,
  type Transport,
  UdpTransport,
} from '../sip/index.ts';
import { agentDigest, agentRegistrar, restoreRegistrations } from './agent-registrar.ts';
import { DbBindingStore } from './binding-db.ts';
import { type CallsByAge, callsByAge } from './call-age.ts';
import { ConsultRegistry } from './consult.ts';
import { AgentBindingStore } from './contacts.ts';
import { DialGuard } from './dial-guard.ts';
import type { DialReason } from './dial-policy.ts';
import { EventBridge } from './event-bridge.ts';
import type { CallEvents } from './events.ts';
import { buildFrontDoor, type FrontDoorCounters } from './front-door.ts';
import { MediaWatch } from './media-watch.ts';
import { mountCallLayer } from './mount.ts';
import type { CallRegistry } from './registry.ts';
import type { CallSession } from './session.ts';
import { DbCallStore } from './store.ts';
import {
  optionsPinger,
  type TrunkHealthEvents,
  TrunkHealthMonitor,
  type TrunkHealthView,
} from './trunks/index.ts';
import type { CallServices, LegRef } from './types.ts';

export interface CallLayerOptions {
  site: string;
  sipHost: string;
  sipPort: number;
  /** Host in Via, Contact and From (EDGE_PUBLIC_ADDRESS behind NAT); default sipHost. */
  advertisedHost?: string;
  dtmfPort: number;
  /** Where rtpengine sends DTMF events and voicemail RTP to the edge (default 127.0.0.1). */
  mediaHost?: string;
  dataDir: string;
  promptsDir: string;
  /** rtpengine's --recording-dir (pcap spool). */
  recordingSpool: string;
  db: Db;
  journal: OutboxJournal;
  media: RtpenginePool<NgClient>;
  config: { current(): ConfigBundle | undefined };
  registry: CallRegistry<CallSession, LegRef>;
  acd: Acd;
  agents: AgentRegistry;
  observers: { acd: Observer<AcdEvents>; agents: Observer<AgentEvents> };
  log: Logger;
  /** Rate limit, auth bans, overload guard, registration cap and digest policy of the SIP front door. */
  sipProtection: SipProtectionSettings;
  /** SIP over TLS for trunks and phones on sipHost (EDGE_SIP_TLS_*); no TLS listener when unset. */
  sipTls?: SipTlsSettings;
  /** Media inactivity and session timer limits (EDGE_MEDIA_TIMEOUT_S ...); the product defaults otherwise. */
  hungCalls?: HungCallSettings;
  /** The agent desktop's SIP over WebSocket listener and its REGISTER handler (browser-device.ts). */
  browser?: {
    transport: Transport;
    register: (bindings: AgentBindingStore, clock: SipClock) => Handler;
    /** Digest for the browsers' own INVITEs (consultation calls); see CallServices.browserAuth. */
    callAuth?: (clock: SipClock) => NonNullable<CallServices['browserAuth']>;
  };
}

export interface CallLayer {
  stack: SipStack;
  secrets: SecretStore;
  customers: CustomerStore;
  bindings: AgentBindingStore;
  observer: Observer<CallEvents>;
  pipeline: string[];
  activeCalls(): number;
  registeredDevices(): number;
  /** Calls in progress by age (/api/status `calls_by_age`). */
  callsByAge(): CallsByAge;
  /** What the SIP front door's protection did, and the calls out the dial policy refused (status, heartbeat). */
  protection(): FrontDoorCounters & { dialRefused: number };
  /** Calls out holding a place under the dial caps now, and refusals since start by reason (status). */
  dialing(): { outbound: number; refused: Record<DialReason, number> };
  /** Health of every trunk of the applied config (OPTIONS pings). */
  trunks(): TrunkHealthView[];
  stop(): Promise<void>;
}

/**
 * The TLS listener: the configured certificate for phones and trunks; with a CA configured it asks every
 * peer for a client certificate (a phone without one still connects) so that a trunk that requires one
 * can be checked per request (trunk-route.ts), and verifies the trunks it calls out to with that CA
 * (the system's CAs otherwise).
 */
function sipTlsTransport(host: string, t: SipTlsSettings): TlsTransport {
  return new TlsTransport({
    host,
    port: t.port,
    cert: t.cert,
    key: t.key,
    ...(t.ca ? { ca: t.ca, requestCert: true } : {}),
  });
}

export async function startCallLayer(o: CallLayerOptions): Promise<CallLayer> {
  const clock = systemClock;
  const log = o.log.child({ module: 'call' });
  const door = buildFrontDoor({
    settings: o.sipProtection,
    config: o.config,
    clock,
    log: o.log.child({ module: 'sip-protect' }),
  });
  const stack = new SipStack({
    transports: [
      new UdpTransport({ host: o.sipHost, port: o.sipPort }),
      new TcpTransport({ host: o.sipHost, port: o.sipPort }),
      ...(o.sipTls ? [sipTlsTransport(o.sipHost, o.sipTls)] : []),
      ...(o.browser ? [o.browser.transport] : []),
    ],
    ...(o.advertisedHost ? { advertisedHost: o.advertisedHost } : {}),
    rateLimiter: door.admission,
    screen: door.screen,
    overload: door.overload,
  });
  const mediaHost = o.mediaHost ?? '127.0.0.1';
  const hung = o.hungCalls ?? hungCallSettings({});
  const dtmf = await DtmfListener.bind({ host: mediaHost, port: o.dtmfPort, logger: log });
  const secrets = new SecretStore(o.db);
  const customers = new CustomerStore(o.db);
  const store = new DbCallStore(o.db, o.journal);
  const bindings = new AgentBindingStore(stack.clock, new DbBindingStore(o.db, stack.clock, log));
  const observer = new Observer<CallEvents>(log);
  const dial = new DialGuard(observer);
  const ivrObserver = new Observer<IvrEvents>(log);
  const ivr = new IvrInterpreter({ clock, calendar: new HoursCalendar(), customers, observer: ivrObserver });
  const trunkObserver = new Observer<TrunkHealthEvents>(log);
  const trunkHealth = new TrunkHealthMonitor({
    config: o.config,
    ping: optionsPinger(stack, o.advertisedHost ?? o.sipHost, clock),
    clock,
    log: o.log.child({ module: 'trunk-health' }),
    observer: trunkObserver,
  });
  const bridge = new EventBridge(o.journal, clock, log).attach({
    call: observer,
    trunks: trunkObserver,
    ivr: ivrObserver,
    acd: o.observers.acd,
    agents: o.observers.agents,
  });
  const pipeline = mountCallLayer(stack, {
    svc: {
      site: o.site,
      stack,
      sipHost: o.advertisedHost ?? o.sipHost,
      media: o.media,
      dtmf,
      ivr,
      acd: o.acd,
      agents: o.agents,
      bindings,
      store,
      secrets,
      recordings: new RecordingArchive({
        spoolDir: o.recordingSpool,
        dataDir: o.dataDir,
        store,
        clock,
        rtpHost: mediaHost,
      }),
      observer,
      registry: o.registry,
      consults: new ConsultRegistry(),
      dial,
      trunkHealth,
      agentAuth: agentDigest({
        clock: stack.clock,
        realm: sipRealm(o.site),
        secrets,
        config: o.config,
        proxy: true,
        algorithms: door.digest.algorithms,
        offer: door.digest.offer,
        failures: door.digest.failures,
      }),
      ...(o.browser?.callAuth ? { browserAuth: o.browser.callAuth(stack.clock) } : {}),
      clock,
      minSessionExpiresS: hung.minSessionExpiresS,
      promptsDir: o.promptsDir,
      prompts: new G711PromptCache({ dir: join(o.dataDir, 'prompt-cache'), logger: log }),
    },
    config: o.config,
    pseudonymizer: new CallerPseudonymizer(loadOrCreatePseudonymKey(join(o.dataDir, 'pseudonym.key')), {
      countryCode: '1',
    }),
    tracer: trace.getTracer('hcc-edge-call'),
    log,
  });
  const { handler: register } = agentRegistrar({
    clock: stack.clock,
    realm: sipRealm(o.site),
    bindings,
    secrets,
    config: o.config,
    agents: o.agents,
    log,
    algorithms: door.digest.algorithms,
    offer: door.digest.offer,
    failures: door.digest.failures,
    maxContacts: door.registrations.maxContacts,
    onCapped: door.registrations.onCapped,
  });
  if (o.browser) stack.use('REGISTER', o.browser.register(bindings, stack.clock));
  stack.use('REGISTER', register);
  stack.use('OPTIONS', (req) => void req.reply(200));
  await restoreRegistrations({ bindings, config: o.config, agents: o.agents, log });
  await stack.start();
  trunkHealth.start();
  const mediaWatch = new MediaWatch({
    registry: o.registry,
    query: (callId, fromTag) => o.media.lookup(callId)?.client.query({ callId, fromTag }),
    timeoutMs: hung.mediaTimeoutS * 1000,
    holdTimeoutMs: hung.holdTimeoutS * 1000,
    clock,
    log: log.child({ module: 'media-watch' }),
  });
  mediaWatch.start();
  const stopRetention = scheduleRetention({
    db: o.db,
    policy: () => o.config.current()?.retention,
    clock,
    log,
  });
  log.info(
    {
      sip: `${o.sipHost}:${o.sipPort}`,
      sip_tls: o.sipTls ? `${o.sipHost}:${o.sipTls.port}` : 'off',
      advertised: o.advertisedHost,
      pipeline: pipeline.join(' -> '),
    },
    'call layer listening',
  );
  return {
    stack,
    secrets,
    customers,
    bindings,
    observer,
    pipeline,
    activeCalls: () => o.registry.size,
    registeredDevices: () => bindings.registeredUsers,
    callsByAge: () =>
      callsByAge(
        [...o.registry.all()].map((s) => s.cdr.startedAt),
        clock.now(),
      ),
    protection: () => ({ ...door.counters(stack), dialRefused: dial.refusedTotal }),
    trunks: () => trunkHealth.view(),
    dialing: () => ({ outbound: dial.outbound, refused: { ...dial.refused } }),
    async stop() {
      stopRetention();
      trunkHealth.stop();
      await mediaWatch.stop();
      await stack.close();
      door.close();
      dtmf.close();
      await bridge.close();
    },
  };
}
