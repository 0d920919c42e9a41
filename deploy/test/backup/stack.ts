/**
 * The demo stack (`deploy/dev/stack.ts --demo`) on private ports and a private state dir, for the
 * backup round trip: the env each service of it runs with (so `hcc-edge` / `hcc-cloud` commands
 * and a restored service can be started the same way), its processes by name, SIPp runs against
 * it, and the CLI run as the operator would.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, type ManagedChild, startChild, waitFor } from '@hcc/shared/testing';
import { freeStackPorts } from '../stack-ports.ts';

export const ROOT = resolve(fileURLToPath(import.meta.url), '../../../..');
const HOST = '127.0.0.1';

export interface StackEnv {
  state: string;
  ports: Record<string, string>;
}

/** Free ports for every service of the stack, and media ports apart from other tests'. */
export async function stackEnv(state: string): Promise<StackEnv> {
  const ports: Record<string, string> = { HCC_DEV_DIR: state };
  Object.assign(ports, await freeStackPorts());
  const base = 30000 + Math.floor(Math.random() * 60) * 40;
  Object.assign(ports, {
    HQ_MEDIA_PORT_MIN: String(base),
    HQ_MEDIA_PORT_MAX: String(base + 19),
    BRANCH_MEDIA_PORT_MIN: String(base + 20),
    BRANCH_MEDIA_PORT_MAX: String(base + 39),
  });
  return { state, ports };
}

export function startStack(s: StackEnv): ManagedChild {
  return startChild({
    name: 'stack',
    command: process.execPath,
    args: ['--import', 'tsx', 'deploy/dev/stack.ts', '--demo'],
    cwd: ROOT,
    env: { ...process.env, ...s.ports },
  });
}

/** The hq edge's environment as the stack starts it, with its data dir (and enrollment dir) swapped. */
export function hqEnv(s: StackEnv, dataDir: string, enrollDir: string): Record<string, string> {
  const p = s.ports;
  return {
    EDGE_SITE: 'hq',
    EDGE_HTTP_HOST: HOST,
    EDGE_HTTP_PORT: p.HQ_HTTP_PORT!,
    EDGE_SIP_HOST: HOST,
    EDGE_SIP_PORT: p.HQ_SIP_PORT!,
    EDGE_SIP_WS_PORT: p.HQ_SIP_WS_PORT!,
    EDGE_NATS_URL: `nats://${HOST}:${p.HQ_NATS_PORT}`,
    EDGE_RTPENGINE_NG: `${HOST}:${p.HQ_RTPENGINE_NG_PORT}`,
    EDGE_DTMF_PORT: p.HQ_DTMF_PORT!,
    EDGE_DATA_DIR: dataDir,
    EDGE_ENROLL_DIR: enrollDir,
    EDGE_CONFIG_PUBLIC_KEY_FILE: join(s.state, 'secrets', 'config-signing.pub'),
  };
}

/** The cloud's environment as the stack starts it, with its data dir and secret files swapped. */
export function cloudEnv(
  s: StackEnv,
  dataDir: string,
  files: { authority: string; secretsKey: string; signingKey: string },
): Record<string, string> {
  const p = s.ports;
  return {
    CLOUD_HTTP_HOST: HOST,
    CLOUD_HTTP_PORT: p.CLOUD_HTTP_PORT!,
    CLOUD_NATS_URL: `nats://${HOST}:${p.HUB_NATS_PORT}`,
    CLOUD_DATA_DIR: dataDir,
    CLOUD_CONFIG_SIGNING_KEY_FILE: files.signingKey,
    CLOUD_NATS_AUTHORITY_FILE: files.authority,
    CLOUD_SECRETS_KEY_FILE: files.secretsKey,
    CLOUD_HUB_LEAF_URLS: `tls://${HOST}:${p.HUB_LEAF_PORT}`,
    CLOUD_HUB_CA_FILE: join(s.state, 'tls', 'ca.pem'),
  };
}

/** The stack's own files for the cloud's secrets (deploy/dev/secrets.ts, operator.ts). */
export const stackCloudFiles = (s: StackEnv) => ({
  authority: join(s.state, 'secrets', 'nats-authority.json'),
  secretsKey: join(s.state, 'secrets', 'cloud-secrets.key'),
  signingKey: join(s.state, 'secrets', 'config-signing.key'),
});

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs `hcc-edge` / `hcc-cloud` from source with `env` on top of this process's. */
export function cli(service: 'edge' | 'cloud', args: string[], env: Record<string, string>): Promise<CliRun> {
  const started = Date.now();
  return new Promise((done) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', `${service}/src/cli.ts`, ...args],
      { cwd: ROOT, env: { ...process.env, ...env }, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) =>
        done({
          code: err ? Number((err as { code?: number }).code ?? 1) : 0,
          stdout,
          stderr,
          ms: Date.now() - started,
        }),
    );
  });
}

/** Starts a service (`hcc-edge run` / `hcc-cloud run`) from source and waits for its /readyz. */
export async function startService(
  service: 'edge' | 'cloud',
  env: Record<string, string>,
  httpPort: string,
): Promise<ManagedChild> {
  const child = startChild({
    name: `${service}-restored`,
    command: process.execPath,
    args: ['--import', 'tsx', `${service}/src/cli.ts`, 'run'],
    cwd: ROOT,
    env: { ...process.env, ...env },
  });
  await waitFor(
    `restored ${service} /readyz`,
    async () => {
      if (child.process.exitCode !== null) throw new Error(child.tail());
      return (await fetch(`http://${HOST}:${httpPort}/readyz`).catch(() => undefined))?.status === 200;
    },
    90_000,
    250,
  );
  return child;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Stops one process the stack started (by its name in pids.json) and waits for it to exit. */
export async function stopStackProcess(s: StackEnv, name: string): Promise<void> {
  const entries = JSON.parse(readFileSync(join(s.state, 'pids.json'), 'utf8')) as {
    name: string;
    pid: number;
  }[];
  const e = entries.find((x) => x.name === name);
  if (!e) throw new Error(`${name} is not in the stack's pids.json`);
  process.kill(e.pid, 'SIGTERM');
  await waitFor(`${name} to stop`, () => !alive(e.pid), 20_000, 100);
}

export interface SippRun {
  code: number | null;
  output: string;
}

/** One SIPp run of `scenario` (a file) against `target`, on its own free ports. */
export async function sipp(
  scenario: string,
  target: string,
  o: { port?: number; timeoutS?: number } = {},
): Promise<{ child: ManagedChild; done: Promise<SippRun> }> {
  const port = o.port ?? (await freePort());
  const child = startChild({
    name: 'sipp',
    command: 'sipp',
    args: [
      '-sf',
      scenario,
      target,
      '-i',
      HOST,
      '-p',
      String(port),
      '-mi',
      HOST,
      '-mp',
      String(await freePort(HOST, 4)),
      '-t',
      'u1',
      '-nostdin',
      '-timeout',
      `${o.timeoutS ?? 90}s`,
      '-timeout_error',
      '-m',
      '1',
    ],
  });
  const done = child.exited.then(({ code }) => ({ code, output: child.tail() }));
  return { child, done };
}
