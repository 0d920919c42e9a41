/**
 * The production build: each service's command line bundled into one ESM file that plain `node`
 * runs (no tsx, no TypeScript, no dev dependencies), next to what it reads at run time (migrations,
 * prompts, the built agent desktop) and the few npm packages that must stay files (PGlite loads its
 * wasm and data files relative to itself).
 *
 *   tsx deploy/package/build.ts [--version V] [--out DIR]      (npm run build)
 *
 * Layout of `<out>/<service>/`: `hcc-<service>.mjs`, the asset folders at their repository paths
 * (`edge/drizzle`, `edge/prompts`, `edge/desktop/dist`, `cloud/drizzle`, ...) and `node_modules/`.
 * Every `import.meta.url` of a source file is rewritten to that file's repository path beside the
 * bundle, so `new URL('../drizzle', import.meta.url)` resolves in the build exactly as in the tree.
 */
import { cpSync, existsSync, mkdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { build, type Plugin } from 'esbuild';

export const ROOT = resolve(fileURLToPath(import.meta.url), '../../..');

export type Service = 'edge' | 'cloud';
export const SERVICES: readonly Service[] = ['edge', 'cloud'];

/** npm packages kept as files beside the bundle (with their own dependencies). */
const EXTERNAL: Record<Service, string[]> = {
  edge: ['@electric-sql/pglite'],
  cloud: ['@electric-sql/pglite'],
};

/** Folders each service reads at run time, by repository path. */
export const ASSETS: Record<Service, string[]> = {
  edge: ['edge/drizzle', 'edge/prompts', 'edge/desktop/dist'],
  cloud: ['cloud/drizzle', 'cloud/drizzle-analytics'],
};

/** Optional npm packages the bundled code never loads in production (pg's native binding). */
const NEVER_LOADED = ['pg-native', 'cloudflare:sockets'];

export interface BuildOptions {
  version: string;
  /** Output root; `<out>/<service>` is replaced. */
  out: string;
  /**
   * Leave out each migrations folder's newest migration: a build that stands for the previous
   * release in the upgrade test (so the upgrade has a migration to run).
   */
  withoutLatestMigration?: boolean;
}

export function rootVersion(): string {
  return (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
}

/** Rewrites `import.meta.url` in the workspace's own sources to their path beside the bundle. */
function importMetaUrlPlugin(): Plugin {
  return {
    name: 'hcc-import-meta-url',
    setup(b) {
      b.onLoad({ filter: /\.ts$/ }, (args) => {
        if (args.path.includes('/node_modules/')) return undefined;
        const source = readFileSync(args.path, 'utf8');
        if (!source.includes('import.meta.url')) return { contents: source, loader: 'ts' };
        const rel = `./${relative(ROOT, args.path)}`;
        return {
          contents: source.replaceAll(
            'import.meta.url',
            `new URL(${JSON.stringify(rel)}, import.meta.url).href`,
          ),
          loader: 'ts',
        };
      });
    },
  };
}

/** The bundle's entry: the service's command table, run on argv. */
function entrySource(service: Service): string {
  const spec = service === 'edge' ? 'edgeCli' : 'cloudCli';
  return [
    `import { runCli } from '@hcc/shared';`,
    `import { ${spec} } from './src/cli.ts';`,
    `void runCli(${spec}, process.argv.slice(2)).then((code) => { process.exitCode = code; });`,
  ].join('\n');
}

/** Where node would find package `name` from `fromDir` (its real path: pnpm links packages). */
function packageDir(name: string, fromDir: string): string {
  for (let d = fromDir; ; d = dirname(d)) {
    const candidate = join(d, 'node_modules', name, 'package.json');
    if (existsSync(candidate)) return dirname(realpathSync(candidate));
    if (dirname(d) === d) throw new Error(`npm package ${name} not found from ${fromDir}`);
  }
}

/** Copies an npm package and (recursively) its dependencies into `<dest>/node_modules`. */
function copyPackage(name: string, fromDir: string, dest: string, seen: Set<string>): void {
  if (seen.has(name)) return;
  seen.add(name);
  const pkgDir = packageDir(name, fromDir);
  const pkgJson = join(pkgDir, 'package.json');
  cpSync(pkgDir, join(dest, 'node_modules', name), {
    recursive: true,
    dereference: true,
    filter: (src) => {
      const rel = relative(pkgDir, src);
      return !rel.endsWith('.map') && !rel.endsWith('.d.ts') && !rel.split('/').includes('node_modules');
    },
  });
  const pkg = JSON.parse(readFileSync(pkgJson, 'utf8')) as { dependencies?: Record<string, string> };
  for (const dep of Object.keys(pkg.dependencies ?? {})) copyPackage(dep, pkgDir, dest, seen);
}

/** Drops the newest entry of a drizzle migrations folder (journal and SQL file). */
function dropLatestMigration(dir: string): void {
  const journalFile = join(dir, 'meta', '_journal.json');
  const journal = JSON.parse(readFileSync(journalFile, 'utf8')) as { entries: { tag: string }[] };
  const last = journal.entries.pop();
  if (!last) return;
  rmSync(join(dir, `${last.tag}.sql`));
  rmSync(join(dir, 'meta', `${last.tag.split('_')[0]}_snapshot.json`), { force: true });
  writeFileSync(journalFile, `${JSON.stringify(journal, null, 2)}\n`);
}

/** Builds one service into `<out>/<service>`; returns that directory. */
export async function buildService(service: Service, o: BuildOptions): Promise<string> {
  const dir = join(o.out, service);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const external = EXTERNAL[service];
  await build({
    stdin: {
      contents: entrySource(service),
      resolveDir: join(ROOT, service),
      loader: 'ts',
      sourcefile: 'entry.ts',
    },
    outfile: join(dir, `hcc-${service}.mjs`),
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    external: [...external, ...NEVER_LOADED],
    define: { HCC_BUILD_VERSION: JSON.stringify(o.version) },
    // CommonJS dependencies call require(); an ESM bundle gets one from node:module.
    banner: {
      js: "import { createRequire as __hccCreateRequire } from 'node:module'; const require = __hccCreateRequire(import.meta.url);",
    },
    plugins: [importMetaUrlPlugin()],
    legalComments: 'none',
    logLevel: 'warning',
  });
  for (const asset of ASSETS[service]) {
    const from = join(ROOT, asset);
    if (!existsSync(from))
      throw new Error(`${asset} is missing (the desktop is built by \`pnpm --filter @hcc/edge build\`)`);
    cpSync(from, join(dir, asset), { recursive: true });
    if (o.withoutLatestMigration && existsSync(join(from, 'meta', '_journal.json')))
      dropLatestMigration(join(dir, asset));
  }
  const seen = new Set<string>();
  for (const name of external) copyPackage(name, join(ROOT, service), dir, seen);
  writeFileSync(
    join(dir, 'package.json'),
    `${JSON.stringify({ type: 'module', version: o.version }, null, 2)}\n`,
  );
  return dir;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { version: { type: 'string' }, out: { type: 'string' } },
  });
  const version = values.version ?? rootVersion();
  const out = resolve(values.out ?? join(ROOT, 'dist', 'build'));
  for (const service of SERVICES) {
    const started = Date.now();
    const dir = await buildService(service, { version, out });
    process.stdout.write(
      `built ${relative(process.cwd(), dir)} (${version}) in ${Date.now() - started} ms\n`,
    );
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  main().catch((err: unknown) => {
    process.stderr.write(`build failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
