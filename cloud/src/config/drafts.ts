import { create, fromJson, type JsonValue, toJson } from '@bufbuild/protobuf';
import {
  type ConfigBundle,
  ConfigBundleSchema,
  DialPolicySchema,
  RecordingPolicySchema,
  RetentionPolicySchema,
} from '@hcc/proto';
import { and, asc, eq } from 'drizzle-orm';
import { draftEntities, sites } from '../db/schema.ts';
import type { Tx } from '../db/tenant.ts';
import { ENTITY_KINDS, type EntityKind } from './entities.ts';

/**
 * A site's draft: the editable entities (one row each, proto JSON) plus the site's own fields.
 * Every function takes a tenant-scoped transaction, so row-level security confines it to the tenant.
 */
export interface DraftEntity {
  kind: string;
  id: string;
  body: JsonValue;
  updatedAt: Date;
  updatedBy: string;
}

export async function listEntities(tx: Tx, siteId: string, kind: string): Promise<DraftEntity[]> {
  return tx
    .select({
      kind: draftEntities.kind,
      id: draftEntities.id,
      body: draftEntities.body,
      updatedAt: draftEntities.updatedAt,
      updatedBy: draftEntities.updatedBy,
    })
    .from(draftEntities)
    .where(and(eq(draftEntities.siteId, siteId), eq(draftEntities.kind, kind)))
    .orderBy(asc(draftEntities.id)) as Promise<DraftEntity[]>;
}

export async function getEntity(
  tx: Tx,
  siteId: string,
  kind: string,
  id: string,
): Promise<DraftEntity | undefined> {
  const [row] = await tx
    .select()
    .from(draftEntities)
    .where(and(eq(draftEntities.siteId, siteId), eq(draftEntities.kind, kind), eq(draftEntities.id, id)));
  return row as DraftEntity | undefined;
}

export async function putEntity(
  tx: Tx,
  e: { tenantId: string; siteId: string; kind: string; id: string; body: JsonValue; by: string },
): Promise<void> {
  const now = new Date();
  await tx
    .insert(draftEntities)
    .values({ tenantId: e.tenantId, siteId: e.siteId, kind: e.kind, id: e.id, body: e.body, updatedBy: e.by })
    .onConflictDoUpdate({
      target: [draftEntities.siteId, draftEntities.kind, draftEntities.id],
      set: { body: e.body, updatedBy: e.by, updatedAt: now },
    });
}

export async function deleteEntity(tx: Tx, siteId: string, kind: string, id: string): Promise<boolean> {
  const rows = await tx
    .delete(draftEntities)
    .where(and(eq(draftEntities.siteId, siteId), eq(draftEntities.kind, kind), eq(draftEntities.id, id)))
    .returning({ id: draftEntities.id });
  return rows.length > 0;
}

/** Compiles the draft into an unsigned, unversioned bundle (entities ordered by id: deterministic). */
export async function compileDraft(tx: Tx, siteId: string): Promise<ConfigBundle | undefined> {
  const [site] = await tx.select().from(sites).where(eq(sites.id, siteId));
  if (!site) return undefined;
  const rows = await tx
    .select({ kind: draftEntities.kind, body: draftEntities.body })
    .from(draftEntities)
    .where(eq(draftEntities.siteId, siteId))
    .orderBy(asc(draftEntities.kind), asc(draftEntities.id));
  const bundle = create(ConfigBundleSchema, {
    tenantId: site.tenantId,
    siteId: site.id,
    site: { name: site.name, timeZone: site.timeZone, locale: site.locale },
    recording: fromJson(RecordingPolicySchema, site.recording as JsonValue),
    retention: fromJson(RetentionPolicySchema, site.retention as JsonValue),
    dialPolicy: fromJson(DialPolicySchema, site.dialPolicy as JsonValue),
  });
  const kinds = new Map<string, EntityKind>(ENTITY_KINDS.map((k) => [k.kind, k]));
  for (const r of rows) {
    const k = kinds.get(r.kind);
    if (!k) continue;
    // biome-ignore lint/suspicious/noExplicitAny: the registry pairs each field with its schema
    (bundle[k.field] as any[]).push(fromJson(k.schema, r.body as JsonValue));
  }
  return bundle;
}

/** Replaces the whole draft with the content of a bundle (demo seed, rollback). */
export async function replaceDraft(tx: Tx, bundle: ConfigBundle, by: string): Promise<void> {
  await tx.delete(draftEntities).where(eq(draftEntities.siteId, bundle.siteId));
  for (const k of ENTITY_KINDS) {
    for (const entity of bundle[k.field] as { id: string }[]) {
      // biome-ignore lint/suspicious/noExplicitAny: the registry pairs each field with its schema
      const body = toJson(k.schema, entity as any);
      await putEntity(tx, {
        tenantId: bundle.tenantId,
        siteId: bundle.siteId,
        kind: k.kind,
        id: entity.id,
        body,
        by,
      });
    }
  }
  await tx
    .update(sites)
    .set({
      ...(bundle.site
        ? { name: bundle.site.name, timeZone: bundle.site.timeZone, locale: bundle.site.locale }
        : {}),
      recording: bundle.recording ? toJson(RecordingPolicySchema, bundle.recording) : {},
      retention: bundle.retention ? toJson(RetentionPolicySchema, bundle.retention) : {},
      dialPolicy: bundle.dialPolicy ? toJson(DialPolicySchema, bundle.dialPolicy) : {},
    })
    .where(eq(sites.id, bundle.siteId));
}
