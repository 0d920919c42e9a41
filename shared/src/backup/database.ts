/**
 * The service database in and out of an archive, for both kinds: PGlite (a data dir tarball; from
 * the running service through its admin socket, or opened directly when the service is stopped)
 * and PostgreSQL (pg_dump / pg_restore).
 */
import { existsSync, readdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { DatabaseTarget } from '../db/open.ts';
import { adminSocketAlive, fetchDatabaseDump } from './admin-socket.ts';
import type { Owner } from './owner.ts';
import { pgDump, pgRestore, pgTableCount } from './pg-tools.ts';
import { dumpPgliteDir, loadPgliteDir } from './pglite.ts';
import { chownTree } from './reader.ts';
import type { BackupSource } from './writer.ts';

export const PGLITE_ENTRY = 'database/pglite.tar';
export const POSTGRES_ENTRY = 'database/postgres.dump';

export const databaseKind = (t: DatabaseTarget): 'pglite' | 'postgres' =>
  'url' in t ? 'postgres' : 'pglite';

/** Dumps the database into `stageDir` and returns its archive entry; `via` says how. */
export async function dumpDatabase(
  target: DatabaseTarget,
  adminSocket: string,
  stageDir: string,
): Promise<{ entry: BackupSource; via: string }> {
  if ('url' in target) {
    const file = join(stageDir, 'postgres.dump');
    await pgDump(target.url, file);
    return { entry: { name: POSTGRES_ENTRY, file }, via: 'pg_dump' };
  }
  const file = join(stageDir, 'pglite.tar');
  if (await adminSocketAlive(adminSocket)) {
    await fetchDatabaseDump(adminSocket, file);
    return { entry: { name: PGLITE_ENTRY, file }, via: 'the running service' };
  }
  if (!existsSync(join(target.dataDir, 'PG_VERSION')))
    throw new Error(`no database at ${target.dataDir} and no service answering on ${adminSocket}`);
  await dumpPgliteDir(target.dataDir, file);
  return { entry: { name: PGLITE_ENTRY, file }, via: 'the data dir (service stopped)' };
}

/** What of the database already exists (empty when the target is fresh). */
export async function existingDatabase(target: DatabaseTarget): Promise<string[]> {
  if ('url' in target) {
    const n = await pgTableCount(target.url);
    return n > 0 ? [`${n} tables in the PostgreSQL database`] : [];
  }
  return existsSync(target.dataDir) && readdirSync(target.dataDir).length > 0 ? [target.dataDir] : [];
}

/**
 * Loads a dump made by `dumpDatabase` into `target`, replacing what is there (the caller has
 * checked it may). `owner` owns a restored PGlite data dir.
 */
export async function loadDatabase(
  target: DatabaseTarget,
  dumpFile: string,
  o: { replace: boolean; owner?: Owner | undefined },
): Promise<void> {
  if ('url' in target) {
    await pgRestore(target.url, dumpFile, { clean: o.replace });
    return;
  }
  if (o.replace) await rm(target.dataDir, { recursive: true, force: true });
  await loadPgliteDir(target.dataDir, dumpFile);
  if (o.owner) await chownTree(target.dataDir, o.owner);
}
