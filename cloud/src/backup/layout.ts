/**
 * What a cloud backup holds and where each part lives, from the environment the service reads
 * (`cloudSettings()`):
 *   database/pglite.tar | database/postgres.dump   tenants, users, sites, their accounts and sealed
 *                                                  nkey seeds, config versions, analytics
 *   secrets/nats-authority.json                    CLOUD_NATS_AUTHORITY_FILE (operator, system and cloud account seeds)
 *   secrets/secrets.key                            CLOUD_SECRETS_KEY_FILE (unseals the seeds in the database)
 *   secrets/config-signing.pem                     CLOUD_CONFIG_SIGNING_KEY_FILE
 * The hub's resolver dir is not taken: on start the cloud pushes every site account and its own
 * account to the hub again (`Enrollment.restore`), which rebuilds it.
 */
import { dirname, join, resolve } from 'node:path';
import { ADMIN_SOCKET_NAME, type DatabaseTarget, envReader } from '@hcc/shared';

export const SECRET_FILES = [
  { entry: 'secrets/nats-authority.json', env: 'CLOUD_NATS_AUTHORITY_FILE' },
  { entry: 'secrets/secrets.key', env: 'CLOUD_SECRETS_KEY_FILE' },
  { entry: 'secrets/config-signing.pem', env: 'CLOUD_CONFIG_SIGNING_KEY_FILE' },
] as const;

export interface CloudLayout {
  database: DatabaseTarget;
  /** The admin socket of a running cloud with PGlite (none with PostgreSQL). */
  adminSocket: string | undefined;
  /** Archive entry name -> file path on this install (undefined when its variable is unset). */
  secrets: Record<string, string | undefined>;
}

/** The PGlite cloud's admin socket sits in CLOUD_DATA_DIR, beside the database. */
export const cloudAdminSocket = (target: DatabaseTarget): string | undefined =>
  'dataDir' in target ? join(dirname(target.dataDir), ADMIN_SOCKET_NAME) : undefined;

/**
 * Read like cloudSettings() (same variables, same defaults) without reading the files: a restore
 * runs before they exist.
 */
export function cloudLayout(env: NodeJS.ProcessEnv = process.env): CloudLayout {
  const e = envReader(env);
  const url = e.optional('CLOUD_DATABASE_URL');
  const database: DatabaseTarget = url
    ? { url }
    : { dataDir: resolve(e.str('CLOUD_DATA_DIR', '.data/cloud'), 'pglite') };
  return {
    database,
    adminSocket: cloudAdminSocket(database),
    secrets: Object.fromEntries(
      SECRET_FILES.map((s) => [s.entry, e.optional(s.env) && resolve(e.str(s.env))]),
    ),
  };
}
