/**
 * The hub's leafnode TLS material on a real install: a private CA made once (kept on later runs, so
 * enrolled edges keep trusting the hub) and the hub's certificate for its public names, or an
 * operator-provided certificate checked against its CA. Edges pin the CA (CLOUD_HUB_CA_FILE).
 */
import { chmodSync, chownSync, copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ConfigError,
  checkCertKeyPair,
  checkServerCert,
  ensureCa,
  type HubLeafTlsOptions,
  issueServerCert,
  TlsMaterialError,
} from '@hcc/shared';

export interface HubTlsFiles {
  caFile: string;
  certFile: string;
  keyFile: string;
  /** The CA key (undefined for operator-provided material: the operator keeps it). */
  caKeyFile?: string;
  validTo: Date;
  /** True when a CA already in `dir` was kept. */
  keptCa: boolean;
}

export interface HubTlsOptions {
  dir: string;
  /** Names (DNS or IP) leaves use to reach the hub's leafnode port. */
  hubNames: string[];
  /** Operator-provided certificate, key and the CA that signed it (all three, or none). */
  provided?: { certFile: string; keyFile: string; caFile: string };
  /** Owner for the files (the service user), when it exists. */
  owner?: { uid: number; gid: number };
}

export const HUB_CA = 'hub-ca';
export const HUB_CERT = 'hub-leaf';

export async function initHubTls(o: HubTlsOptions): Promise<HubTlsFiles> {
  if (o.hubNames.length === 0) throw new TlsMaterialError('at least one hub name is needed');
  const certFile = join(o.dir, `${HUB_CERT}.pem`);
  const keyFile = join(o.dir, `${HUB_CERT}.key`);
  const caFile = join(o.dir, `${HUB_CA}.pem`);
  let files: HubTlsFiles;
  if (o.provided) {
    // Check before copying anything: a wrong file must not replace working material.
    checkServerCert(o.provided, o.provided.caFile, o.hubNames, 1);
    mkdirSync(o.dir, { recursive: true });
    copyFileSync(o.provided.caFile, caFile);
    copyFileSync(o.provided.certFile, certFile);
    copyFileSync(o.provided.keyFile, keyFile);
    chmodSync(keyFile, 0o600);
    files = { caFile, certFile, keyFile, keptCa: false, validTo: new Date(0) };
  } else {
    const keptCa = existsSync(caFile) && existsSync(join(o.dir, `${HUB_CA}.key`));
    const ca = await ensureCa(o.dir, { commonName: 'hcc hub CA' }, HUB_CA);
    await issueServerCert(ca, o.dir, { commonName: o.hubNames[0]!, hosts: o.hubNames }, HUB_CERT);
    files = { caFile, certFile, keyFile, caKeyFile: ca.keyFile, keptCa, validTo: new Date(0) };
  }
  files.validTo = checkServerCert({ certFile, keyFile }, caFile, o.hubNames).validTo;
  if (o.owner) {
    for (const f of [caFile, certFile, keyFile, files.caKeyFile])
      if (f) chownSync(f, o.owner.uid, o.owner.gid);
  }
  return files;
}

/** uid/gid of a local user from /etc/passwd, or undefined when it does not exist. */
export function localUser(name: string, passwd = '/etc/passwd'): { uid: number; gid: number } | undefined {
  let text: string;
  try {
    text = readFileSync(passwd, 'utf8');
  } catch {
    return undefined;
  }
  for (const line of text.split('\n')) {
    const [user, , uid, gid] = line.split(':');
    if (user === name && uid !== undefined && gid !== undefined)
      return { uid: Number(uid), gid: Number(gid) };
  }
  return undefined;
}

/**
 * The hub's leafnode TLS from CLOUD_HUB_TLS_CERT / CLOUD_HUB_TLS_KEY (both or neither; the key must
 * be the certificate's), for whatever renders the installed hub's config with `hubConf({ leafTls })`.
 */
export function hubLeafTlsSettings(env: NodeJS.ProcessEnv = process.env): HubLeafTlsOptions | undefined {
  const certFile = env.CLOUD_HUB_TLS_CERT || undefined;
  const keyFile = env.CLOUD_HUB_TLS_KEY || undefined;
  if (!certFile && !keyFile) return undefined;
  if (!certFile || !keyFile)
    throw new ConfigError('CLOUD_HUB_TLS_CERT and CLOUD_HUB_TLS_KEY go together: set both or neither');
  try {
    checkCertKeyPair(readFileSync(certFile, 'utf8'), readFileSync(keyFile, 'utf8'));
  } catch (err) {
    throw new ConfigError(`CLOUD_HUB_TLS_CERT/CLOUD_HUB_TLS_KEY: ${(err as Error).message}`);
  }
  return { certFile, keyFile };
}

/** The cloud environment lines and the nats-server settings that use the files. */
export function hubTlsInstructions(f: HubTlsFiles, hubNames: string[], leafPort: number): string {
  return [
    'cloud environment (/etc/hcc/cloud.env):',
    `  CLOUD_HUB_TLS_CERT=${f.certFile}`,
    `  CLOUD_HUB_TLS_KEY=${f.keyFile}`,
    `  CLOUD_HUB_CA_FILE=${f.caFile}`,
    `  CLOUD_HUB_LEAF_URLS=${hubNames.map((n) => `tls://${n.includes(':') ? `[${n}]` : n}:${leafPort}`).join(',')}`,
    'a hub nats-server configured by hand (leafnodes block):',
    '  leafnodes {',
    `    port: ${leafPort}`,
    `    advertise: "${hubNames[0]}:${leafPort}"`,
    `    tls { cert_file: "${f.certFile}", key_file: "${f.keyFile}", timeout: 5 }`,
    '  }',
    '',
  ].join('\n');
}
