/**
 * The agent desktop as a device: the browser registers over SIP over WebSocket (RFC 7118) with a
 * per-login SIP password the desktop API hands out, and is rung with a WebRTC branch of the call's
 * media session. Auth users are `web-<agent id>`; JsSIP and SIP.js only answer MD5 challenges, so
 * this registrar offers MD5 (over the same binding store as the SIP phones).
 */
import { randomBytes } from 'node:crypto';
import type { Device } from '@hcc/proto';
import { DigestServer, type Handler, Registrar, type Clock as SipClock } from '../sip/index.ts';
import type { AgentBindingStore } from './contacts.ts';
import type { DialTarget } from './dialer.ts';

const PREFIX = 'web-';

/** The SIP auth user of an agent's browser device. */
export const browserUser = (agentId: string): string => `${PREFIX}${agentId}`;

/** Per-login SIP credentials of browser devices (in memory: a restart means logging in again). */
export class BrowserCredentials {
  private readonly byUser = new Map<string, { agentId: string; password: string }>();

  constructor(readonly realm: string) {}

  /** A fresh password for the agent's browser (the previous one stops working). */
  issue(agentId: string): { username: string; password: string; realm: string } {
    const username = browserUser(agentId);
    const password = randomBytes(18).toString('base64url');
    this.byUser.set(username, { agentId, password });
    return { username, password, realm: this.realm };
  }

  revoke(agentId: string): void {
    this.byUser.delete(browserUser(agentId));
  }

  lookup(username: string): { agentId: string; password: string } | undefined {
    return this.byUser.get(username);
  }
}

/** REGISTER of browser devices (auth users `web-*`); other REGISTERs go to the next handler. */
export function browserRegistrar(o: {
  clock: SipClock;
  credentials: BrowserCredentials;
  bindings: AgentBindingStore;
}): Handler {
  const auth = new DigestServer({
    realm: o.credentials.realm,
    clock: o.clock,
    algorithms: ['MD5'],
    lookup: (username) => {
      const c = o.credentials.lookup(username);
      return c ? { password: c.password } : undefined;
    },
  });
  const registrar = new Registrar({ clock: o.clock, store: o.bindings, auth });
  return async function registerBrowser(req, next) {
    const uri = req.message.to.uri;
    const user = 'user' in uri ? (uri.user ?? '') : '';
    if (!user.startsWith(PREFIX)) return next();
    await registrar.handle(req);
  };
}

/** Dial targets of a browser device: its live WebSocket registrations, rung with a WebRTC offer. */
export async function browserTargets(
  device: Device,
  agentId: string,
  bindings: AgentBindingStore,
): Promise<DialTarget[]> {
  const out: DialTarget[] = [];
  for (const b of await bindings.contactsOf(browserUser(agentId))) {
    const proto = b.source.protocol as 'WS' | 'WSS';
    out.push({
      uri: b.contact,
      label: device.id,
      webrtc: true,
      hop: { protocol: proto, address: b.source.address, port: b.source.port },
    });
  }
  return out;
}

/**
 * The base SDP of re-INVITE answers on a WebRTC leg: the browser's re-offer says `setup:actpass`,
 * the answer must keep rtpengine the DTLS server it became in the first exchange (RFC 5763 §5).
 */
export function answererSdp(offerSdp: string): string {
  return offerSdp.replace(/a=setup:actpass/g, 'a=setup:passive');
}
