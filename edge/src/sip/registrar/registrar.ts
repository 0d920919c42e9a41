// Registrar (RFC 3261 §10.3): several contacts per address of record, expiry, refresh, removal, wildcard,
// Call-ID/CSeq ordering, Min-Expires, optional digest authentication.

import type { Clock } from '@hcc/shared';
import type { DigestServer } from '../auth/digest-server.ts';
import { SipError } from '../errors.ts';
import { formatNameAddr } from '../message/address.ts';
import { formatUri, isSipUri, parseUri, type Uri, uriEquals } from '../message/uri.ts';
import type { Handler } from '../router.ts';
import type { ServerRequest } from '../server-request.ts';
import type { Binding, BindingStore } from './store.ts';

export interface RegistrarOptions {
  clock: Clock;
  store: BindingStore;
  /** Authenticate REGISTER with this digest server; the authenticated user must own the AOR. */
  auth?: DigestServer;
  /** Domains this registrar is responsible for (Request-URI host); any when empty. */
  domains?: readonly string[];
  defaultExpires?: number;
  minExpires?: number;
  maxExpires?: number;
  /** Most live contacts per address of record (a cap on registrations per extension; default 10). */
  maxContacts?: number;
  /** Told when a REGISTER is refused for going over `maxContacts`. */
  onCapped?: (aor: string) => void;
}

/** Address of record of a To URI: scheme, user and host, lower-cased host (§10.3 step 5). */
export function aorOf(uri: Uri): string {
  if (!isSipUri(uri)) throw new SipError(404, 'Not Found');
  return `sip:${uri.user}@${uri.host.toLowerCase()}`;
}

export class Registrar {
  private readonly defaultExpires: number;
  private readonly minExpires: number;
  private readonly maxExpires: number;

  constructor(private readonly opts: RegistrarOptions) {
    this.defaultExpires = opts.defaultExpires ?? 3600;
    this.minExpires = opts.minExpires ?? 60;
    this.maxExpires = opts.maxExpires ?? 7200;
  }

  /** Router handler for REGISTER. */
  handler(): Handler {
    return (req) => this.handle(req);
  }

  /** Live bindings of an AOR, best q first (for the call layer to ring). */
  async lookup(aor: string): Promise<Binding[]> {
    const now = this.opts.clock.now();
    return (await this.opts.store.get(aor)).filter((b) => b.expiresAt > now).sort((a, b) => b.q - a.q);
  }

  async handle(req: ServerRequest): Promise<void> {
    const msg = req.message;
    const ruri = msg.uri;
    if (this.opts.domains?.length && isSipUri(ruri) && !this.opts.domains.includes(ruri.host.toLowerCase())) {
      throw new SipError(404, 'Not Found');
    }
    if (this.opts.auth) {
      const r = await this.opts.auth.verify(msg, req.flow.remoteAddress);
      if (!r.ok) throw new SipError(401, 'Unauthorized', { headers: this.opts.auth.challenge(r.stale, msg) });
      const to = msg.to.uri;
      if (!isSipUri(to) || to.user !== r.username) throw new SipError(403, 'Forbidden');
    }
    const aor = aorOf(msg.to.uri);
    const now = this.opts.clock.now();
    const callId = msg.callId;
    const cseq = msg.cseq.seq;
    const headerExpires = msg.headers.get('expires');
    const contacts = msg.contacts;
    let bindings = (await this.opts.store.get(aor)).filter((b) => b.expiresAt > now);

    if (contacts.some((c) => c.wildcard)) {
      // §10.3 step 6: "*" only alone and with Expires: 0.
      if (contacts.length !== 1 || headerExpires === undefined || Number(headerExpires) !== 0) {
        throw new SipError(400, 'Invalid wildcard Contact');
      }
      for (const b of bindings) {
        if (b.callId === callId && cseq <= b.cseq) throw new SipError(500, 'Out of order REGISTER');
      }
      bindings = [];
    } else {
      for (const c of contacts) {
        const pe = c.params.get('expires');
        let expires =
          pe != null ? Number(pe) : headerExpires !== undefined ? Number(headerExpires) : this.defaultExpires;
        if (!Number.isFinite(expires) || expires < 0) expires = this.defaultExpires;
        expires = Math.min(expires, this.maxExpires);
        if (expires > 0 && expires < this.minExpires) {
          throw new SipError(423, 'Interval Too Brief', {
            headers: [['Min-Expires', String(this.minExpires)]],
          });
        }
        const idx = bindings.findIndex((b) => uriEquals(parseUri(b.contact), c.uri));
        const existing = idx >= 0 ? bindings[idx] : undefined;
        // §10.3 step 7: same Call-ID with a CSeq not higher is a stale or reordered REGISTER.
        if (existing && existing.callId === callId && cseq <= existing.cseq) {
          throw new SipError(500, 'Out of order REGISTER');
        }
        if (expires === 0) {
          if (idx >= 0) bindings.splice(idx, 1);
          continue;
        }
        const q = c.params.get('q');
        const binding: Binding = {
          contact: formatUri(c.uri),
          expiresAt: now + expires * 1000,
          callId,
          cseq,
          q: q ? Math.min(1, Math.max(0, Number(q) || 0)) : 1,
          source: {
            protocol: req.flow.transport.protocol,
            address: req.flow.remoteAddress,
            port: req.flow.remotePort,
            connectionId: req.flow.connectionId,
          },
          instanceId: c.params.get('+sip.instance') ?? undefined,
          regId: c.params.get('reg-id') ?? undefined,
          userAgent: msg.headers.get('user-agent'),
        };
        if (idx >= 0) bindings[idx] = binding;
        else bindings.push(binding);
      }
      if (bindings.length > (this.opts.maxContacts ?? 10)) {
        this.opts.onCapped?.(aor);
        throw new SipError(403, 'Too many contacts');
      }
    }
    if (contacts.length > 0) await this.opts.store.put(aor, bindings);
    const headers: Array<[string, string]> = bindings.map((b) => [
      'Contact',
      `${formatNameAddr({ displayName: undefined, uri: parseUri(b.contact), params: new Map() })};expires=${Math.max(0, Math.round((b.expiresAt - now) / 1000))}`,
    ]);
    req.reply(200, { headers });
  }
}
