import type { Logger } from '@hcc/shared';
import type { Context, Hono } from 'hono';
import { getCookie } from 'hono/cookie';
import type { z } from 'zod';
import type { IdentityService } from '../auth/identity.ts';
import { type Action, can, type Principal } from '../auth/roles.ts';
import { ForbiddenError, ValidationError } from '../errors.ts';
import { httpError } from './errors.ts';
import type { JsonSchema } from './proto-json.ts';

/** A request body: its JSON Schema for the OpenAPI document and a parser that names bad fields. */
export interface BodySpec<B> {
  schema: JsonSchema;
  parse(value: unknown): B;
}

export interface Call<B> {
  p: Principal;
  params: Record<string, string>;
  query: Record<string, string | undefined>;
  body: B;
  c: Context;
}

/** A query parameter as the OpenAPI document describes it (a bare name: an optional string). */
export interface QueryParam {
  name: string;
  description?: string;
  schema?: JsonSchema;
}

export interface RouteSpec<B = unknown> {
  method: 'get' | 'post' | 'put' | 'delete';
  /** OpenAPI form, e.g. `/api/v1/sites/{siteId}`. */
  path: string;
  summary: string;
  tag: string;
  /** Permission needed; `public` routes run without a principal (login, the document itself). */
  action: Action | 'public';
  body?: BodySpec<B>;
  /** The body may be left out (empty request body): it is then parsed as `{}`. */
  optionalBody?: boolean;
  query?: (string | QueryParam)[];
  response?: JsonSchema;
  /** The route also (`true`) or only (`only`) answers `text/csv`; the handler returns that Response itself. */
  csv?: boolean | 'only';
  /** The route may answer 429 with `Retry-After` (a per-caller rate limit). */
  rateLimited?: boolean;
  status?: 200 | 201 | 204;
  handler(call: Call<B>): Promise<unknown>;
}

export const SESSION_COOKIE = 'hcc_session';

/** Types one route by its body, then erases the body type for the route table. */
export const route = <B>(r: RouteSpec<B>): RouteSpec => r as RouteSpec;

/** Body spec from a zod schema; issues become `{field, problem}` with the dotted path of the field. */
export function zodBody<S extends z.ZodType>(schema: S, toJson: (s: S) => JsonSchema): BodySpec<z.infer<S>> {
  return {
    schema: toJson(schema),
    parse(value) {
      const r = schema.safeParse(value);
      if (r.success) return r.data;
      throw new ValidationError(
        r.error.issues.map((i) => ({ field: i.path.map(String).join('.') || '(body)', problem: i.message })),
      );
    },
  };
}

/** Resolves the caller from `Authorization: Bearer <api key or session token>` or the console cookie. */
export async function principalOf(c: Context, identity: IdentityService): Promise<Principal | undefined> {
  const auth = c.req.header('authorization');
  const bearer = auth?.startsWith('Bearer ') ? auth.slice(7).trim() : undefined;
  if (bearer?.startsWith('hcck_')) return identity.apiKey(bearer);
  const token = bearer ?? getCookie(c, SESSION_COOKIE);
  return token ? identity.session(token) : undefined;
}

/** Mounts the routes on a Hono app with authentication, authorisation and body validation. */
export function mountRoutes(
  app: Hono,
  routes: readonly RouteSpec[],
  identity: IdentityService,
  log?: Logger,
): void {
  for (const r of routes) {
    const honoPath = r.path.replace(/\{(\w+)\}/g, ':$1');
    app.on(r.method.toUpperCase(), honoPath, async (c) => {
      try {
        let p: Principal | undefined;
        if (r.action !== 'public') {
          p = await principalOf(c, identity);
          if (!p) return c.json({ error: 'unauthenticated', message: 'log in or send an API key' }, 401);
          if (!can(p.role, r.action)) throw new ForbiddenError(`role ${p.role} may not ${r.action}`);
        }
        let body: unknown;
        if (r.body) {
          let raw: unknown;
          const text = await c.req.text();
          try {
            raw = text.trim() === '' && r.optionalBody ? {} : JSON.parse(text);
          } catch {
            throw new ValidationError([{ field: '(body)', problem: 'expected a JSON body' }]);
          }
          body = r.body.parse(raw);
        }
        const result = await r.handler({
          p: p as Principal,
          params: c.req.param() as Record<string, string>,
          query: c.req.query(),
          body,
          c,
        });
        if (result instanceof Response) return result;
        if (r.status === 204) return c.body(null, 204);
        return c.json(result as object, r.status ?? 200);
      } catch (err) {
        return httpError(c, err, log);
      }
    });
  }
}
