/**
 * Wiring of the agent desktop for the composition root: the SIP over WebSocket listener (WSS when
 * EDGE_TLS_CERT/EDGE_TLS_KEY are set) with the browser registrar, the desktop API, the supervisor
 * API and the page. Environment: EDGE_SIP_WS_PORT (default SIP port + 3), EDGE_SUPERVISORS
 * (extensions allowed into the supervisor view, comma separated).
 */
import { readFile } from 'node:fs/promises';
import type { ConfigBundle } from '@hcc/proto';
import type { Clock, Db, Logger } from '@hcc/shared';
import type { AgentRegistry } from '../agent/registry.ts';
import {
  BrowserCredentials,
  browserCallAuth,
  browserRegistrar,
  signOutBrowser,
} from '../call/browser-device.ts';
import type { AgentBindingStore, CallRegistry, CallSession, LegRef } from '../call/index.ts';
import type { CustomerStore } from '../customers/index.ts';
import type { Acd } from '../queue/router.ts';
import { type Clock as SipClock, WsTransport } from '../sip/index.ts';
import { type CredentialStore, type SessionStore, verifyPassword } from './agent-api-auth.ts';
import { desktopApi } from './desktop.ts';
import { DesktopData } from './desktop-data.ts';
import { desktopStatic } from './desktop-static.ts';
import { supervisorApi } from './desktop-supervisor.ts';
import { tlsFromEnv } from './desktop-tls.ts';
import { StreamLimiter } from './stream-limit.ts';

export interface DesktopDevice {
  credentials: BrowserCredentials;
  ws: { port: number; secure: boolean; path: string };
  tls: { cert: string; key: string } | undefined;
  /** Logout: the agent's browser loses its SIP password and registrations (agentApi's onLogout). */
  signOut(agentId: string): Promise<void>;
  /** For startCallLayer's `browser` option. */
  callLayer: {
    transport: WsTransport;
    register: (bindings: AgentBindingStore, clock: SipClock) => ReturnType<typeof browserRegistrar>;
    callAuth: (clock: SipClock) => ReturnType<typeof browserCallAuth>;
  };
}

export function desktopDevice(o: { host: string; sipPort: number; realm: string }): DesktopDevice {
  const env = process.env;
  const port = Number(env.EDGE_SIP_WS_PORT ?? o.sipPort + 3);
  const tls = tlsFromEnv(env);
  const credentials = new BrowserCredentials(o.realm);
  const transport = new WsTransport({ host: o.host, port, ...(tls ? { tls } : {}) });
  // The call layer hands its binding store over when it mounts the registrar.
  let registered: AgentBindingStore | undefined;
  return {
    credentials,
    ws: { port, secure: !!tls, path: '/' },
    tls,
    async signOut(agentId) {
      if (registered) await signOutBrowser(credentials, registered, agentId);
      else credentials.revoke(agentId);
    },
    callLayer: {
      transport,
      register: (bindings, clock) => {
        registered = bindings;
        return browserRegistrar({ clock, credentials, bindings });
      },
      callAuth: (clock) => browserCallAuth(clock, credentials),
    },
  };
}

export function desktopHttp(
  device: Pick<DesktopDevice, 'credentials' | 'ws'>,
  o: {
    db: Db;
    agents: AgentRegistry;
    acd: Acd;
    config: () => ConfigBundle | undefined;
    sessions: SessionStore;
    customers: CustomerStore;
    calls: CallRegistry<CallSession, LegRef>;
    clock: Clock;
    log: Logger;
    supervisors?: readonly string[];
  },
) {
  const data = new DesktopData({ db: o.db, customers: o.customers, calls: o.calls, config: o.config });
  const supervisors = o.supervisors ?? (process.env.EDGE_SUPERVISORS ?? '').split(',').filter(Boolean);
  // One cap for both live streams of a login.
  const streams = new StreamLimiter();
  return {
    api: desktopApi({ ...o, data, browser: device.credentials, sipWs: device.ws, streams }),
    supervisor: supervisorApi({
      streams,
      agents: o.agents,
      acd: o.acd,
      config: o.config,
      sessions: o.sessions,
      calls: o.calls,
      isSupervisor: (agentId) => {
        const ext = o.config()?.agents.find((a) => a.id === agentId)?.extension;
        return ext !== undefined && supervisors.includes(ext);
      },
      log: o.log,
    }),
    page: desktopStatic(),
  };
}

/**
 * Demo only: desktop passwords = the demo SIP passwords of the credentials file, per extension
 * (stored again when the stored hash no longer matches the file, e.g. a fresh demo state dir).
 */
export async function provisionDemoDesktop(
  credentials: CredentialStore,
  file: string,
  bundle: ConfigBundle | undefined,
  log: Logger,
): Promise<void> {
  const creds = JSON.parse(await readFile(file, 'utf8')) as { agents?: Record<string, string> };
  let n = 0;
  for (const a of bundle?.agents ?? []) {
    const pw = creds.agents?.[a.extension];
    const hash = pw ? await credentials.hashOf(a.id) : undefined;
    if (pw && !(hash && (await verifyPassword(pw, hash)))) {
      await credentials.setPassword(a.id, pw);
      n++;
    }
  }
  if (n) log.info({ agents: n }, 'demo desktop passwords provisioned');
}
