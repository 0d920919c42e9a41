/**
 * The offline bundle `hcc-offline-<version>.tar`: both packages, every Debian package they pull in on
 * a clean bookworm server (resolved by apt against the clean root's dpkg status and downloaded from
 * the mirror apt already uses), a flat repository index, `install.sh` and `SHA256SUMS`.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { ROOT } from './build.ts';
import { sha256File } from './cache.ts';

/** Packages the bundle carries besides the hcc packages' dependencies (the Recommends). */
export const BUNDLE_EXTRAS = ['postgresql'];

export interface OfflineOptions {
  version: string;
  debs: string[];
  /** The clean root's tarball: its dpkg status is what is already installed. */
  rootTarball: string;
  work: string;
  out: string;
}

export function offlineBundleName(version: string): string {
  return `hcc-offline-${version}.tar`;
}

/** apt options that resolve and download against another root's package status. */
function aptFor(work: string): string[] {
  return [
    '-o',
    `Dir::State::status=${join(work, 'status')}`,
    '-o',
    `Dir::Cache::Archives=${join(work, 'archives')}`,
    '-o',
    'Dir::Cache::pkgcache=',
    '-o',
    'Dir::Cache::srcpkgcache=',
    '-o',
    'Debug::NoLocking=1',
    '-o',
    'APT::Install-Recommends=false',
  ];
}

export function buildOfflineBundle(o: OfflineOptions): string {
  rmSync(o.work, { recursive: true, force: true });
  mkdirSync(join(o.work, 'archives', 'partial'), { recursive: true });
  execFileSync('tar', ['-xf', o.rootTarball, '-C', o.work, '--strip-components=4', './var/lib/dpkg/status']);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const run = (args: string[]) =>
    execFileSync('apt-get', [...aptFor(o.work), ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const install = ['-y', '-q', '--download-only', 'install', ...o.debs, ...BUNDLE_EXTRAS];
  try {
    run(install);
  } catch {
    // The host's package lists may be stale (a newer version on the mirror): refresh once.
    execFileSync('apt-get', ['-q', 'update'], { stdio: 'ignore' });
    run(install);
  }
  const name = `hcc-offline-${o.version}`;
  const dir = join(o.work, name);
  const debs = join(dir, 'debs');
  mkdirSync(debs, { recursive: true });
  for (const f of readdirSync(join(o.work, 'archives')).filter((f) => f.endsWith('.deb')))
    copyFileSync(join(o.work, 'archives', f), join(debs, f));
  for (const d of o.debs) copyFileSync(d, join(debs, basename(d)));
  const index = execFileSync('dpkg-scanpackages', ['--multiversion', '.', '/dev/null'], {
    cwd: debs,
    stdio: ['ignore', 'pipe', 'ignore'],
    maxBuffer: 64 * 1024 * 1024,
  });
  writeFileSync(join(debs, 'Packages'), index);
  copyFileSync(join(ROOT, 'deploy', 'package', 'install.sh'), join(dir, 'install.sh'));
  execFileSync('chmod', ['0755', join(dir, 'install.sh')]);
  const files = ['install.sh', ...readdirSync(debs).map((f) => `debs/${f}`)].sort();
  writeFileSync(join(dir, 'SHA256SUMS'), files.map((f) => `${sha256File(join(dir, f))}  ${f}\n`).join(''));
  mkdirSync(o.out, { recursive: true });
  const tar = join(o.out, offlineBundleName(o.version));
  execFileSync('tar', ['-cf', tar, '--owner=0', '--group=0', '-C', o.work, name]);
  return tar;
}
