/**
 * REGISTER for agents' SIP phones: digest against the HA1 values in the local secret store (the
 * device's password_hash_ref), bindings indexed by auth user, and auto-ready: a LOGGED_OUT agent
 * configured for it goes READY when one of its phones registers.
 */
import type { ConfigBundle } from '@hcc/proto';
import type { Logger } from '@hcc/shared';
import type { AgentRegistry } from '../agent/index.ts';
import type { DeviceSecret } from '../secrets/index.ts';
import {
  DigestServer,
  type DigestServerOptions,
  type Handler,
  Registrar,
  type Clock as SipClock,
} from '../sip/index.ts';
import type { AgentBindingStore } from './contacts.ts';

export interface AgentRegistrarOptions {
  /** The SIP stack's clock (nonces and binding expiry). */
  clock: SipClock;
  realm: string;
  bindings: AgentBindingStore;
  secrets: { device(ref: string): Promise<DeviceSecret | undefined> };
  config: { current(): ConfigBundle | undefined };
  agents: AgentRegistry;
  log: Logger;
  minExpires?: number;
  /** Digest algorithms offered, strongest first (default SHA-256 then MD5). */
  algorithms?: Array<'SHA-256' | 'MD5'>;
  /** The digest policy per request and the failed-authentication sink (front-door.ts). */
  offer?: DigestServerOptions['offer'];
  failures?: DigestServerOptions['failures'];
  /** Cap on live registrations per extension, and who counts the refusals. */
  maxContacts?: number;
  onCapped?: (aor: string) => void;
}

/** The agent owning a SIP device with this auth user, and the device's secret ref. */
export function deviceOf(bundle: ConfigBundle | undefined, username: string) {
  for (const a of bundle?.agents ?? [])
    for (const d of a.devices)
      if (d.kind.case === 'sip' && d.kind.value.authUsername === username)
        return { agentId: a.id, ref: d.kind.value.passwordHashRef };
  return undefined;
}

/** Digest against the agents' device HA1s: the registrar's (401) or the internal calls' (407, `proxy`). */
export function agentDigest(
  o: Pick<
    AgentRegistrarOptions,
    'clock' | 'realm' | 'secrets' | 'config' | 'algorithms' | 'offer' | 'failures'
  > & {
    proxy?: boolean;
  },
): DigestServer {
  return new DigestServer({
    realm: o.realm,
    clock: o.clock,
    ...(o.algorithms ? { algorithms: o.algorithms } : {}),
    ...(o.proxy ? { proxy: true } : {}),
    ...(o.offer ? { offer: o.offer } : {}),
    ...(o.failures ? { failures: o.failures } : {}),
    lookup: async (username) => {
      const dev = deviceOf(o.config.current(), username);
      const secret = dev && (await o.secrets.device(dev.ref));
      if (!secret || secret.realm !== o.realm) return undefined;
      return { ha1: secret.ha1 };
    },
  });
}

export function agentRegistrar(o: AgentRegistrarOptions): { handler: Handler; registrar: Registrar } {
  const auth = agentDigest(o);
  const registrar = new Registrar({
    clock: o.clock,
    store: o.bindings,
    auth,
    ...(o.minExpires !== undefined ? { minExpires: o.minExpires } : {}),
    ...(o.maxContacts !== undefined ? { maxContacts: o.maxContacts } : {}),
    ...(o.onCapped ? { onCapped: o.onCapped } : {}),
  });
  const handler: Handler = async function registerAgentPhone(req) {
    await registrar.handle(req);
    if (req.finalStatus !== 200) return;
    const uri = req.message.to.uri;
    const user = 'user' in uri ? (uri.user ?? '') : '';
    const dev = deviceOf(o.config.current(), user);
    if (!dev) return;
    const live = await o.bindings.contactsOf(user);
    if (live.length > 0 && o.agents.find(dev.agentId)) {
      o.agents.deviceRegistered(dev.agentId);
      o.log.debug({ agent: dev.agentId }, 'agent phone registered');
    }
  };
  return { handler, registrar };
}

/**
 * After a restart: re-indexes the registrations the binding store kept and applies auto-ready to
 * the agents whose phones are still registered, as a REGISTER would. Returns how many users.
 */
export async function restoreRegistrations(
  o: Pick<AgentRegistrarOptions, 'bindings' | 'config' | 'agents' | 'log'>,
): Promise<number> {
  const users = await o.bindings.restore();
  for (const user of users) {
    const dev = deviceOf(o.config.current(), user);
    if (dev && o.agents.find(dev.agentId)) o.agents.deviceRegistered(dev.agentId);
  }
  if (users.length > 0) o.log.info({ users: users.length }, 'registrations restored');
  return users.length;
}
