import { fromJson, type JsonValue, toJson } from '@bufbuild/protobuf';
import { DialPolicySchema, RecordingPolicySchema, RetentionPolicySchema } from '@hcc/proto';
import { dialPolicyProblems } from '@hcc/shared';
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
  dial_policy?: JsonValue;
}

const policiesBody: BodySpec<Policies> = {
  schema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      recording: { $ref: '#/components/schemas/hcc.config.v1.RecordingPolicy' },
      retention: { $ref: '#/components/schemas/hcc.config.v1.RetentionPolicy' },
      dial_policy: { $ref: '#/components/schemas/hcc.config.v1.DialPolicy' },
    },
  },
  parse(v) {
    const problems: { field: string; problem: string }[] = [];
    if (typeof v !== 'object' || v === null)
      throw new ValidationError([{ field: '(body)', problem: 'expected an object' }]);
    const o = v as Record<string, unknown>;
    for (const k of Object.keys(o))
      if (k !== 'recording' && k !== 'retention' && k !== 'dial_policy')
        problems.push({ field: k, problem: 'unknown field' });
    if (o.recording !== undefined) checkProtoJson(RecordingPolicySchema, o.recording, 'recording', problems);
    if (o.retention !== undefined) checkProtoJson(RetentionPolicySchema, o.retention, 'retention', problems);
    if (o.dial_policy !== undefined) {
      const before = problems.length;
      checkProtoJson(DialPolicySchema, o.dial_policy, 'dial_policy', problems);
      // Prefixes and the country code, once the shape is right (the same check publishing runs).
      if (problems.length === before)
        for (const x of dialPolicyProblems(fromJson(DialPolicySchema, o.dial_policy as JsonValue)))
          problems.push({ field: `dial_policy.${x.path}`, problem: x.problem });
    }
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
      summary: 'Recording, retention and dial policy of the site (draft)',
      tag: 'sites',
      action: 'read',
      handler: async ({ p, params }) =>
        withTenant(d.db, p.tenantId, async (tx) => {
          const s = await requireSite(tx, p.tenantId, params.siteId!);
          return { recording: s.recording, retention: s.retention, dial_policy: s.dialPolicy };
        }),
    }),
    route({
      method: 'put',
      path: '/api/v1/sites/{siteId}/policies',
      summary: 'Set the recording, retention or dial policy (draft)',
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
          const dialPolicy =
            body.dial_policy !== undefined
              ? toJson(DialPolicySchema, fromJson(DialPolicySchema, body.dial_policy))
              : undefined;
          await tx
            .update(sites)
            .set({
              ...(recording !== undefined ? { recording } : {}),
              ...(retention !== undefined ? { retention } : {}),
              ...(dialPolicy !== undefined ? { dialPolicy } : {}),
            })
            .where(eq(sites.id, params.siteId!));
          const s = await requireSite(tx, p.tenantId, params.siteId!);
          return { recording: s.recording, retention: s.retention, dial_policy: s.dialPolicy };
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
