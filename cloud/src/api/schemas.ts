import { z } from 'zod';
import { ROLES } from '../auth/roles.ts';
import type { JsonSchema } from './proto-json.ts';
import { type BodySpec, zodBody } from './router.ts';

/** Zod body spec with its JSON Schema (draft 2020-12 output works as OpenAPI 3.1 schema). */
export const body = <S extends z.ZodType>(s: S): BodySpec<z.infer<S>> =>
  zodBody(s, (x) => {
    const { $schema: _, ...rest } = z.toJSONSchema(x, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
    return rest;
  });

export const siteIdSchema = z
  .string()
  .regex(
    /^[a-z][a-z0-9-]{0,30}[a-z0-9]$/,
    'lower-case letters, digits and "-", 2-32 characters, starting with a letter',
  );
export const roleSchema = z.enum(ROLES);
export const versionSchema = z
  .union([z.number().int().positive(), z.string().regex(/^\d+$/)])
  .transform((v) => BigInt(v));

export const loginBody = body(z.object({ email: z.string().email(), password: z.string().min(1) }).strict());
export const createUserBody = body(
  z
    .object({
      email: z.string().email(),
      displayName: z.string().min(1).max(100),
      role: roleSchema,
      password: z.string().min(12, 'at least 12 characters'),
    })
    .strict(),
);
export const createKeyBody = body(z.object({ name: z.string().min(1).max(100), role: roleSchema }).strict());
export const createSiteBody = body(
  z
    .object({
      id: siteIdSchema,
      name: z.string().min(1).max(100),
      timeZone: z
        .string()
        .refine(
          (tz) => Intl.supportedValuesOf('timeZone').includes(tz) || tz === 'UTC',
          'unknown IANA time zone',
        ),
      locale: z.string().min(2).max(35).default('en-US'),
    })
    .strict(),
);
export const rolloutBody = body(
  z
    .object({
      targets: z.array(z.object({ siteId: siteIdSchema, version: versionSchema.optional() }).strict()).min(1),
    })
    .strict(),
);
export const publishBody = body(z.object({ siteIds: z.array(siteIdSchema).min(1) }).strict());
export const rollbackBody = body(z.object({ version: versionSchema }).strict());

export const problemSchema: JsonSchema = {
  type: 'object',
  properties: {
    error: { type: 'string' },
    message: { type: 'string' },
    problems: {
      type: 'array',
      items: { type: 'object', properties: { field: { type: 'string' }, problem: { type: 'string' } } },
    },
  },
};

const nullable = (type: string, extra: JsonSchema = {}): JsonSchema => ({ type: [type, 'null'], ...extra });
const dateTime = nullable('string', { format: 'date-time' });
const decimal = (description: string) => nullable('string', { pattern: '^\\d+$', description });

/** A site as `GET /api/v1/sites` and `GET /api/v1/sites/{siteId}` return it (api/site-view.ts). */
export const siteViewSchema: JsonSchema = {
  type: 'object',
  required: [
    'id',
    'name',
    'timeZone',
    'locale',
    'enrolled',
    'latestVersion',
    'deployedVersion',
    'status',
    'events',
  ],
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    timeZone: { type: 'string' },
    locale: { type: 'string' },
    enrolled: { type: 'boolean', description: 'the site has its hub account and leaf credentials' },
    latestVersion: decimal('newest config version compiled for the site'),
    deployedVersion: decimal('version of the newest deployment'),
    status: {
      type: 'object',
      description: "what the site's edge reported last",
      properties: {
        online: { type: 'boolean' },
        lastHeartbeatAt: dateTime,
        appliedVersion: decimal('config version the edge runs'),
        appliedAt: dateTime,
        activeCalls: nullable('integer'),
        rtpengineHealthy: nullable('boolean'),
        natsConnected: nullable('boolean'),
        sipProtection: nullable('object', {
          description:
            "the edge's SIP front door from its newest heartbeat: addresses banned now, and counters since the edge started",
          properties: {
            bannedAddresses: { type: 'integer' },
            dropped: {
              type: 'integer',
              description: 'messages dropped from banned sources or known scanners',
            },
            rateLimited: { type: 'integer', description: "messages over a source's rate limit" },
            overloaded: { type: 'integer', description: 'new requests refused with 503 (overload)' },
            authFailures: { type: 'integer', description: 'wrong digest answers' },
            registrationsCapped: { type: 'integer', description: 'REGISTERs over the cap per extension' },
            dialRefused: { type: 'integer', description: 'calls out refused by the dial policy or its caps' },
          },
        }),
        trunkHealth: {
          type: 'array',
          description: "the edge's trunks as its OPTIONS pings see them (newest heartbeat or trunk change)",
          items: {
            type: 'object',
            properties: {
              trunkId: { type: 'string' },
              state: { type: 'string', enum: ['up', 'down', 'unknown', 'unmonitored'] },
              rttMs: nullable('integer'),
              lastChange: dateTime,
              failures: { type: 'integer', description: 'failed pings since the edge started' },
            },
          },
        },
        rejected: nullable('object', {
          description: 'the last version the edge refused',
          properties: {
            version: { type: 'string' },
            reason: { type: 'string' },
            detail: { type: 'string' },
            at: dateTime,
          },
        }),
      },
    },
    events: {
      type: 'object',
      description: "the site's events (analytics) flow",
      required: ['outboxBacklog', 'ingestedSeq', 'ingestedAt', 'parked'],
      properties: {
        outboxBacklog: nullable('integer', {
          description:
            "events journaled at the edge and not yet confirmed by the cloud (the edge's newest heartbeat)",
        }),
        ingestedSeq: decimal("the site's contiguous seq the cloud has ingested (its watermark)"),
        ingestedAt: { ...dateTime, description: 'when that seq last advanced' },
        parked: {
          type: 'integer',
          description:
            'messages of the site parked in analytics.rejected_events (malformed or misattributed)',
        },
      },
    },
  },
};
