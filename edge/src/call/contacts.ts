/**
 * Where an agent's devices are reached: the live registrations of its SIP phones (looked up by the
 * device's auth user, whatever host the phone registered with), static contact URIs, and the
 * browser's WebSocket registrations (browser-device.ts).
 */
import type { Device, Trunk } from '@hcc/proto';
import { type Binding, type BindingStore, MemoryBindingStore, parseUri } from '../sip/index.ts';
import { browserTargets } from './browser-device.ts';
import type { DialTarget } from './dialer.ts';
import { trunkHop } from './trunk-route.ts';

/**
 * A BindingStore that also indexes addresses of record by user part (the agent's auth user). With a
 * persistent inner store (binding-db.ts), `restore()` re-indexes the bindings kept across a restart.
 */
export class AgentBindingStore implements BindingStore {
  private readonly byUser = new Map<string, Set<string>>();

  constructor(
    /** The registrar's clock (the SIP stack's: expiry times are on its time base). */
    private readonly clock: { now(): number },
    private readonly inner: BindingStore & { load?(): Promise<string[]> } = new MemoryBindingStore(),
  ) {}

  get(aor: string): Promise<Binding[]> {
    return this.inner.get(aor);
  }

  async put(aor: string, bindings: Binding[]): Promise<void> {
    await this.inner.put(aor, bindings);
    this.index(aor, bindings.length > 0);
  }

  /** Loads what the inner store kept (a restart); returns the users with live registrations. */
  async restore(): Promise<string[]> {
    for (const aor of (await this.inner.load?.()) ?? []) this.index(aor, true);
    const users: string[] = [];
    for (const user of this.byUser.keys()) if ((await this.contactsOf(user)).length > 0) users.push(user);
    return users;
  }

  private index(aor: string, present: boolean): void {
    const user = userOf(aor);
    let set = this.byUser.get(user);
    if (!present) {
      set?.delete(aor);
      if (set?.size === 0) this.byUser.delete(user);
      return;
    }
    if (!set) {
      set = new Set();
      this.byUser.set(user, set);
    }
    set.add(aor);
  }

  /** Live contacts of a user, best q first. */
  async contactsOf(user: string): Promise<Binding[]> {
    const now = this.clock.now();
    const out: Binding[] = [];
    for (const aor of this.byUser.get(user) ?? []) {
      for (const b of await this.inner.get(aor)) if (b.expiresAt > now) out.push(b);
    }
    return out.sort((a, b) => b.q - a.q);
  }

  /** Removes every registration of a user (a browser device whose login ended). */
  async removeUser(user: string): Promise<void> {
    for (const aor of [...(this.byUser.get(user) ?? [])]) await this.put(aor, []);
  }

  /** Number of users with at least one registration (heartbeat). */
  get registeredUsers(): number {
    return this.byUser.size;
  }
}

function userOf(aor: string): string {
  const u = parseUri(aor);
  return 'user' in u ? (u.user ?? '') : '';
}

/** The dial targets of an agent's devices. */
export async function deviceTargets(
  devices: readonly Device[],
  bindings: AgentBindingStore,
  trunks: readonly Trunk[],
  agentId = '',
): Promise<DialTarget[]> {
  const out: DialTarget[] = [];
  for (const d of devices) {
    const k = d.kind;
    if (k.case === 'browser') out.push(...(await browserTargets(d, agentId, bindings)));
    else if (k.case === 'sip') {
      for (const b of await bindings.contactsOf(k.value.authUsername)) {
        // Behind NAT (the Contact names another host than the REGISTER came from, or the phone is on a
        // stream transport) the phone is reached where its REGISTER came from; otherwise at its Contact.
        const proto = b.source.protocol as 'UDP' | 'TCP' | 'TLS' | 'WS' | 'WSS';
        const contact = parseUri(b.contact);
        const natted = proto !== 'UDP' || !('host' in contact) || contact.host !== b.source.address;
        out.push({
          uri: b.contact,
          label: d.id,
          ...(natted ? { hop: { protocol: proto, address: b.source.address, port: b.source.port } } : {}),
        });
      }
    } else if (k.case === 'staticContact') {
      const trunk = k.value.trunkId ? trunks.find((t) => t.id === k.value.trunkId) : undefined;
      out.push({
        uri: k.value.uri,
        label: d.id,
        // Not counted against the trunk's channels: a full trunk would answer the ACD's offer at once,
        // and with no other agent free it would be offered again at once, in a loop.
        ...(trunk ? { hop: trunkHop(trunk) } : {}),
      });
    }
  }
  return out;
}
