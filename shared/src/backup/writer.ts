/**
 * Writes a backup archive: a tar (gzip when the name ends in .gz or .tgz) of the given entries
 * followed by the MANIFEST with the SHA-256 and size of each, hashed from the very bytes written.
 * The archive holds secrets: it is created with mode 0600 as `<file>.partial` and renamed into place
 * only when complete, so a failed backup never leaves a file that looks whole.
 */
import { createHash } from 'node:crypto';
import { createWriteStream, existsSync } from 'node:fs';
import { type FileHandle, link, open, rm, stat } from 'node:fs/promises';
import { Transform, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { pack as tarPack } from 'tar-stream';
import { assertSafeEntryName, type BackupManifest, MANIFEST_FORMAT, MANIFEST_NAME } from './manifest.ts';
import type { Progress } from './progress.ts';

/** One entry of the archive: a file read from disk, or bytes in memory. */
export type BackupSource = { name: string; file: string } | { name: string; data: Uint8Array };

export interface WriteBackupOptions {
  file: string;
  manifest: Omit<BackupManifest, 'format' | 'createdAt' | 'files'>;
  entries: BackupSource[];
  progress?: Progress;
}

export interface BackupResult {
  manifest: BackupManifest;
  /** Bytes of entry content (before compression). */
  contentBytes: number;
  /** Size of the archive file. */
  archiveBytes: number;
}

/** The archive is compressed when its name says so. */
export const isGzipName = (file: string): boolean => /\.(t?gz)$/i.test(file);

export async function writeBackup(o: WriteBackupOptions): Promise<BackupResult> {
  for (const e of o.entries) assertSafeEntryName(e.name);
  if (existsSync(o.file)) throw new Error(`${o.file} exists: name a new archive`);
  const partial = `${o.file}.partial`;
  // `wx`: never overwrite an archive (or a partial one another backup is writing).
  const out = createWriteStream(partial, { flags: 'wx', mode: 0o600 });
  await new Promise<void>((resolve, reject) => {
    out.once('open', () => resolve());
    out.once('error', reject);
  });
  const tar = tarPack();
  const sink = isGzipName(o.file) ? pipeline(tar, createGzip({ level: 1 }), out) : pipeline(tar, out);
  const files: BackupManifest['files'] = [];
  let contentBytes = 0;
  try {
    const sizes = await Promise.all(
      o.entries.map(async (e) =>
        'file' in e ? ((await stat(e.file).catch(() => undefined))?.size ?? 0) : e.data.length,
      ),
    );
    o.progress?.start(
      sizes.reduce((a, b) => a + b, 0),
      o.entries.length,
    );
    for (const e of o.entries) {
      const written =
        'file' in e ? await addFile(tar, e.name, e.file, o.progress) : addData(tar, e.name, e.data);
      if (!written) continue;
      files.push({ path: e.name, ...written });
      contentBytes += written.size;
      o.progress?.entryDone(written.size, 'data' in e);
    }
    const manifest: BackupManifest = {
      format: MANIFEST_FORMAT,
      ...o.manifest,
      createdAt: new Date().toISOString(),
      files,
    };
    addData(tar, MANIFEST_NAME, Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`));
    tar.finalize();
    await sink;
    // link, not rename: never replaces an archive that appeared meanwhile (EEXIST).
    await link(partial, o.file);
    await rm(partial, { force: true });
    const archiveBytes = (await stat(o.file)).size;
    return { manifest, contentBytes, archiveBytes };
  } catch (err) {
    tar.destroy(err as Error);
    await sink.catch(() => {});
    await rm(partial, { force: true });
    throw err;
  }
}

function addData(tar: ReturnType<typeof tarPack>, name: string, data: Uint8Array) {
  tar.entry({ name, size: data.length, mode: 0o600, mtime: new Date() }, Buffer.from(data));
  return { size: data.length, sha256: createHash('sha256').update(data).digest('hex') };
}

/**
 * Streams a file into the archive, hashing what is written. The size is taken from the open file,
 * and exactly that many bytes are read (a file still growing is cut there). A file that disappeared
 * since the plan (a recording removed by retention) is left out: returns undefined.
 */
async function addFile(
  tar: ReturnType<typeof tarPack>,
  name: string,
  path: string,
  progress: Progress | undefined,
): Promise<{ size: number; sha256: string } | undefined> {
  let fh: FileHandle;
  try {
    fh = await open(path, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  try {
    const st = await fh.stat();
    const size = st.size;
    const hash = createHash('sha256');
    if (size === 0) {
      tar.entry({ name, size, mode: 0o600, mtime: st.mtime }, Buffer.alloc(0));
    } else {
      const entry = tar.entry({ name, size, mode: 0o600, mtime: st.mtime }) as unknown as Writable;
      const read = fh.createReadStream({ start: 0, end: size - 1, autoClose: false });
      const tap = new Transform({
        transform(chunk: Buffer, _enc, cb) {
          hash.update(chunk);
          progress?.bytes(chunk.length);
          cb(null, chunk);
        },
      });
      await pipeline(read, tap, entry);
    }
    return { size, sha256: hash.digest('hex') };
  } finally {
    await fh.close();
  }
}
