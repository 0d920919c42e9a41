import { deleteCookie, getCookie } from 'hono/cookie';
import { attemptLogin, setSessionCookie } from '../../auth/login.ts';
import type { ApiDeps } from '../deps.ts';
import { type RouteSpec, route, SESSION_COOKIE } from '../router.ts';
import { createKeyBody, createUserBody, loginBody } from '../schemas.ts';

/** Login, sessions, users and API keys. */
export function authRoutes(d: ApiDeps): RouteSpec[] {
  return [
    route({
      method: 'post',
      path: '/api/v1/auth/login',
      summary: 'Log in; sets the console session cookie and returns the session token',
      tag: 'identity',
      action: 'public',
      body: loginBody,
      async handler({ body, c }) {
        const r = await attemptLogin(d, c, body.email, body.password);
        if (r.kind === 'throttled') {
          c.header('Retry-After', String(r.retryAfterS));
          return c.json(
            { error: 'too_many_attempts', message: `too many failed logins; retry in ${r.retryAfterS} s` },
            429,
          );
        }
        if (r.kind === 'wrong')
          return c.json({ error: 'unauthenticated', message: 'wrong e-mail or password' }, 401);
        setSessionCookie(c, SESSION_COOKIE, r.token);
        return { token: r.token, tenantId: r.principal.tenantId, role: r.principal.role };
      },
    }),
    route({
      method: 'post',
      path: '/api/v1/auth/logout',
      summary: 'End the console session',
      tag: 'identity',
      action: 'read',
      status: 204,
      async handler({ c }) {
        const token = getCookie(c, SESSION_COOKIE);
        if (token) await d.identity.logout(token);
        deleteCookie(c, SESSION_COOKIE, { path: '/' });
      },
    }),
    route({
      method: 'get',
      path: '/api/v1/me',
      summary: 'The caller: tenant, role and subject',
      tag: 'identity',
      action: 'read',
      handler: async ({ p }) => ({ tenantId: p.tenantId, role: p.role, subject: p.subject }),
    }),
    route({
      method: 'get',
      path: '/api/v1/users',
      summary: 'Users of the tenant',
      tag: 'identity',
      action: 'admin',
      handler: async ({ p }) => ({ users: await d.identity.listUsers(p.tenantId) }),
    }),
    route({
      method: 'post',
      path: '/api/v1/users',
      summary: 'Create a user (tenant_admin, ops, supervisor or analyst)',
      tag: 'identity',
      action: 'admin',
      status: 201,
      body: createUserBody,
      handler: async ({ p, body }) => d.identity.createUser(p.tenantId, body),
    }),
    route({
      method: 'get',
      path: '/api/v1/api-keys',
      summary: 'API keys of the tenant (never the secret)',
      tag: 'identity',
      action: 'admin',
      handler: async ({ p }) => ({ apiKeys: await d.identity.listApiKeys(p.tenantId) }),
    }),
    route({
      method: 'post',
      path: '/api/v1/api-keys',
      summary: 'Create an API key scoped to the tenant; the key (hcck_...) is shown once',
      tag: 'identity',
      action: 'admin',
      status: 201,
      body: createKeyBody,
      handler: async ({ p, body }) => d.identity.createApiKey(p, body.name, body.role),
    }),
    route({
      method: 'delete',
      path: '/api/v1/api-keys/{keyId}',
      summary: 'Revoke an API key',
      tag: 'identity',
      action: 'admin',
      status: 204,
      handler: async ({ p, params }) => d.identity.revokeApiKey(p.tenantId, params.keyId!),
    }),
  ];
}
