/**
 * A desktop test site: the call harness (rtpengine, PostgreSQL, SIPp) with SIP over WebSocket (WSS
 * when given a certificate), the browser registrar and the browsers' INVITE digest, the agent API
 * and the desktop page over HTTP or HTTPS. Agents get desktop passwords `pw-<extension>` (hashed in
 * the test database, as the edge keeps them).
 */
import type { Server } from 'node:http';
import { Channel, type ConfigBundle } from '@hcc/proto';
import { silentLogger, systemClock } from '@hcc/shared';
import { freePort } from '@hcc/shared/testing';
import {
  BrowserCredentials,
  browserCallAuth,
  browserRegistrar,
  signOutBrowser,
} from '../../src/call/browser-device.ts';
import { agentApi } from '../../src/http/agent-api.ts';
import { MemorySessionStore } from '../../src/http/agent-api-auth.ts';
import { PgCredentialStore } from '../../src/http/agent-credentials-db.ts';
import { edgeApp } from '../../src/http/app.ts';
import { serveEdgeHttp, type TlsPair } from '../../src/http/desktop-tls.ts';
import { desktopHttp } from '../../src/http/desktop-wiring.ts';
import { WsTransport } from '../../src/sip/index.ts';
import { type Harness, startHarness } from '../call/harness.ts';

export const FAST_SCRYPT = { N: 1024, r: 8, p: 1 };

/** An agent whose only device is the desktop's softphone, in queue `sales`. */
export const webAgent = (id: string, ext: string) => ({
  id,
  extension: ext,
  displayName: `Agent ${ext}`,
  skills: [{ skillId: 'sales', level: 5 }],
  devices: [{ id: 'web', kind: { case: 'browser' as const, value: {} } }],
  capacities: [{ channel: Channel.VOICE, maxConcurrent: 1 }],
});

export interface Desk {
  h: Harness;
  ws: WsTransport;
  credentials: BrowserCredentials;
  /** The desktop's origin (http://... or https://...). */
  base: string;
  close(): Promise<void>;
}

export async function startDesk(o: {
  pgUrl: string;
  name: string;
  bundle: ConfigBundle;
  tls?: TlsPair;
  /** Extensions allowed into the supervisor view. */
  supervisors?: string[];
}): Promise<Desk> {
  const credentials = new BrowserCredentials('hq');
  const ws = new WsTransport({ host: '127.0.0.1', port: await freePort(), ...(o.tls ? { tls: o.tls } : {}) });
  const h = await startHarness({
    pgUrl: o.pgUrl,
    name: o.name,
    transports: [ws],
    bundle: () => o.bundle,
    browserAuth: (clock) => browserCallAuth(clock, credentials),
  });
  h.stack.use('REGISTER', browserRegistrar({ clock: h.stack.clock, credentials, bindings: h.bindings }));
  // The edge's own store: scrypt hashes in the test database.
  const passwords = new PgCredentialStore(h.database.db);
  for (const a of o.bundle.agents) await passwords.setPassword(a.id, `pw-${a.extension}`, FAST_SCRYPT);
  const sessions = new MemorySessionStore(systemClock);
  const config = () => o.bundle;
  const app = edgeApp({
    site: 'hq',
    readiness: () => [],
    status: () => ({}),
    agentApi: agentApi({
      agents: h.agents,
      acd: h.acd,
      config,
      credentials: passwords,
      sessions,
      ...(o.tls ? { secureCookie: true } : {}),
      onLogout: (agentId) => signOutBrowser(credentials, h.bindings, agentId),
      log: silentLogger,
    }),
    desktop: desktopHttp(
      { credentials, ws: { port: ws.localPort, secure: !!o.tls, path: '/' } },
      {
        db: h.database.db,
        agents: h.agents,
        acd: h.acd,
        config,
        sessions,
        customers: h.customers,
        calls: h.registry,
        clock: systemClock,
        log: silentLogger,
        supervisors: o.supervisors ?? [],
      },
    ),
  });
  const { server, url } = serveEdgeHttp({
    fetch: app.fetch,
    hostname: '127.0.0.1',
    port: await freePort(),
    tls: o.tls,
  });
  return {
    h,
    ws,
    credentials,
    base: url,
    async close() {
      await new Promise((r) => (server as Server).close(r));
      await h.close();
    },
  };
}
