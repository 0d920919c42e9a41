/** Local data on PostgreSQL: the retention job, the customer directory, the secret store. */
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeClock, openDatabase } from '@hcc/shared';
import { createTestDatabase } from '@hcc/shared/testing';
import { sql } from 'drizzle-orm';
import { describe, expect, inject, it } from 'vitest';
import { CustomerStore } from '../../src/customers/index.ts';
import { cdrs, recordings } from '../../src/db/call-schema.ts';
import { EDGE_MIGRATIONS } from '../../src/db/migrations.ts';
import { runRetention } from '../../src/recording/index.ts';
import { ha1Values, SecretStore } from '../../src/secrets/index.ts';

const DAY = 86_400_000;

describe('edge local data', () => {
  it('retention deletes recordings (files too) and CDR detail older than the policy; customers and secrets', async () => {
    const pg = await createTestDatabase(inject('pgUrl'), 'edge_local_data');
    const database = await openDatabase({ url: pg.url });
    const dir = await mkdtemp(join(tmpdir(), 'hcc-retention-'));
    try {
      await database.migrate(EDGE_MIGRATIONS);
      const db = database.db;
      const now = Date.UTC(2026, 5, 1);
      const clock = new FakeClock(now);
      const row = (id: string, endedDaysAgo: number) => ({
        interactionId: id,
        configVersion: 1n,
        direction: 'inbound',
        callerNumber: '+15551230001',
        sipCallId: id,
        startedAt: new Date(now - endedDaysAgo * DAY),
        endedAt: new Date(now - endedDaysAgo * DAY),
        disposition: 'ANSWERED',
        endedBy: 'CALLER',
        totalMs: 1000,
      });
      await db.insert(cdrs).values([row('old', 100), row('new', 10)]);
      const oldWav = join(dir, 'old.wav');
      const newWav = join(dir, 'new.wav');
      await writeFile(oldWav, 'x');
      await writeFile(newWav, 'x');
      await db.insert(recordings).values([
        {
          interactionId: 'old',
          path: oldWav,
          sha256: 'a',
          durationMs: 1,
          bytes: 1,
          createdAt: new Date(now - 40 * DAY),
        },
        {
          interactionId: 'new',
          path: newWav,
          sha256: 'b',
          durationMs: 1,
          bytes: 1,
          createdAt: new Date(now - 5 * DAY),
        },
      ]);
      const r = await runRetention(db, { recordingDays: 30, cdrDetailDays: 90 }, clock);
      expect(r).toEqual({ recordings: 1, cdrs: 1 });
      await expect(stat(oldWav)).rejects.toThrow();
      await expect(stat(newWav)).resolves.toBeTruthy();
      const left = (await db.execute(sql`select interaction_id from cdrs`)) as unknown as {
        rows: { interaction_id: string }[];
      };
      expect(left.rows.map((x) => x.interaction_id)).toEqual(['new']);
      expect(await runRetention(db, { recordingDays: 0, cdrDetailDays: 0 }, clock)).toEqual({
        recordings: 0,
        cdrs: 0,
      });

      const customers = new CustomerStore(db);
      await customers.upsert({
        phone: '+15551230001',
        name: 'Ada',
        account: 'A-1',
        notes: '',
        attributes: { vip_tier: 'gold' },
      });
      const signal = new AbortController().signal;
      expect(await customers.attributes('+15551230001', { signal })).toEqual({
        vip_tier: 'gold',
        account: 'A-1',
        known: 'true',
      });
      expect(await customers.attributes('+15550000000', { signal })).toEqual({ known: 'false' });

      const secrets = new SecretStore(db);
      await secrets.setDevicePassword('sip-1001', '1001', 'hcc-hq', 'pw');
      expect(await secrets.device('sip-1001')).toEqual({
        realm: 'hcc-hq',
        ha1: ha1Values('1001', 'hcc-hq', 'pw'),
      });
      await secrets.setPassword('trunk/x', 's3cret');
      expect(await secrets.password('trunk/x')).toBe('s3cret');
      expect(await secrets.password('sip-1001')).toBeUndefined();
    } finally {
      await database.close();
      await pg.drop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
