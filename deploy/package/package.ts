/**
 * `npm run package`: the production build, `dist/hcc-edge_<version>_amd64.deb`,
 * `dist/hcc-cloud_<version>_amd64.deb` and `dist/hcc-offline-<version>.tar`. Each artifact is cached
 * under its inputs' hash (cache.ts), so a second run with nothing changed takes seconds.
 *
 *   tsx deploy/package/package.ts [--version V] [--out DIR] [--compression xz|zstd]
 */
import { execFileSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { buildService, ROOT, rootVersion, SERVICES, type Service } from './build.ts';
import { cacheRoot, InputHash, pruneCache, sha256File } from './cache.ts';
import { buildDeb, type Compression, debFileName } from './deb.ts';
import { buildCloudImage, type Image } from './image.ts';
import { buildOfflineBundle, offlineBundleName } from './offline.ts';
import { bookwormRootTarball } from './rootfs.ts';

const HERE = join(ROOT, 'deploy', 'package');

export interface PackageOptions {
  version?: string;
  out?: string;
  compression?: Compression;
  /** The upgrade test's "previous release": each migrations folder without its newest migration. */
  withoutLatestMigration?: boolean;
  /** Skip the offline bundle (the upgrade test installs .debs into a root that has the bundle). */
  bundle?: boolean;
  /** Run lintian on each new package (default true; its report is cached with the package). */
  lint?: boolean;
  /** Build the cloud's OCI image from the cloud package (default true; `podman` and `mmdebstrap`). */
  image?: boolean;
  log?: (msg: string) => void;
}

export interface Packages {
  version: string;
  debs: Record<Service, string>;
  bundle?: string;
  /** The cloud's OCI image: its local tag and the OCI archive in `out`. */
  image?: Image;
  /** lintian's report per package (empty when clean). */
  lintian: Record<Service, string>;
  /** Seconds each step took (0.0 for a cache hit). */
  timings: Record<string, number>;
}

/** Builds the agent desktop when its output is missing (the bootstrap normally did). */
function ensureDesktop(log: (msg: string) => void): void {
  if (existsSync(join(ROOT, 'edge', 'desktop', 'dist', 'index.html'))) return;
  log('building the agent desktop (vite)');
  execFileSync('pnpm', ['--filter', '@hcc/edge', 'build'], { cwd: ROOT, stdio: 'inherit' });
}

const since = (t: number) => Math.round((Date.now() - t) / 100) / 10;

export async function packageAll(o: PackageOptions = {}): Promise<Packages> {
  const log = o.log ?? (() => {});
  const version = o.version ?? rootVersion();
  const out = resolve(o.out ?? join(ROOT, 'dist'));
  const compression = o.compression ?? 'xz';
  const cache = cacheRoot();
  const work = join(cache, 'work', String(process.pid));
  const timings: Record<string, number> = {};
  ensureDesktop(log);

  const debs = {} as Record<Service, string>;
  const lintian = {} as Record<Service, string>;
  for (const service of SERVICES) {
    let t = Date.now();
    const buildDir = await buildService(service, {
      version,
      out: join(work, 'build'),
      withoutLatestMigration: o.withoutLatestMigration,
    });
    timings[`build ${service}`] = since(t);
    t = Date.now();
    const key = new InputHash()
      .text('version', version)
      .text('node', `${process.version} ${statSync(process.execPath).size}`)
      .text('compression', compression)
      .text('lint', String(o.lint !== false))
      .tree('build', buildDir)
      .tree('package', join(HERE, 'debian'))
      .tree('units', join(HERE, 'systemd'))
      .tree('etc', join(HERE, 'etc'))
      .file('deb.ts', join(HERE, 'deb.ts'))
      .file('readme', join(ROOT, 'README.md'))
      .digest();
    const cached = join(cache, 'debs', `${service}-${key}`);
    const file = debFileName(service, version);
    if (!existsSync(join(cached, file))) {
      const built = buildDeb(
        service,
        version,
        buildDir,
        join(work, 'deb'),
        join(cached, 'tmp'),
        compression,
        o.lint !== false,
      );
      writeFileSync(join(cached, 'tmp', 'lintian.txt'), built.lintian);
      renameSync(join(cached, 'tmp', file), join(cached, file));
      renameSync(join(cached, 'tmp', 'lintian.txt'), join(cached, 'lintian.txt'));
      log(`built ${file} in ${since(t)} s`);
      timings[`deb ${service}`] = since(t);
    } else {
      log(`${file}: unchanged (cache ${relative(cache, cached)})`);
      timings[`deb ${service}`] = 0;
    }
    mkdirSync(out, { recursive: true });
    utimesSync(cached, new Date(), new Date());
    copyFileSync(join(cached, file), join(out, file));
    debs[service] = join(out, file);
    lintian[service] = readFileSync(join(cached, 'lintian.txt'), 'utf8');
  }

  let bundle: string | undefined;
  if (o.bundle !== false) {
    const t = Date.now();
    const rootTarball = bookwormRootTarball(log);
    const key = new InputHash()
      .text('debs', SERVICES.map((s) => sha256File(debs[s])).join(','))
      .file('install.sh', join(HERE, 'install.sh'))
      .file('offline.ts', join(HERE, 'offline.ts'))
      .text('root', `${rootTarball} ${statSync(rootTarball).mtimeMs}`)
      .digest();
    const name = offlineBundleName(version);
    const cached = join(cache, 'offline', key);
    if (!existsSync(join(cached, name))) {
      const tar = buildOfflineBundle({
        version,
        debs: SERVICES.map((s) => debs[s]),
        rootTarball,
        work: join(work, 'offline'),
        out: join(cached, 'tmp'),
      });
      renameSync(tar, join(cached, name));
      log(`built ${name} in ${since(t)} s`);
    } else log(`${name}: unchanged (cache ${relative(cache, cached)})`);
    timings.bundle = since(t);
    utimesSync(cached, new Date(), new Date());
    bundle = join(out, name);
    copyFileSync(join(cached, name), bundle);
  }
  let image: Image | undefined;
  if (o.image !== false) {
    image = buildCloudImage({ version, cloudDeb: debs.cloud, out, log });
    Object.assign(timings, image.timings);
  }
  execFileSync('rm', ['-rf', work]);
  // A release and the upgrade test's two versions, per service; the last two bundles.
  pruneCache(join(cache, 'debs'), 12);
  pruneCache(join(cache, 'offline'), 2);
  return { version, debs, bundle, image, lintian, timings };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      version: { type: 'string' },
      out: { type: 'string' },
      compression: { type: 'string' },
    },
  });
  if (values.compression && values.compression !== 'xz' && values.compression !== 'zstd')
    throw new Error('--compression: xz or zstd');
  const log = (msg: string) => process.stdout.write(`[package] ${msg}\n`);
  const r = await packageAll({
    version: values.version,
    out: values.out,
    compression: values.compression as Compression | undefined,
    log,
  });
  for (const f of [...Object.values(r.debs), r.bundle ?? '', r.image?.archive ?? ''].filter(Boolean))
    log(`${relative(process.cwd(), f)}  ${(statSync(f).size / 1e6).toFixed(1)} MB`);
  for (const [s, report] of Object.entries(r.lintian)) log(`lintian ${s}: ${report || 'clean'}`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  main().catch((err: unknown) => {
    process.stderr.write(`package failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
