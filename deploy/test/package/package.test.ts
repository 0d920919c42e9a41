/**
 * The packages end to end, as a customer installs them: `npm run package` (cached by inputs), a clean
 * Debian 12 root (mmdebstrap, cached), the offline bundle installed there with no network, the root
 * booted with systemd-nspawn; the units' journal, /readyz of the installed cloud and edge, a SIPp call
 * to the installed edge's IVR, and each unit's `systemd-analyze security` exposure. Then the upgrade:
 * a previous release (the same code without its newest migrations) installed and used, the next
 * version installed over it: data kept, migrations ran; remove keeps the data, purge deletes it.
 * Prints its timings and figures.
 */
import { spawnSync } from 'node:child_process';
import {
  appendFileSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, rootVersion } from '../../package/build.ts';
import { cacheRoot } from '../../package/cache.ts';
import { type Packages, packageAll } from '../../package/package.ts';
import { bookwormRootTarball, unpackRoot } from '../../package/rootfs.ts';
import { BootedRoot, installProbe, runOffline } from './container.ts';
import { loadArchive, runCloudImage, runInImage } from './image-run.ts';
import {
  CLOUD_READY,
  callTheIvr,
  configureDemoCloud,
  EDGE_READY,
  EDGE_STATUS,
  type EdgeStatus,
  enrollEdgeWithToken,
  journalErrors,
  queryPglite,
  UNITS,
} from './site.ts';

const SCENARIO = join(ROOT, 'deploy/test/package/ivr-call.xml');
const figures: string[] = [];
const say = (msg: string) => {
  figures.push(msg);
  process.stdout.write(`[package-e2e] ${msg}\n`);
};
const seconds = (t: number) => `${((Date.now() - t) / 1000).toFixed(1)} s`;

let work: string;
let release: Packages;
let rootTarball: string;
const booted: BootedRoot[] = [];

async function boot(dir: string, name: string): Promise<BootedRoot> {
  const root = await BootedRoot.boot(dir, join(work, `${name}-boot.log`));
  booted.push(root);
  return root;
}

/** Unpacks a clean root, with the offline bundle unpacked in its /var/tmp/hcc. */
function cleanRoot(name: string, unpackBundle?: string): string {
  const dir = join(work, name);
  unpackRoot(rootTarball, dir);
  mkdirSync(join(dir, 'var/tmp/hcc'), { recursive: true });
  if (unpackBundle) runHost('tar', ['-xf', unpackBundle, '-C', join(dir, 'var/tmp/hcc')]);
  return dir;
}

function runHost(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
}

beforeAll(async () => {
  work = mkdtempSync(join(cacheRoot(), 'e2e-'));
  const t = Date.now();
  rootTarball = bookwormRootTarball((m) => say(m));
  release = await packageAll({ log: (m) => say(m) });
  say(`npm run package (release ${release.version}) took ${seconds(t)}`);
  for (const [service, deb] of Object.entries(release.debs))
    say(`${service} package: ${(statSync(deb).size / 1e6).toFixed(1)} MB`);
  if (release.bundle) say(`offline bundle: ${(statSync(release.bundle).size / 1e6).toFixed(1)} MB`);
}, 1_500_000);

afterAll(async () => {
  for (const r of booted) await r.stop();
  if (work) rmSync(work, { recursive: true, force: true });
  process.stdout.write(`[package-e2e] figures:\n  ${figures.join('\n  ')}\n`);
}, 120_000);

describe('the packages', () => {
  it('are lintian clean and carry no TypeScript and no dev dependency', () => {
    expect(release.lintian).toEqual({ edge: '', cloud: '' });
    for (const deb of Object.values(release.debs)) {
      const list = spawnSync('dpkg-deb', ['-c', deb], { encoding: 'utf8', maxBuffer: 64 << 20 }).stdout;
      expect(list).toMatch(/\.\/usr\/lib\/hcc\/(edge|cloud)\/node\n/);
      expect(list).not.toMatch(/\.ts\n/);
      expect(list).not.toMatch(/node_modules\/(tsx|typescript|vitest|esbuild|drizzle-kit|vite)\//);
    }
  });
});

describe('the cloud image (OCI archive, no registry)', () => {
  it('loads from its archive, reports its version, and runs its hub and the cloud to /healthz and /readyz 200', async () => {
    const image = release.image;
    if (!image) throw new Error('no image');
    say(`cloud OCI archive: ${(statSync(image.archive).size / 1e6).toFixed(1)} MB`);
    // As at an air-gapped site: the archive alone, loaded into a store without the built image.
    spawnSync('podman', ['rmi', '-f', image.tag], { stdio: 'ignore' });
    expect(loadArchive(image.archive)).toContain(image.tag);
    expect(runInImage(image.tag, ['--version']).trim()).toBe(`hcc-cloud ${release.version}`);
    const t = Date.now();
    const running = await runCloudImage(image.tag);
    try {
      let healthz = 0;
      while (Date.now() - t < 120_000) {
        healthz = await fetch(`${running.cloudUrl}/healthz`).then(
          (r) => r.status,
          () => 0,
        );
        if (healthz === 200) break;
        await new Promise((r) => setTimeout(r, 250));
      }
      expect(healthz, running.logs()).toBe(200);
      expect((await fetch(`${running.cloudUrl}/readyz`)).status, running.logs()).toBe(200);
      say(`cloud image: container start to /healthz 200 ${seconds(t)}`);
    } finally {
      await running.stop();
    }
  }, 300_000);
});

describe('offline bundle on a clean Debian 12, booted', () => {
  let dir: string;
  let root: BootedRoot;

  beforeAll(async () => {
    if (!release.bundle) throw new Error('no offline bundle');
    dir = cleanRoot('e2e', release.bundle);
    // A bundle with one altered package is refused before anything is installed.
    runHost('cp', [
      '-a',
      join(dir, `var/tmp/hcc/hcc-offline-${release.version}`),
      join(dir, 'var/tmp/hcc/tampered'),
    ]);
    const tampered = join(dir, 'var/tmp/hcc/tampered/debs');
    const edgeDeb = readdirSync(tampered).find((f) => f.startsWith('hcc-edge_'));
    appendFileSync(join(tampered, edgeDeb ?? 'missing'), 'x');
    const refused = runOffline(dir, ['/var/tmp/hcc/tampered/install.sh', 'all'], 300_000, true);
    expect(refused.code).not.toBe(0);
    expect(refused.stdout + refused.stderr).toMatch(/hcc-edge_.*FAILED/);
    expect(runOffline(dir, ['dpkg', '-s', 'hcc-edge'], 60_000, true).code).not.toBe(0);
    rmSync(join(dir, 'var/tmp/hcc/tampered'), { recursive: true });

    const t = Date.now();
    const r = runOffline(dir, [`/var/tmp/hcc/hcc-offline-${release.version}/install.sh`, 'all']);
    say(`offline install (edge + cloud, no network) on the clean root: ${seconds(t)}`);
    expect(r.stdout).toContain('installed: hcc-edge hcc-cloud');
    installProbe(dir);
    configureDemoCloud(dir);
  }, 600_000);

  it('boots with the cloud and its hub running and the edge waiting for its enrollment', async () => {
    const t = Date.now();
    root = await boot(dir, 'e2e');
    say(`boot: ${seconds(t)}`);
    const cloudReady = await root.waitHttp200(CLOUD_READY, 120_000);
    say(
      `installed cloud: first start to /readyz 200 (migrations, demo seed) ${((Date.now() - t) / 1000).toFixed(1)} s after boot start (${cloudReady.toFixed(1)} s after boot)`,
    );
    expect(
      root
        .exec(['systemctl', 'is-active', 'hcc-cloud-nats', 'hcc-cloud', 'hcc-edge-rtpengine'])
        .stdout.trim()
        .split('\n'),
    ).toEqual(['active', 'active', 'active']);
    // Not enrolled: the edge and its leaf wait (a condition, not a failure).
    expect(root.exec(['systemctl', 'is-active', 'hcc-edge'], { allowFail: true }).stdout.trim()).toBe(
      'inactive',
    );
    expect(root.journal('hcc-edge')).toContain('ConditionPathExists=/etc/hcc/enrollment.json');
    expect(root.exec(['hcc-cloud', '--version']).stdout.trim()).toBe(`hcc-cloud ${release.version}`);
    expect(root.exec(['hcc-edge', '--version']).stdout.trim()).toBe(`hcc-edge ${release.version}`);
  }, 240_000);

  it('runs the enrolled edge: /readyz 200, config applied, a SIPp call reaches the IVR, events reach the cloud', async () => {
    const t = Date.now();
    const enrolled = await enrollEdgeWithToken(root);
    expect(enrolled.output).toContain('restarted');
    const ready = await root.waitHttp200(EDGE_READY, 120_000);
    say(`hcc-edge enroll (token over the API) to the edge's /readyz 200: ${seconds(t)}`);
    say(`installed edge: cold start to /readyz 200 ${ready.toFixed(1)} s (first start: migrations)`);
    let status = root.httpJson<EdgeStatus>(EDGE_STATUS);
    for (let i = 0; i < 100 && status.config_version === '0'; i++) {
      await new Promise((r) => setTimeout(r, 200));
      status = root.httpJson<EdgeStatus>(EDGE_STATUS);
    }
    expect(status.site).toBe('hq');
    expect(Number(status.config_version)).toBeGreaterThan(0);
    expect(status.rtpengines.every((e) => e.healthy)).toBe(true);
    const before = status.events.journaled_seq;

    const call = callTheIvr(root, SCENARIO);
    expect(call.code, call.output).toBe(0);
    expect(root.journal('hcc-edge-rtpengine')).toContain('Creating new call');
    // The call's events are journaled and confirmed by the cloud's watermark (over the leaf link).
    for (let i = 0; i < 150; i++) {
      status = root.httpJson<EdgeStatus>(EDGE_STATUS);
      if (
        status.events.journaled_seq > before &&
        status.events.cloud_watermark >= status.events.journaled_seq
      )
        break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(status.events.journaled_seq).toBeGreaterThan(before);
    expect(status.events.cloud_watermark).toBe(status.events.journaled_seq);
  }, 300_000);

  it("shows every unit healthy in its journal, and each unit's hardening", async () => {
    for (const unit of UNITS) {
      expect(root.exec(['systemctl', 'is-active', unit]).stdout.trim(), unit).toBe('active');
      expect(root.exec(['systemctl', 'show', '-p', 'NRestarts', '--value', unit]).stdout.trim(), unit).toBe(
        '0',
      );
      expect(journalErrors(root, unit), unit).toEqual([]);
      const security = root.exec(['systemd-analyze', 'security', '--no-pager', `${unit}.service`], {
        allowFail: true,
      });
      const exposure = Number(/Overall exposure level for \S+: ([\d.]+)/.exec(security.stdout)?.[1]);
      say(`systemd-analyze security ${unit}.service: ${exposure}`);
      expect(exposure, unit).toBeLessThan(2);
    }
    // A restart: a cold process on existing data (no migration to run).
    const t = Date.now();
    root.exec(['systemctl', 'restart', 'hcc-edge']);
    await root.waitHttp200(EDGE_READY, 120_000);
    say(`installed edge: restart (cold process, existing data) to /readyz 200 ${seconds(t)}`);
    {
      const verify = root.exec(
        ['systemd-analyze', 'verify', ...UNITS.map((u) => `/lib/systemd/system/${u}.service`)],
        {
          allowFail: true,
        },
      );
      expect(`${verify.stdout}${verify.stderr}`.trim()).toBe('');
    }
  }, 180_000);
});

/** apt with the unpacked bundle's repository as its only source (no network): its dependencies. */
const APT_LOCAL = `#!/bin/sh
set -eu
state=$(mktemp -d); chmod 0755 "$state"; mkdir -p "$state/lists/partial" "$state/archives/partial"
echo "deb [trusted=yes] file:$(ls -d /var/tmp/hcc/hcc-offline-*/debs) ./" >"$state/sources.list"
apt() {
  apt-get -o Dir::Etc::SourceList="$state/sources.list" -o Dir::Etc::SourceParts=/dev/null \\
    -o Dir::State::Lists="$state/lists" -o Dir::Cache::Archives="$state/archives" \\
    -o APT::Install-Recommends=false -o Acquire::Languages=none -q "$@"
}
apt update >/dev/null
DEBIAN_FRONTEND=noninteractive apt -y install "$@"
rm -rf "$state"
`;

describe('upgrade, remove and purge', () => {
  let dir: string;
  let root: BootedRoot;
  let previous: Packages;
  let next: Packages;
  let edgeMigrations: number;
  let cloudMigrations: number;
  let before: { cdrs: number; lastSeq: number; sites: number; config: string; secrets: string };

  const debsIn = (p: Packages, sub: string) =>
    Object.values(p.debs).map((d) => `/var/tmp/hcc/${sub}/${d.split('/').pop()}`);
  const secretsDigest = () =>
    root.exec(['sh', '-c', 'cat /etc/hcc/cloud/* /var/lib/hcc-edge/pseudonym.key | sha256sum']).stdout.trim();
  const dataNow = () => {
    const edge = queryPglite(root, 'edge', [
      'select count(*)::int as n from cdrs',
      'select coalesce(max(last_seq), 0)::int as n from event_outbox_state',
      'select count(*)::int as n from drizzle.__drizzle_migrations',
    ]);
    const cloud = queryPglite(root, 'cloud', [
      'select count(*)::int as n from sites',
      'select count(*)::int as n from drizzle.__drizzle_migrations',
    ]);
    const n = (rows: Record<string, unknown>[] | undefined) => Number(rows?.[0]?.n);
    return {
      cdrs: n(edge['select count(*)::int as n from cdrs']),
      lastSeq: n(edge['select coalesce(max(last_seq), 0)::int as n from event_outbox_state']),
      edgeMigrations: n(edge['select count(*)::int as n from drizzle.__drizzle_migrations']),
      sites: n(cloud['select count(*)::int as n from sites']),
      cloudMigrations: n(cloud['select count(*)::int as n from drizzle.__drizzle_migrations']),
    };
  };

  beforeAll(async () => {
    const t = Date.now();
    const [major, minor, patch] = rootVersion()
      .split('.')
      .map((n) => Number.parseInt(n, 10));
    const out = join(work, 'upgrade-debs');
    // N: the release's code as it was before its newest migrations; N+1: the current code.
    previous = await packageAll({
      version: `${major}.${minor}.${patch}`,
      out: join(out, 'n'),
      compression: 'zstd',
      withoutLatestMigration: true,
      bundle: false,
      lint: false,
      image: false,
      log: (m) => say(m),
    });
    next = await packageAll({
      version: `${major}.${minor}.${(patch ?? 0) + 1}`,
      out: join(out, 'n1'),
      compression: 'zstd',
      bundle: false,
      lint: false,
      image: false,
      log: (m) => say(m),
    });
    say(
      `upgrade test packages (${previous.version} without the newest migrations, ${next.version}): ${seconds(t)}`,
    );
    const entries = (f: string) =>
      (JSON.parse(readFileSync(join(ROOT, f), 'utf8')) as { entries: unknown[] }).entries.length;
    edgeMigrations = entries('edge/drizzle/meta/_journal.json');
    cloudMigrations = entries('cloud/drizzle/meta/_journal.json');
    if (!release.bundle) throw new Error('no offline bundle');
    dir = cleanRoot('upgrade', release.bundle);
    for (const [p, sub] of [
      [previous, 'n'],
      [next, 'n1'],
    ] as const) {
      mkdirSync(join(dir, 'var/tmp/hcc', sub));
      for (const deb of Object.values(p.debs))
        copyFileSync(deb, join(dir, 'var/tmp/hcc', sub, deb.split('/').pop() ?? ''));
    }
    writeFileSync(join(dir, 'var/tmp/hcc/apt-local.sh'), APT_LOCAL, { mode: 0o755 });
    runOffline(dir, ['/var/tmp/hcc/apt-local.sh', ...debsIn(previous, 'n')]);
    installProbe(dir);
    configureDemoCloud(dir);
  }, 1_500_000);

  it(`installs N, takes a call and keeps its data`, async () => {
    root = await boot(dir, 'upgrade');
    await root.waitHttp200(CLOUD_READY, 120_000);
    await enrollEdgeWithToken(root);
    await root.waitHttp200(EDGE_READY, 120_000);
    let status = root.httpJson<EdgeStatus>(EDGE_STATUS);
    for (let i = 0; i < 100 && status.config_version === '0'; i++) {
      await new Promise((r) => setTimeout(r, 200));
      status = root.httpJson<EdgeStatus>(EDGE_STATUS);
    }
    const call = callTheIvr(root, SCENARIO);
    expect(call.code, call.output).toBe(0);
    expect(root.exec(['hcc-edge', '--version']).stdout.trim()).toBe(`hcc-edge ${previous.version}`);
    root.exec(['systemctl', 'stop', 'hcc-edge', 'hcc-cloud']);
    const data = dataNow();
    expect(data.edgeMigrations).toBe(edgeMigrations - 1);
    expect(data.cloudMigrations).toBe(cloudMigrations - 1);
    expect(data.cdrs).toBeGreaterThanOrEqual(1);
    expect(data.sites).toBe(2);
    before = { ...data, config: status.config_version, secrets: secretsDigest() };
    root.exec(['systemctl', 'start', 'hcc-cloud', 'hcc-edge']);
  }, 400_000);

  it('upgrades to N+1 with no network: services restarted on the new version, migrations ran, data kept', async () => {
    const t = Date.now();
    root.exec(['/var/tmp/hcc/apt-local.sh', ...debsIn(next, 'n1')], { timeoutMs: 300_000 });
    say(`upgrade ${previous.version} -> ${next.version} (apt, both packages): ${seconds(t)}`);
    await root.waitHttp200(CLOUD_READY, 120_000);
    await root.waitHttp200(EDGE_READY, 120_000);
    say(`upgrade to both services ready again: ${seconds(t)}`);
    expect(root.exec(['hcc-edge', '--version']).stdout.trim()).toBe(`hcc-edge ${next.version}`);
    const status = root.httpJson<EdgeStatus>(EDGE_STATUS);
    expect(status.config_version).toBe(before.config);
    for (const unit of UNITS) expect(journalErrors(root, unit), unit).toEqual([]);
    root.exec(['systemctl', 'stop', 'hcc-edge', 'hcc-cloud']);
    const data = dataNow();
    expect(data.edgeMigrations).toBe(edgeMigrations);
    expect(data.cloudMigrations).toBe(cloudMigrations);
    expect(data.cdrs).toBe(before.cdrs);
    expect(data.lastSeq).toBeGreaterThanOrEqual(before.lastSeq);
    expect(data.sites).toBe(before.sites);
    expect(secretsDigest()).toBe(before.secrets);
  }, 400_000);

  it('remove keeps the data and secrets; purge deletes them', () => {
    root.exec(['apt-get', 'remove', '-y', '-q', 'hcc-edge', 'hcc-cloud']);
    const exists = (p: string) => root.exec(['test', '-e', p], { allowFail: true }).code === 0;
    expect(exists('/usr/lib/hcc/edge')).toBe(false);
    expect(exists('/lib/systemd/system/hcc-edge.service')).toBe(false);
    for (const p of [
      '/var/lib/hcc-edge/pglite',
      '/var/lib/hcc-cloud/pglite',
      '/etc/hcc/cloud/nats-authority.json',
      '/etc/hcc/tls/hub-ca.key',
      '/etc/hcc/leaf.creds',
      '/etc/hcc/edge.env',
    ])
      expect(exists(p), p).toBe(true);
    root.exec(['rm', '-f', '/etc/hcc/demo-credentials.json']);
    root.exec(['apt-get', 'purge', '-y', '-q', 'hcc-edge', 'hcc-cloud']);
    for (const p of ['/var/lib/hcc-edge', '/var/lib/hcc-cloud', '/etc/hcc']) expect(exists(p), p).toBe(false);
  }, 120_000);
});
