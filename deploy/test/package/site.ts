/**
 * What the package tests do inside an installed root besides installing: give the cloud demo data,
 * give the edge its site (the files `hcc-edge enroll` writes, see the enrollment contract), a SIPp
 * call to the installed edge, and queries of the services' embedded databases.
 */
import { chownSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BootedRoot } from './container.ts';

/** The installed cloud serves HTTPS (configureDemoCloud): edges enroll over it, as at a real site. */
export const CLOUD_URL = 'https://127.0.0.1:8080';
export const CLOUD_READY = `${CLOUD_URL}/readyz`;
/** The CA `hcc-cloud tls-init` made at install (its certificate also serves the cloud's HTTPS here). */
export const INSTALL_CA = '/etc/hcc/tls/hub-ca.pem';
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

/**
 * The cloud seeds the demo tenant and its two sites, and serves HTTPS with the certificate the package's
 * `hcc-cloud tls-init` issued for this host (names: its hostname and 127.0.0.1).
 */
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
      'CLOUD_TLS_CERT=/etc/hcc/tls/hub-leaf.pem',
      'CLOUD_TLS_KEY=/etc/hcc/tls/hub-leaf.key',
      `CLOUD_PUBLIC_URL=${CLOUD_URL}`,
      '',
    ].join('\n'),
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

/**
 * Enrolls the installed edge as site `hq` the way a site does: an ops user of the installed cloud makes
 * a one-time token, `hcc-edge enroll --cloud URL --token TOKEN` writes /etc/hcc and restarts the units.
 * Returns the seconds from the enroll command to the edge's /readyz 200.
 */
export async function enrollEdgeWithToken(root: BootedRoot): Promise<{ output: string }> {
  const script = `
const base = ${JSON.stringify(CLOUD_URL)};
const login = await fetch(base + '/api/v1/auth/login', { method: 'POST', headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ email: 'admin@acme.example', password: 'package-test-pw-1' }) });
if (login.status !== 200) throw new Error('login ' + login.status + ' ' + await login.text());
const { token } = await login.json();
const r = await fetch(base + '/api/v1/sites/hq/enrollment-tokens', { method: 'POST',
  headers: { authorization: 'Bearer ' + token, 'content-type': 'application/json' }, body: '{}' });
if (r.status !== 201) throw new Error('token ' + r.status + ' ' + await r.text());
process.stdout.write((await r.json()).token);
`;
  const token = root.exec(['/usr/local/bin/node-probe', '--input-type=module', '-e', script]).stdout.trim();
  // Over HTTPS, the cloud's certificate checked against the install's CA.
  const r = root.exec([
    'hcc-edge',
    'enroll',
    '--cloud',
    CLOUD_URL,
    '--token',
    token,
    '--ca-file',
    INSTALL_CA,
  ]);
  return { output: r.stdout + r.stderr };
}
