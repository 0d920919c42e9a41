/**
 * One contract for the agent desktop's credential stores: the in-memory one (unit tests) and the
 * PostgreSQL one the edge runs with (hashes survive a restart: a second connection reads them).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, silentLogger } from '@hcc/shared';
import { createTestDatabase } from '@hcc/shared/testing';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { acdBundle, agent, queue } from '../../test/acd-fixtures.ts';
import { EDGE_MIGRATIONS } from '../db/migrations.ts';
import { type CredentialStore, MemoryCredentialStore, verifyPassword } from './agent-api-auth.ts';
import { PgCredentialStore } from './agent-credentials-db.ts';
import { provisionDemoDesktop } from './desktop-wiring.ts';

const FAST = { N: 1024, r: 8, p: 1 };

interface Opened {
  store: CredentialStore;
  /** The same data seen by a fresh store (a restart), when the store persists. */
  reopen?: () => Promise<CredentialStore>;
  rawRows?: () => Promise<Array<Record<string, unknown>>>;
  dispose(): Promise<void>;
}

const stores: Array<[string, () => Promise<Opened>]> = [
  ['memory', async () => ({ store: new MemoryCredentialStore(), dispose: async () => {} })],
  [
    'postgres',
    async () => {
      const d = await createTestDatabase(inject('pgUrl'), 'edge_agent_credentials');
      const database = await openDatabase({ url: d.url });
      await database.migrate(EDGE_MIGRATIONS);
      const second = await openDatabase({ url: d.url });
      return {
        store: new PgCredentialStore(database.db),
        reopen: async () => new PgCredentialStore(second.db),
        rawRows: async () =>
          (
            (await database.db.execute(sql`select * from agent_credentials`)) as unknown as {
              rows: Array<Record<string, unknown>>;
            }
          ).rows,
        dispose: async () => {
          await second.close();
          await database.close();
          await d.drop();
        },
      };
    },
  ],
];

describe.each(stores)('agent credential store on %s', (_name, open) => {
  let o: Opened;
  beforeAll(async () => {
    o = await open();
  });
  afterAll(() => o.dispose());

  it('stores scrypt hashes, never the password, and replaces them', async () => {
    expect(await o.store.hashOf('a-1')).toBeUndefined();
    await o.store.setPassword('a-1', 'first secret', FAST);
    const h1 = (await o.store.hashOf('a-1'))!;
    expect(h1).toMatch(/^scrypt\$1024\$8\$1\$/);
    expect(h1).not.toContain('first secret');
    expect(await verifyPassword('first secret', h1)).toBe(true);
    await o.store.setPassword('a-1', 'second secret', FAST);
    const h2 = (await o.store.hashOf('a-1'))!;
    expect(await verifyPassword('first secret', h2)).toBe(false);
    expect(await verifyPassword('second secret', h2)).toBe(true);
    expect(await o.store.hashOf('a-2')).toBeUndefined();
  });

  it('keeps hashes across a restart when persistent', async () => {
    if (!o.reopen) {
      expect(o.rawRows).toBeUndefined(); // the memory store is for unit tests only
      return;
    }
    await o.store.setPassword('a-3', 'kept', FAST);
    const again = await o.reopen();
    expect(await verifyPassword('kept', (await again.hashOf('a-3'))!)).toBe(true);
    const rows = await o.rawRows!();
    expect(JSON.stringify(rows)).not.toContain('kept');
    expect(rows.map((r) => r.agent_id).sort()).toEqual(['a-1', 'a-3']);
  });
});

describe('demo desktop passwords in the edge database', () => {
  it('stores the demo file passwords once, and again when the file changed', async () => {
    const d = await createTestDatabase(inject('pgUrl'), 'edge_demo_credentials');
    const database = await openDatabase({ url: d.url });
    const dir = await mkdtemp(join(tmpdir(), 'hcc-demo-creds-'));
    try {
      await database.migrate(EDGE_MIGRATIONS);
      const store = new PgCredentialStore(database.db);
      const bundle = acdBundle({
        queues: [queue('sales')],
        agents: [
          agent('a-1001', { sales: 1 }, { extension: '1001' }),
          agent('a-1002', { sales: 1 }, { extension: '1002' }),
        ],
      });
      const file = join(dir, 'demo-credentials.json');
      await writeFile(file, JSON.stringify({ agents: { '1001': 'one', '1002': 'two' } }));
      await provisionDemoDesktop(store, file, bundle, silentLogger);
      const h1 = (await store.hashOf('a-1001'))!;
      expect(await verifyPassword('one', h1)).toBe(true);
      expect(await verifyPassword('two', (await store.hashOf('a-1002'))!)).toBe(true);
      // A restart with the same file keeps the stored hash.
      await provisionDemoDesktop(store, file, bundle, silentLogger);
      expect(await store.hashOf('a-1001')).toBe(h1);
      // A new demo state dir (new passwords) is picked up.
      await writeFile(file, JSON.stringify({ agents: { '1001': 'uno' } }));
      await provisionDemoDesktop(store, file, bundle, silentLogger);
      expect(await verifyPassword('uno', (await store.hashOf('a-1001'))!)).toBe(true);
      expect(await verifyPassword('two', (await store.hashOf('a-1002'))!)).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
      await database.close();
      await d.drop();
    }
  });
});
