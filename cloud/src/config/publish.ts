import { create } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import {
  bundleSigningBytes,
  type ConfigBundle,
  ConfigBundleSchema,
  decodeBundle,
  encodeBundle,
} from '@hcc/proto';
import { type Db, names, publicKeyOf, signBytes, signingKeyId } from '@hcc/shared';
import type { KV } from '@nats-io/kv';
import { and, desc, eq, isNull } from 'drizzle-orm';
import { configVersions } from '../db/schema.ts';

export interface Signer {
  readonly keyId: string;
  sign(data: Uint8Array): Uint8Array;
}

export function ed25519Signer(privateKeyPem: string): Signer {
  return { keyId: signingKeyId(publicKeyOf(privateKeyPem)), sign: (data) => signBytes(privateKeyPem, data) };
}

/**
 * Freezes a draft bundle into the next immutable version of its site: assigns version and
 * created-at, signs it and stores it. Returns the signed bundle.
 */
export async function createVersion(
  db: Db,
  signer: Signer,
  draft: ConfigBundle,
  now = Date.now(),
): Promise<ConfigBundle> {
  return db.transaction(async (tx) => {
    const [latest] = await tx
      .select({ version: configVersions.version })
      .from(configVersions)
      .where(eq(configVersions.siteId, draft.siteId))
      .orderBy(desc(configVersions.version))
      .limit(1)
      .for('update');
    const bundle = create(ConfigBundleSchema, {
      ...draft,
      version: (latest?.version ?? 0n) + 1n,
      createdAt: timestampFromMs(now),
      signingKeyId: signer.keyId,
    });
    bundle.signature = signer.sign(bundleSigningBytes(bundle));
    await tx.insert(configVersions).values({
      tenantId: bundle.tenantId,
      siteId: bundle.siteId,
      version: bundle.version,
      bundle: encodeBundle(bundle),
    });
    return bundle;
  });
}

/** Puts a signed version into the hub's config bucket (the site's edge mirrors it) and marks it published. */
export async function publishVersion(db: Db, kv: KV, siteId: string, version: bigint): Promise<void> {
  const [row] = await db
    .select()
    .from(configVersions)
    .where(and(eq(configVersions.siteId, siteId), eq(configVersions.version, version)));
  if (!row) throw new Error(`site ${siteId} has no config version ${version}`);
  await kv.put(names.configKey(siteId), row.bundle);
  await db
    .update(configVersions)
    .set({ publishedAt: new Date() })
    .where(
      and(
        eq(configVersions.siteId, siteId),
        eq(configVersions.version, version),
        isNull(configVersions.publishedAt),
      ),
    );
}

/** The newest stored version of a site, decoded, or undefined. */
export async function latestVersion(db: Db, siteId: string): Promise<ConfigBundle | undefined> {
  const [row] = await db
    .select({ bundle: configVersions.bundle })
    .from(configVersions)
    .where(eq(configVersions.siteId, siteId))
    .orderBy(desc(configVersions.version))
    .limit(1);
  return row ? decodeBundle(row.bundle) : undefined;
}
