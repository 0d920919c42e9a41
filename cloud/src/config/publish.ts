import { create } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import {
  bundleSigningBytes,
  type ConfigBundle,
  ConfigBundleSchema,
  decodeBundle,
  encodeBundle,
} from '@hcc/proto';
import { type BundleProblem, publicKeyOf, signBytes, signingKeyId, validateBundle } from '@hcc/shared';
import { and, desc, eq } from 'drizzle-orm';
import { configVersions } from '../db/schema.ts';
import type { Tx } from '../db/tenant.ts';

export interface Signer {
  readonly keyId: string;
  readonly publicKeyPem: string;
  sign(data: Uint8Array): Uint8Array;
}

export function ed25519Signer(privateKeyPem: string): Signer {
  const publicKeyPem = publicKeyOf(privateKeyPem);
  return { keyId: signingKeyId(publicKeyPem), publicKeyPem, sign: (data) => signBytes(privateKeyPem, data) };
}

/** The draft does not compile into a valid bundle; the problems name entity ids and fields. */
export class InvalidDraftError extends Error {
  override readonly name = 'InvalidDraftError';
  constructor(readonly problems: BundleProblem[]) {
    super(`the draft is not a valid bundle (${problems.length} problems)`);
  }
}

export interface VersionRow {
  siteId: string;
  version: bigint;
  createdAt: Date;
  publishedAt: Date | null;
  createdBy: string | null;
  restoredFrom: bigint | null;
}

/**
 * Freezes a bundle into the next immutable version of its site: validates the whole bundle,
 * assigns version and created-at, signs it and stores it. Returns the signed bundle.
 */
export async function createVersion(
  tx: Tx,
  signer: Signer,
  draft: ConfigBundle,
  opts: { createdBy: string; restoredFrom?: bigint; now?: number },
): Promise<ConfigBundle> {
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
    createdAt: timestampFromMs(opts.now ?? Date.now()),
    signingKeyId: signer.keyId,
    signature: new Uint8Array(0),
  });
  const problems = validateBundle(bundle);
  if (problems.length > 0) throw new InvalidDraftError(problems);
  bundle.signature = signer.sign(bundleSigningBytes(bundle));
  await tx.insert(configVersions).values({
    tenantId: bundle.tenantId,
    siteId: bundle.siteId,
    version: bundle.version,
    bundle: encodeBundle(bundle),
    createdBy: opts.createdBy,
    restoredFrom: opts.restoredFrom ?? null,
  });
  return bundle;
}

const versionColumns = {
  siteId: configVersions.siteId,
  version: configVersions.version,
  createdAt: configVersions.createdAt,
  publishedAt: configVersions.publishedAt,
  createdBy: configVersions.createdBy,
  restoredFrom: configVersions.restoredFrom,
};

export async function listVersions(tx: Tx, siteId: string): Promise<VersionRow[]> {
  return tx
    .select(versionColumns)
    .from(configVersions)
    .where(eq(configVersions.siteId, siteId))
    .orderBy(desc(configVersions.version));
}

/** The stored bytes and decoded bundle of one version, or undefined. */
export async function getVersion(
  tx: Tx,
  siteId: string,
  version: bigint,
): Promise<{ row: VersionRow; bytes: Uint8Array; bundle: ConfigBundle } | undefined> {
  const [row] = await tx
    .select({ ...versionColumns, bundle: configVersions.bundle })
    .from(configVersions)
    .where(and(eq(configVersions.siteId, siteId), eq(configVersions.version, version)));
  if (!row) return undefined;
  const { bundle: bytes, ...rest } = row;
  return { row: rest, bytes, bundle: decodeBundle(bytes) };
}

export async function latestVersionNumber(tx: Tx, siteId: string): Promise<bigint | undefined> {
  const [row] = await tx
    .select({ version: configVersions.version })
    .from(configVersions)
    .where(eq(configVersions.siteId, siteId))
    .orderBy(desc(configVersions.version))
    .limit(1);
  return row?.version;
}

export async function markPublished(tx: Tx, siteId: string, version: bigint): Promise<void> {
  await tx
    .update(configVersions)
    .set({ publishedAt: new Date() })
    .where(and(eq(configVersions.siteId, siteId), eq(configVersions.version, version)));
}
