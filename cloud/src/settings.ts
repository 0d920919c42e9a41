import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  ConfigError,
  checkListener,
  type DatabaseTarget,
  envReader,
  readTlsPair,
  type TlsPair,
} from '@hcc/shared';
import { REPORTS_RATE_DEFAULTS, type TokenBucketOptions } from './api/rate-limit.ts';
import { SecretBox } from './db/secret-box.ts';
import { checkRetention, type RetentionOptions } from './ingest/retention.ts';
import type { AuthoritySecrets } from './nats/authority.ts';

/**
 * What one cloud process runs: `all` (the default: one process does everything), `api` (API, console
 * and reports: no ingest workers), `ingest` (ingest workers, watermarks, live snapshots and retention:
 * only /healthz and /readyz over HTTP). Kubernetes runs the two roles as separate Deployments.
 */
export type CloudRole = 'all' | 'api' | 'ingest';
const ROLES: readonly CloudRole[] = ['all', 'api', 'ingest'];

/** Everything the cloud service reads from its environment, validated once at start. */
export interface CloudSettings {
  /** Default `all`. */
  role?: CloudRole;
  httpHost: string;
  httpPort: number;
  /** HTTPS with this certificate and key (CLOUD_TLS_CERT / CLOUD_TLS_KEY); plain HTTP when absent. */
  tls?: TlsPair;
  natsUrl: string;
  database: DatabaseTarget;
  signingKeyPem: string;
  /** Operator, system and cloud account seeds (operator mode); a secret file. */
  nats: AuthoritySecrets;
  /** Seals nkey seeds at rest in the database (AES-256-GCM keys from CLOUD_SECRETS_KEY_FILE). */
  secrets: SecretBox;
  /** nats-leaf URLs of the hub that enrollment hands to edges. */
  hubLeafUrls: string[];
  /**
   * The CA that signed the hub's leafnode TLS certificate (PEM, from CLOUD_HUB_CA_FILE): enrollment
   * hands it to edges as `hubCaPem`, and their leaves pin it.
   */
  hubCaPem?: string;
  /** The URL sites reach the cloud at (`hcc-edge enroll --cloud`); default: the request's origin. */
  publicUrl?: string;
  /** A site is online when its last heartbeat is younger than this. */
  onlineAfterMs: number;
  seedDemo: boolean;
  /** analytics.events retention (status rows after `statusHours`; other events after `eventsDays`, 0 = keep). */
  retention?: RetentionOptions;
  /**
   * The reports API's token bucket per API key or user (CLOUD_REPORTS_RATE_PER_MINUTE, default 60;
   * CLOUD_REPORTS_RATE_BURST, default 20).
   */
  reportsRate?: TokenBucketOptions;
  /** Demo: the console admin's password comes from this file. */
  demoCredentialsFile?: string;
}

function readAuthority(file: string): AuthoritySecrets {
  const j = JSON.parse(readFileSync(file, 'utf8')) as Partial<AuthoritySecrets>;
  if (!j.operatorSeed || !j.systemAccountSeed || !j.cloudAccountSeed)
    throw new ConfigError(
      `CLOUD_NATS_AUTHORITY_FILE: ${file} lacks operatorSeed, systemAccountSeed or cloudAccountSeed`,
    );
  return {
    operatorSeed: j.operatorSeed,
    systemAccountSeed: j.systemAccountSeed,
    cloudAccountSeed: j.cloudAccountSeed,
  };
}

function retentionSettings(statusHours: number, eventsDays: number): RetentionOptions {
  try {
    checkRetention({ statusHours, eventsDays });
  } catch (err) {
    throw new ConfigError(
      `CLOUD_STATUS_EVENTS_RETENTION_HOURS / CLOUD_EVENTS_RETENTION_DAYS: ${(err as Error).message}`,
    );
  }
  return { statusHours, eventsDays };
}

/** CLOUD_HUB_CA_FILE: a PEM CA certificate, read once at start. */
function readHubCa(file: string | undefined): string | undefined {
  if (!file) return undefined;
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(
      `CLOUD_HUB_CA_FILE: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? err})`,
    );
  }
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(pem);
  } catch {
    throw new ConfigError(`CLOUD_HUB_CA_FILE: ${file} is not a PEM certificate`);
  }
  if (!cert.ca) throw new ConfigError(`CLOUD_HUB_CA_FILE: ${file} is not a CA certificate (${cert.subject})`);
  return pem;
}

/**
 * The HTTP listener: HTTPS when CLOUD_TLS_CERT/KEY are set; clear text only on loopback (a TLS proxy
 * on the same host) unless CLOUD_ALLOW_CLEARTEXT_HTTP=1 (a TLS proxy or ingress elsewhere).
 */
function httpListener(e: ReturnType<typeof envReader>, env: NodeJS.ProcessEnv) {
  const httpHost = e.str('CLOUD_HTTP_HOST', '127.0.0.1');
  const tls = readTlsPair('CLOUD_TLS_CERT', 'CLOUD_TLS_KEY', env);
  try {
    checkListener({
      what: 'the cloud HTTP server',
      host: httpHost,
      tls: tls !== undefined,
      allowed: e.str('CLOUD_ALLOW_CLEARTEXT_HTTP', '0') === '1',
      allowSetting: 'CLOUD_ALLOW_CLEARTEXT_HTTP=1 (behind a TLS proxy)',
    });
  } catch (err) {
    throw new ConfigError(`CLOUD_HTTP_HOST=${httpHost}: ${(err as Error).message}`);
  }
  return { httpHost, tls };
}

function publicUrl(raw: string | undefined): string | undefined {
  if (!raw) return undefined;
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new ConfigError(`CLOUD_PUBLIC_URL: "${raw}" is not a URL`);
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:')
    throw new ConfigError(`CLOUD_PUBLIC_URL: "${raw}" is not an http(s) URL`);
  return u.origin + u.pathname.replace(/\/+$/, '');
}

export function cloudSettings(env: NodeJS.ProcessEnv = process.env): CloudSettings {
  const e = envReader(env);
  const url = e.optional('CLOUD_DATABASE_URL');
  const role = e.str('CLOUD_ROLE', 'all') as CloudRole;
  if (!ROLES.includes(role)) throw new ConfigError(`CLOUD_ROLE: "${role}" is not one of ${ROLES.join(', ')}`);
  return {
    role,
    ...httpListener(e, env),
    httpPort: e.port('CLOUD_HTTP_PORT', 8080),
    natsUrl: e.str('CLOUD_NATS_URL', 'nats://127.0.0.1:14222'),
    database: url ? { url } : { dataDir: resolve(e.str('CLOUD_DATA_DIR', '.data/cloud'), 'pglite') },
    signingKeyPem: readFileSync(e.str('CLOUD_CONFIG_SIGNING_KEY_FILE'), 'utf8'),
    nats: readAuthority(e.str('CLOUD_NATS_AUTHORITY_FILE')),
    secrets: SecretBox.fromFile(e.str('CLOUD_SECRETS_KEY_FILE')),
    hubLeafUrls: e.list('CLOUD_HUB_LEAF_URLS', ['nats-leaf://127.0.0.1:17422']),
    hubCaPem: readHubCa(e.optional('CLOUD_HUB_CA_FILE')),
    publicUrl: publicUrl(e.optional('CLOUD_PUBLIC_URL')),
    onlineAfterMs: Number(e.str('CLOUD_ONLINE_AFTER_MS', '30000')),
    seedDemo: e.str('CLOUD_SEED_DEMO', '0') === '1',
    retention: retentionSettings(
      Number(e.str('CLOUD_STATUS_EVENTS_RETENTION_HOURS', '48')),
      Number(e.str('CLOUD_EVENTS_RETENTION_DAYS', '0')),
    ),
    reportsRate: {
      perMinute: e.int('CLOUD_REPORTS_RATE_PER_MINUTE', REPORTS_RATE_DEFAULTS.perMinute, 1, 1_000_000),
      burst: e.int('CLOUD_REPORTS_RATE_BURST', REPORTS_RATE_DEFAULTS.burst, 1, 1_000_000),
    },
    demoCredentialsFile: e.optional('CLOUD_DEMO_CREDENTIALS_FILE'),
  };
}
