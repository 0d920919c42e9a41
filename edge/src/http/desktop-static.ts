/**
 * Serves the built agent desktop (edge/desktop/dist, built by `vite build` during install) at
 * /desktop/: hashed assets cached for a year, index.html never cached, a strict CSP (no CDN: the
 * page loads only from the edge and talks only to the edge's HTTP and SIP WebSocket ports).
 */
import { readFile } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Hono } from 'hono';

export const DESKTOP_DIST = fileURLToPath(new URL('../../desktop/dist', import.meta.url));

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.wav': 'audio/wav',
};

const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "media-src 'self' blob:",
  // The SIP WebSocket listens on its own port of the same host.
  "connect-src 'self' ws: wss:",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join('; ');

export function desktopStatic(dist = DESKTOP_DIST): Hono {
  const app = new Hono();
  const send = async (rel: string, cache: string) => {
    const path = normalize(join(dist, rel));
    if (!path.startsWith(dist)) return undefined;
    const body = await readFile(path).catch(() => undefined);
    if (!body) return undefined;
    return new Response(new Uint8Array(body), {
      headers: {
        'content-type': TYPES[extname(path)] ?? 'application/octet-stream',
        'cache-control': cache,
        'content-security-policy': CSP,
        'x-content-type-options': 'nosniff',
        'referrer-policy': 'no-referrer',
      },
    });
  };
  const index = async () =>
    (await send('index.html', 'no-store')) ??
    new Response('The agent desktop is not built: run `pnpm --filter @hcc/edge build`.', { status: 503 });
  app.get('/desktop', (c) => c.redirect('/desktop/'));
  app.get('/desktop/', index);
  app.get('/desktop/*', async (c) => {
    const rel = decodeURIComponent(c.req.path.slice('/desktop/'.length));
    return (await send(rel, 'public, max-age=31536000, immutable')) ?? index();
  });
  return app;
}
