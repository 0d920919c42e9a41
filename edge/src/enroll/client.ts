import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import { rootCertificates } from 'node:tls';
import { z } from 'zod';

/** An enrollment that could not be made; `message` is the one line the operator reads. */
export class EnrollError extends Error {
  override readonly name = 'EnrollError';
}

/** What the cloud hands an enrolling site (`POST /api/v1/enroll`). */
export const grantSchema = z.object({
  siteId: z.string().regex(/^[a-z][a-z0-9-]{0,30}[a-z0-9]$/),
  tenantId: z.string().min(1),
  account: z.string().regex(/^A[A-Z2-7]{55}$/),
  leafCredentials: z.string().includes('-----BEGIN NATS USER JWT-----'),
  hubLeafUrls: z.array(z.string().regex(/^(nats-leaf|tls|nats):\/\//)).min(1),
  hubCaPem: z.string(),
  configSigningPublicKeys: z.array(z.string().includes('-----BEGIN PUBLIC KEY-----')).min(1),
});
export type Grant = z.infer<typeof grantSchema>;

const LOOPBACK_NAMES = new Set(['localhost', 'ip6-localhost']);

function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '');
  if (LOOPBACK_NAMES.has(h.toLowerCase())) return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  return h === '::1';
}

/** The cloud's base URL: https, or plain http only to a loopback host (the dev stack). */
export function cloudBaseUrl(raw: string): URL {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new EnrollError(`--cloud: "${raw}" is not a URL`);
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:')
    throw new EnrollError(`--cloud: "${raw}" is not an https:// URL`);
  if (u.protocol === 'http:' && !isLoopback(u.hostname))
    throw new EnrollError(
      `--cloud: refusing plain http:// to ${u.hostname} (credentials would cross the network in clear text); use https://`,
    );
  return u;
}

const SYSTEM_CA_BUNDLE = '/etc/ssl/certs/ca-certificates.crt';

/** Node's bundled roots, the system store (Debian's bundle) and the `--ca-file` PEM. */
function trustedCas(caFile: string | undefined): string[] {
  const cas = [...rootCertificates];
  try {
    cas.push(readFileSync(SYSTEM_CA_BUNDLE, 'utf8'));
  } catch {
    // no system bundle (minimal root): Node's roots and --ca-file only
  }
  if (caFile) {
    try {
      cas.push(readFileSync(caFile, 'utf8'));
    } catch (err) {
      throw new EnrollError(
        `--ca-file: cannot read ${caFile} (${(err as NodeJS.ErrnoException).code ?? err})`,
      );
    }
  }
  return cas;
}

const CERT_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

interface Answer {
  status: number;
  body: string;
  retryAfter?: string;
}

function post(url: URL, payload: string, ca: string[] | undefined, timeoutMs: number): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const options = {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
      timeout: timeoutMs,
      ...(url.protocol === 'https:' ? { ca } : {}),
    };
    const req = (url.protocol === 'https:' ? https : http).request(url, options, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          body: Buffer.concat(chunks).toString('utf8'),
          retryAfter: res.headers['retry-after'] as string | undefined,
        }),
      );
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })));
    req.on('error', reject);
    req.end(payload);
  });
}

/** Maps the cloud's refusal (`{error, message}`) to the operator's one line. */
function refusal(a: Answer): EnrollError {
  let error = '';
  let message = '';
  try {
    ({ error = '', message = '' } = JSON.parse(a.body) as { error?: string; message?: string });
  } catch {
    // not the cloud's error shape: reported by status below
  }
  const known: Record<string, string> = {
    token_used: 'token already used: make a new one in the console (Sites, Enrollment token)',
    token_expired: 'token expired: make a new one in the console (Sites, Enrollment token)',
    token_revoked: 'token revoked: make a new one in the console (Sites, Enrollment token)',
    token_unknown:
      'unknown token: check that it was copied whole, and that --cloud names the cloud that made it',
    token_malformed: 'malformed token: expected hcce_ followed by 43 characters',
    too_many_attempts: `too many refused tokens from this address; retry in ${a.retryAfter ?? 60} s`,
  };
  return new EnrollError(known[error] ?? `cloud answered ${a.status}${message ? `: ${message}` : ''}`);
}

/** Asks the cloud for the site's grant with the one-time token; throws EnrollError with one line. */
export async function fetchGrant(
  cloud: URL,
  token: string,
  o: { caFile?: string; timeoutMs?: number } = {},
): Promise<Grant> {
  const url = new URL('api/v1/enroll', cloud.href.endsWith('/') ? cloud.href : `${cloud.href}/`);
  const ca = url.protocol === 'https:' ? trustedCas(o.caFile) : undefined;
  let a: Answer;
  try {
    a = await post(url, JSON.stringify({ token }), ca, o.timeoutMs ?? 30_000);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? '';
    if (CERT_CODES.has(code))
      throw new EnrollError(
        `certificate not trusted for ${url.host} (${code}): pass the CA that signed the cloud's certificate with --ca-file`,
      );
    throw new EnrollError(`cannot reach cloud ${url.origin}: ${code || (err as Error).message}`);
  }
  if (a.status !== 200) throw refusal(a);
  let json: unknown;
  try {
    json = JSON.parse(a.body);
  } catch {
    throw new EnrollError(`cloud ${url.origin} answered 200 without JSON: is --cloud the cloud's URL?`);
  }
  const r = grantSchema.safeParse(json);
  if (!r.success)
    throw new EnrollError(
      `cloud ${url.origin} answered an invalid grant (${r.error.issues.map((i) => i.path.join('.') || '(body)').join(', ')})`,
    );
  return r.data;
}
