/**
 * A clean Debian 12 root (mmdebstrap --variant=minbase, plus systemd so it can boot under
 * systemd-nspawn), made once and kept as a tarball in the cache.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { cacheRoot } from './cache.ts';

/** What a clean bookworm server has beyond minbase: its init. */
export const ROOT_INCLUDES = ['systemd', 'systemd-sysv'];

/** The cached root tarball; made (about 40 s) when missing. */
export function bookwormRootTarball(log: (msg: string) => void = () => {}): string {
  const dir = join(cacheRoot(), 'rootfs');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `bookworm-minbase-${ROOT_INCLUDES.join('+')}.tar`);
  if (existsSync(file)) return file;
  const started = Date.now();
  const tmp = join(dir, `tmp-${process.pid}.tar`);
  try {
    execFileSync(
      'mmdebstrap',
      ['--variant=minbase', '--quiet', `--include=${ROOT_INCLUDES.join(',')}`, 'bookworm', tmp],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    renameSync(tmp, file);
  } finally {
    rmSync(tmp, { force: true });
  }
  log(`made the bookworm root tarball in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return file;
}

/** Unpacks the root tarball into `dir` (emptied first). */
export function unpackRoot(tarball: string, dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  execFileSync('tar', ['-xf', tarball, '-C', dir]);
}
