/**
 * `hcc-edge restore FILE` on a fresh install: refuses while the edge runs, and (unless `force`)
 * when the data dir, database or enrollment directory already hold an edge; reads the whole
 * archive and checks every SHA-256 before writing anything; then writes the files, loads the
 * database, and moves the recording paths the database holds to this data dir.
 */
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import {
  adminSocketAlive,
  type BackupManifest,
  chownTree,
  databaseKind,
  existingDatabase,
  extractBackup,
  fileOwner,
  hccUser,
  loadDatabase,
  openDatabase,
  type Progress,
  verifyBackup,
} from '@hcc/shared';
import { sql } from 'drizzle-orm';
import { DATA_FOLDERS, type EdgeLayout, ENROLL_FILES, PSEUDONYM_KEY } from './layout.ts';

/** The restore cannot go ahead; nothing was written. */
export class RestoreRefused extends Error {
  override readonly name = 'RestoreRefused';
}

/** What of an edge already exists at the restore target. */
async function existingEdge(layout: EdgeLayout): Promise<string[]> {
  const found = await existingDatabase(layout.database);
  const key = join(layout.dataDir, PSEUDONYM_KEY);
  if (existsSync(key)) found.push(key);
  for (const f of DATA_FOLDERS) {
    const d = join(layout.dataDir, f);
    if (existsSync(d) && readdirSync(d).length > 0) found.push(d);
  }
  for (const f of layout.enrollDir ? ENROLL_FILES : []) {
    const p = join(layout.enrollDir!, f);
    if (existsSync(p)) found.push(p);
  }
  return found;
}

function checkFits(m: BackupManifest, layout: EdgeLayout): void {
  if (m.service !== 'edge') throw new RestoreRefused(`this is a ${m.service} backup, not an edge backup`);
  if (m.database !== databaseKind(layout.database))
    throw new RestoreRefused(
      `the archive holds a ${m.database} database but this edge uses ${databaseKind(layout.database)}` +
        ` (${m.database === 'postgres' ? 'set EDGE_DATABASE_URL' : 'unset EDGE_DATABASE_URL'})`,
    );
  if (layout.siteFromEnv && m.site && m.site !== layout.site)
    throw new RestoreRefused(`the archive is site ${m.site}'s, but EDGE_SITE is ${layout.site}`);
  if (!layout.enrollDir && m.files.some((f) => f.path.startsWith('enroll/')))
    throw new RestoreRefused('the archive holds the enrollment directory: set EDGE_ENROLL_DIR');
}

export interface RestoreReport {
  manifest: BackupManifest;
  files: number;
  relocatedRecordings: number;
}

export async function restoreEdge(
  file: string,
  layout: EdgeLayout,
  o: { force: boolean; progress?: Progress; note?: (line: string) => void },
): Promise<RestoreReport> {
  if (!existsSync(file)) throw new RestoreRefused(`${file} does not exist`);
  if (await adminSocketAlive(layout.adminSocket))
    throw new RestoreRefused(
      `the edge is running (it answers on ${layout.adminSocket}): stop it first (systemctl stop hcc-edge)`,
    );
  const existing = await existingEdge(layout);
  if (existing.length > 0 && !o.force)
    throw new RestoreRefused(
      `not a fresh install, these exist: ${existing.join(', ')}. Restore into an empty data dir and database, or pass --force to replace them`,
    );
  const manifest = await verifyBackup(file, o.progress);
  checkFits(manifest, layout);
  o.note?.(
    `archive verified: ${manifest.files.length} files, site ${manifest.site}, made ${manifest.createdAt}`,
  );

  await mkdir(layout.dataDir, { recursive: true, mode: 0o700 });
  const dataOwner = (await fileOwner(layout.dataDir)) ?? hccUser();
  const enrollOwner = hccUser();
  const stage = await mkdtemp(join(layout.dataDir, '.restore-'));
  try {
    if (o.force) {
      for (const f of DATA_FOLDERS) await rm(join(layout.dataDir, f), { recursive: true, force: true });
      await rm(join(layout.dataDir, PSEUDONYM_KEY), { force: true });
    }
    const written = await extractBackup(file, manifest, {
      target: (name) => {
        const [top, ...rest] = name.split('/');
        const rel = rest.join('/');
        if (top === 'database') return { path: join(stage, rel) };
        if (top === 'data') return { path: join(layout.dataDir, rel), owner: dataOwner };
        if (top === 'enroll' && layout.enrollDir && ENROLL_FILES.includes(rel))
          return { path: join(layout.enrollDir, rel), owner: enrollOwner };
        return undefined;
      },
      ...(o.progress ? { progress: o.progress } : {}),
    });
    const dump = manifest.database === 'pglite' ? 'pglite.tar' : 'postgres.dump';
    await loadDatabase(layout.database, join(stage, dump), { replace: o.force });
    const relocated = await relocateRecordings(layout, manifest.sourceDataDir);
    // Last: opening PGlite (above) writes files, and the service's user must own all of them.
    if (dataOwner && 'dataDir' in layout.database) await chownTree(layout.database.dataDir, dataOwner);
    return { manifest, files: written.length, relocatedRecordings: relocated };
  } finally {
    await rm(stage, { recursive: true, force: true });
  }
}

/**
 * Recording rows hold absolute paths under the data dir they were made in: restored into another
 * data dir, they are moved to it. Returns the rows changed.
 */
async function relocateRecordings(layout: EdgeLayout, from: string | undefined): Promise<number> {
  if (!from || from === layout.dataDir) return 0;
  const database = await openDatabase(layout.database);
  try {
    const prefix = `${from}/`;
    const res = (await database.db.execute(
      sql`update recordings set path = ${`${layout.dataDir}/`} || substr(path, ${prefix.length + 1})
           where starts_with(path, ${prefix})`,
    )) as unknown as { rowCount?: number; affectedRows?: number };
    return res.rowCount ?? res.affectedRows ?? 0;
  } finally {
    await database.close();
  }
}
