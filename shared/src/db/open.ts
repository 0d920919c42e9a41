import { mkdirSync } from 'node:fs';
import { sql } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';

/** The drizzle database both drivers produce; stores are written against this type only. */
export type Db = PgDatabase<PgQueryResultHKT, Record<string, never>>;

export interface Database {
  readonly db: Db;
  /** `pglite` (embedded, a data dir) or `postgres` (a server, via node-postgres). */
  readonly kind: 'pglite' | 'postgres';
  /** Round trip to the database; throws when it does not answer. */
  ping(): Promise<void>;
  /**
   * Applies the SQL migrations of `folder` (drizzle-kit layout) that are not applied yet. A module
   * with its own folder passes its own `table` so its history is tracked separately.
   */
  migrate(folder: string, opts?: MigrateOptions): Promise<void>;
  /**
   * PGlite only: a consistent tarball of the data dir, taken by this process between queries after
   * a CHECKPOINT (what `backup` asks the running service for; PostgreSQL is dumped with pg_dump).
   */
  dump?(): Promise<Blob>;
  close(): Promise<void>;
}

export interface MigrateOptions {
  /** Migrations history table (default drizzle's `__drizzle_migrations`). */
  table?: string;
  /** Schema of the history table (default `drizzle`). */
  schema?: string;
}

const migrateConfig = (folder: string, o: MigrateOptions = {}) => ({
  migrationsFolder: folder,
  ...(o.table ? { migrationsTable: o.table } : {}),
  ...(o.schema ? { migrationsSchema: o.schema } : {}),
});

export type DatabaseTarget = { url: string } | { dataDir: string };

/** Opens the service's database: a PostgreSQL URL when given, otherwise an embedded PGlite data dir. */
export async function openDatabase(target: DatabaseTarget): Promise<Database> {
  if ('url' in target) return openPostgres(target.url);
  return openPglite(target.dataDir);
}

async function openPostgres(url: string): Promise<Database> {
  const [{ default: pg }, { drizzle }, { migrate }] = await Promise.all([
    import('pg'),
    import('drizzle-orm/node-postgres'),
    import('drizzle-orm/node-postgres/migrator'),
  ]);
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  // An idle client that loses its server must not crash the process: report and let the pool replace it.
  pool.on('error', () => {});
  const db = drizzle(pool) as unknown as Db;
  return {
    db,
    kind: 'postgres',
    async ping() {
      await db.execute(sql`select 1`);
    },
    async migrate(folder, opts) {
      await migrate(drizzle(pool), migrateConfig(folder, opts));
    },
    async close() {
      await pool.end();
    },
  };
}

async function openPglite(dataDir: string): Promise<Database> {
  const [{ PGlite }, { drizzle }, { migrate }] = await Promise.all([
    import('@electric-sql/pglite'),
    import('drizzle-orm/pglite'),
    import('drizzle-orm/pglite/migrator'),
  ]);
  mkdirSync(dataDir, { recursive: true });
  const client = await PGlite.create(dataDir);
  const db = drizzle(client) as unknown as Db;
  return {
    db,
    kind: 'pglite',
    async ping() {
      await db.execute(sql`select 1`);
    },
    async migrate(folder, opts) {
      await migrate(drizzle(client), migrateConfig(folder, opts));
    },
    async dump() {
      await client.exec('CHECKPOINT');
      return client.dumpDataDir('none');
    },
    async close() {
      await client.close();
    },
  };
}
