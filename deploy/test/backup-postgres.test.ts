import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrateAnalytics } from '@hcc/cloud';
import { EDGE_MIGRATIONS, loadOrCreatePseudonymKey } from '@hcc/edge';
import { openDatabase } from '@hcc/shared';
import { createTestDatabase } from '@hcc/shared/testing';
import { sql } from 'drizzle-orm';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { cli, ROOT } from './backup/stack.ts';

type Row = Record<string, unknown>;
async function query(url: string, q: ReturnType<typeof sql>): Promise<Row[]> {
  const db = await openDatabase({ url });
  try {
    return ((await db.db.execute(q)) as unknown as { rows: Row[] }).rows;
  } finally {
    await db.close();
  }
}

// The PostgreSQL variant of `hcc-edge` / `hcc-cloud backup` and `restore` (pg_dump / pg_restore)
// against the real PostgreSQL of the global setup. The running-edge round trip with calls is in
// backup.test.ts (PGlite, the default).
describe('backup and restore with PostgreSQL', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hcc-bkpg-'));
  const drops: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const d of drops) await d().catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  });
  const fresh = async (name: string) => {
    const d = await createTestDatabase(inject('pgUrl'), name);
    drops.push(d.drop);
    return d.url;
  };

  it('edge: database (customers, SIP secrets, recordings index), key and recordings into a fresh database and data dir', async () => {
    const url = await fresh('edge_src');
    const data = join(dir, 'edge');
    const db = await openDatabase({ url });
    await db.migrate(EDGE_MIGRATIONS);
    const wav = join(data, 'recordings', '2026-12-06', 'i-1.wav');
    mkdirSync(join(data, 'recordings', '2026-12-06'), { recursive: true });
    writeFileSync(wav, Buffer.alloc(16_000, 7));
    const sha = createHash('sha256').update(readFileSync(wav)).digest('hex');
    await db.db.execute(sql`insert into customers (phone, name) values ('+15557770009', 'PG Customer')`);
    await db.db.execute(
      sql`insert into local_secrets (ref, realm, ha1_md5) values ('sip-1001', 'hcc-hq', 'abc')`,
    );
    await db.db.execute(
      sql`insert into recordings (interaction_id, path, sha256, duration_ms, bytes) values ('i-1', ${wav}, ${sha}, 1000, 16000)`,
    );
    await db.close();
    const key = loadOrCreatePseudonymKey(join(data, 'pseudonym.key'));
    const env = {
      EDGE_SITE: 'hq',
      EDGE_DATABASE_URL: url,
      EDGE_DATA_DIR: data,
      EDGE_ENROLL_DIR: join(dir, 'no-enroll'),
    };

    const archive = join(dir, 'edge.tar');
    const backup = await cli('edge', ['backup', archive], env);
    expect(backup.code, backup.stderr).toBe(0);
    expect(backup.stderr).toContain('pg_dump');
    expect(statSync(archive).mode & 0o777).toBe(0o600);

    const url2 = await fresh('edge_dst');
    const data2 = join(dir, 'edge-restored');
    const env2 = { ...env, EDGE_DATABASE_URL: url2, EDGE_DATA_DIR: data2 };
    // A PGlite edge cannot take a PostgreSQL archive: refused before anything is written.
    const pglite = await cli('edge', ['restore', archive], { ...env2, EDGE_DATABASE_URL: '' });
    expect(pglite.code).toBe(1);
    expect(pglite.stderr).toContain('holds a postgres database');
    const restore = await cli('edge', ['restore', archive], env2);
    expect(restore.code, restore.stderr).toBe(0);
    expect(await query(url2, sql`select phone, name from customers`)).toEqual([
      { phone: '+15557770009', name: 'PG Customer' },
    ]);
    expect(await query(url2, sql`select ref, ha1_md5 from local_secrets`)).toEqual([
      { ref: 'sip-1001', ha1_md5: 'abc' },
    ]);
    const [rec] = await query(url2, sql`select path, sha256 from recordings`);
    expect(rec!.path).toBe(join(data2, 'recordings', '2026-12-06', 'i-1.wav'));
    expect(
      createHash('sha256')
        .update(readFileSync(String(rec!.path)))
        .digest('hex'),
    ).toBe(sha);
    expect(Buffer.from(readFileSync(join(data2, 'pseudonym.key'), 'utf8').trim(), 'base64')).toEqual(
      Buffer.from(key),
    );

    // Into the same database again: refused (tables exist), then replaced with --force.
    const again = await cli('edge', ['restore', archive], env2);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('not a fresh install');
    await query(url2, sql`delete from customers`);
    const forced = await cli('edge', ['restore', archive, '--force'], env2);
    expect(forced.code, forced.stderr).toBe(0);
    expect((await query(url2, sql`select count(*)::int as n from customers`))[0]!.n).toBe(1);
  });

  it('cloud: the database with its RLS policies and grants into a fresh database, and the secret files', async () => {
    const url = await fresh('cloud_src');
    const db = await openDatabase({ url });
    await db.migrate(join(ROOT, 'cloud', 'drizzle'));
    await migrateAnalytics(db);
    await db.close();
    const secrets = join(dir, 'cloud-secrets');
    mkdirSync(secrets);
    const files = {
      CLOUD_NATS_AUTHORITY_FILE: join(secrets, 'authority.json'),
      CLOUD_SECRETS_KEY_FILE: join(secrets, 'secrets.key'),
      CLOUD_CONFIG_SIGNING_KEY_FILE: join(secrets, 'signing.pem'),
    };
    for (const [k, f] of Object.entries(files)) writeFileSync(f, `${k} ${Math.random()}\n`, { mode: 0o600 });
    const archive = join(dir, 'cloud.tar.gz');
    const backup = await cli('cloud', ['backup', archive], { CLOUD_DATABASE_URL: url, ...files });
    expect(backup.code, backup.stderr).toBe(0);

    const url2 = await fresh('cloud_dst');
    const restored = Object.fromEntries(Object.entries(files).map(([k, f]) => [k, `${f}.restored`]));
    const restore = await cli('cloud', ['restore', archive], { CLOUD_DATABASE_URL: url2, ...restored });
    expect(restore.code, restore.stderr).toBe(0);
    for (const [k, f] of Object.entries(files)) expect(readFileSync(restored[k]!)).toEqual(readFileSync(f));
    const shape = sql`select
        (select count(*)::int from information_schema.tables where table_schema not in ('pg_catalog', 'information_schema')) as tables,
        (select count(*)::int from pg_policies) as policies,
        (select count(*)::int from information_schema.role_table_grants where grantee in ('hcc_app', 'hcc_system')) as grants`;
    const [before] = await query(url, shape);
    expect(before!.policies).toBeGreaterThan(0);
    expect(await query(url2, shape)).toEqual([before]);

    // Secret files of other contents are not replaced without --force.
    const url3 = await fresh('cloud_dst2');
    const other = await cli('cloud', ['restore', archive], {
      CLOUD_DATABASE_URL: url3,
      ...files,
      CLOUD_SECRETS_KEY_FILE: join(secrets, 'other.key'),
    });
    expect(other.code, other.stderr).toBe(0);
    writeFileSync(join(secrets, 'different.key'), 'v1:another\n');
    const url4 = await fresh('cloud_dst3');
    const refused = await cli('cloud', ['restore', archive], {
      CLOUD_DATABASE_URL: url4,
      ...files,
      CLOUD_SECRETS_KEY_FILE: join(secrets, 'different.key'),
    });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('exist with other contents');
    expect(readFileSync(join(secrets, 'different.key'), 'utf8')).toBe('v1:another\n');
  });
});
