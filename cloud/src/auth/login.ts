import type { LoginThrottle } from '@hcc/shared';
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context } from 'hono';
import { setCookie } from 'hono/cookie';
import type { IdentityService } from './identity.ts';
import type { Principal } from './roles.ts';

export type LoginOutcome =
  | { kind: 'ok'; token: string; principal: Principal }
  | { kind: 'wrong' }
  | { kind: 'throttled'; retryAfterS: number };

/**
 * One login attempt as both the API and the console make it: the throttle is asked first (a locked
 * account or address gets no password check at all), then the password; failures feed the throttle.
 */
export async function attemptLogin(
  d: { identity: IdentityService; loginThrottle: LoginThrottle },
  c: Context,
  email: string,
  password: string,
): Promise<LoginOutcome> {
  const address = clientAddress(c);
  const verdict = d.loginThrottle.attempt(email, address);
  if (!verdict.allowed) return { kind: 'throttled', retryAfterS: verdict.retryAfterS };
  const r = await d.identity.login(email, password);
  if (!r) return { kind: 'wrong' };
  d.loginThrottle.succeeded(email, address);
  return { kind: 'ok', ...r };
}

/** The console session cookie: HttpOnly, SameSite=Strict, and Secure whenever the request came over HTTPS. */
export function setSessionCookie(c: Context, name: string, token: string): void {
  const https =
    new URL(c.req.url).protocol === 'https:' ||
    c.req.header('x-forwarded-proto')?.split(',')[0]?.trim() === 'https';
  setCookie(c, name, token, { httpOnly: true, sameSite: 'Strict', path: '/', secure: https });
}

/** The peer's address as the socket sees it (a reverse proxy's own address when behind one). */
export function clientAddress(c: Context): string {
  try {
    return getConnInfo(c).remote.address ?? 'unknown';
  } catch {
    return 'unknown'; // not served by @hono/node-server (in-process requests in tests)
  }
}
