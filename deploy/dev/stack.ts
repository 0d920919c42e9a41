/**
 * The dev stack: one command starts, as child processes it owns, a NATS hub (JetStream domain
 * `cloud`, operator mode: one account per site, created by the cloud at enrollment), the cloud
 * service, then enrolls each edge site with a one-time token (`hcc-edge enroll`, as a real site does),
 * a leaf nats-server (with the leaf.conf enrollment wrote) and an rtpengine per edge site, and the two
 * edge services (hq and branch). The leaf -> hub link is TLS: a dev CA made on the first start (kept
 * under the state dir) signs the hub's leafnode certificate and every leaf pins it (the CA reaches the
 * leaf through enrollment, as at a real site). Every nats-server config is generated. Ctrl-C stops all of it; a start after a crash first stops what the
 * previous run left. Every child logs to .data/dev/logs/<name>.log; warnings and errors also
 * reach this console.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { hubConf, type ManagedChild, rtpengineArgs, startChild } from '@hcc/shared';
import { type DevTls, ensureDevTls, ensureEdgeSipCert } from './dev-ca.ts';
import { enrollDemoSites, enrollDirOf, isEnrolled, leafStoreOf } from './enroll.ts';
import { type DevOperator, ensureDevOperator } from './operator.ts';
import { cmdlineOf, PidFile } from './pidfile.ts';
import { type EdgeSitePorts, stackPorts } from './ports.ts';
import {
  checkNoRunningStack,
  checkPortsFree,
  PreflightError,
  STACK_ENTRY,
  stackPortNeeds,
} from './preflight.ts';
import { ChildReadiness } from './readiness.ts';
import { type DemoSecrets, ensureDemoSecrets } from './secrets.ts';
import { printWelcome } from './welcome.ts';

const ROOT = resolve(fileURLToPath(import.meta.url), '../../..');
const STATE = resolve(process.env.HCC_DEV_DIR ?? join(ROOT, '.data/dev'));
const LOGS = join(STATE, 'logs');
const HOST = '127.0.0.1';

const ports = stackPorts();
const PIDS = join(STATE, 'pids.json');
const pidFile = new PidFile(PIDS);
const children: ManagedChild[] = [];
const readiness = new ChildReadiness(children, HOST);
let stopping = false;

const out = (msg: string) => process.stdout.write(`\x1b[36m[stack]\x1b[0m ${msg}\n`);

/** Forwards a child's warnings and errors (pino levels, or any non-JSON line of a system process). */
function consoleFilter(name: string) {
  return (line: string) => {
    if (line.startsWith('{')) {
      if (!/"level":"(warn|error|fatal)"/.test(line)) return;
    } else if (line.includes('[WRN]') || !/\b(ERR|error|fatal|panic|CRIT)/i.test(line)) return;
    process.stdout.write(`\x1b[33m[${name}]\x1b[0m ${line}\n`);
  };
}

function own(name: string, command: string, args: string[], env: NodeJS.ProcessEnv = {}): ManagedChild {
  const child = startChild({
    name,
    command,
    args,
    cwd: ROOT,
    env: { ...process.env, ...env },
    logFile: join(LOGS, `${name}.log`),
    onLine: consoleFilter(name),
  });
  children.push(child);
  const cmd = cmdlineOf(child.pid) ?? command;
  pidFile.add({ name, pid: child.pid, cmd: cmd.slice(0, 40) });
  void child.exited.then(({ code, signal }) => {
    pidFile.remove(child.pid);
    if (!stopping) out(`\x1b[31m${name} exited (${code ?? signal}); see ${join(LOGS, `${name}.log`)}\x1b[0m`);
  });
  return child;
}

/** The hub's leafnode URL: TLS, verified by every leaf against the dev CA. */
const HUB_LEAF_URL = `tls://${HOST}:${ports.hubLeaf}`;

function startHub(op: DevOperator, tls: DevTls): ManagedChild {
  const dir = join(STATE, 'nats-hub');
  mkdirSync(join(dir, 'js'), { recursive: true });
  const conf = join(dir, 'hub.conf');
  writeFileSync(
    conf,
    hubConf({
      serverName: 'hub',
      host: HOST,
      port: ports.hubNats,
      leafPort: ports.hubLeaf,
      storeDir: join(dir, 'js'),
      operator: {
        operatorJwt: op.material.operatorJwt,
        systemAccount: op.material.systemAccount,
        systemAccountJwt: op.material.systemAccountJwt,
        resolverDir: join(dir, 'resolver'),
      },
      leafTls: { certFile: tls.hubCert.certFile, keyFile: tls.hubCert.keyFile },
    }),
    { mode: 0o600 },
  );
  return own('nats-hub', 'nats-server', ['-c', conf]);
}

/** The site's leaf, from the leaf.conf `hcc-edge enroll` wrote (its port as this run's ports say). */
function startLeaf(e: EdgeSitePorts): ManagedChild {
  mkdirSync(leafStoreOf(STATE, e.site), { recursive: true });
  return own(`nats-${e.site}`, 'nats-server', [
    '-c',
    join(enrollDirOf(STATE, e.site), 'leaf.conf'),
    '-p',
    String(e.nats),
  ]);
}

function startRtpengine(e: EdgeSitePorts): ManagedChild {
  const rec = join(STATE, `edge-${e.site}`, 'recordings-spool');
  mkdirSync(rec, { recursive: true });
  return own(
    `rtpengine-${e.site}`,
    'rtpengine',
    rtpengineArgs({
      rtpHost: e.rtpHost,
      advertisedAddress: e.publicAddress,
      ng: { host: HOST, port: e.ng },
      portMin: e.mediaMin,
      portMax: e.mediaMax,
      dtmf: { host: HOST, port: e.dtmf },
      recordingDir: rec,
    }),
  );
}

const node = (entry: string) => [process.execPath, ['--import', 'tsx', entry]] as const;

function startCloud(secrets: DemoSecrets, op: DevOperator, tls: DevTls, demo: boolean): ManagedChild {
  const [cmd, args] = node('cloud/src/main.ts');
  return own('cloud', cmd, [...args], {
    CLOUD_HTTP_HOST: HOST,
    CLOUD_HTTP_PORT: String(ports.cloudHttp),
    CLOUD_NATS_URL: `nats://${HOST}:${ports.hubNats}`,
    CLOUD_DATA_DIR: join(STATE, 'cloud'),
    CLOUD_CONFIG_SIGNING_KEY_FILE: secrets.signingKeyFile,
    CLOUD_NATS_AUTHORITY_FILE: op.authorityFile,
    CLOUD_SECRETS_KEY_FILE: secrets.secretsKeyFile,
    CLOUD_HUB_LEAF_URLS: HUB_LEAF_URL,
    CLOUD_HUB_CA_FILE: tls.caFile,
    CLOUD_SEED_DEMO: demo ? '1' : '0',
    CLOUD_DEMO_CREDENTIALS_FILE: secrets.credentialsFile,
  });
}

async function startEdge(e: EdgeSitePorts, secrets: DemoSecrets, tls: DevTls): Promise<ManagedChild> {
  const [cmd, args] = node('edge/src/main.ts');
  const sipCert = await ensureEdgeSipCert(
    STATE,
    e.site,
    [e.sipHost, ...(e.publicAddress ? [e.publicAddress] : [])].filter((h) => h !== '0.0.0.0' && h !== '::'),
  );
  return own(`edge-${e.site}`, cmd, [...args], {
    // The site id and the config-signing keys come from the enrollment.
    EDGE_ENROLL_DIR: enrollDirOf(STATE, e.site),
    EDGE_HTTP_HOST: HOST,
    EDGE_HTTP_PORT: String(e.http),
    EDGE_SIP_HOST: e.sipHost,
    EDGE_RTP_HOST: e.rtpHost,
    ...(e.publicAddress ? { EDGE_PUBLIC_ADDRESS: e.publicAddress } : {}),
    EDGE_SIP_PORT: String(e.sip),
    EDGE_SIP_WS_PORT: String(e.sipWs),
    // SIP over TLS for trunks and phones, with a certificate from the dev CA (which also verifies trunks).
    EDGE_SIP_TLS_PORT: String(e.sipTls),
    EDGE_SIP_TLS_CERT: sipCert.certFile,
    EDGE_SIP_TLS_KEY: sipCert.keyFile,
    EDGE_SIP_TLS_CA: tls.caFile,
    EDGE_NATS_URL: `nats://${HOST}:${e.nats}`,
    EDGE_RTPENGINE_NG: `${HOST}:${e.ng}`,
    EDGE_DTMF_PORT: String(e.dtmf),
    EDGE_DATA_DIR: join(STATE, `edge-${e.site}`),
    // Demo agents' SIP phone passwords -> HA1 in the edge's local secret store (call layer).
    EDGE_DEMO_CREDENTIALS_FILE: secrets.credentialsFile,
  });
}

async function stopAll(reason: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  out(`stopping (${reason})...`);
  // Services first, then media and messaging, the hub last.
  for (const child of [...children].reverse()) await child.stop(8000);
  pidFile.clear();
  out('stopped everything it started');
}

async function main(): Promise<void> {
  const demo = process.argv.includes('--demo');
  mkdirSync(LOGS, { recursive: true });
  // Nothing starts while a demo runs from this state dir or a port the stack needs is taken.
  checkNoRunningStack(PIDS);
  const reaped = await pidFile.reapLeftovers();
  if (reaped.length) out(`stopped leftovers of a previous run: ${reaped.join(', ')}`);
  await checkPortsFree(stackPortNeeds(ports, HOST));
  pidFile.add({ name: STACK_ENTRY, pid: process.pid, cmd: (cmdlineOf(process.pid) ?? '').slice(0, 40) });
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(sig, () => {
      void stopAll(sig).then(() => process.exit(0));
    });
  }
  const started = Date.now();
  const secrets = ensureDemoSecrets(STATE);

  const op = await ensureDevOperator(STATE);
  const tls = await ensureDevTls(STATE);

  const hub = startHub(op, tls);
  const rtpengines = ports.edges.map((e) => [e, startRtpengine(e)] as const);
  await readiness.listening(hub, ports.hubNats, 15_000);
  await readiness.listening(hub, ports.hubLeaf, 15_000);
  for (const [e, rtp] of rtpengines) await readiness.listening(rtp, e.ng, 15_000, 'udp');

  // Each site enrolls with a one-time token (the cloud creates its hub account at runtime) before
  // its leaf can connect. Without --demo there are no demo sites: only sites enrolled earlier start.
  const cloud = startCloud(secrets, op, tls, demo);
  out('waiting for the cloud to be ready...');
  await readiness.ready(cloud, ports.cloudHttp, 60_000);
  if (demo)
    await enrollDemoSites(
      { root: ROOT, state: STATE, host: HOST, cloudHttp: ports.cloudHttp, secrets, log: out },
      ports.edges,
    );
  const enrolled = ports.edges.filter((e) => isEnrolled(STATE, e.site));
  const leaves = enrolled.map((e) => [e, startLeaf(e)] as const);
  for (const [e, leaf] of leaves) await readiness.listening(leaf, e.nats, 15_000);
  const edges: Array<readonly [EdgeSitePorts, ManagedChild]> = [];
  for (const e of enrolled) edges.push([e, await startEdge(e, secrets, tls)] as const);
  out('waiting for the edges to be ready...');
  for (const [e, child] of edges) await readiness.ready(child, e.http, 60_000);
  // Every child the stack started still runs (one that died after its port check fails the start).
  readiness.assertAllAlive();
  out(`ready in ${((Date.now() - started) / 1000).toFixed(1)} s; logs in ${LOGS}`);
  if (demo) printWelcome({ ports, host: HOST, secrets });
  out('Ctrl-C stops everything.');
  // Keep the event loop alive until a signal arrives.
  for (;;) await sleep(3_600_000);
}

main().catch(async (err: unknown) => {
  process.stderr.write(`\x1b[31m[stack] ${err instanceof Error ? err.message : String(err)}\x1b[0m\n`);
  // Nothing was started (and the pid file may be another running demo's): leave everything as it is.
  if (err instanceof PreflightError) process.exit(1);
  await stopAll('start failed');
  process.exit(1);
});
