import { fileURLToPath } from 'node:url';
import type { Database } from '@hcc/shared';

/** The analytics store's own migrations folder and history table (separate from the control plane's). */
export const ANALYTICS_MIGRATIONS = fileURLToPath(new URL('../../drizzle-analytics', import.meta.url));
export const ANALYTICS_MIGRATIONS_TABLE = '__analytics_migrations';

export async function migrateAnalytics(database: Database): Promise<void> {
  await database.migrate(ANALYTICS_MIGRATIONS, { table: ANALYTICS_MIGRATIONS_TABLE });
}
