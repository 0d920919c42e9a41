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

/** Whether a SIP user name is a browser device's. */
export const isBrowserUser = (user: string): boolean => user.startsWith(PREFIX);

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

/** Ends a browser device's login: its SIP password stops working and its registrations are removed. */
export async function signOutBrowser(
  credentials: BrowserCredentials,
  bindings: Pick<AgentBindingStore, 'removeUser'>,
  agentId: string,
): Promise<void> {
  credentials.revoke(agentId);
  await bindings.removeUser(browserUser(agentId));
}

/** Digest over the browsers' per-login passwords, MD5 only (JsSIP and SIP.js answer nothing else). */
function browserDigest(clock: SipClock, credentials: BrowserCredentials, proxy: boolean): DigestServer {
  return new DigestServer({
    realm: credentials.realm,
    clock,
    algorithms: ['MD5'],
    ...(proxy ? { proxy: true } : {}),
    lookup: (username) => {
      const c = credentials.lookup(username);
      return c ? { password: c.password } : undefined;
    },
  });
}

/** The call layer's `browserAuth`: 407 MD5 challenges for INVITEs from browsers (consultation calls). */
export function browserCallAuth(clock: SipClock, credentials: BrowserCredentials) {
  return {
    digest: browserDigest(clock, credentials, true),
    agentOf: (username: string) => credentials.lookup(username)?.agentId,
  };
}

/** REGISTER of browser devices (auth users `web-*`); other REGISTERs go to the next handler. */
export function browserRegistrar(o: {
  clock: SipClock;
  credentials: BrowserCredentials;
  bindings: AgentBindingStore;
}): Handler {
  const auth = browserDigest(o.clock, o.credentials, false);
  const registrar = new Registrar({ clock: o.clock, store: o.bindings, auth });
  return async function registerBrowser(req, next) {
    const uri = req.message.to.uri;
    const user = 'user' in uri ? (uri.user ?? '') : '';
    if (!isBrowserUser(user)) return next();
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
