import { ConfigRejectReason, type DialPolicy } from '@hcc/proto';
import { validateBundle } from '@hcc/shared';
import { desc, eq } from 'drizzle-orm';
import { html } from 'hono/html';
import { addIngestFigures, requireSite, type SiteView, siteViews } from '../api/site-view.ts';
import { can } from '../auth/roles.ts';
import { diffBundles } from '../config/diff.ts';
import { compileDraft, listEntities } from '../config/drafts.ts';
import { ENTITY_KINDS } from '../config/entities.ts';
import { getVersion, listVersions } from '../config/publish.ts';
import { deployments } from '../db/schema.ts';
import { withTenant } from '../db/tenant.ts';
import { NotFoundError } from '../errors.ts';
import type { ConsoleCtx } from './index.ts';
import { page, signedIn } from './layout.ts';

const when = (iso: string | null) => (iso ? new Date(iso).toISOString().replace('T', ' ').slice(0, 19) : '-');
const flashes = (x: ConsoleCtx) => ({
  user: signedIn(x.p),
  flash: x.c.req.query('msg'),
  error: x.c.req.query('error'),
});
const enc = encodeURIComponent;

function statusCells(s: SiteView) {
  const st = s.status;
  return html`<td class="${st.online ? 'ok' : 'bad'}" data-col="online">${st.online ? 'online' : 'offline'}</td>
<td>${when(st.lastHeartbeatAt)}</td><td data-col="applied">${st.appliedVersion ?? '-'}</td><td>${s.deployedVersion ?? '-'}</td>
<td>${s.latestVersion ?? '-'}</td><td>${st.activeCalls ?? '-'}</td>
<td>${st.rejected ? html`<span class="bad">v${st.rejected.version} ${st.rejected.reason}</span> <span class="muted">${st.rejected.detail}</span>` : '-'}</td>
${eventsCell(s)}`;
}

/** The events flow: what waits at the edge, how far the cloud has ingested, what it parked. */
function eventsCell(s: SiteView) {
  const ev = s.events;
  const title = ev.ingestedAt
    ? `ingested seq last advanced ${when(ev.ingestedAt)} UTC`
    : 'nothing ingested yet';
  return html`<td data-col="events" title="${title}">${ev.outboxBacklog ?? '-'} waiting, ingested to ${ev.ingestedSeq ?? '-'}, ${ev.parked > 0 ? html`<span class="bad">${ev.parked} parked</span>` : '0 parked'}</td>`;
}

/** The edge's SIP front door, from its newest heartbeat (counts only: no address, user or number). */
function sipProtectionTable(s: SiteView) {
  const p = s.status.sipProtection;
  if (!p) return html`<p class="muted" id="sip-protection">SIP protection: no report from the edge yet.</p>`;
  return html`<h2>SIP protection</h2><table id="sip-protection"><tr><th>Banned addresses</th><th>Dropped</th><th>Rate-limited</th><th>Overloaded (503)</th><th>Auth failures</th><th>Registrations over the cap</th><th>Calls out refused (dial policy)</th></tr>
<tr><td data-col="banned" class="${p.bannedAddresses > 0 ? 'bad' : ''}">${p.bannedAddresses}</td><td data-col="dropped">${p.dropped}</td><td data-col="rate-limited">${p.rateLimited}</td><td data-col="overloaded" class="${p.overloaded > 0 ? 'bad' : ''}">${p.overloaded}</td><td data-col="auth-failures">${p.authFailures}</td><td data-col="capped">${p.registrationsCapped}</td><td data-col="dial-refused" class="${(p.dialRefused ?? 0) > 0 ? 'bad' : ''}">${p.dialRefused ?? '-'}</td></tr></table>
<p class="muted">Counters since the edge started; banned addresses are those banned now.</p>`;
}

/** The draft's dial policy (toll fraud) in one paragraph; the edge applies the defaults for 0 and empty. */
function dialPolicySummary(p: DialPolicy | undefined) {
  const list = (xs: readonly string[]) => (xs.length ? xs.join(' ') : 'none');
  const cap = (n: number | undefined) => (n ? String(n) : 'default');
  return html`<h2>Dial policy (draft)</h2><p id="dial-policy">Home country: ${p?.homeCountryCode ? `+${p.homeCountryCode}` : "the trunk's"};
international: ${p?.allowInternational ? 'allowed' : 'refused'}; premium-rate: ${p?.allowPremium ? 'allowed' : 'refused'} (built-in list, extra: ${list(p?.premiumPrefixes ?? [])});
allowed prefixes: ${list(p?.allowedPrefixes ?? [])}; blocked prefixes: ${list(p?.blockedPrefixes ?? [])};
calls out at once per agent: ${cap(p?.maxOutboundPerAgent)}, per site: ${cap(p?.maxOutboundPerSite)}.</p>
<p class="muted">Set with <code>PUT /api/v1/sites/{id}/policies</code> (<code>dial_policy</code>); see the README, "Dial policy".</p>`;
}

/** The edge's trunks as its OPTIONS pings see them (ids and states only). */
function trunkHealthTable(s: SiteView) {
  const t = s.status.trunkHealth;
  if (t.length === 0)
    return html`<p class="muted" id="trunk-health">Trunk health: no report from the edge yet.</p>`;
  return html`<h2>Trunks</h2><table id="trunk-health"><tr><th>Trunk</th><th>State</th><th>Since (UTC)</th><th>Last ping round trip</th><th>Failed pings</th></tr>
${t.map((x) => html`<tr data-trunk="${x.trunkId}"><td>${x.trunkId}</td><td data-col="state" class="${x.state === 'down' ? 'bad' : x.state === 'up' ? 'ok' : 'muted'}">${x.state}</td><td>${x.lastChange ? when(x.lastChange) : '-'}</td><td>${x.rttMs === null ? '-' : `${x.rttMs} ms`}</td><td data-col="failures">${x.failures}</td></tr>`)}</table>
<p class="muted">Calls out skip a trunk that is down and try the next one by priority.</p>`;
}

/** Sites with status, and the staged publish form (tick the sites that get the new version now). */
export async function dashboard(x: ConsoleCtx): Promise<Response> {
  const sites = await addIngestFigures(
    x.d.db,
    x.p.tenantId,
    await withTenant(x.d.db, x.p.tenantId, (tx) => siteViews(tx, x.p.tenantId, x.d.onlineAfterMs)),
  );
  const body = html`<form method="post" action="/console/publish">
<table id="sites"><tr><th>Deploy</th><th>Site</th><th>Status</th><th>Last heartbeat (UTC)</th><th>Applied</th><th>Deployed</th><th>Latest</th><th>Active calls</th><th>Last rejection</th><th>Events (edge backlog, ingested seq, parked)</th></tr>
${sites.map((s) => html`<tr data-site="${s.id}"><td><input type="checkbox" name="siteId" value="${s.id}" ${s.enrolled ? '' : 'disabled'}></td><td><a href="/sites/${enc(s.id)}">${s.name}</a> <span class="muted">${s.id}</span></td>${statusCells(s)}</tr>`)}
</table><button id="publish">Publish the drafts of the selected sites and deploy</button>
<p class="muted">Staged rollout: tick a few sites first, watch them apply, then the rest. Every site keeps its own immutable versions.</p></form>
${can(x.p.role, 'enroll') ? html`<p><a id="add-site" href="/console/add-site">Add site or make an enrollment token</a></p>` : ''}`;
  return x.c.html(page('Sites', body, flashes(x)));
}

/** One site: status, draft problems, editable entities, versions with diff and rollback, deployments. */
export async function sitePage(x: ConsoleCtx): Promise<Response> {
  const siteId = x.c.req.param('site') ?? '';
  try {
    const data = await withTenant(x.d.db, x.p.tenantId, async (tx) => {
      await requireSite(tx, x.p.tenantId, siteId);
      const [view] = await siteViews(tx, x.p.tenantId, x.d.onlineAfterMs, siteId);
      const draft = await compileDraft(tx, siteId);
      const entities = [];
      for (const k of ENTITY_KINDS) entities.push({ k, items: await listEntities(tx, siteId, k.kind) });
      const versions = await listVersions(tx, siteId);
      const deps = await tx
        .select()
        .from(deployments)
        .where(eq(deployments.siteId, siteId))
        .orderBy(desc(deployments.requestedAt))
        .limit(10);
      return {
        view: view!,
        problems: draft ? validateBundle({ ...draft, version: 1n }) : [],
        dialPolicy: draft?.dialPolicy,
        entities,
        versions,
        deps,
      };
    });
    const [s] = await addIngestFigures(x.d.db, x.p.tenantId, [data.view]);
    if (!s) throw new NotFoundError(`site ${siteId}`);
    const body = html`<table><tr><th>Status</th><th>Last heartbeat</th><th>Applied</th><th>Deployed</th><th>Latest</th><th>Active calls</th><th>Last rejection</th><th>Events (edge backlog, ingested seq, parked)</th></tr><tr id="site-status">${statusCells(s)}</tr></table>
${sipProtectionTable(s)}
${dialPolicySummary(data.dialPolicy)}
${trunkHealthTable(s)}
<h2>Draft</h2>${data.problems.length ? html`<div class="err" id="draft-problems">The draft does not validate: ${data.problems.map((p) => html`<div>${p.path}: ${ConfigRejectReason[p.reason]}</div>`)}</div>` : html`<p class="ok" id="draft-ok">The draft validates.</p>`}
<form method="post" action="/console/publish"><input type="hidden" name="siteId" value="${s.id}"><button id="publish-site">Publish this site's draft and deploy it</button></form>
${data.entities.map(
  ({
    k,
    items,
  }) => html`<h3>${k.label}s</h3><p>${items.map((e) => html`<a href="${k.kind === 'flows' ? `/sites/${enc(s.id)}/flows/${enc(e.id)}` : `/sites/${enc(s.id)}/edit/${k.kind}/${enc(e.id)}`}">${e.id}</a> `)}
<form method="get" action="/sites/${enc(s.id)}/edit/${k.kind}/new" style="display:inline" onsubmit="this.action=this.action.replace(/new$/, encodeURIComponent(this.newid.value))"><input name="newid" size="10" placeholder="new id"><button>Add</button></form></p>`,
)}
<h2>Versions</h2><form method="post" action="/sites/${enc(s.id)}/rollback"><table id="versions"><tr><th></th><th>Version</th><th>Created (UTC)</th><th>By</th><th>Deployed</th><th>Restores</th><th>Diff</th></tr>
${data.versions.map(
  (
    v,
  ) => html`<tr><td><input type="radio" name="version" value="${v.version.toString()}"></td><td>${v.version.toString()}</td><td>${when(v.createdAt.toISOString())}</td><td>${v.createdBy ?? ''}</td><td>${v.publishedAt ? when(v.publishedAt.toISOString()) : '-'}</td><td>${v.restoredFrom?.toString() ?? ''}</td>
<td>${v.version > 1n ? html`<a href="/sites/${enc(s.id)}/diff?from=${(v.version - 1n).toString()}&to=${v.version.toString()}">vs ${(v.version - 1n).toString()}</a> ` : ''}<a href="/sites/${enc(s.id)}/diff?from=${v.version.toString()}&to=draft">vs draft</a></td></tr>`,
)}
</table><button id="rollback">Roll back to the selected version</button></form>
<h2>Recent deployments</h2><table><tr><th>When (UTC)</th><th>Version</th><th>Action</th><th>By</th></tr>${data.deps.map((d) => html`<tr><td>${when(d.requestedAt.toISOString())}</td><td>${d.version.toString()}</td><td>${d.action}</td><td>${d.requestedBy}</td></tr>`)}</table>`;
    return x.c.html(page(`Site ${s.name}`, body, flashes(x)));
  } catch (err) {
    if (err instanceof NotFoundError)
      return x.c.html(page('Not found', '', { user: signedIn(x.p), error: err.message }), 404);
    throw err;
  }
}

/** The differences between two versions (or a version and the draft). */
export async function diffPage(x: ConsoleCtx): Promise<Response> {
  const siteId = x.c.req.param('site') ?? '';
  const from = x.c.req.query('from') ?? '';
  const to = x.c.req.query('to') ?? 'draft';
  const changes = await withTenant(x.d.db, x.p.tenantId, async (tx) => {
    await requireSite(tx, x.p.tenantId, siteId);
    const at = async (ref: string) =>
      ref === 'draft'
        ? await compileDraft(tx, siteId)
        : /^\d+$/.test(ref)
          ? (await getVersion(tx, siteId, BigInt(ref)))?.bundle
          : undefined;
    const [a, b] = [await at(from), await at(to)];
    return a && b ? diffBundles(a, b) : undefined;
  }).catch(() => undefined);
  if (!changes)
    return x.c.html(page('Not found', '', { user: signedIn(x.p), error: 'No such versions' }), 404);
  const j = (v: unknown) => (v === undefined ? '' : JSON.stringify(v));
  const body = html`<p><a href="/sites/${enc(siteId)}">Back to the site</a></p>${changes.length === 0 ? html`<p id="no-changes">No differences.</p>` : ''}
<table id="diff"><tr><th>Path</th><th>Change</th><th>Before</th><th>After</th></tr>${changes.map((c) => html`<tr><td>${c.path}</td><td>${c.op}</td><td><code>${j(c.before)}</code></td><td><code>${j(c.after)}</code></td></tr>`)}</table>`;
  return x.c.html(page(`Diff ${siteId}: ${from} → ${to}`, body, flashes(x)));
}
