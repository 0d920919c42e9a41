import { type Database, openDatabase } from '@hcc/shared';
import { createTestDatabase } from '@hcc/shared/testing';
import { migrateAnalytics } from '../src/analytics/migrate.ts';

export interface AnalyticsDb {
  readonly database: Database;
  /** Closes the connection and drops the database. */
  dispose(): Promise<void>;
}

/** A fresh database on the test PostgreSQL server with the analytics store migrated. */
export async function openAnalyticsDb(pgUrl: string, name: string): Promise<AnalyticsDb> {
  const d = await createTestDatabase(pgUrl, name);
  const database = await openDatabase({ url: d.url });
  await migrateAnalytics(database);
  return {
    database,
    async dispose() {
      await database.close();
      await d.drop();
    },
  };
}
