/**
 * The cloud's OCI image, built here with no registry: a minimal Debian 12 root made with mmdebstrap
 * (cached as a tarball) is imported as the base image with `podman import`, then `podman build`
 * (chroot isolation: crun/runc cannot create containers for a build on this host's cgroup v1 hybrid)
 * adds the hcc-cloud program taken from the .deb, and `podman save --format oci-archive` writes
 * `dist/hcc-cloud-image-<version>.oci.tar` for air-gapped delivery (`podman load -i`, `ctr image
 * import`, `skopeo copy oci-archive:... docker://registry/...`).
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { cacheRoot, InputHash, pruneCache, sha256File } from './cache.ts';

const HERE = join(import.meta.dirname, 'image');

/** What the image's Debian root carries besides minbase. */
export const IMAGE_INCLUDES = ['nats-server', 'ca-certificates', 'openssl', 'tini'];
/** Documentation, manuals and translations are not installed into the image. */
const DPKG_EXCLUDES = ['/usr/share/doc/*', '/usr/share/man/*', '/usr/share/info/*', '/usr/share/locale/*'];

export const imageTag = (version: string) => `localhost/hcc-cloud:${version}`;
export const imageArchiveName = (version: string) => `hcc-cloud-image-${version}.oci.tar`;

/**
 * podman on this kind of host: runc (crun refuses the cgroup v1 hybrid) and explicit ulimits (the
 * defaults podman asks for are above what the host grants a container).
 */
export const PODMAN_RUN = ['--runtime=runc', '--ulimit', 'nofile=1024:1024', '--ulimit', 'nproc=1024:1024'];

export interface ImageOptions {
  version: string;
  /** The hcc-cloud .deb whose program the image carries. */
  cloudDeb: string;
  /** Where the OCI archive goes. */
  out: string;
  log?: (msg: string) => void;
}

export interface Image {
  tag: string;
  archive: string;
  timings: Record<string, number>;
}

const since = (t: number) => Math.round((Date.now() - t) / 100) / 10;
const podman = (args: string[]) =>
  execFileSync('podman', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

function imageExists(tag: string): boolean {
  try {
    podman(['image', 'exists', tag]);
    return true;
  } catch {
    return false;
  }
}

/** The base root's tarball (mmdebstrap minbase + IMAGE_INCLUDES), made once and cached. */
function baseTarball(log: (msg: string) => void): { file: string; key: string } {
  const key = new InputHash()
    .text('includes', IMAGE_INCLUDES.join(','))
    .text('excludes', DPKG_EXCLUDES.join(','))
    .digest()
    .slice(0, 16);
  const dir = join(cacheRoot(), 'image');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `base-${key}.tar`);
  if (existsSync(file)) return { file, key };
  const t = Date.now();
  const tmp = join(dir, `tmp-${process.pid}.tar`);
  try {
    execFileSync(
      'mmdebstrap',
      [
        '--variant=minbase',
        '--quiet',
        `--include=${IMAGE_INCLUDES.join(',')}`,
        ...DPKG_EXCLUDES.map((p) => `--dpkgopt=path-exclude=${p}`),
        // No apt lists or caches in the image: nothing installs at run time.
        '--customize-hook=rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/*',
        'bookworm',
        tmp,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    renameSync(tmp, file);
  } finally {
    rmSync(tmp, { force: true });
  }
  log(`made the image's Debian root in ${since(t)} s`);
  return { file, key };
}

/** Builds (or takes from the cache) the cloud image and writes its OCI archive into `out`. */
export function buildCloudImage(o: ImageOptions): Image {
  const log = o.log ?? (() => {});
  const timings: Record<string, number> = {};
  const tag = imageTag(o.version);
  const name = imageArchiveName(o.version);
  let t = Date.now();
  const base = baseTarball(log);
  const baseTag = `localhost/hcc-cloud-base:${base.key}`;
  if (!imageExists(baseTag)) podman(['import', '--quiet', base.file, baseTag]);
  timings['image base'] = since(t);

  t = Date.now();
  const key = new InputHash()
    .text('base', base.key)
    .text('deb', sha256File(o.cloudDeb))
    .file('Containerfile', join(HERE, 'Containerfile'))
    .digest();
  const cached = join(cacheRoot(), 'images', key);
  if (!existsSync(join(cached, name)) || !imageExists(tag)) {
    const ctx = join(cacheRoot(), 'work', `image-${process.pid}`);
    rmSync(ctx, { recursive: true, force: true });
    mkdirSync(ctx, { recursive: true });
    try {
      execFileSync('dpkg-deb', ['-x', o.cloudDeb, join(ctx, 'root')]);
      copyFileSync(join(HERE, 'Containerfile'), join(ctx, 'Containerfile'));
      podman(['build', '--quiet', '--isolation=chroot', '--build-arg', `BASE=${baseTag}`, '-t', tag, ctx]);
      mkdirSync(join(cached, 'tmp'), { recursive: true });
      rmSync(join(cached, 'tmp', name), { force: true });
      podman(['save', '--quiet', '--format', 'oci-archive', '-o', join(cached, 'tmp', name), tag]);
      renameSync(join(cached, 'tmp', name), join(cached, name));
      rmSync(join(cached, 'tmp'), { recursive: true, force: true });
    } finally {
      rmSync(ctx, { recursive: true, force: true });
    }
    log(`built ${tag} and ${name} in ${since(t)} s`);
  } else log(`${name}: unchanged (cache)`);
  timings.image = since(t);
  mkdirSync(o.out, { recursive: true });
  const archive = join(o.out, name);
  copyFileSync(join(cached, name), archive);
  pruneCache(join(cacheRoot(), 'images'), 2);
  log(`${name} ${(statSync(archive).size / 1e6).toFixed(1)} MB`);
  return { tag, archive, timings };
}
