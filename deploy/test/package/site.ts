/**
 * What the package tests do inside an installed root besides installing: give the cloud demo data,
 * give the edge its site (the files `hcc-edge enroll` writes, see the enrollment contract), a SIPp
 * call to the installed edge, and queries of the services' embedded databases.
 */
import { chownSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { leafConf } from '@hcc/shared';
import type { BootedRoot } from './container.ts';

export const CLOUD_READY = 'http://127.0.0.1:8080/readyz';
export const EDGE_READY = 'http://127.0.0.1:8081/readyz';
export const EDGE_STATUS = 'http://127.0.0.1:8081/api/status';
export const UNITS = ['hcc-cloud-nats', 'hcc-cloud', 'hcc-edge-rtpengine', 'hcc-edge-nats', 'hcc-edge'];

function hccIds(dir: string): { uid: number; gid: number } {
  const line = readFileSync(join(dir, 'etc/passwd'), 'utf8')
    .split('\n')
    .find((l) => l.startsWith('hcc:'));
  if (!line) throw new Error('the package did not create the hcc user');
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

function writeOwned(dir: string, path: string, content: string | Buffer): void {
  const { uid, gid } = hccIds(dir);
  writeFileSync(join(dir, path), content, { mode: 0o600 });
  chownSync(join(dir, path), uid, gid);
}

/** The cloud seeds the demo tenant and its two sites (their leaf credentials into its state dir). */
export function configureDemoCloud(dir: string): void {
  writeOwned(
    dir,
    'etc/hcc/demo-credentials.json',
    `${JSON.stringify({
      console: { user: 'admin@acme.example', password: 'package-test-pw-1' },
      agents: { '1001': 'agent-pw-1001', '1002': 'agent-pw-1002', '2001': 'agent-pw-2001' },
    })}\n`,
  );
  writeFileSync(
    join(dir, 'etc/hcc/cloud.env'),
    [
      'CLOUD_SEED_DEMO=1',
      'CLOUD_DEMO_CREDENTIALS_FILE=/etc/hcc/demo-credentials.json',
      'CLOUD_DEMO_ENROLL_DIR=/var/lib/hcc-cloud/demo-enroll',
      '',
    ].join('\n'),
    { flag: 'a' },
  );
}

/** Waits for the cloud's demo seed to have issued site hq's leaf credentials. */
export async function waitForDemoSeed(dir: string, timeoutMs = 60_000): Promise<void> {
  const file = join(dir, 'var/lib/hcc-cloud/demo-enroll/hq.creds');
  const deadline = Date.now() + timeoutMs;
  while (!existsSync(file)) {
    if (Date.now() > deadline) throw new Error('the cloud did not seed its demo sites');
    await sleep(200);
  }
}

/**
 * Enrolls the installed edge as site `hq` of the installed cloud by writing what `hcc-edge enroll`
 * writes (enrollment.json, leaf.creds, config-signing.pem, leaf.conf: mode 0600, owner hcc), from the
 * credentials the cloud's demo seed issued. Replace with `hcc-edge enroll --cloud https://... --token`
 * once that command is in the packages.
 */
export function enrollEdgeAsDemoSite(dir: string): void {
  const creds = readFileSync(join(dir, 'var/lib/hcc-cloud/demo-enroll/hq.creds'), 'utf8');
  const hubLeafUrls = ['nats-leaf://127.0.0.1:17422'];
  writeOwned(dir, 'etc/hcc/leaf.creds', creds);
  writeOwned(dir, 'etc/hcc/config-signing.pem', readFileSync(join(dir, 'etc/hcc/cloud/config-signing.pub')));
  writeOwned(
    dir,
    'etc/hcc/leaf.conf',
    leafConf({
      serverName: 'leaf-hq',
      domain: 'hq',
      host: '127.0.0.1',
      port: 14223,
      storeDir: '/var/lib/hcc-edge/nats',
      hubUrls: hubLeafUrls,
      credentials: '/etc/hcc/leaf.creds',
    }),
  );
  writeOwned(
    dir,
    'etc/hcc/enrollment.json',
    `${JSON.stringify({
      siteId: 'hq',
      tenantId: 'acme',
      cloudUrl: 'http://127.0.0.1:8080',
      hubLeafUrls,
      account: 'demo',
      enrolledAt: new Date().toISOString(),
    })}\n`,
  );
  writeFileSync(
    join(dir, 'etc/hcc/edge.env'),
    'EDGE_SITE=hq\nEDGE_CONFIG_PUBLIC_KEY_FILE=/etc/hcc/config-signing.pem\n',
    { flag: 'a' },
  );
}

export interface EdgeStatus {
  site: string;
  config_version: string;
  rtpengines: { healthy: boolean }[];
  events: { journaled_seq: number; cloud_watermark: number };
}

/** One SIPp call from outside the container to the DID of hq's IVR; resolves with SIPp's exit code. */
export function callTheIvr(root: BootedRoot, scenario: string): { code: number; output: string } {
  const r = root.execInNetwork(
    [
      'sipp',
      '-sf',
      scenario,
      '-s',
      '+15550100',
      '-m',
      '1',
      '-i',
      '127.0.0.1',
      '-timeout',
      '30s',
      '-timeout_error',
      '-nostdin',
      '127.0.0.1:5060',
    ],
    60_000,
  );
  return { code: r.code, output: `${r.stdout}${r.stderr}` };
}

const QUERY_SCRIPT = `
const { PGlite } = await import(process.argv[1]);
const db = new PGlite(process.argv[2]);
const out = {};
for (const q of process.argv.slice(3)) out[q] = (await db.query(q)).rows;
await db.close();
process.stdout.write(JSON.stringify(out));
`;

/**
 * Runs read queries on a stopped service's embedded database (as the service user, so no file in its
 * data dir changes owner).
 */
export function queryPglite(
  root: BootedRoot,
  service: 'edge' | 'cloud',
  queries: string[],
): Record<string, Record<string, unknown>[]> {
  const r = root.exec([
    'runuser',
    '-u',
    'hcc',
    '--',
    `/usr/lib/hcc/${service}/node`,
    '--input-type=module',
    '-e',
    QUERY_SCRIPT,
    `/usr/lib/hcc/${service}/node_modules/@electric-sql/pglite/dist/index.js`,
    `/var/lib/hcc-${service}/pglite`,
    ...queries,
  ]);
  return JSON.parse(r.stdout) as Record<string, Record<string, unknown>[]>;
}

/** pino lines at error or fatal level, and systemd's own failure messages, in a unit's journal. */
export function journalErrors(root: BootedRoot, unit: string): string[] {
  return root
    .journal(unit, 2000)
    .split('\n')
    .filter((l) =>
      /"level":"(error|fatal)"|Failed with result|Main process exited, code=(killed|dumped)|SIGSYS/.test(l),
    );
}
