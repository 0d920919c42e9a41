/**
 * The MANIFEST of a backup archive: what service and site it came from, when, which product
 * version wrote it, how the database was dumped, and the SHA-256 and size of every other entry.
 * A restore checks every entry against it before writing anything.
 */

export const MANIFEST_NAME = 'MANIFEST';
export const MANIFEST_FORMAT = 'hcc-backup/1';

export type BackupService = 'edge' | 'cloud';

export interface ManifestFile {
  /** Entry name in the archive, e.g. `data/recordings/2026-12-06/abc.wav`. */
  path: string;
  size: number;
  sha256: string;
}

export interface BackupManifest {
  format: typeof MANIFEST_FORMAT;
  service: BackupService;
  /** Product version of the program that wrote the archive. */
  version: string;
  /** Edge: the site id; cloud: absent. */
  site?: string;
  createdAt: string;
  /** How the database is held: a PGlite data dir tarball or a `pg_dump --format=custom` file. */
  database: 'pglite' | 'postgres';
  /** Where the data dir was when backed up (restore moves absolute paths stored in the database). */
  sourceDataDir?: string;
  files: ManifestFile[];
}

/** The archive is damaged, not ours, or does not match its MANIFEST. Nothing was written. */
export class BackupIntegrityError extends Error {
  override readonly name = 'BackupIntegrityError';
}

const SAFE_PATH = /^(?!\/)(?!.*(?:^|\/)\.\.(?:\/|$))[\w@+.=,/-]+$/;

/** Entry names must stay inside the restore target: relative, no `..`, plain characters. */
export function assertSafeEntryName(name: string): void {
  if (!SAFE_PATH.test(name) || name.includes('//'))
    throw new BackupIntegrityError(`archive entry "${name}" is not a safe relative path`);
}

/** Parses and checks a MANIFEST's shape; throws BackupIntegrityError naming what is wrong. */
export function parseManifest(text: string): BackupManifest {
  let m: Partial<BackupManifest>;
  try {
    m = JSON.parse(text) as Partial<BackupManifest>;
  } catch {
    throw new BackupIntegrityError('MANIFEST is not valid JSON');
  }
  if (m.format !== MANIFEST_FORMAT)
    throw new BackupIntegrityError(`MANIFEST format is "${String(m.format)}", expected ${MANIFEST_FORMAT}`);
  if (m.service !== 'edge' && m.service !== 'cloud')
    throw new BackupIntegrityError('MANIFEST names no service');
  if (m.database !== 'pglite' && m.database !== 'postgres')
    throw new BackupIntegrityError('MANIFEST names no database kind');
  if (!Array.isArray(m.files)) throw new BackupIntegrityError('MANIFEST lists no files');
  for (const f of m.files) {
    if (typeof f?.path !== 'string' || typeof f.size !== 'number' || !/^[0-9a-f]{64}$/.test(f.sha256))
      throw new BackupIntegrityError('MANIFEST has a malformed file entry');
    assertSafeEntryName(f.path);
  }
  return m as BackupManifest;
}
