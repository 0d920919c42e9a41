import { basename, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { envReader, UsageError } from '@hcc/shared';
import { cloudBaseUrl, EnrollError, fetchGrant } from './client.ts';
import { ENROLL_FILES, writeEnrollment } from './files.ts';
import { restartEdgeUnits } from './restart.ts';

export const DEFAULT_ENROLL_DIR = '/etc/hcc';
export const DEFAULT_LEAF_STORE_DIR = '/var/lib/hcc-edge/nats';

/**
 * `hcc-edge enroll`: trades a one-time token for the site's leaf credentials, the hub's leaf URLs and
 * CA, and the config-signing keys; writes them (mode 0600) with the leaf's nats-server config; then
 * restarts the leaf and the edge under systemd, or says what to start. Nothing is written on any error.
 */
export async function enrollCommand(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let values: {
    cloud?: string;
    token?: string;
    'enroll-dir'?: string;
    'ca-file'?: string;
    'no-restart'?: boolean;
  };
  try {
    ({ values } = parseArgs({
      args,
      options: {
        cloud: { type: 'string' },
        token: { type: 'string' },
        'enroll-dir': { type: 'string' },
        'ca-file': { type: 'string' },
        'no-restart': { type: 'boolean' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (!values.cloud) throw new UsageError('--cloud is required');
  if (!values.token) throw new UsageError('--token is required');
  const e = envReader(env);
  const dir = resolve(values['enroll-dir'] ?? e.str('EDGE_ENROLL_DIR', DEFAULT_ENROLL_DIR));
  const leaf = {
    port: e.port('EDGE_LEAF_PORT', 14223),
    storeDir: e.str('EDGE_LEAF_STORE_DIR', DEFAULT_LEAF_STORE_DIR),
  };
  const started = performance.now();
  const cloud = cloudBaseUrl(values.cloud);
  const grant = await fetchGrant(cloud, values.token, { caFile: values['ca-file'] });
  let written: string[];
  try {
    written = writeEnrollment(dir, grant, {
      cloudUrl: cloud.origin + cloud.pathname.replace(/\/+$/, ''),
      leaf,
    });
  } catch (err) {
    throw new EnrollError(
      `cannot write ${dir}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
  const out = (s: string) => process.stdout.write(`${s}\n`);
  out(
    `enrolled as site ${grant.siteId} of tenant ${grant.tenantId} in ${Math.round(performance.now() - started)} ms; wrote ${written.map((f) => basename(f)).join(', ')} to ${dir} (mode 0600)`,
  );
  if (!grant.hubCaPem.trim()) out('note: the cloud sent no hub CA: the leaf connects to the hub without TLS');
  const r = restartEdgeUnits(values['no-restart'] === true);
  if (r.kind === 'restarted') {
    out(`restarted ${r.units.join(' and ')}`);
    return 0;
  }
  if (r.kind === 'failed') {
    process.stderr.write(`hcc-edge enroll: enrolled, but systemctl restart failed: ${r.detail}\n`);
    return 1;
  }
  out(
    `not restarted (${r.reason}); start the leaf: nats-server -c ${join(dir, ENROLL_FILES.leafConf)}, then the edge with EDGE_ENROLL_DIR=${dir} (under systemd: systemctl restart hcc-edge-nats hcc-edge)`,
  );
  return 0;
}
