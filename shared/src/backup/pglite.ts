/** PGlite data dirs in and out of a backup when no service holds them. */
import { openAsBlob } from 'node:fs';
import { writeFile } from 'node:fs/promises';

/** Dumps the PGlite data dir (the service must be stopped) into `file` as a tarball. */
export async function dumpPgliteDir(dataDir: string, file: string): Promise<void> {
  const { PGlite } = await import('@electric-sql/pglite');
  const client = await PGlite.create(dataDir);
  try {
    await client.exec('CHECKPOINT');
    const blob = await client.dumpDataDir('none');
    await writeFile(file, Buffer.from(await blob.arrayBuffer()), { mode: 0o600, flag: 'wx' });
  } finally {
    await client.close();
  }
}

/** Creates the PGlite data dir `dataDir` (absent or empty) from a tarball made by `dump()`. */
export async function loadPgliteDir(dataDir: string, file: string): Promise<void> {
  const { PGlite } = await import('@electric-sql/pglite');
  const client = await PGlite.create(dataDir, { loadDataDir: await openAsBlob(file) });
  await client.close();
}
