import { html } from 'hono/html';
import { enrollCommand, publicCloudUrl } from '../api/routes/enrollment.ts';
import { createSiteBody } from '../api/schemas.ts';
import { can } from '../auth/roles.ts';
import { sites } from '../db/schema.ts';
import { withTenant } from '../db/tenant.ts';
import { ConflictError, NotFoundError, ValidationError } from '../errors.ts';
import { createSite } from '../sites/create.ts';
import type { ConsoleCtx, FormBody } from './index.ts';
import { page } from './layout.ts';

const ZONES = ['UTC', ...Intl.supportedValuesOf('timeZone')];
const one = (f: FormBody, k: string) => String(([] as string[]).concat(f[k] ?? '')[0] ?? '').trim();

/** "Add site": create a site (tenant admins) and/or make an enrollment token for one. */
export async function addSitePage(x: ConsoleCtx, error?: string, form: FormBody = {}): Promise<Response> {
  const existing = await withTenant(x.d.db, x.p.tenantId, (tx) =>
    tx.select({ id: sites.id, name: sites.name }).from(sites).orderBy(sites.id),
  );
  const tz = one(form, 'timeZone') || 'UTC';
  const create = can(x.p.role, 'admin')
    ? html`<h2>New site</h2><form method="post" action="/console/add-site" id="new-site">
<p class="field"><label>Site id <input name="id" value="${one(form, 'id')}" required pattern="[a-z][a-z0-9-]{0,30}[a-z0-9]" size="20"></label> <span class="muted">lower-case letters, digits and "-"; also the site's NATS domain; cannot change later</span></p>
<p class="field"><label>Name <input name="name" value="${one(form, 'name')}" required size="30"></label></p>
<p class="field"><label>Time zone <select name="timeZone">${ZONES.map((z) => html`<option ${z === tz ? 'selected' : ''}>${z}</option>`)}</select></label></p>
<button id="create-site">Create the site and make its enrollment token</button></form>`
    : html`<p class="muted">Only a tenant admin creates sites; you can make an enrollment token for an existing one.</p>`;
  const token = existing.length
    ? html`<h2>Enrollment token for an existing site</h2><form method="post" action="/console/enrollment-token" id="token-form">
<label>Site <select name="siteId">${existing.map((s) => html`<option value="${s.id}">${s.id} (${s.name})</option>`)}</select></label>
<button id="make-token">Make an enrollment token</button>
<p class="muted">Enrolling a site again gives it new leaf credentials and revokes the old ones.</p></form>`
    : '';
  return x.c.html(page('Add site', html`${create}${token}`, { user: x.p.subject, error }), error ? 422 : 200);
}

/** Shows a fresh token once, with the command to run at the site and its expiry. */
async function tokenPage(x: ConsoleCtx, siteId: string, created: boolean): Promise<Response> {
  const t = await x.d.enrollmentTokens.create(x.p, siteId);
  const command = enrollCommand(publicCloudUrl(x.d, x.c), t.token);
  const expires = t.expiresAt.replace('T', ' ').slice(0, 19);
  x.c.header('Cache-Control', 'no-store');
  return x.c.html(
    page(
      `Enroll site ${siteId}`,
      html`<p>Run this command on the site's edge, as root. The token works once and expires at <b id="enroll-expires" data-expires="${t.expiresAt}">${expires} UTC</b>; it is shown only now.</p>
<pre id="enroll-command" style="background:#fff;border:1px solid #d8dde6;padding:8px;white-space:pre-wrap;word-break:break-all">${command}</pre>
<p>Token: <code id="enroll-token">${t.token}</code></p>
<p class="muted">Add <code>--ca-file PEM</code> when the cloud's certificate is signed by a private CA. The site shows as online on the <a href="/">Sites</a> page once its edge runs.</p>`,
      { user: x.p.subject, flash: created ? `Site ${siteId} created.` : undefined },
    ),
  );
}

/** POST /console/add-site: creates the site, then shows its first enrollment token. */
export async function addSite(x: ConsoleCtx, f: FormBody): Promise<Response> {
  let site: ReturnType<typeof createSiteBody.parse>;
  try {
    site = createSiteBody.parse({
      id: one(f, 'id'),
      name: one(f, 'name'),
      timeZone: one(f, 'timeZone') || 'UTC',
    });
    await createSite(x.d.db, x.p.tenantId, site);
  } catch (err) {
    if (err instanceof ValidationError || err instanceof ConflictError) return addSitePage(x, err.message, f);
    throw err;
  }
  return tokenPage(x, site.id, true);
}

/** POST /console/enrollment-token: a token for an existing site of the tenant. */
export async function makeToken(x: ConsoleCtx, f: FormBody): Promise<Response> {
  const siteId = one(f, 'siteId');
  try {
    return await tokenPage(x, siteId, false);
  } catch (err) {
    if (err instanceof NotFoundError) return addSitePage(x, `No site ${siteId}.`);
    throw err;
  }
}
