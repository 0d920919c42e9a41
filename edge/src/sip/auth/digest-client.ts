// Digest client: answers 401/407 challenges from a carrier or registrar (RFC 3261 §22.2, RFC 8760).
import { randomBytes } from 'node:crypto';
import type { OutgoingRequest } from '../client-request.ts';
import { SipRequest, type SipResponse } from '../message/message.ts';
import type { SendOptions, SipStack } from '../stack.ts';
import { type DigestAlgorithm, digestResponse, ha1, normaliseAlgorithm, parseAuthHeader } from './digest.ts';

export interface DigestCredentials {
  username: string;
  password: string;
  /** Restrict to one realm; any realm otherwise. */
  realm?: string;
}

export class DigestClient {
  private nc = 0;
  private lastNonce = '';

  constructor(private readonly creds: DigestCredentials) {}

  /**
   * Adds Authorization (401) or Proxy-Authorization (407) to `req` for the challenge in `res`.
   * Prefers SHA-256 over MD5. Returns false when no usable challenge is present.
   */
  authorize(req: SipRequest, res: SipResponse): boolean {
    const proxy = res.status === 407;
    const challenges = res.headers
      .getAll(proxy ? 'proxy-authenticate' : 'www-authenticate')
      .map(parseAuthHeader);
    const usable = challenges
      .filter((c) => c.scheme.toLowerCase() === 'digest')
      .map((c) => ({ c, alg: normaliseAlgorithm(c.params.get('algorithm')) }))
      .filter((x): x is { c: (typeof challenges)[number]; alg: DigestAlgorithm } => x.alg !== undefined)
      .filter((x) => !this.creds.realm || x.c.params.get('realm') === this.creds.realm)
      .sort((a, b) => (a.alg === 'SHA-256' ? -1 : 0) - (b.alg === 'SHA-256' ? -1 : 0));
    const pick = usable[0];
    if (!pick) return false;
    const p = pick.c.params;
    const realm = p.get('realm') ?? '';
    const nonce = p.get('nonce') ?? '';
    const qops = (p.get('qop') ?? '').split(',').map((q) => q.trim());
    const qop = qops.includes('auth') ? 'auth' : undefined;
    if (nonce !== this.lastNonce) {
      this.nc = 0;
      this.lastNonce = nonce;
    }
    const nc = (++this.nc).toString(16).padStart(8, '0');
    const cnonce = randomBytes(8).toString('hex');
    const uri = req.uriString;
    const response = digestResponse({
      algorithm: pick.alg,
      ha1: ha1(pick.alg, this.creds.username, realm, this.creds.password),
      method: req.method,
      uri,
      nonce,
      nc,
      cnonce,
      qop,
    });
    let v = `Digest username="${this.creds.username}", realm="${realm}", nonce="${nonce}", uri="${uri}", response="${response}", algorithm=${pick.alg}`;
    if (qop) v += `, qop=${qop}, nc=${nc}, cnonce="${cnonce}"`;
    const opaque = p.get('opaque');
    if (opaque !== undefined) v += `, opaque="${opaque}"`;
    req.headers.set(proxy ? 'Proxy-Authorization' : 'Authorization', v);
    return true;
  }
}

/**
 * Sends `req`; on a 401/407 re-sends it once with credentials and the next CSeq (§22.2). Resolves with the
 * last outgoing request, whose `final` is the answer to the authenticated attempt.
 */
export async function sendWithDigest(
  stack: SipStack,
  req: SipRequest,
  client: DigestClient,
  opts: SendOptions = {},
): Promise<{ response: SipResponse; request: OutgoingRequest }> {
  const pristine = new SipRequest(req.method, req.uriString, req.headers.clone(), req.body);
  const first = stack.send(req, opts);
  const res = await first.final;
  if (res.status !== 401 && res.status !== 407) return { response: res, request: first };
  const retry = new SipRequest(pristine.method, pristine.uriString, pristine.headers.clone(), pristine.body);
  retry.headers.set('CSeq', `${pristine.cseq.seq + 1} ${pristine.method}`);
  if (!client.authorize(retry, res)) return { response: res, request: first };
  const second = stack.send(retry, opts);
  return { response: await second.final, request: second };
}
