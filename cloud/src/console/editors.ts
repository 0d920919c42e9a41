import type { JsonValue } from '@bufbuild/protobuf';
import { fromJson, toJson } from '@bufbuild/protobuf';
import { FlowSchema } from '@hcc/proto';
import { html } from 'hono/html';
import { checkProtoJson } from '../api/proto-json.ts';
import { requireSite } from '../api/site-view.ts';
import { can } from '../auth/roles.ts';
import { getEntity, putEntity } from '../config/drafts.ts';
import { ENTITY_ID_PATTERN, entityKind } from '../config/entities.ts';
import { withTenant } from '../db/tenant.ts';
import { agentForm, parseAgentForm } from './agent-form.ts';
import { FormReader, type Obj, Problems } from './fields.ts';
import { FlowFormError, flowForm, parseFlowForm } from './flow-form.ts';
import { flowGraph } from './graph.ts';
import { hoursForm, parseHoursForm } from './hours-form.ts';
import type { ConsoleCtx, FormBody } from './index.ts';
import { type Html, page, signedIn } from './layout.ts';
import { parseQueueForm, queueForm } from './queue-form.ts';

/** Kinds with a structured form; the others (and `?raw=1`) use the proto JSON editor. */
const FORMS: Record<
  string,
  {
    render: (body: Obj, errs: Problems) => Html;
    parse: (r: FormReader, form: FormBody, base: Obj) => Obj;
  }
> = {
  queues: { render: queueForm, parse: parseQueueForm },
  agents: { render: agentForm, parse: parseAgentForm },
  hours: { render: hoursForm, parse: parseHoursForm },
};

const enc = encodeURIComponent;
const one = (f: FormBody): Record<string, string> =>
  Object.fromEntries(Object.entries(f).map(([k, v]) => [k, Array.isArray(v) ? (v[0] ?? '') : v]));

async function load(x: ConsoleCtx, kind: string) {
  const site = x.c.req.param('site') ?? '';
  const id = x.c.req.param('id') ?? '';
  const entity = await withTenant(x.d.db, x.p.tenantId, async (tx) => {
    await requireSite(tx, x.p.tenantId, site);
    return getEntity(tx, site, kind, id);
  });
  return { site, id, entity };
}

function renderFlow(
  x: ConsoleCtx,
  site: string,
  id: string,
  flow: Record<string, JsonValue>,
  status = 200,
  error?: string,
) {
  const body = html`<p><a href="/sites/${enc(site)}">Back to the site</a></p>
<h2>Graph</h2>${flowGraph(flow as never)}<h2>Nodes</h2>${flowForm(`/sites/${enc(site)}/flows/${enc(id)}`, flow)}`;
  return x.c.html(
    page(`IVR flow ${id} (${site})`, body, { user: signedIn(x.p), flash: x.c.req.query('msg'), error }),
    status as 200,
  );
}

/** The IVR flow editor: the graph drawn from the draft, and a structured form of its nodes. */
export async function flowEditor(x: ConsoleCtx): Promise<Response> {
  const { site, id, entity } = await load(x, 'flows').catch(() => ({ site: '', id: '', entity: undefined }));
  if (!site) return x.c.html(page('Not found', '', { user: signedIn(x.p), error: 'No such site' }), 404);
  const flow = (entity?.body as Record<string, JsonValue> | undefined) ?? {
    id,
    name: id,
    entryNodeId: '',
    nodes: [],
  };
  return renderFlow(x, site, id, flow);
}

export async function saveFlow(x: ConsoleCtx, f: FormBody): Promise<Response> {
  const site = x.c.req.param('site') ?? '';
  const id = x.c.req.param('id') ?? '';
  let flow: Record<string, JsonValue>;
  try {
    flow = parseFlowForm(id, one(f));
  } catch (err) {
    if (err instanceof FlowFormError) return renderFlow(x, site, id, { id, nodes: [] }, 422, err.message);
    throw err;
  }
  const problems = checkProtoJson(FlowSchema, flow);
  if (!ENTITY_ID_PATTERN.test(id)) problems.push({ field: 'id', problem: 'invalid id' });
  if (problems.length)
    return renderFlow(x, site, id, flow, 422, problems.map((p) => `${p.field}: ${p.problem}`).join('; '));
  const body = toJson(FlowSchema, fromJson(FlowSchema, flow));
  await withTenant(x.d.db, x.p.tenantId, async (tx) => {
    await requireSite(tx, x.p.tenantId, site);
    await putEntity(tx, {
      tenantId: x.p.tenantId,
      siteId: site,
      kind: 'flows',
      id,
      body: { ...(body as object), id },
      by: x.p.subject,
    });
  });
  return x.c.redirect(`/sites/${enc(site)}/flows/${enc(id)}?msg=Saved+to+the+draft`);
}

function renderEntity(
  x: ConsoleCtx,
  site: string,
  kind: string,
  id: string,
  text: string,
  status = 200,
  error?: string,
) {
  const k = entityKind(kind)!;
  const body = html`<p><a href="/sites/${enc(site)}">Back to the site</a></p>
<p class="muted">Proto JSON of ${k.schema.typeName}; the API's OpenAPI document (/api/v1/openapi.json) describes every field.</p>
<form method="post"><textarea name="json" id="entity-json" rows="24" cols="100">${text}</textarea><br><button id="save-entity">Save draft</button></form>`;
  return x.c.html(
    page(`${k.label} ${id} (${site})`, body, { user: signedIn(x.p), flash: x.c.req.query('msg'), error }),
    status as 200,
  );
}

function renderForm(
  x: ConsoleCtx,
  site: string,
  kind: string,
  id: string,
  body: Obj,
  errs = new Problems(),
  status = 200,
) {
  const k = entityKind(kind)!;
  const base = `/sites/${enc(site)}/edit/${kind}/${enc(id)}`;
  const form = html`<p><a href="/sites/${enc(site)}">Back to the site</a> · <a href="${base}?raw=1">Edit as JSON</a></p>
<form method="post" action="${base}" id="entity-form" novalidate><input type="hidden" name="form" value="${kind}">${FORMS[kind]!.render(body, errs)}
<button type="submit" id="save-entity">Save draft</button></form>`;
  const error = errs.size ? `Not saved: ${[...errs].map(([f, p]) => `${f}: ${p}`).join('; ')}` : undefined;
  return x.c.html(
    page(`${k.label} ${id} (${site})`, form, { user: signedIn(x.p), flash: x.c.req.query('msg'), error }),
    status as 200,
  );
}

/** The editor of one entity: a form for queues, agents and hours, proto JSON for the other kinds. */
export async function entityEditor(x: ConsoleCtx): Promise<Response> {
  const kind = x.c.req.param('kind') ?? '';
  if (!entityKind(kind))
    return x.c.html(page('Not found', '', { user: signedIn(x.p), error: 'No such kind' }), 404);
  const { site, id, entity } = await load(x, kind).catch(() => ({ site: '', id: '', entity: undefined }));
  if (!site) return x.c.html(page('Not found', '', { user: signedIn(x.p), error: 'No such site' }), 404);
  if (FORMS[kind] && x.c.req.query('raw') === undefined)
    return renderForm(x, site, kind, id, (entity?.body as Obj | undefined) ?? { id });
  return renderEntity(x, site, kind, id, JSON.stringify(entity?.body ?? { id }, null, 2));
}

export async function saveEntity(x: ConsoleCtx, f: FormBody): Promise<Response> {
  const site = x.c.req.param('site') ?? '';
  const kind = x.c.req.param('kind') ?? '';
  const id = x.c.req.param('id') ?? '';
  const k = entityKind(kind);
  if (!k) return x.c.html(page('Not found', '', { user: signedIn(x.p), error: 'No such kind' }), 404);
  if (!k.supervisorEditable && !can(x.p.role, 'edit_config'))
    return x.c.html(
      page('Forbidden', '', {
        user: signedIn(x.p),
        error: `Your role (${x.p.role}) may not edit ${k.label}s.`,
      }),
      403,
    );
  if (f.json === undefined && FORMS[kind]) return saveForm(x, site, kind, id, f);
  const text = String(one(f).json ?? '');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return renderEntity(x, site, kind, id, text, 422, 'Not valid JSON');
  }
  const problems = checkProtoJson(k.schema, value);
  if (!ENTITY_ID_PATTERN.test(id)) problems.push({ field: 'id', problem: 'invalid id' });
  if (problems.length)
    return renderEntity(
      x,
      site,
      kind,
      id,
      text,
      422,
      problems.map((p) => `${p.field}: ${p.problem}`).join('; '),
    );
  return store(x, site, kind, id, value as JsonValue);
}

/** Reads a structured form over the stored draft entity, validates it and saves it, or shows it back. */
async function saveForm(x: ConsoleCtx, site: string, kind: string, id: string, f: FormBody) {
  const k = entityKind(kind)!;
  const { entity } = await load(x, kind);
  const r = new FormReader(f);
  const value = FORMS[kind]!.parse(r, f, { ...((entity?.body as Obj | undefined) ?? {}), id });
  const problems = [...r.problems];
  if (problems.length === 0) problems.push(...checkProtoJson(k.schema, value));
  if (!ENTITY_ID_PATTERN.test(id)) problems.push({ field: 'id', problem: 'invalid id' });
  if (problems.length) return renderForm(x, site, kind, id, value, new Problems(problems, f), 422);
  return store(x, site, kind, id, value);
}

async function store(x: ConsoleCtx, site: string, kind: string, id: string, value: JsonValue) {
  const k = entityKind(kind)!;
  const body = toJson(k.schema, fromJson(k.schema, value));
  await withTenant(x.d.db, x.p.tenantId, async (tx) => {
    await requireSite(tx, x.p.tenantId, site);
    await putEntity(tx, {
      tenantId: x.p.tenantId,
      siteId: site,
      kind,
      id,
      body: { ...(body as object), id },
      by: x.p.subject,
    });
  });
  return x.c.redirect(`/sites/${enc(site)}/edit/${kind}/${enc(id)}?msg=Saved+to+the+draft`);
}
