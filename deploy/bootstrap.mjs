#!/usr/bin/env node
// The README's two commands start here, on a machine that may have nothing but Node 20 and npm:
//   npm run demo  -> node deploy/bootstrap.mjs demo
//   npm test      -> node deploy/bootstrap.mjs test
// It installs what is missing (Debian packages when root, pnpm, the workspace's dependencies,
// generated protobuf code), then starts the dev stack or runs the whole suite. Idempotent: a second
// run installs nothing. Plain JavaScript with no dependencies, since nothing is installed yet.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const PNPM_VERSION = '10.34.8';

/** Debian packages, by what needs them. The binary tells whether the package is present. */
const PACKAGES = {
  demo: [
    ['nats-server', 'nats-server'],
    ['rtpengine-daemon', 'rtpengine'],
    // The dev stack's CA for the hub's leafnode TLS.
    ['openssl', 'openssl'],
    // The demo prints SIPp commands to place calls: install what they need.
    ['sip-tester', 'sipp'],
  ],
  test: [
    ['nats-server', 'nats-server'],
    ['rtpengine-daemon', 'rtpengine'],
    ['postgresql', '/usr/lib/postgresql'],
    ['sip-tester', 'sipp'],
    ['baresip', 'baresip'],
    ['chromium', 'chromium'],
    ['espeak-ng', 'espeak-ng'],
    ['sox', 'sox'],
    ['openssl', 'openssl'],
    ['iproute2', 'ip'],
    // Captures of the leaf link (deploy/test/leaf-link-tls.test.ts).
    ['tcpdump', 'tcpdump'],
    // svmap / svwar: the SIP front door's scanner test (edge/test/front-door).
    ['sipvicious', 'svwar'],
    // The package end-to-end test (deploy/test/package): build, lint, a clean root, boot it.
    ['debhelper', 'dh'],
    ['lintian', 'lintian'],
    ['dpkg-dev', 'dpkg-scanpackages'],
    ['mmdebstrap', 'mmdebstrap'],
    ['systemd-container', 'systemd-nspawn'],
    // The cloud's OCI image (deploy/package/image.ts).
    ['podman', 'podman'],
    ['buildah', 'buildah'],
    ['runc', 'runc'],
  ],
  bench: [['kamailio', 'kamailio']],
};

const say = (msg) => process.stdout.write(`\x1b[1m[bootstrap]\x1b[0m ${msg}\n`);
const fail = (msg) => {
  process.stderr.write(`\x1b[31m[bootstrap] ${msg}\x1b[0m\n`);
  process.exit(1);
};

function have(bin) {
  if (bin.startsWith('/')) return existsSync(bin);
  return spawnSync('sh', ['-c', `command -v ${bin}`], { stdio: 'ignore' }).status === 0;
}

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', cwd: ROOT, ...opts });
  if (r.status !== 0) fail(`${cmd} ${args.join(' ')} failed (exit ${r.status ?? r.signal})`);
}

/**
 * The stack process of a demo that runs from this state dir (its pid file, `.data/dev/pids.json`), so a
 * second `npm run demo` says so at once instead of reinstalling first. The stack checks again, with
 * every port it needs, before it starts anything (deploy/dev/preflight.ts).
 */
function runningDemo() {
  const file = join(process.env.HCC_DEV_DIR ?? join(ROOT, '.data/dev'), 'pids.json');
  try {
    const stack = JSON.parse(readFileSync(file, 'utf8')).find((e) => e.name === 'stack');
    const cmd = readFileSync(`/proc/${stack.pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
    return cmd.startsWith(stack.cmd) ? { pid: stack.pid, file } : undefined;
  } catch {
    return undefined;
  }
}

function checkNode() {
  const [major, minor] = process.versions.node.split('.').map(Number);
  if (major < 20 || (major === 20 && minor < 19))
    fail(`Node.js >= 20.19 is required, this is ${process.version}`);
}

function ensurePackages(groups) {
  const wanted = groups.flatMap((g) => PACKAGES[g]);
  const missing = [...new Set(wanted.filter(([, bin]) => !have(bin)).map(([pkg]) => pkg))];
  if (missing.length === 0) return;
  // Waits for another apt run (unattended upgrades, a parallel bootstrap) instead of failing on its lock.
  const apt = 'apt-get -o DPkg::Lock::Timeout=600';
  const cmd = `${apt} update && ${apt} install -y --no-install-recommends ${missing.join(' ')}`;
  if (process.getuid?.() !== 0)
    fail(`missing system packages: ${missing.join(', ')}\nrun as root:\n  sudo sh -c '${cmd}'`);
  say(`installing Debian packages: ${missing.join(' ')}`);
  run('sh', ['-c', cmd], { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
}

/** Returns the argv prefix that runs pnpm 10, installing it with npm when needed. */
function pnpm() {
  const v = spawnSync('pnpm', ['--version'], { encoding: 'utf8' });
  if (v.status === 0 && v.stdout.trim().startsWith('10.')) return ['pnpm'];
  if (process.getuid?.() === 0) {
    say(`installing pnpm@${PNPM_VERSION} with npm`);
    run('npm', ['install', '-g', '--no-fund', '--no-audit', `pnpm@${PNPM_VERSION}`]);
    return ['pnpm'];
  }
  // Not root: run pnpm through npx (cached by npm after the first time).
  return ['npx', '--yes', `pnpm@${PNPM_VERSION}`];
}

function install(pn) {
  say('installing workspace dependencies (pnpm install --frozen-lockfile)');
  const [cmd, ...pre] = pn;
  run(cmd, [...pre, 'install', '--frozen-lockfile', '--prefer-offline', '--reporter=append-only'], {
    env: { ...process.env, CI: process.env.CI ?? 'true' },
  });
  say('generating protobuf code (buf generate)');
  run(cmd, [...pre, '--filter', '@hcc/proto', 'generate']);
  say('building the agent desktop (vite build)');
  run(cmd, [...pre, '--filter', '@hcc/edge', 'build']);
}

function exec(pn, args) {
  const [cmd, ...pre] = pn;
  const child = spawn(cmd, [...pre, ...args], { stdio: 'inherit', cwd: ROOT });
  // Ctrl-C reaches the whole foreground process group; the child handles its own shutdown.
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

/** One plain closing line for CI logs: `Tests: N passed, N failed` (plus skipped when any). */
function printSummary(file) {
  if (!existsSync(file)) return;
  try {
    const r = JSON.parse(readFileSync(file, 'utf8'));
    const skipped = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
    process.stdout.write(
      `Tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed${skipped ? `, ${skipped} skipped` : ''}\n`,
    );
  } catch {
    /* no summary */
  }
}

const mode = process.argv[2];
checkNode();
switch (mode) {
  case 'demo': {
    const other = runningDemo();
    if (other)
      fail(
        `a demo stack is already running (pid ${other.pid}, recorded in ${other.file}): ` +
          `use it, or stop it first (Ctrl-C in its terminal, or kill ${other.pid})`,
      );
    ensurePackages(['demo']);
    const pn = pnpm();
    install(pn);
    // Straight to node (no pnpm/tsx wrapper processes): the stack owns its children and must be the
    // one that receives Ctrl-C and stops them in order.
    exec([process.execPath], ['--import', 'tsx', 'deploy/dev/stack.ts', '--demo', ...process.argv.slice(3)]);
    break;
  }
  case 'test': {
    ensurePackages(['test']);
    const pn = pnpm();
    install(pn);
    say('lint and format check (biome ci), typecheck (tsc)');
    const [cmd, ...pre] = pn;
    run(cmd, [...pre, 'exec', 'biome', 'ci', ...(process.env.CI ? ['--colors=off'] : []), '.']);
    run(cmd, [...pre, 'exec', 'tsc', '-p', '.']);
    say('test suite (vitest)');
    const report = join(ROOT, '.artifacts', 'vitest.json');
    const r = spawnSync(
      cmd,
      [
        ...pre,
        'exec',
        'vitest',
        'run',
        '--reporter=default',
        '--reporter=json',
        `--outputFile.json=${report}`,
        ...process.argv.slice(3),
      ],
      { stdio: 'inherit', cwd: ROOT },
    );
    printSummary(report);
    process.exit(r.status ?? 1);
    break;
  }
  case 'install': {
    ensurePackages(['demo', 'test', ...(process.argv.includes('--bench') ? ['bench'] : [])]);
    install(pnpm());
    break;
  }
  default:
    fail('usage: node deploy/bootstrap.mjs demo|test|install [--bench]');
}
