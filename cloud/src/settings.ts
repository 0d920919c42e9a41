import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { type DatabaseTarget, envReader } from '@hcc/shared';

/** Everything the cloud service reads from its environment, validated once at start. */
export interface CloudSettings {
  httpHost: string;
  httpPort: number;
  natsUrl: string;
  database: DatabaseTarget;
  /** Sites whose edge streams the hub's aggregate stream sources (until sites come from the database). */
  sites: string[];
  signingKeyPem: string;
  seedDemo: boolean;
}

export function cloudSettings(env: NodeJS.ProcessEnv = process.env): CloudSettings {
  const e = envReader(env);
  const url = e.optional('CLOUD_DATABASE_URL');
  return {
    httpHost: e.str('CLOUD_HTTP_HOST', '127.0.0.1'),
    httpPort: e.port('CLOUD_HTTP_PORT', 8080),
    natsUrl: e.str('CLOUD_NATS_URL', 'nats://127.0.0.1:14222'),
    database: url ? { url } : { dataDir: resolve(e.str('CLOUD_DATA_DIR', '.data/cloud'), 'pglite') },
    sites: e.list('CLOUD_SITES', ['hq', 'branch']),
    signingKeyPem: readFileSync(e.str('CLOUD_CONFIG_SIGNING_KEY_FILE'), 'utf8'),
    seedDemo: e.str('CLOUD_SEED_DEMO', '0') === '1',
  };
}
