// Digest authentication server (RFC 3261 §22, RFC 8760): SHA-256 and MD5 challenges, qop=auth, stateless
// HMAC nonces that expire (300 s by default), nonce-count replay protection, and the same answer whether the
// user is unknown or the password wrong.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Clock } from '@hcc/shared';
import { SipError } from '../errors.ts';
import type { SipRequest } from '../message/message.ts';
import type { Handler } from '../router.ts';
import { type DigestAlgorithm, digestResponse, ha1, normaliseAlgorithm, parseAuthHeader } from './digest.ts';

export interface DigestUser {
  /** Either the password, or precomputed HA1 values per algorithm. */
  password?: string;
  ha1?: Partial<Record<DigestAlgorithm, string>>;
}

export interface DigestServerOptions {
  realm: string;
  clock: Clock;
  lookup: (username: string, realm: string) => Promise<DigestUser | undefined> | DigestUser | undefined;
  /** Offered in this order (RFC 8760 §2.4: the strongest first). */
  algorithms?: DigestAlgorithm[];
  nonceTtlMs?: number;
  /** HMAC key for nonces; random per process by default. */
  secret?: Buffer;
  /** 407/Proxy-Authenticate instead of 401/WWW-Authenticate. */
  proxy?: boolean;
  /**
   * Told of each wrong answer to one of our challenges (a fresh nonce of ours, a wrong response or an unknown
   * user), with the source address the caller passed to verify(). Requests without credentials, with stale or
   * foreign nonces, or replayed nonce-counts are not failures.
   */
  failures?: { authFailed(address: string): void };
  /**
   * The algorithms to offer for one request, strongest first, instead of `algorithms` (per device, per
   * client): see digest-policy.ts. Each must be one of `algorithms`, which verify() accepts.
   */
  offer?: (req: SipRequest) => DigestAlgorithm[];
}

export type VerifyResult =
  | { ok: true; username: string }
  | { ok: false; stale: boolean /** credentials were given and were wrong */; failed: boolean };

export class DigestServer {
  private readonly secret: Buffer;
  private readonly algorithms: DigestAlgorithm[];
  private readonly ttl: number;
  /** Highest nonce-count seen per nonce, forgotten when the nonce expires. */
  private readonly counts = new Map<string, { nc: number; expires: number }>();

  constructor(private readonly opts: DigestServerOptions) {
    this.secret = opts.secret ?? randomBytes(32);
    this.algorithms = opts.algorithms ?? ['SHA-256', 'MD5'];
    this.ttl = opts.nonceTtlMs ?? 300_000;
  }

  private sign(stamp: string): string {
    return createHmac('sha256', this.secret)
      .update(`${stamp}:${this.opts.realm}`)
      .digest('base64url')
      .slice(0, 22);
  }

  newNonce(): string {
    const stamp = `${Math.floor(this.opts.clock.now()).toString(36)}.${randomBytes(6).toString('base64url')}`;
    return `${stamp}.${this.sign(stamp)}`;
  }

  /** 'valid', 'stale' (signed by us but expired) or 'invalid'. */
  private checkNonce(nonce: string): 'valid' | 'stale' | 'invalid' {
    const last = nonce.lastIndexOf('.');
    if (last < 0) return 'invalid';
    const stamp = nonce.slice(0, last);
    const mac = Buffer.from(nonce.slice(last + 1));
    const want = Buffer.from(this.sign(stamp));
    if (mac.length !== want.length || !timingSafeEqual(mac, want)) return 'invalid';
    const issued = Number.parseInt(stamp.split('.')[0] ?? '', 36);
    if (!Number.isFinite(issued)) return 'invalid';
    return this.opts.clock.now() - issued > this.ttl ? 'stale' : 'valid';
  }

  /** The challenge headers: one per algorithm, in the order offered for `req` (RFC 8760 §2.4). */
  challenge(stale = false, req?: SipRequest): Array<[string, string]> {
    const name = this.opts.proxy ? 'Proxy-Authenticate' : 'WWW-Authenticate';
    const nonce = this.newNonce();
    const algorithms = (req && this.opts.offer?.(req)) || this.algorithms;
    return algorithms.map((alg) => [
      name,
      `Digest realm="${this.opts.realm}", nonce="${nonce}", algorithm=${alg}, qop="auth"${stale ? ', stale=true' : ''}`,
    ]);
  }

  /** Checks the request's credentials; `source` (its address) is reported to `failures` on a wrong answer. */
  async verify(req: SipRequest, source?: string): Promise<VerifyResult> {
    const header = req.headers.getAll(this.opts.proxy ? 'proxy-authorization' : 'authorization');
    let stale = false;
    let failed = false;
    const accepted = this.opts.offer?.(req) ?? this.algorithms;
    for (const value of header) {
      const { scheme, params } = parseAuthHeader(value);
      if (scheme.toLowerCase() !== 'digest' || params.get('realm') !== this.opts.realm) continue;
      const alg = normaliseAlgorithm(params.get('algorithm'));
      const username = params.get('username');
      const nonce = params.get('nonce');
      const response = params.get('response');
      const uri = params.get('uri');
      if (!alg || !accepted.includes(alg) || !username || !nonce || !response || !uri) continue;
      const state = this.checkNonce(nonce);
      if (state === 'invalid') continue;
      if (state === 'stale') {
        stale = true;
        continue;
      }
      const qop = params.get('qop');
      if (qop !== 'auth') continue; // we only offer qop=auth
      const ncStr = params.get('nc') ?? '';
      const cnonce = params.get('cnonce') ?? '';
      if (!/^[0-9a-fA-F]{8}$/.test(ncStr) || !cnonce) continue;
      const user = await this.opts.lookup(username, this.opts.realm);
      // Unknown users cost the same work and get the same answer as a wrong password.
      const h1 =
        user?.ha1?.[alg] ??
        ha1(alg, username, this.opts.realm, user?.password ?? randomBytes(16).toString('hex'));
      const want = Buffer.from(
        digestResponse({ algorithm: alg, ha1: h1, method: req.method, uri, nonce, nc: ncStr, cnonce, qop }),
      );
      const got = Buffer.from(response.toLowerCase());
      const match = got.length === want.length && timingSafeEqual(got, want);
      if (!match || !user) {
        failed = true;
        continue;
      }
      // Replay protection: each nonce-count may be used once, increasing (RFC 7616 §3.3).
      const nc = Number.parseInt(ncStr, 16);
      this.sweep();
      const seen = this.counts.get(nonce);
      if (seen && nc <= seen.nc) continue;
      this.counts.set(nonce, { nc, expires: this.opts.clock.now() + this.ttl });
      return { ok: true, username };
    }
    if (failed && source !== undefined) this.opts.failures?.authFailed(source);
    return { ok: false, stale, failed };
  }

  private sweep(): void {
    if (this.counts.size < 10_000) return;
    const now = this.opts.clock.now();
    for (const [k, v] of this.counts) if (v.expires < now) this.counts.delete(k);
  }

  /** Router middleware: authenticated requests continue with `req.locals.authUser`; others get a challenge. */
  middleware(): Handler {
    return async (req, next) => {
      const r = await this.verify(req.message, req.flow.remoteAddress);
      if (!r.ok) {
        const status = this.opts.proxy ? 407 : 401;
        throw new SipError(status, this.opts.proxy ? 'Proxy Authentication Required' : 'Unauthorized', {
          headers: this.challenge(r.stale, req.message),
        });
      }
      req.locals.authUser = r.username;
      await next();
    };
  }
}
