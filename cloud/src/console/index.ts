import type { Context, Hono } from 'hono';
import { deleteCookie, getCookie } from 'hono/cookie';
import { html } from 'hono/html';
import type { ApiDeps } from '../api/index.ts';
import { SESSION_COOKIE } from '../api/router.ts';
import { attemptLogin, setSessionCookie } from '../auth/login.ts';
import { type Action, can, type Principal } from '../auth/roles.ts';
import { ConflictError, NotFoundError, ValidationError } from '../errors.ts';
import { entityEditor, flowEditor, saveEntity, saveFlow } from './editors.ts';
import { addSite, addSitePage, makeToken } from './enroll.ts';
import { page, signedIn } from './layout.ts';
import { dashboard, diffPage, sitePage } from './pages.ts';

export type FormBody = Record<string, string | string[]>;

export interface ConsoleCtx {
  d: ApiDeps;
  p: Principal;
  c: Context;
}

async function formOf(c: Context): Promise<FormBody> {
  const raw = await c.req.parseBody({ all: true });
  const out: FormBody = {};
  for (const [k, v] of Object.entries(raw)) out[k] = Array.isArray(v) ? v.map(String) : String(v);
  return out;
}

/**
 * The ops console: server-rendered HTML (no client build, no CDN: works offline), on the same
 * services and row-level-security transactions as the API, authenticated by the console session.
 */
export function mountConsole(app: Hono, d: ApiDeps): void {
  app.get('/login', (c) =>
    c.html(
      page(
        'Log in',
        html`<form method="post" action="/login"><p><label>E-mail <input name="email" type="email" autofocus></label></p><p><label>Password <input name="password" type="password"></label></p><button id="login">Log in</button></form>`,
        { error: c.req.query('error') },
      ),
    ),
  );
  app.post('/login', async (c) => {
    const f = await formOf(c);
    const r = await attemptLogin(d, c, String(f.email ?? ''), String(f.password ?? ''));
    if (r.kind === 'throttled') {
      c.header('Retry-After', String(r.retryAfterS));
      return c.redirect(`/login?error=Too+many+failed+logins%3B+retry+in+${r.retryAfterS}+s`);
    }
    if (r.kind === 'wrong') return c.redirect('/login?error=Wrong+e-mail+or+password');
    setSessionCookie(c, SESSION_COOKIE, r.token);
    return c.redirect('/');
  });
  app.post('/logout', async (c) => {
    const t = getCookie(c, SESSION_COOKIE);
    if (t) await d.identity.logout(t);
    deleteCookie(c, SESSION_COOKIE, { path: '/' });
    return c.redirect('/login');
  });

  const guard =
    (action: Action, fn: (x: ConsoleCtx, form: FormBody) => Promise<Response>) =>
    async (c: Context): Promise<Response> => {
      const token = getCookie(c, SESSION_COOKIE);
      const p = token ? await d.identity.session(token) : undefined;
      if (!p) return c.redirect('/login');
      if (!can(p.role, action))
        return c.html(
          page('Forbidden', '', { user: signedIn(p), error: `Your role (${p.role}) may not do this.` }),
          403,
        );
      const form = c.req.method === 'POST' ? await formOf(c) : {};
      return fn({ d, p, c }, form);
    };
  app.get(
    '/',
    guard('read', (x) => dashboard(x)),
  );
  app.post(
    '/console/publish',
    guard('deploy', (x, f) => publishSelected(x, f)),
  );
  app.get(
    '/console/add-site',
    guard('enroll', (x) => addSitePage(x)),
  );
  app.post(
    '/console/add-site',
    guard('admin', (x, f) => addSite(x, f)),
  );
  app.post(
    '/console/enrollment-token',
    guard('enroll', (x, f) => makeToken(x, f)),
  );
  app.get(
    '/sites/:site',
    guard('read', (x) => sitePage(x)),
  );
  app.get(
    '/sites/:site/diff',
    guard('read', (x) => diffPage(x)),
  );
  app.post(
    '/sites/:site/rollback',
    guard('deploy', (x, f) => rollback(x, f)),
  );
  app.get(
    '/sites/:site/flows/:id',
    guard('read', (x) => flowEditor(x)),
  );
  app.post(
    '/sites/:site/flows/:id',
    guard('edit_config', (x, f) => saveFlow(x, f)),
  );
  app.get(
    '/sites/:site/edit/:kind/:id',
    guard('read', (x) => entityEditor(x)),
  );
  app.post(
    '/sites/:site/edit/:kind/:id',
    guard('edit_people', (x, f) => saveEntity(x, f)),
  );
}

async function publishSelected(x: ConsoleCtx, f: FormBody): Promise<Response> {
  const ids = ([] as string[]).concat(f.siteId ?? []);
  if (ids.length === 0) return x.c.redirect('/?error=Choose+at+least+one+site');
  const parts: string[] = [];
  try {
    for (const siteId of ids) {
      const version = await x.d.config.publishDraft(x.p.tenantId, siteId, x.p.subject);
      const [r] = await x.d.config.deploy(x.p.tenantId, [{ siteId, version }], x.p.subject);
      parts.push(`${siteId}: version ${r?.version} ${r?.ok ? 'deployed' : `not deployed (${r?.error})`}`);
    }
  } catch (err) {
    // Only our own domain errors have messages meant for people; anything else (a database error
    // quotes its parameters) is reported as a plain failure.
    const known =
      err instanceof ValidationError || err instanceof ConflictError || err instanceof NotFoundError;
    return x.c.redirect(
      `/?error=${encodeURIComponent(`${parts.join('; ')} ${known ? (err as Error).message : 'publish failed'}`)}`,
    );
  }
  return x.c.redirect(`/?msg=${encodeURIComponent(parts.join('; '))}`);
}

async function rollback(x: ConsoleCtx, f: FormBody): Promise<Response> {
  const site = x.c.req.param('site') ?? '';
  const v = String(f.version ?? '');
  if (!/^\d+$/.test(v)) return x.c.redirect(`/sites/${site}?error=Choose+a+version`);
  const r = await x.d.config.rollback(x.p.tenantId, site, BigInt(v), x.p.subject).catch(() => undefined);
  if (!r) return x.c.redirect(`/sites/${encodeURIComponent(site)}?error=Rollback+failed`);
  return x.c.redirect(
    `/sites/${encodeURIComponent(site)}?msg=${encodeURIComponent(`Rolled back to the content of version ${v} as version ${r.version}${r.ok ? '' : ' (not deployed: hub unreachable)'}`)}`,
  );
}
