import { toJson } from '@bufbuild/protobuf';
import { type ConfigBundle, ConfigBundleSchema } from '@hcc/proto';
import { desc, eq } from 'drizzle-orm';
import { diffBundles } from '../../config/diff.ts';
import { compileDraft } from '../../config/drafts.ts';
import { getVersion, listVersions } from '../../config/publish.ts';
import { deployments } from '../../db/schema.ts';
import { type Tx, withTenant } from '../../db/tenant.ts';
import { NotFoundError, ValidationError } from '../../errors.ts';
import type { ApiDeps } from '../deps.ts';
import { type RouteSpec, route } from '../router.ts';
import { publishBody, rollbackBody, rolloutBody } from '../schemas.ts';
import { requireSite } from '../site-view.ts';

const parseVersion = (field: string, v: string | undefined): bigint => {
  if (!v || !/^\d+$/.test(v)) throw new ValidationError([{ field, problem: 'expected a version number' }]);
  return BigInt(v);
};

async function bundleAt(tx: Tx, siteId: string, ref: string, field: string): Promise<ConfigBundle> {
  if (ref === 'draft') {
    const b = await compileDraft(tx, siteId);
    if (!b) throw new NotFoundError(`site ${siteId}`);
    return b;
  }
  const v = await getVersion(tx, siteId, parseVersion(field, ref));
  if (!v) throw new NotFoundError(`version ${ref} of site ${siteId}`);
  return v.bundle;
}

/** Versions, diff, staged rollout and rollback. */
export function versionRoutes(d: ApiDeps): RouteSpec[] {
  const siteTx = <T>(tenantId: string, siteId: string, fn: (tx: Tx) => Promise<T>) =>
    withTenant(d.db, tenantId, async (tx) => {
      await requireSite(tx, tenantId, siteId);
      return fn(tx);
    });
  return [
    route({
      method: 'get',
      path: '/api/v1/sites/{siteId}/versions',
      summary: 'Immutable versions of the site, newest first',
      tag: 'versions',
      action: 'read',
      handler: async ({ p, params }) => ({
        versions: (await siteTx(p.tenantId, params.siteId!, (tx) => listVersions(tx, params.siteId!))).map(
          (v) => ({
            version: v.version.toString(),
            createdAt: v.createdAt,
            publishedAt: v.publishedAt,
            createdBy: v.createdBy,
            restoredFrom: v.restoredFrom?.toString() ?? null,
          }),
        ),
      }),
    }),
    route({
      method: 'post',
      path: '/api/v1/sites/{siteId}/versions',
      summary: 'Publish: compile the draft into a new signed, immutable version (not deployed yet)',
      tag: 'versions',
      action: 'deploy',
      status: 201,
      async handler({ p, params }) {
        await siteTx(p.tenantId, params.siteId!, async () => {});
        const version = await d.config.publishDraft(p.tenantId, params.siteId!, p.subject);
        return { siteId: params.siteId, version: version.toString() };
      },
    }),
    route({
      method: 'get',
      path: '/api/v1/sites/{siteId}/versions/{version}',
      summary: 'One version as proto JSON of hcc.config.v1.ConfigBundle',
      tag: 'versions',
      action: 'read',
      response: { $ref: '#/components/schemas/hcc.config.v1.ConfigBundle' },
      handler: async ({ p, params }) =>
        siteTx(p.tenantId, params.siteId!, async (tx) =>
          toJson(ConfigBundleSchema, await bundleAt(tx, params.siteId!, params.version!, 'version')),
        ),
    }),
    route({
      method: 'get',
      path: '/api/v1/sites/{siteId}/diff',
      summary: 'Differences between two versions (`to` may be `draft`)',
      tag: 'versions',
      action: 'read',
      query: ['from', 'to'],
      handler: async ({ p, params, query }) =>
        siteTx(p.tenantId, params.siteId!, async (tx) => {
          const from = await bundleAt(tx, params.siteId!, query.from ?? '', 'from');
          const to = await bundleAt(tx, params.siteId!, query.to ?? 'draft', 'to');
          return { from: query.from, to: query.to ?? 'draft', changes: diffBundles(from, to) };
        }),
    }),
    route({
      method: 'get',
      path: '/api/v1/sites/{siteId}/deployments',
      summary: 'Deployments (rollouts and rollbacks) of the site, newest first',
      tag: 'versions',
      action: 'read',
      handler: async ({ p, params }) => ({
        deployments: (
          await siteTx(p.tenantId, params.siteId!, (tx) =>
            tx
              .select()
              .from(deployments)
              .where(eq(deployments.siteId, params.siteId!))
              .orderBy(desc(deployments.requestedAt)),
          )
        ).map((r) => ({ ...r, version: r.version.toString() })),
      }),
    }),
    route({
      method: 'post',
      path: '/api/v1/rollouts',
      summary: 'Staged rollout: deploy a version (default the latest) to each chosen site',
      tag: 'versions',
      action: 'deploy',
      body: rolloutBody,
      async handler({ p, body }) {
        for (const t of body.targets) await siteTx(p.tenantId, t.siteId, async () => {});
        return { results: await d.config.deploy(p.tenantId, body.targets, p.subject) };
      },
    }),
    route({
      method: 'post',
      path: '/api/v1/publish',
      summary: 'Publish the drafts of the chosen sites and deploy them (publish + rollout in one step)',
      tag: 'versions',
      action: 'deploy',
      body: publishBody,
      async handler({ p, body }) {
        for (const s of body.siteIds) await siteTx(p.tenantId, s, async () => {});
        const targets = await Promise.all(
          body.siteIds.map(async (siteId) => ({
            siteId,
            version: await d.config.publishDraft(p.tenantId, siteId, p.subject),
          })),
        );
        return { results: await d.config.deploy(p.tenantId, targets, p.subject) };
      },
    }),
    route({
      method: 'post',
      path: '/api/v1/sites/{siteId}/rollback',
      summary: "Roll back: restore an earlier version's content as a new version and deploy it",
      tag: 'versions',
      action: 'deploy',
      body: rollbackBody,
      async handler({ p, params, body }) {
        await siteTx(p.tenantId, params.siteId!, async () => {});
        return d.config.rollback(p.tenantId, params.siteId!, body.version, p.subject);
      },
    }),
  ];
}
