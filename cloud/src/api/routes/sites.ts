import { fromJson, type JsonValue, toJson } from '@bufbuild/protobuf';
import { RecordingPolicySchema, RetentionPolicySchema } from '@hcc/proto';
import { eq } from 'drizzle-orm';
import { sites } from '../../db/schema.ts';
import { withTenant } from '../../db/tenant.ts';
import { ValidationError } from '../../errors.ts';
import { createSite } from '../../sites/create.ts';
import type { ApiDeps } from '../deps.ts';
import { checkProtoJson } from '../proto-json.ts';
import { type BodySpec, type RouteSpec, route } from '../router.ts';
import { createSiteBody } from '../schemas.ts';
import { addIngestFigures, requireSite, siteViews } from '../site-view.ts';

const siteViewRef = { $ref: '#/components/schemas/SiteView' };

interface Policies {
  recording?: JsonValue;
  retention?: JsonValue;
}

const policiesBody: BodySpec<Policies> = {
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      recording: { $ref: '#/components/schemas/hcc.config.v1.RecordingPolicy' },
      retention: { $ref: '#/components/schemas/hcc.config.v1.RetentionPolicy' },
    },
  },
  parse(v) {
    const problems: { field: string; problem: string }[] = [];
    if (typeof v !== 'object' || v === null)
      throw new ValidationError([{ field: '(body)', problem: 'expected an object' }]);
    const o = v as Record<string, unknown>;
    for (const k of Object.keys(o))
      if (k !== 'recording' && k !== 'retention') problems.push({ field: k, problem: 'unknown field' });
    if (o.recording !== undefined) checkProtoJson(RecordingPolicySchema, o.recording, 'recording', problems);
    if (o.retention !== undefined) checkProtoJson(RetentionPolicySchema, o.retention, 'retention', problems);
    if (problems.length) throw new ValidationError(problems);
    return o as Policies;
  },
};

/** Sites: fleet status, creation, policies and enrollment. */
export function siteRoutes(d: ApiDeps): RouteSpec[] {
  return [
    route({
      method: 'get',
      path: '/api/v1/sites',
      summary:
        'Sites of the tenant with status (online, last heartbeat, applied version, active calls) and events flow',
      tag: 'sites',
      action: 'read',
      response: {
        type: 'object',
        required: ['sites'],
        properties: { sites: { type: 'array', items: siteViewRef } },
      },
      handler: async ({ p }) => ({
        sites: await addIngestFigures(
          d.db,
          p.tenantId,
          await withTenant(d.db, p.tenantId, (tx) => siteViews(tx, p.tenantId, d.onlineAfterMs)),
        ),
      }),
    }),
    route({
      method: 'post',
      path: '/api/v1/sites',
      summary: 'Create a site (one edge); its id is also its NATS JetStream domain',
      tag: 'sites',
      action: 'admin',
      status: 201,
      body: createSiteBody,
      response: siteViewRef,
      async handler({ p, body }) {
        await createSite(d.db, p.tenantId, body);
        const views = await withTenant(d.db, p.tenantId, (tx) =>
          siteViews(tx, p.tenantId, d.onlineAfterMs, body.id),
        );
        const [view] = await addIngestFigures(d.db, p.tenantId, views);
        return view;
      },
    }),
    route({
      method: 'get',
      path: '/api/v1/sites/{siteId}',
      summary: 'One site with its status and events flow',
      tag: 'sites',
      action: 'read',
      response: siteViewRef,
      async handler({ p, params }) {
        const views = await withTenant(d.db, p.tenantId, async (tx) => {
          await requireSite(tx, p.tenantId, params.siteId!);
          return siteViews(tx, p.tenantId, d.onlineAfterMs, params.siteId);
        });
        const [view] = await addIngestFigures(d.db, p.tenantId, views);
        return view;
      },
    }),
    route({
      method: 'get',
      path: '/api/v1/sites/{siteId}/policies',
      summary: 'Recording and retention policy of the site (draft)',
      tag: 'sites',
      action: 'read',
      handler: async ({ p, params }) =>
        withTenant(d.db, p.tenantId, async (tx) => {
          const s = await requireSite(tx, p.tenantId, params.siteId!);
          return { recording: s.recording, retention: s.retention };
        }),
    }),
    route({
      method: 'put',
      path: '/api/v1/sites/{siteId}/policies',
      summary: 'Set the recording and retention policy (draft)',
      tag: 'sites',
      action: 'edit_config',
      body: policiesBody,
      handler: async ({ p, params, body }) =>
        withTenant(d.db, p.tenantId, async (tx) => {
          await requireSite(tx, p.tenantId, params.siteId!);
          const recording =
            body.recording !== undefined
              ? toJson(RecordingPolicySchema, fromJson(RecordingPolicySchema, body.recording))
              : undefined;
          const retention =
            body.retention !== undefined
              ? toJson(RetentionPolicySchema, fromJson(RetentionPolicySchema, body.retention))
              : undefined;
          await tx
            .update(sites)
            .set({
              ...(recording !== undefined ? { recording } : {}),
              ...(retention !== undefined ? { retention } : {}),
            })
            .where(eq(sites.id, params.siteId!));
          const s = await requireSite(tx, p.tenantId, params.siteId!);
          return { recording: s.recording, retention: s.retention };
        }),
    }),
    route({
      method: 'post',
      path: '/api/v1/sites/{siteId}/enroll',
      summary: "Enroll the site: creates its hub account at runtime and returns its leaf's NATS credentials",
      tag: 'sites',
      action: 'admin',
      handler: async ({ p, params }) => d.enrollment.enroll(p.tenantId, params.siteId!),
    }),
  ];
}
