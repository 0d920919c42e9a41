/**
 * `hcc-edge backup FILE`: one archive of everything a site cannot get back from the cloud, taken
 * while the edge runs and calls go on. The database is dumped first (through the running edge for
 * PGlite, pg_dump for PostgreSQL), then the files: every recording the dump indexes was complete
 * before the dump, so it is in the archive.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import {
  type BackupResult,
  type BackupSource,
  databaseKind,
  dumpDatabase,
  filesUnder,
  type Progress,
  productVersion,
  writeBackup,
} from '@hcc/shared';
import { DATA_FOLDERS, type EdgeLayout, ENROLL_FILES, PSEUDONYM_KEY } from './layout.ts';

export async function backupEdge(
  file: string,
  layout: EdgeLayout,
  o: { progress?: Progress; note?: (line: string) => void } = {},
): Promise<BackupResult> {
  const target = resolve(file);
  if (existsSync(target)) throw new Error(`${target} exists: name a new archive`);
  const stage = await mkdtemp(join(dirname(target), '.hcc-backup-'));
  try {
    const started = Date.now();
    const db = await dumpDatabase(layout.database, layout.adminSocket, stage);
    o.note?.(
      `database dumped (${databaseKind(layout.database)}, from ${db.via}) in ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
    const entries: BackupSource[] = [db.entry];
    const key = join(layout.dataDir, PSEUDONYM_KEY);
    if (existsSync(key)) entries.push({ name: `data/${PSEUDONYM_KEY}`, file: key });
    else o.note?.(`warning: no pseudonym key at ${key} (the edge creates it when it first starts)`);
    if (layout.enrollDir) {
      for (const f of ENROLL_FILES) {
        const p = join(layout.enrollDir, f);
        if (existsSync(p)) entries.push({ name: `enroll/${f}`, file: p });
      }
    }
    for (const folder of DATA_FOLDERS)
      entries.push(...(await filesUnder(join(layout.dataDir, folder), `data/${folder}`)));
    return await writeBackup({
      file: target,
      manifest: {
        service: 'edge',
        version: productVersion(),
        site: layout.site,
        database: databaseKind(layout.database),
        sourceDataDir: layout.dataDir,
      },
      entries,
      ...(o.progress ? { progress: o.progress } : {}),
    });
  } finally {
    await rm(stage, { recursive: true, force: true });
  }
}
