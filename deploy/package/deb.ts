/**
 * One Debian package per service, built with debhelper from the production build: the bundle and
 * its files under /usr/lib/hcc/<service>/ with a stripped copy of this Node runtime, /usr/bin/hcc-<service>,
 * /etc/hcc/<service>.env (conffile), the hardened systemd units (dh_installsystemd enables them and
 * restarts them after an upgrade), and maintainer scripts for the `hcc` system user, the cloud's
 * secrets and purge. lintian runs on the result.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, type Service } from './build.ts';

const HERE = join(ROOT, 'deploy', 'package');
const MAINTAINER = 'hcc packaging <packaging@hcc.example>';

interface PackageSpec {
  name: string;
  /** Units besides `<name>.service`. */
  extraUnits: string[];
  depends: string[];
  recommends: string[];
  summary: string;
  description: string[];
}

export const PACKAGES: Record<Service, PackageSpec> = {
  edge: {
    name: 'hcc-edge',
    extraUnits: ['hcc-edge-nats', 'hcc-edge-rtpengine'],
    depends: ['adduser', 'nats-server', 'rtpengine-daemon'],
    recommends: ['postgresql'],
    summary: 'hybrid contact center: edge gateway of a site',
    description: [
      'Terminates SIP trunks, runs IVR and queues, rings agents (browser softphone or',
      'SIP desk phone), anchors media in rtpengine and records calls; every piece of',
      'customer data stays on site. Takes its config from the cloud control plane over',
      'a leaf nats-server and keeps taking calls without the WAN.',
    ],
  },
  cloud: {
    name: 'hcc-cloud',
    extraUnits: ['hcc-cloud-nats'],
    depends: ['adduser', 'nats-server', 'openssl'],
    recommends: ['postgresql'],
    summary: 'hybrid contact center: cloud control plane',
    description: [
      'Holds routing rules, IVR flows, queues and agents for many sites, publishes',
      'signed, versioned config to the edges through its NATS hub and turns the',
      'pseudonymized events coming up into reports and wallboards.',
    ],
  },
};

export function debFileName(service: Service, version: string): string {
  return `${PACKAGES[service].name}_${version}_amd64.deb`;
}

function unitText(name: string): string {
  const hardening = readFileSync(join(HERE, 'systemd', 'hardening.conf'), 'utf8')
    .split('\n')
    .filter((l) => l && !l.startsWith('# Shared'))
    .join('\n');
  return readFileSync(join(HERE, 'systemd', `${name}.service`), 'utf8').replace('#HARDENING#', hardening);
}

function controlText(p: PackageSpec): string {
  return `Source: ${p.name}
Section: net
Priority: optional
Maintainer: ${MAINTAINER}
Build-Depends: debhelper-compat (= 13)
Standards-Version: 4.6.2
Rules-Requires-Root: no

Package: ${p.name}
Architecture: amd64
Depends: \${shlibs:Depends}, \${misc:Depends}, ${p.depends.join(', ')}
Recommends: ${p.recommends.join(', ')}
Description: ${p.summary}
${p.description.map((l) => ` ${l}`).join('\n')}
`;
}

function changelogText(p: PackageSpec, version: string): string {
  const date = execFileSync('date', ['-R', '-u'], { encoding: 'utf8' }).trim();
  return `${p.name} (${version}) stable; urgency=medium

  * Release ${version}.

 -- ${MAINTAINER}  ${date}
`;
}

export type Compression = 'xz' | 'zstd';

function rulesText(compression: Compression): string {
  return readFileSync(join(HERE, 'debian', 'rules'), 'utf8').replace('@COMPRESSION@', compression);
}

/** Overrides shared by both packages, each with its reason. */
function lintianOverrides(service: Service): string {
  const name = PACKAGES[service].name;
  return `${[
    '# The Node runtime is carried on purpose (Debian 12 has Node 18; the services need 20): its',
    '# statically linked copies of OpenSSL, zlib, ICU, libuv, nghttp2, brotli, c-ares... are Node itself.',
    `${name}: embedded-library *`,
    '# One self-contained command per service; its usage is `hcc-<service> --help` (README).',
    `${name}: no-manual-page [usr/bin/${name}]`,
    '# The official Node binary is linked without PIE; it is used as Node.js ships it.',
    `${name}: hardening-no-pie [usr/lib/hcc/${service}/node]`,
    '# Modules and data files of PGlite (a WebAssembly PostgreSQL) and of the bundle: Node loads them',
    '# from /usr/lib/hcc/<service>, which is private to the package.',
    `${name}: package-contains-documentation-outside-usr-share-doc *`,
    `${name}: executable-not-elf-or-script *`,
    `${name}: unusual-interpreter *`,
    '# Minified JavaScript and wasm of the bundled npm packages, shipped as published.',
    `${name}: source-is-missing *`,
    `${name}: source-contains-prebuilt-javascript-object *`,
    `${name}: very-long-line-length-in-source-file *`,
  ].join('\n')}\n`;
}

function wrapper(service: Service): string {
  return `#!/bin/sh
# hcc-${service}: the service and its operator commands (\`hcc-${service} --help\`).
exec /usr/lib/hcc/${service}/node /usr/lib/hcc/${service}/hcc-${service}.mjs "$@"
`;
}

export interface DebBuild {
  deb: string;
  lintian: string;
}

/**
 * Builds `<out>/<name>_<version>_amd64.deb` from a production build directory (`buildService`);
 * `work` is scratch space. Returns the .deb's path and lintian's report.
 */
export function buildDeb(
  service: Service,
  version: string,
  buildDir: string,
  work: string,
  out: string,
  compression: Compression = 'xz',
  lint = true,
): DebBuild {
  const p = PACKAGES[service];
  const stage = join(work, `${p.name}-${version}`);
  rmSync(work, { recursive: true, force: true });
  mkdirSync(join(stage, 'debian', 'source'), { recursive: true });
  const lib = join(stage, 'payload', 'usr', 'lib', 'hcc', service);
  cpSync(buildDir, lib, { recursive: true });
  copyFileSync(process.execPath, join(lib, 'node'));
  chmodSync(join(lib, 'node'), 0o755);
  execFileSync('strip', ['--strip-unneeded', join(lib, 'node')]);
  mkdirSync(join(stage, 'payload', 'usr', 'bin'), { recursive: true });
  writeFileSync(join(stage, 'payload', 'usr', 'bin', p.name), wrapper(service), { mode: 0o755 });
  mkdirSync(join(stage, 'payload', 'etc', 'hcc'), { recursive: true });
  copyFileSync(join(HERE, 'etc', `${service}.env`), join(stage, 'payload', 'etc', 'hcc', `${service}.env`));
  const readme = join(stage, 'payload', 'usr', 'share', 'doc', p.name);
  mkdirSync(readme, { recursive: true });
  copyFileSync(join(ROOT, 'README.md'), join(readme, 'README.md'));

  const deb = join(stage, 'debian');
  writeFileSync(join(deb, 'control'), controlText(p));
  writeFileSync(join(deb, 'changelog'), changelogText(p, version));
  writeFileSync(join(deb, 'rules'), rulesText(compression), { mode: 0o755 });
  writeFileSync(join(deb, 'source', 'format'), '3.0 (native)\n');
  copyFileSync(join(HERE, 'debian', 'copyright'), join(deb, 'copyright'));
  writeFileSync(join(deb, `${p.name}.install`), 'payload/usr /\npayload/etc /\npayload/lib /\n');
  writeFileSync(join(deb, `${p.name}.dirs`), 'etc/hcc\n');
  for (const script of ['postinst', 'postrm'])
    copyFileSync(join(HERE, 'debian', `${service}.${script}`), join(deb, `${p.name}.${script}`));
  writeFileSync(join(deb, `${p.name}.lintian-overrides`), lintianOverrides(service));
  // Units installed with the payload: dh_installsystemd finds them there, enables them, starts them
  // on install and restarts them after an upgrade (after the new files are in place).
  const units = join(stage, 'payload', 'lib', 'systemd', 'system');
  mkdirSync(units, { recursive: true });
  for (const u of [p.name, ...p.extraUnits]) writeFileSync(join(units, `${u}.service`), unitText(u));

  execFileSync('dpkg-buildpackage', ['-b', '-uc', '-us', '--no-sign'], {
    cwd: stage,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, DEB_BUILD_OPTIONS: 'nocheck', DH_QUIET: '1' },
    maxBuffer: 64 * 1024 * 1024,
  });
  const file = debFileName(service, version);
  mkdirSync(out, { recursive: true });
  copyFileSync(join(work, file), join(out, file));
  let lintian = 'not run';
  if (lint)
    try {
      lintian = execFileSync('lintian', ['--no-tag-display-limit', join(out, file)], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    } catch (err) {
      lintian = String((err as { stdout?: string }).stdout ?? err);
    }
  return { deb: join(out, file), lintian: lintian.trim() };
}
