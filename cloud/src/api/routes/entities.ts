import { fromJson, type JsonValue, toJson } from '@bufbuild/protobuf';
import { deleteEntity, getEntity, listEntities, putEntity } from '../../config/drafts.ts';
import { ENTITY_ID_PATTERN, ENTITY_KINDS, type EntityKind } from '../../config/entities.ts';
import { withTenant } from '../../db/tenant.ts';
import { NotFoundError, ValidationError } from '../../errors.ts';
import type { ApiDeps } from '../deps.ts';
import { checkProtoJson } from '../proto-json.ts';
import type { BodySpec, RouteSpec } from '../router.ts';
import { requireSite } from '../site-view.ts';

function entityBody(k: EntityKind): BodySpec<JsonValue> {
  return {
    schema: { $ref: `#/components/schemas/${k.schema.typeName}` },
    parse(v) {
      const problems = checkProtoJson(k.schema, v);
      if (problems.length) throw new ValidationError(problems);
      try {
        // Normalised proto JSON (enum names, defaults dropped) is what the draft stores.
        return toJson(k.schema, fromJson(k.schema, v as JsonValue));
      } catch (cause) {
        throw new ValidationError([
          { field: '(body)', problem: cause instanceof Error ? cause.message : 'invalid' },
        ]);
      }
    },
  };
}

/** CRUD of the draft's entities, one set of routes per kind (trunks, dids, flows, queues, ...). */
export function entityRoutes(d: ApiDeps): RouteSpec[] {
  return ENTITY_KINDS.flatMap((k): RouteSpec[] => {
    const base = `/api/v1/sites/{siteId}/${k.kind}`;
    const edit = k.supervisorEditable ? 'edit_people' : 'edit_config';
    return [
      {
        method: 'get',
        path: base,
        summary: `${k.label}s of the site's draft`,
        tag: 'draft',
        action: 'read',
        handler: async ({ p, params }) =>
          withTenant(d.db, p.tenantId, async (tx) => {
            await requireSite(tx, p.tenantId, params.siteId!);
            const items = await listEntities(tx, params.siteId!, k.kind);
            return { items: items.map((e) => ({ ...(e.body as object), id: e.id })) };
          }),
      },
      {
        method: 'get',
        path: `${base}/{id}`,
        summary: `One ${k.label.toLowerCase()} of the draft`,
        tag: 'draft',
        action: 'read',
        response: { $ref: `#/components/schemas/${k.schema.typeName}` },
        handler: async ({ p, params }) =>
          withTenant(d.db, p.tenantId, async (tx) => {
            await requireSite(tx, p.tenantId, params.siteId!);
            const e = await getEntity(tx, params.siteId!, k.kind, params.id!);
            if (!e) throw new NotFoundError(`${k.label} ${params.id}`);
            return e.body;
          }),
      },
      {
        method: 'put',
        path: `${base}/{id}`,
        summary: `Create or replace a ${k.label.toLowerCase()} in the draft (proto JSON of ${k.schema.typeName})`,
        tag: 'draft',
        action: edit,
        body: entityBody(k),
        handler: async ({ p, params, body }) => {
          const id = params.id!;
          if (!ENTITY_ID_PATTERN.test(id))
            throw new ValidationError([
              { field: 'id', problem: 'must match [A-Za-z0-9][A-Za-z0-9_.:-]{0,63}' },
            ]);
          const b = body as Record<string, JsonValue>;
          if (b.id !== undefined && b.id !== id)
            throw new ValidationError([{ field: 'id', problem: 'differs from the id in the path' }]);
          const stored = { ...b, id };
          await withTenant(d.db, p.tenantId, async (tx) => {
            await requireSite(tx, p.tenantId, params.siteId!);
            await putEntity(tx, {
              tenantId: p.tenantId,
              siteId: params.siteId!,
              kind: k.kind,
              id,
              body: stored,
              by: p.subject,
            });
          });
          return stored;
        },
      },
      {
        method: 'delete',
        path: `${base}/{id}`,
        summary: `Delete a ${k.label.toLowerCase()} from the draft`,
        tag: 'draft',
        action: edit,
        status: 204,
        handler: async ({ p, params }) =>
          withTenant(d.db, p.tenantId, async (tx) => {
            await requireSite(tx, p.tenantId, params.siteId!);
            if (!(await deleteEntity(tx, params.siteId!, k.kind, params.id!)))
              throw new NotFoundError(`${k.label} ${params.id}`);
          }),
      },
    ];
  });
}
