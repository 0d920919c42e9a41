import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError, type DatabaseTarget, envReader } from '@hcc/shared';
import { SecretBox } from './db/secret-box.ts';
import { checkRetention, type RetentionOptions } from './ingest/retention.ts';
import type { AuthoritySecrets } from './nats/authority.ts';

/** Everything the cloud service reads from its environment, validated once at start. */
export interface CloudSettings {
  httpHost: string;
  httpPort: number;
  natsUrl: string;
  database: DatabaseTarget;
  signingKeyPem: string;
  /** Operator, system and cloud account seeds (operator mode); a secret file. */
  nats: AuthoritySecrets;
  /** Seals nkey seeds at rest in the database (AES-256-GCM keys from CLOUD_SECRETS_KEY_FILE). */
  secrets: SecretBox;
  /** nats-leaf URLs of the hub that enrollment hands to edges. */
  hubLeafUrls: string[];
  /** The CA (PEM) of the hub's leafnode TLS certificate, handed to enrolling edges (CLOUD_HUB_CA_FILE). */
  hubCaPem?: string;
  /** The URL sites reach the cloud at (`hcc-edge enroll --cloud`); default: the request's origin. */
  publicUrl?: string;
  /** A site is online when its last heartbeat is younger than this. */
  onlineAfterMs: number;
  seedDemo: boolean;
  /** analytics.events retention (status rows after `statusHours`; other events after `eventsDays`, 0 = keep). */
  retention?: RetentionOptions;
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

function optionalFile(file: string | undefined, name: string): string | undefined {
  if (!file) return undefined;
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`${name}: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? err})`);
  }
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
  return {
    httpHost: e.str('CLOUD_HTTP_HOST', '127.0.0.1'),
    httpPort: e.port('CLOUD_HTTP_PORT', 8080),
    natsUrl: e.str('CLOUD_NATS_URL', 'nats://127.0.0.1:14222'),
    database: url ? { url } : { dataDir: resolve(e.str('CLOUD_DATA_DIR', '.data/cloud'), 'pglite') },
    signingKeyPem: readFileSync(e.str('CLOUD_CONFIG_SIGNING_KEY_FILE'), 'utf8'),
    nats: readAuthority(e.str('CLOUD_NATS_AUTHORITY_FILE')),
    secrets: SecretBox.fromFile(e.str('CLOUD_SECRETS_KEY_FILE')),
    hubLeafUrls: e.list('CLOUD_HUB_LEAF_URLS', ['nats-leaf://127.0.0.1:17422']),
    hubCaPem: optionalFile(e.optional('CLOUD_HUB_CA_FILE'), 'CLOUD_HUB_CA_FILE'),
    publicUrl: publicUrl(e.optional('CLOUD_PUBLIC_URL')),
    onlineAfterMs: Number(e.str('CLOUD_ONLINE_AFTER_MS', '30000')),
    seedDemo: e.str('CLOUD_SEED_DEMO', '0') === '1',
    retention: retentionSettings(
      Number(e.str('CLOUD_STATUS_EVENTS_RETENTION_HOURS', '48')),
      Number(e.str('CLOUD_EVENTS_RETENTION_DAYS', '0')),
    ),
    demoCredentialsFile: e.optional('CLOUD_DEMO_CREDENTIALS_FILE'),
  };
}
