import { fileURLToPath } from 'node:url';
import { decodeEvent } from '@hcc/proto';
import { openDatabase } from '@hcc/shared';
import { type ManagedChild, startChild, waitFor } from '@hcc/shared/testing';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { EventsWorld } from './events/world.ts';

const TSX = fileURLToPath(new URL('../../node_modules/.bin/tsx', import.meta.url));
const SCRIPT = fileURLToPath(new URL('./events/edge-burst.ts', import.meta.url));

type Rows<T> = { rows: T[] };

// The edge process is killed with SIGKILL in the middle of a burst of calls and started again:
// every committed event reaches the cloud exactly once, and the rollups count each call once.
describe('edge killed during a burst', () => {
  const world = new EventsWorld(['hq'], inject('pgUrl'), { workers: 2 });
  const children: ManagedChild[] = [];
  beforeAll(() => world.start());
  afterAll(async () => {
    for (const c of children) await c.stop(1000);
    await world.stop();
  });

  const runEdge = async (mode: 'burst' | 'drain') => {
    const child = startChild({
      name: `edge-${mode}`,
      command: TSX,
      args: [SCRIPT],
      env: {
        ...process.env,
        MODE: mode,
        SITE: 'hq',
        EDGE_DB_URL: world.edgeDbUrls.hq!,
        LEAF_URL: world.leaves.hq!.url,
      },
    });
    children.push(child);
    await waitFor(
      'edge child ready',
      async () => {
        if (child.process.exitCode !== null) throw new Error(`edge child exited:\n${child.tail()}`);
        return child.tail().includes('ready');
      },
      30_000,
    );
    return child;
  };

  it('loses and duplicates nothing', { timeout: 180_000 }, async () => {
    const edgeDb = await openDatabase({ url: world.edgeDbUrls.hq! });
    // Committed events: rows still in the outbox plus those the cloud confirmed (deleted in the same
    // transaction that raised the stored watermark), read in one snapshot.
    const committedEvents = async () => {
      const r = (await edgeDb.db.execute(
        sql`select (select count(*) from event_outbox) + coalesce((select watermark from event_outbox_state), 0) as n`,
      )) as unknown as Rows<{ n: string }>;
      return Number(r.rows[0]?.n ?? 0);
    };
    try {
      const burst = await runEdge('burst');
      await waitFor('burst under way', async () => (await committedEvents()) > 5000, 60_000, 50);
      process.kill(-burst.pid, 'SIGKILL');
      await burst.exited;
      // A COMMIT the dead process had already sent may still complete: wait until the server has
      // finished with its sessions before reading what is committed.
      await waitFor(
        'killed sessions gone',
        async () => {
          const r = (await edgeDb.db.execute(sql`select count(*)::int as n from pg_stat_activity
          where datname = current_database() and pid <> pg_backend_pid()`)) as unknown as Rows<{ n: number }>;
          return r.rows[0]!.n === 0;
        },
        10_000,
        50,
      );
      const committed = await committedEvents();
      expect(committed).toBeGreaterThan(5000);

      await runEdge('drain');
      await waitFor(
        'cloud watermark covers every committed event',
        async () =>
          (await world.cloudScalar(sql`select seq from analytics.site_watermarks where site_id = 'hq'`)) ===
          committed,
        90_000,
      );
      expect(await world.cloudScalar(sql`select count(*) from analytics.events where site_id = 'hq'`)).toBe(
        committed,
      );
      expect(await world.cloudScalar(sql`select max(seq) from analytics.events where site_id = 'hq'`)).toBe(
        committed,
      );

      // Each committed call (one transaction each) is counted once in the rollups.
      const payloads = (await world.cloudDb.db.execute(
        sql`select payload from analytics.events where site_id = 'hq' and kind = 'interaction'`,
      )) as unknown as Rows<{ payload: Uint8Array }>;
      let ended = 0;
      for (const r of payloads.rows) {
        const b = decodeEvent(r.payload).body;
        if (b.case === 'interaction' && b.value.body.case === 'ended') ended++;
      }
      expect(
        await world.cloudScalar(sql`select sum(offered) from analytics.queue_intervals where site_id = 'hq'`),
      ).toBe(ended);
      await waitFor('outbox emptied', async () => (await world.outboxRows('hq')) === 0, 20_000);
    } finally {
      await edgeDb.close();
    }
  });
});
