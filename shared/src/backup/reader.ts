/**
 * Reads a backup archive in two passes. `verifyBackup` reads it whole and checks every entry's
 * SHA-256 and size against the MANIFEST (and the tar and gzip checksums on the way) without writing
 * anything. `extractBackup` then writes the entries a restore asks for, hashing them again.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { chown, mkdir, open, readdir, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { type Readable, Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { extract as tarExtract } from 'tar-stream';
import {
  assertSafeEntryName,
  BackupIntegrityError,
  type BackupManifest,
  MANIFEST_NAME,
  parseManifest,
} from './manifest.ts';
import type { Owner } from './owner.ts';
import type { Progress } from './progress.ts';

const MAX_MANIFEST = 64 * 1024 * 1024;

async function isGzip(file: string): Promise<boolean> {
  const fh = await open(file, 'r');
  try {
    const b = Buffer.alloc(2);
    const { bytesRead } = await fh.read(b, 0, 2, 0);
    return bytesRead === 2 && b[0] === 0x1f && b[1] === 0x8b;
  } finally {
    await fh.close();
  }
}

type EntryHandler = (name: string, size: number, body: Readable) => Promise<void>;

/** Runs `onEntry` for each regular file of the archive in order; damage becomes BackupIntegrityError. */
async function eachEntry(file: string, onEntry: EntryHandler): Promise<void> {
  const gz = await isGzip(file);
  const ex = tarExtract();
  const consume = (async () => {
    for await (const entry of ex) {
      const { name, type, size } = entry.header;
      if (type !== 'file') throw new BackupIntegrityError(`archive entry "${name}" is a ${type}, not a file`);
      assertSafeEntryName(name);
      await onEntry(name, size ?? 0, entry as unknown as Readable);
    }
  })();
  const [piped, consumed] = await Promise.allSettled([
    gz
      ? pipeline(createReadStream(file), createGunzip(), ex as unknown as Writable)
      : pipeline(createReadStream(file), ex as unknown as Writable),
    consume,
  ]);
  const errors = [consumed, piped].flatMap((r) => (r.status === 'rejected' ? [r.reason as Error] : []));
  if (errors.length === 0) return;
  // The reason a pass stopped (a hash mismatch) before what stopping it did to the stream.
  const err = errors.find((e) => e instanceof BackupIntegrityError) ?? errors[0]!;
  if (err instanceof BackupIntegrityError) throw err;
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'EACCES' || code === 'ENOSPC') throw err;
  throw new BackupIntegrityError(`archive is damaged: ${err.message}`);
}

async function hashOf(body: Readable, sink?: Writable, progress?: Progress): Promise<string> {
  const hash = createHash('sha256');
  const tap = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      hash.update(chunk);
      progress?.bytes(chunk.length);
      cb(null, sink ? chunk : undefined);
    },
  });
  if (sink) await pipeline(body, tap, sink);
  else await pipeline(body, tap, devNull());
  return hash.digest('hex');
}

const devNull = () =>
  new Writable({
    write(_c, _e, cb) {
      cb();
    },
  });

/**
 * Reads the whole archive and checks it: a MANIFEST, each listed entry present once with its size
 * and SHA-256, nothing unlisted. Writes nothing. Throws BackupIntegrityError naming the first problem.
 */
export async function verifyBackup(file: string, progress?: Progress): Promise<BackupManifest> {
  const seen = new Map<string, { size: number; sha256: string }>();
  let manifestText: string | undefined;
  await eachEntry(file, async (name, size, body) => {
    if (name === MANIFEST_NAME) {
      if (size > MAX_MANIFEST) throw new BackupIntegrityError('MANIFEST is too large');
      const chunks: Buffer[] = [];
      for await (const c of body) chunks.push(c as Buffer);
      manifestText = Buffer.concat(chunks).toString('utf8');
      return;
    }
    if (seen.has(name)) throw new BackupIntegrityError(`archive holds "${name}" twice`);
    seen.set(name, { size, sha256: await hashOf(body, undefined, progress) });
  });
  if (manifestText === undefined)
    throw new BackupIntegrityError('archive has no MANIFEST: not an hcc backup');
  const manifest = parseManifest(manifestText);
  const listed = new Set<string>();
  for (const f of manifest.files) {
    const got = seen.get(f.path);
    if (!got) throw new BackupIntegrityError(`"${f.path}" is listed in the MANIFEST but missing`);
    if (got.size !== f.size || got.sha256 !== f.sha256)
      throw new BackupIntegrityError(`"${f.path}" does not match its SHA-256 in the MANIFEST`);
    listed.add(f.path);
  }
  for (const name of seen.keys())
    if (!listed.has(name)) throw new BackupIntegrityError(`"${name}" is not listed in the MANIFEST`);
  return manifest;
}

export interface ExtractOptions {
  /**
   * Where an entry goes (absolute path) and who owns it and the directories created for it (a
   * restore as root into a service's dirs); undefined skips the entry.
   */
  target(name: string): { path: string; owner?: Owner | undefined } | undefined;
  progress?: Progress;
}

/**
 * Writes the entries `target` maps (mode 0600, directories 0700), each through `<path>.restoring`
 * and a rename, checking its SHA-256 against the verified MANIFEST again. Returns the paths written.
 */
export async function extractBackup(
  file: string,
  manifest: BackupManifest,
  o: ExtractOptions,
): Promise<string[]> {
  const expected = new Map(manifest.files.map((f) => [f.path, f.sha256]));
  const written: string[] = [];
  await eachEntry(file, async (name, _size, body) => {
    const t = name === MANIFEST_NAME ? undefined : o.target(name);
    if (!t) {
      body.resume();
      return;
    }
    const { path, owner } = t;
    await mkdirOwned(dirname(path), owner);
    const tmp = `${path}.restoring`;
    const sha = await hashOf(body, createWriteStream(tmp, { mode: 0o600 }), o.progress);
    if (sha !== expected.get(name)) {
      await rm(tmp, { force: true });
      throw new BackupIntegrityError(`"${name}" changed since it was verified: restore incomplete`);
    }
    if (owner) await chown(tmp, owner.uid, owner.gid);
    await rename(tmp, path);
    written.push(path);
    o.progress?.entryDone(0, false);
  });
  return written;
}

async function mkdirOwned(dir: string, owner: Owner | undefined): Promise<void> {
  const first = await mkdir(dir, { recursive: true, mode: 0o700 });
  if (!first || !owner) return;
  // chown every directory mkdir created, from the first one down.
  let d = dir;
  const made: string[] = [];
  while (d.length >= first.length) {
    made.push(d);
    if (d === first) break;
    d = dirname(d);
  }
  for (const m of made) await chown(m, owner.uid, owner.gid);
}

/** chown -R (a PGlite data dir restored as root for the service's user). */
export async function chownTree(path: string, owner: Owner): Promise<void> {
  await chown(path, owner.uid, owner.gid);
  for (const e of await readdir(path, { withFileTypes: true })) {
    const p = join(path, e.name);
    if (e.isDirectory()) await chownTree(p, owner);
    else await chown(p, owner.uid, owner.gid);
  }
}
