import type { Db } from '@hcc/shared';
import { sql } from 'drizzle-orm';

/** A transaction handle; repositories take this, never the pool, so every query runs under a role. */
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

/** The application role for tenant-scoped work: row-level security admits only `app.tenant_id`'s rows. */
export const APP_ROLE = 'hcc_app';
/** The role of the few cross-tenant paths (login, API keys, fleet status, enrollment bookkeeping). */
export const SYSTEM_ROLE = 'hcc_system';

/**
 * Runs `fn` in one transaction as `hcc_app` with the tenant set for that transaction only
 * (`set_config(..., true)`), so a pooled connection never carries a tenant into the next request.
 */
export function withTenant<T>(db: Db, tenantId: string, fn: (tx: Tx) => Promise<T>): Promise<T> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`set local role hcc_app`);
    await tx.execute(sql`select set_config('app.tenant_id', ${tenantId}, true)`);
    return fn(tx);
  });
}

/** Runs `fn` in one transaction as `hcc_system`. Keep its callers few and named. */
export function asSystem<T>(db: Db, fn: (tx: Tx) => Promise<T>): Promise<T> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`set local role hcc_system`);
    return fn(tx);
  });
}
