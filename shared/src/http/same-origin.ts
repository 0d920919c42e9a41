import type { MiddlewareHandler } from 'hono';

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Refuses a state-changing request a browser sent from another site with the session cookie
 * (cross-site request forgery). It applies to cookie-authenticated requests only: a request with an
 * `Authorization` header carries its credential explicitly and cannot be forged by a page. A browser
 * says where a request comes from in `Sec-Fetch-Site` (all current browsers) or `Origin`; a request
 * with neither did not come from a browser page. This backs up `SameSite=Strict` cookies, which older
 * browsers and same-site sibling hosts do not stop.
 */
export function sameOriginWrites(): MiddlewareHandler {
  return async (c, next) => {
    if (SAFE.has(c.req.method) || c.req.header('authorization') || !c.req.header('cookie')) return next();
    const fetchSite = c.req.header('sec-fetch-site');
    const origin = c.req.header('origin');
    const refused =
      fetchSite !== undefined
        ? fetchSite !== 'same-origin' && fetchSite !== 'none'
        : origin !== undefined && !sameHost(origin, c.req.header('host'));
    if (!refused) return next();
    const wantsHtml = (c.req.header('accept') ?? '').includes('text/html');
    return wantsHtml
      ? c.text('Cross-site request refused.', 403)
      : c.json({ error: 'forbidden', message: 'cross-site request refused' }, 403);
  };
}

function sameHost(origin: string, host: string | undefined): boolean {
  if (!host) return false;
  try {
    return new URL(origin).host === host.toLowerCase();
  } catch {
    return false; // "null" (sandboxed frames, file://) or garbage
  }
}
