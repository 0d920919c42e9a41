/**
 * `hcc-cloud restore FILE`: into a fresh database (refused while a PGlite cloud runs, or when the
 * database holds tables, unless `force`), after every SHA-256 of the archive checked. Secret files
 * already present with other contents are replaced only with `force`. On its next start the cloud
 * pushes every site account to the hub again, so enrolled edges keep their credentials.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import {
  adminSocketAlive,
  type BackupManifest,
  databaseKind,
  existingDatabase,
  extractBackup,
  fileOwner,
  hccUser,
  loadDatabase,
  type Progress,
  pgExec,
  verifyBackup,
} from '@hcc/shared';
import { type CloudLayout, SECRET_FILES } from './layout.ts';

/** The restore cannot go ahead; nothing was written. */
export class RestoreRefused extends Error {
  override readonly name = 'RestoreRefused';
}

/**
 * Cluster-wide roles a cloud dump's GRANTs name (cloud/drizzle/0002_rls.sql): a PostgreSQL server
 * the cloud never ran on lacks them.
 */
const CLOUD_ROLES = ['hcc_app', 'hcc_system'].map(
  (r) =>
    `DO $$ BEGIN CREATE ROLE ${r} NOLOGIN; EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$`,
);

const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

export async function restoreCloud(
  file: string,
  layout: CloudLayout,
  o: { force: boolean; progress?: Progress; note?: (line: string) => void },
): Promise<{ manifest: BackupManifest; files: number }> {
  if (!existsSync(file)) throw new RestoreRefused(`${file} does not exist`);
  if (layout.adminSocket && (await adminSocketAlive(layout.adminSocket)))
    throw new RestoreRefused(
      `the cloud is running (it answers on ${layout.adminSocket}): stop it first (systemctl stop hcc-cloud)`,
    );
  for (const s of SECRET_FILES)
    if (!layout.secrets[s.entry])
      throw new RestoreRefused(`${s.env} is not set: it says where to restore it`);
  const existing = await existingDatabase(layout.database);
  if (existing.length > 0 && !o.force)
    throw new RestoreRefused(
      `not a fresh database, these exist: ${existing.join(', ')}. Restore into an empty one, or pass --force to replace it`,
    );
  const manifest = await verifyBackup(file, o.progress);
  if (manifest.service !== 'cloud')
    throw new RestoreRefused(`this is an ${manifest.service} backup, not a cloud backup`);
  if (manifest.database !== databaseKind(layout.database))
    throw new RestoreRefused(
      `the archive holds a ${manifest.database} database but this cloud uses ${databaseKind(layout.database)}`,
    );
  const differing = SECRET_FILES.filter((s) => {
    const path = layout.secrets[s.entry]!;
    const want = manifest.files.find((f) => f.path === s.entry)?.sha256;
    return existsSync(path) && sha256(path) !== want;
  });
  if (differing.length > 0 && !o.force)
    throw new RestoreRefused(
      `${differing.map((s) => `${s.env} (${layout.secrets[s.entry]})`).join(', ')} exist with other contents: pass --force to replace them`,
    );
  o.note?.(`archive verified: ${manifest.files.length} files, made ${manifest.createdAt}`);

  const owner = hccUser();
  const dataDir = 'dataDir' in layout.database ? dirname(layout.database.dataDir) : undefined;
  const stage = await mkdtemp(join(dataDir && existsSync(dataDir) ? dataDir : tmpdir(), '.restore-'));
  try {
    const owners = new Map<string, Awaited<ReturnType<typeof fileOwner>>>();
    for (const s of SECRET_FILES) {
      const path = layout.secrets[s.entry]!;
      owners.set(s.entry, (await fileOwner(dirname(path))) ?? owner);
    }
    const written = await extractBackup(file, manifest, {
      target: (name) => {
        if (name.startsWith('database/')) return { path: join(stage, name.slice('database/'.length)) };
        const path = layout.secrets[name];
        return path ? { path, owner: owners.get(name) } : undefined;
      },
      ...(o.progress ? { progress: o.progress } : {}),
    });
    if ('url' in layout.database) await pgExec(layout.database.url, CLOUD_ROLES);
    const dump = manifest.database === 'pglite' ? 'pglite.tar' : 'postgres.dump';
    await loadDatabase(layout.database, join(stage, dump), {
      replace: o.force,
      owner: dataDir ? ((await fileOwner(dataDir)) ?? owner) : undefined,
    });
    return { manifest, files: written.length };
  } finally {
    await rm(stage, { recursive: true, force: true });
  }
}
