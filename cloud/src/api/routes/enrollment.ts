import type { Context } from 'hono';
import { z } from 'zod';
import { clientAddress } from '../../auth/login.ts';
import { withTenant } from '../../db/tenant.ts';
import type { EnrollmentGrant } from '../../sites/enrollment.ts';
import {
  DEFAULT_TOKEN_TTL_MINUTES,
  EnrollmentTokenError,
  MAX_TOKEN_TTL_MINUTES,
  MIN_TOKEN_TTL_MINUTES,
} from '../../sites/enrollment-tokens.ts';
import type { ApiDeps } from '../deps.ts';
import { type BodySpec, type RouteSpec, route } from '../router.ts';
import { body } from '../schemas.ts';
import { requireSite } from '../site-view.ts';

const createTokenBody = body(
  z
    .object({
      expiresInMinutes: z
        .number()
        .int()
        .min(MIN_TOKEN_TTL_MINUTES)
        .max(MAX_TOKEN_TTL_MINUTES)
        .default(DEFAULT_TOKEN_TTL_MINUTES),
    })
    .strict(),
);

/** `{token}`: anything else is a malformed token (400), so a probe learns nothing more. */
const enrollBody: BodySpec<{ token: string }> = {
  schema: {
    type: 'object',
    required: ['token'],
    additionalProperties: false,
    properties: {
      token: { type: 'string', description: 'hcce_... as made by POST /sites/{siteId}/enrollment-tokens' },
    },
  },
  parse(v) {
    const token = (v as { token?: unknown } | null)?.token;
    if (typeof token !== 'string') throw new EnrollmentTokenError('malformed');
    return { token };
  },
};

const grantSchema = {
  type: 'object',
  required: [
    'siteId',
    'tenantId',
    'account',
    'leafCredentials',
    'hubLeafUrls',
    'hubCaPem',
    'configSigningPublicKeys',
  ],
  properties: {
    siteId: { type: 'string' },
    tenantId: { type: 'string' },
    account: { type: 'string', description: "the site's hub account (public key)" },
    leafCredentials: { type: 'string', description: '.creds text of the LEAFNODE user of the site account' },
    hubLeafUrls: { type: 'array', items: { type: 'string' } },
    hubCaPem: {
      type: 'string',
      description: "CA that signed the hub's leafnode TLS certificate (empty: no TLS)",
    },
    configSigningPublicKeys: {
      type: 'array',
      items: { type: 'string' },
      description: 'Ed25519 public keys (PEM)',
    },
  },
};

const tokenViewSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    siteId: { type: 'string' },
    createdBy: { type: 'string' },
    createdAt: { type: 'string', format: 'date-time' },
    expiresAt: { type: 'string', format: 'date-time' },
    usedAt: { type: ['string', 'null'], format: 'date-time' },
    usedFrom: { type: ['string', 'null'] },
    revokedAt: { type: ['string', 'null'], format: 'date-time' },
    state: { type: 'string', enum: ['pending', 'used', 'expired', 'revoked'] },
  },
};

/** Where sites reach the cloud: CLOUD_PUBLIC_URL, else this request's origin (X-Forwarded-Proto honoured). */
export function publicCloudUrl(d: Pick<ApiDeps, 'publicUrl'>, c: Context): string {
  if (d.publicUrl) return d.publicUrl;
  const u = new URL(c.req.url);
  const proto = c.req.header('x-forwarded-proto')?.split(',')[0]?.trim();
  if (proto === 'https' || proto === 'http') u.protocol = `${proto}:`;
  return u.origin;
}

/** The command an operator runs at the site. */
export const enrollCommand = (cloudUrl: string, token: string) =>
  `hcc-edge enroll --cloud ${cloudUrl} --token ${token}`;

/** What `POST /api/v1/enroll` answers: the contract the edge's `hcc-edge enroll` reads. */
export const grantBody = (g: EnrollmentGrant) => ({
  siteId: g.siteId,
  tenantId: g.tenantId,
  account: g.account,
  leafCredentials: g.leafCredentials,
  hubLeafUrls: g.hubLeafUrls,
  hubCaPem: g.hubCaPem,
  configSigningPublicKeys: [g.configSigningPublicKey],
});

/** One-time enrollment tokens (ops) and the unauthenticated enrollment a site makes with one. */
export function enrollmentRoutes(d: ApiDeps): RouteSpec[] {
  return [
    route({
      method: 'post',
      path: '/api/v1/sites/{siteId}/enrollment-tokens',
      summary:
        'Make a one-time enrollment token for the site (24 h unless expiresInMinutes says otherwise); the token and the command to run at the site are shown once',
      tag: 'sites',
      action: 'enroll',
      status: 201,
      body: createTokenBody,
      optionalBody: true,
      response: {
        type: 'object',
        required: ['id', 'token', 'expiresAt', 'command'],
        properties: {
          id: { type: 'string' },
          siteId: { type: 'string' },
          token: { type: 'string' },
          expiresAt: { type: 'string', format: 'date-time' },
          command: {
            type: 'string',
            description: 'hcc-edge enroll --cloud <public cloud URL> --token <token>',
          },
        },
      },
      async handler({ p, params, body, c }) {
        const t = await d.enrollmentTokens.create(p, params.siteId!, body.expiresInMinutes);
        return { ...t, command: enrollCommand(publicCloudUrl(d, c), t.token) };
      },
    }),
    route({
      method: 'get',
      path: '/api/v1/sites/{siteId}/enrollment-tokens',
      summary: "The site's enrollment tokens (pending, used, expired, revoked; never the secret)",
      tag: 'sites',
      action: 'enroll',
      response: { type: 'object', properties: { tokens: { type: 'array', items: tokenViewSchema } } },
      async handler({ p, params }) {
        await withTenant(d.db, p.tenantId, (tx) => requireSite(tx, p.tenantId, params.siteId!));
        return { tokens: await d.enrollmentTokens.list(p.tenantId, params.siteId!) };
      },
    }),
    route({
      method: 'delete',
      path: '/api/v1/sites/{siteId}/enrollment-tokens/{tokenId}',
      summary: 'Revoke a pending enrollment token',
      tag: 'sites',
      action: 'enroll',
      status: 204,
      handler: async ({ p, params }) => d.enrollmentTokens.revoke(p, params.siteId!, params.tokenId!),
    }),
    route({
      method: 'post',
      path: '/api/v1/enroll',
      summary:
        "A site enrolls with a one-time token (no other authentication): returns its leaf credentials, the hub's leaf URLs and CA, and the config-signing keys. 400 malformed, 401 unknown, 410 used, expired or revoked token; 429 after 10 refused tokens a minute from one address",
      tag: 'sites',
      action: 'public',
      body: enrollBody,
      response: grantSchema,
      async handler({ body, c }) {
        const from = clientAddress(c);
        const verdict = d.enrollThrottle.attempt(from, from);
        if (!verdict.allowed) {
          c.header('Retry-After', String(verdict.retryAfterS));
          return c.json(
            {
              error: 'too_many_attempts',
              message: `too many refused tokens; retry in ${verdict.retryAfterS} s`,
            },
            429,
          );
        }
        const used = await d.enrollmentTokens.consume(body.token, from);
        d.enrollThrottle.succeeded(from, from);
        let grant: Awaited<ReturnType<typeof d.enrollment.enroll>>;
        try {
          grant = await d.enrollment.enroll(used.tenantId, used.siteId);
        } catch (err) {
          // Nothing was handed out: the site may try again with the same token.
          await d.enrollmentTokens.release(used);
          throw err;
        }
        // The site's hub bucket may be new and empty: put the version the site should run there, so
        // its edge applies config as soon as its leaf connects (no rollout by hand after enrolling).
        try {
          const r = await d.config.deployCurrent(used.tenantId, used.siteId, 'enrollment');
          if (r && !r.ok)
            d.log.warn({ site: used.siteId, err: r.error }, 'config not deployed at enrollment');
        } catch (err) {
          d.log.warn({ site: used.siteId, err: String(err) }, 'config not deployed at enrollment');
        }
        return grantBody(grant);
      },
    }),
  ];
}
