import { AgentState } from '@hcc/proto';
import { type Database, silentLogger } from '@hcc/shared';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { asSystem } from '../src/db/tenant.ts';
import { checkRetention, pruneEvents, RetentionError } from '../src/ingest/retention.ts';
import { WatermarkService } from '../src/ingest/watermark.ts';
import { acceptedFrom, rowsOf, writeBatch } from '../src/ingest/writer.ts';
import { type AnalyticsDb, openAnalyticsDb } from './analytics-db.ts';
import { EventFactory } from './ingest-builders.ts';

const HOUR = 3600_000;
const DAY = 24 * HOUR;

// Retention of analytics.events (real PostgreSQL): status rows (queue snapshots, heartbeats) go
// after 48 h, other events only when a retention is set; never a row above its site's watermark.
describe('events retention (PostgreSQL)', () => {
  let store: AnalyticsDb;
  let database: Database;
  const now = Date.now();
  beforeAll(async () => {
    store = await openAnalyticsDb(inject('pgUrl'), 'retention');
    database = store.database;
  });
  afterAll(() => store.dispose());

  const write = (events: ReturnType<EventFactory['snapshot']>[], receivedAt: number) =>
    writeBatch(
      database.db,
      events.map((e) => acceptedFrom(e, Number(e.occurredAt!.seconds) * 1000)),
      [],
      { lateAfterMs: 10 * DAY, now: receivedAt },
    );
  const remaining = async () =>
    asSystem(database.db, async (tx) =>
      rowsOf<{ site_id: string; seq: string; kind: string }>(
        await tx.execute(sql`select site_id, seq, kind from analytics.events order by site_id, seq`),
      ).map((r) => `${r.site_id}:${r.seq}:${r.kind}`),
    );
  const offered = async () =>
    asSystem(database.db, async (tx) =>
      Number(
        rowsOf<{ n: string }>(
          await tx.execute(sql`select coalesce(sum(offered), 0) as n from analytics.queue_intervals`),
        )[0]?.n,
      ),
    );

  it('deletes expired status rows at or below the watermark, keeps calls, recent rows and rows above it', async () => {
    const a = new EventFactory('acme', 'rt-a');
    const b = new EventFactory('acme', 'rt-b');
    const old = now - 3 * DAY;
    // rt-a: 1 call, 2-3 snapshots received 3 days ago; 4 snapshot and 5 call received an hour ago.
    await write(
      [
        a.ended(old, { queueId: 'sales', waitMs: 1000 }),
        a.snapshot(old, 'sales', 1, 1000, [[AgentState.READY, 1]]),
        a.snapshot(old + 1000, 'sales', 0, 0, [[AgentState.READY, 1]]),
      ],
      old,
    );
    await write(
      [
        a.snapshot(now - HOUR, 'sales', 2, 500, [[AgentState.ON_CALL, 1]]),
        a.ended(now - HOUR, { queueId: 'sales', waitMs: 2000 }),
      ],
      now - HOUR,
    );
    // rt-b: seqs 1 and 3, both old snapshots; seq 2 never arrived, so its watermark stays at 1.
    const b1 = b.snapshot(old, 'support', 0, 0, []);
    b.snapshot(old, 'support', 0, 0, []);
    const b3 = b.snapshot(old, 'support', 1, 10, []);
    await write([b1, b3], old);
    const marks = await new WatermarkService(
      database.db,
      { publish: async () => {} },
      {},
      silentLogger,
    ).tick();
    expect(Object.fromEntries(marks)).toEqual({ 'rt-a': 5, 'rt-b': 1 });
    const before = await offered();
    expect(before).toBe(2);

    // One row per statement: the batching loop runs until nothing is left.
    expect(await pruneEvents(database.db, { batch: 1 }, now)).toEqual({ status: 3, events: 0 });
    expect(await remaining()).toEqual([
      'rt-a:1:interaction',
      'rt-a:4:queue_snapshot',
      'rt-a:5:interaction',
      'rt-b:3:queue_snapshot',
    ]);
    // The reports come from the rollups, which retention leaves alone.
    expect(await offered()).toBe(before);
    // A second round finds nothing.
    expect(await pruneEvents(database.db, {}, now)).toEqual({ status: 0, events: 0 });
  });

  it('deletes other events only with a retention set, and never above the watermark', async () => {
    const later = now + 40 * DAY;
    expect(await pruneEvents(database.db, {}, later)).toEqual({ status: 1, events: 0 });
    expect(await pruneEvents(database.db, { eventsDays: 31 }, later)).toEqual({ status: 0, events: 2 });
    expect(await remaining()).toEqual(['rt-b:3:queue_snapshot']);
  });

  it('refuses a retention that a replay of the hub stream could outlive', () => {
    expect(() => checkRetention({ eventsDays: 30 })).toThrow(RetentionError);
    expect(() => checkRetention({ eventsDays: 7 })).toThrow(/more than the hub stream's 30 days/);
    expect(() => checkRetention({ statusHours: 0 })).toThrow(RetentionError);
    expect(() => checkRetention({ eventsDays: 31, statusHours: 1 })).not.toThrow();
    expect(() => checkRetention({})).not.toThrow();
  });
});
