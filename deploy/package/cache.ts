/**
 * The build cache shared by `npm run package` and the package tests (and by later CI runs on the same
 * machine): artifacts stored under a key made of their inputs' contents, so an unchanged input
 * skips its build.
 */
import { createHash } from 'node:crypto';
import { accessSync, constants, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** HCC_CI_CACHE, else /var/cache/hcc-ci when writable, else ~/.cache/hcc-ci. */
export function cacheRoot(): string {
  const fromEnv = process.env.HCC_CI_CACHE;
  const dir = fromEnv ?? '/var/cache/hcc-ci';
  try {
    mkdirSync(dir, { recursive: true });
    accessSync(dir, constants.W_OK);
    return dir;
  } catch (err) {
    if (fromEnv) throw err;
    const home = join(homedir(), '.cache', 'hcc-ci');
    mkdirSync(home, { recursive: true });
    return home;
  }
}

/** A content hash of strings, files and directory trees (paths relative to each tree, sorted). */
export class InputHash {
  private readonly h = createHash('sha256');

  text(label: string, value: string): this {
    this.h.update(`${label}\0${value}\0`);
    return this;
  }

  file(label: string, path: string): this {
    this.h.update(`${label}\0`);
    this.h.update(readFileSync(path));
    return this;
  }

  tree(label: string, dir: string): this {
    const walk = (d: string, rel: string) => {
      for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
        const path = join(d, e.name);
        const r = `${rel}/${e.name}`;
        if (e.isDirectory()) walk(path, r);
        else if (e.isFile()) {
          this.h.update(`${label}${r}\0${statSync(path).mode & 0o111 ? 'x' : '-'}`);
          this.h.update(readFileSync(path));
        }
      }
    };
    walk(dir, '');
    return this;
  }

  digest(): string {
    return this.h.digest('hex').slice(0, 24);
  }
}

export function sha256File(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/** Keeps the `keep` most recently used entries of a cache folder and deletes the others. */
export function pruneCache(dir: string, keep: number): void {
  let entries: { path: string; mtime: number }[];
  try {
    entries = readdirSync(dir).map((name) => ({
      path: join(dir, name),
      mtime: statSync(join(dir, name)).mtimeMs,
    }));
  } catch {
    return;
  }
  entries.sort((a, b) => b.mtime - a.mtime);
  for (const e of entries.slice(keep)) rmSync(e.path, { recursive: true, force: true });
}
