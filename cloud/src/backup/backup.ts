/** `hcc-cloud backup FILE`: the cloud database and the three secret files, while the cloud runs. */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import {
  type BackupResult,
  type BackupSource,
  databaseKind,
  dumpDatabase,
  type Progress,
  productVersion,
  writeBackup,
} from '@hcc/shared';
import { type CloudLayout, SECRET_FILES } from './layout.ts';

export async function backupCloud(
  file: string,
  layout: CloudLayout,
  o: { progress?: Progress; note?: (line: string) => void } = {},
): Promise<BackupResult> {
  const target = resolve(file);
  if (existsSync(target)) throw new Error(`${target} exists: name a new archive`);
  const entries: BackupSource[] = [];
  for (const s of SECRET_FILES) {
    const path = layout.secrets[s.entry];
    if (!path) throw new Error(`${s.env} is not set`);
    if (!existsSync(path)) throw new Error(`${s.env}: ${path} does not exist`);
    entries.push({ name: s.entry, file: path });
  }
  const stage = await mkdtemp(join(dirname(target), '.hcc-backup-'));
  try {
    // A socket path that no process answers on makes dumpDatabase open the data dir itself.
    const started = Date.now();
    const db = await dumpDatabase(layout.database, layout.adminSocket ?? join(stage, 'none.sock'), stage);
    o.note?.(
      `database dumped (${databaseKind(layout.database)}, from ${db.via}) in ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
    return await writeBackup({
      file: target,
      manifest: { service: 'cloud', version: productVersion(), database: databaseKind(layout.database) },
      entries: [db.entry, ...entries],
      ...(o.progress ? { progress: o.progress } : {}),
    });
  } finally {
    await rm(stage, { recursive: true, force: true });
  }
}
