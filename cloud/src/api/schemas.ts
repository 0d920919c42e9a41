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
