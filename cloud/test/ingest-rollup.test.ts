import { DialRefusal, encodeEvent, AgentState as S } from '@hcc/proto';
import { type Database, names } from '@hcc/shared';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Reports } from '../src/analytics/reports.ts';
import { wallboard } from '../src/analytics/wallboard.ts';
import { classify, staticSiteDirectory } from '../src/ingest/classify.ts';
import { acceptedFrom, writeBatch } from '../src/ingest/writer.ts';
import { type AnalyticsDb, openAnalyticsDb } from './analytics-db.ts';
import { EventFactory } from './ingest-builders.ts';

const T0 = Date.UTC(2025, 0, 6, 9, 0); // 09:00 UTC = 10:00 Europe/Berlin
const MIN = 60_000;
const LATE = 120_000;

describe('analytics ingest, rollups and reports (PostgreSQL)', () => {
  let store: AnalyticsDb;
  let database: Database;
  let reports: Reports;
  beforeAll(async () => {
    store = await openAnalyticsDb(inject('pgUrl'), 'analytics');
    database = store.database;
    reports = new Reports(database.db);
  });
  afterAll(() => store.dispose());
  /** Writes a batch received at `now` (default: one second after its newest event: on time). */
  const write = (events: ReturnType<EventFactory['ended']>[], now?: number) => {
    const accepted = events.map((e) =>
      acceptedFrom(e, Number(e.occurredAt!.seconds) * 1000 + e.occurredAt!.nanos / 1e6),
    );
    const received = now ?? Math.max(...accepted.map((a) => a.occurredAt)) + 1000;
    return writeBatch(database.db, accepted, [], { lateAfterMs: LATE, now: received });
  };

  it('rolls up per interval exactly, once per event, and flags late corrections', async () => {
    const f = new EventFactory('acme', 'hq');
    const calls = [
      f.ended(T0 + 1 * MIN, {
        queueId: 'sales',
        waitMs: 10_000,
        talkMs: 60_000,
        holdMs: 5_000,
        wrapMs: 10_000,
        inSl: true,
        agentId: 'a1',
      }),
      f.ended(T0 + 2 * MIN, {
        queueId: 'sales',
        waitMs: 30_000,
        talkMs: 120_000,
        wrapMs: 20_000,
        inSl: false,
        agentId: 'a2',
      }),
      f.ended(T0 + 3 * MIN, { queueId: 'sales', waitMs: 3_000, abandoned: true }),
      f.ended(T0 + 4 * MIN, { queueId: 'sales', waitMs: 45_000, abandoned: true }),
      f.ended(T0 + 16 * MIN, { queueId: 'sales', waitMs: 5_000, talkMs: 30_000, inSl: true, agentId: 'a1' }),
    ];
    let inserted = 0;
    for (const c of calls.slice(0, 3)) inserted += (await write([c])).inserted;
    // A batch of an event already ingested and a new one: only the new one is rolled up.
    expect(await write([calls[2]!, calls[3]!])).toMatchObject({ inserted: 1, duplicates: 1 });
    inserted += 1 + (await write([calls[4]!])).inserted;
    expect(inserted).toBe(5);
    // Redelivery of the same batch changes nothing.
    expect(await write(calls)).toMatchObject({ inserted: 0, duplicates: 5 });

    const range = { from: '2025-01-06', to: '2025-01-06', tz: 'Europe/Berlin' };
    let series = await reports.series('acme', range, '15m');
    expect(series.map((s) => s.start)).toEqual(['2025-01-06T09:00:00.000Z', '2025-01-06T09:15:00.000Z']);
    expect(series[0]).toMatchObject({
      offered: 4,
      answered: 2,
      abandoned: 2,
      shortAbandoned: 1,
      answeredInSl: 1,
      serviceLevel: 33.3,
      abandonRate: 33.3,
      asaMs: 20_000,
      ahtMs: (60_000 + 5_000 + 10_000 + 120_000 + 20_000) / 2,
      longestWaitMs: 45_000,
      late: false,
    });

    // An event of the 09:00 interval arrives three hours later (after a WAN outage): the interval
    // is corrected and flagged.
    const late = f.ended(T0 + 5 * MIN, {
      queueId: 'sales',
      waitMs: 1_000,
      talkMs: 10_000,
      inSl: true,
      agentId: 'a3',
    });
    await write([late], T0 + 3 * 3600_000);
    series = await reports.series('acme', range, '15m');
    expect(series[0]).toMatchObject({ offered: 5, answered: 3, answeredInSl: 2, late: true });
    expect(series[1]).toMatchObject({ offered: 1, late: false });

    // Hour and day buckets in the viewer's zone.
    const hours = await reports.series('acme', range, 'hour');
    expect(hours).toHaveLength(1);
    expect(hours[0]).toMatchObject({ start: '2025-01-06T09:00:00.000Z', offered: 6 });
    const days = await reports.series('acme', { ...range, tz: 'America/New_York' }, 'day');
    expect(days).toEqual([expect.objectContaining({ start: '2025-01-06T05:00:00.000Z', offered: 6 })]);
    // 09:00 UTC is still 5 January in Honolulu (UTC-10): a 6 January range there misses it.
    expect(await reports.series('acme', { ...range, tz: 'Pacific/Honolulu' }, 'day')).toEqual([]);

    const breakdown = await reports.breakdown('acme', range);
    expect(breakdown).toEqual([
      expect.objectContaining({ siteId: 'hq', queueId: 'sales', offered: 6, late: true }),
    ]);
  });

  it('stores each event as received: payload bytes, seq, kind and times to the millisecond', async () => {
    // A tenant and day of its own: the other tests' reports do not see these rows.
    const f = new EventFactory('initech', 'store-check');
    const T0 = Date.UTC(2024, 5, 3, 9, 0);
    const events = [
      f.ended(T0 + 7 * MIN + 123, { queueId: 'q', waitMs: 1 }),
      f.ended(T0 + 8 * MIN, { queueId: 'q', waitMs: 2, agentId: 'a9', talkMs: 5 }),
      f.ended(T0 - 9 * MIN + 999, { queueId: 'q2', waitMs: 3 }),
    ];
    const now = T0 + 20 * MIN + 456;
    const accepted = events.map((e, i) => ({
      ...acceptedFrom(e, T0 + i * 1000 + 0.75),
      data: encodeEvent(e),
    }));
    await writeBatch(database.db, accepted, [], { lateAfterMs: LATE, now });
    const rows = (
      (await database.db.execute(sql`set role hcc_system; select event_id, seq, kind, payload,
        extract(epoch from occurred_at) * 1000 as occurred, extract(epoch from received_at) * 1000 as received
        from analytics.events where site_id = 'store-check' order by seq`)) as unknown as {
        rows: {
          event_id: string;
          seq: string;
          kind: string;
          payload: Uint8Array;
          occurred: string;
          received: string;
        }[];
      }[]
    )[1]!.rows;
    await database.db.execute(sql`reset role`);
    expect(
      rows.map((r) => [r.event_id, Number(r.seq), r.kind, Number(r.occurred), Number(r.received)]),
    ).toEqual(events.map((e, i) => [e.eventId, i + 1, 'interaction', T0 + i * 1000, now]));
    expect(rows.map((r) => Buffer.from(r.payload))).toEqual(events.map((e) => Buffer.from(encodeEvent(e))));
  });

  it('accepts and stores a DialLimitHit (toll fraud) like any site event, never parked', async () => {
    const f = new EventFactory('initech', 'dial-check');
    const T1 = Date.UTC(2024, 5, 4, 9, 0);
    const e = f.dialLimitHit(T1, DialRefusal.PREMIUM, 'a-1001', 'carrier');
    const data = encodeEvent(e);
    const r = await classify(
      {
        subject: 'hcc.evt.dial-check.dial_limit_hit',
        source: `${names.siteHubEventsStream('dial-check')}:ab 1`,
        streamSeq: 1,
        data,
      },
      staticSiteDirectory({ 'dial-check': 'initech' }),
    );
    expect(r.ok).toBe(true);
    const res = await writeBatch(database.db, [{ ...acceptedFrom(e, T1), data }], [], {
      lateAfterMs: LATE,
      now: T1 + 1000,
    });
    expect(res.inserted).toBe(1);
    const rows = (
      (await database.db.execute(sql`set role hcc_system; select kind from analytics.events where site_id = 'dial-check';
        select count(*)::int as n from analytics.rejected_events where site_id = 'dial-check'`)) as unknown as {
        rows: Record<string, unknown>[];
      }[]
    ).slice(1);
    await database.db.execute(sql`reset role`);
    expect(rows[0]!.rows).toEqual([{ kind: 'dial_limit_hit' }]);
    expect(rows[1]!.rows).toEqual([{ n: 0 }]);
  });

  it('counts a redelivered copy inside the same batch once', async () => {
    const f = new EventFactory('dupco', 'dup');
    const twice = f.ended(T0, { queueId: 'q', waitMs: 1000, agentId: 'a1', talkMs: 1000 });
    expect(await write([twice, twice])).toMatchObject({ inserted: 1, duplicates: 1 });
    const rows = await reports.breakdown('dupco', { from: '2025-01-06', to: '2025-01-06', tz: 'UTC' });
    expect(rows.map((r) => r.offered)).toEqual([1]);
  });

  it('computes agent handled and occupancy from the state timeline', async () => {
    const f = new EventFactory('acme', 'occ');
    const t = Date.UTC(2025, 0, 8, 8);
    await write(
      [
        f.agentState(t, 'a9', S.LOGGED_OUT, S.READY),
        f.agentState(t + 30 * MIN, 'a9', S.READY, S.ON_CALL),
        f.agentState(t + 50 * MIN, 'a9', S.ON_CALL, S.WRAP_UP),
        f.agentState(t + 60 * MIN, 'a9', S.WRAP_UP, S.NOT_READY),
        f.agentState(t + 90 * MIN, 'a9', S.NOT_READY, S.LOGGED_OUT),
        f.ended(t + 29 * MIN, {
          queueId: 'q',
          agentId: 'a9',
          waitMs: 60_000,
          talkMs: 20 * MIN,
          wrapMs: 10 * MIN,
        }),
      ],
      t + 2 * 3600_000,
    );
    const rows = await reports.agents('acme', {
      from: '2025-01-08',
      to: '2025-01-08',
      tz: 'UTC',
      siteId: 'occ',
    });
    expect(rows).toEqual([
      { siteId: 'occ', agentId: 'a9', handled: 1, ahtMs: 30 * MIN, occupancy: 50, staffedMs: 60 * MIN },
    ]);
  });

  it('isolates tenants with row-level security', async () => {
    const other = new EventFactory('globex', 'gx');
    await write(
      [other.ended(T0 + MIN, { queueId: 'sales', waitMs: 1000, agentId: 'g1', talkMs: 1000 })],
      T0 + 2 * MIN,
    );
    const range = { from: '2025-01-06', to: '2025-01-06', tz: 'UTC' };
    expect((await reports.breakdown('acme', range)).map((r) => r.siteId)).toEqual(['hq']);
    expect((await reports.breakdown('globex', range)).map((r) => r.siteId)).toEqual(['gx']);
    expect(await reports.breakdown('nobody', range)).toEqual([]);
    // The analyst role cannot read ops tables at all, nor bypass the policy with its own filter.
    await expect(
      database.db.transaction(async (tx) => {
        await tx.execute(sql`set local role hcc_app`);
        await tx.execute(sql`select * from analytics.rejected_events`);
      }),
    ).rejects.toThrow();
    const leaked = await database.db.transaction(async (tx) => {
      await tx.execute(sql`set local role hcc_app`);
      await tx.execute(sql`select set_config('app.tenant_id', 'acme', true)`);
      const r = await tx.execute(
        sql`select count(*)::int as n from analytics.events where tenant_id = 'globex'`,
      );
      return (r as unknown as { rows: { n: number }[] }).rows[0]!.n;
    });
    expect(leaked).toBe(0);
  });

  it('keeps the latest queue snapshot per site and totals the wallboard across sites', async () => {
    const hq = new EventFactory('acme', 'wb-hq');
    const br = new EventFactory('acme', 'wb-br');
    const now = Date.now();
    await write(
      [
        hq.snapshot(now - 2000, 'sales', 3, 40_000, [
          [S.READY, 1],
          [S.ON_CALL, 4],
        ]),
        hq.snapshot(now - 1000, 'sales', 2, 41_000, [
          [S.READY, 2],
          [S.ON_CALL, 3],
        ]),
        br.snapshot(now - 1000, 'sales', 1, 5_000, [[S.ON_CALL, 2]]),
      ],
      now,
    );
    // An older snapshot arriving late does not overwrite a newer one.
    await write([hq.snapshot(now - 5000, 'sales', 9, 1, [])], now);
    const wb = await wallboard(database.db, 'acme', { now });
    const sales = wb.queues.find((q) => q.queueId === 'sales')!;
    expect(sales.waiting).toBe(3);
    expect(Object.entries(sales.agents)).toEqual([
      ['ready', 2],
      ['on_call', 5],
    ]);
    expect(sales.longestWaitMs).toBe(42_000);
    expect(sales.sites.map((s) => s.siteId)).toEqual(['wb-br', 'wb-hq']);
  });

  it('parks what it cannot attribute or decode', async () => {
    const sites = staticSiteDirectory({ hq: 'acme', branch: 'acme' });
    const f = new EventFactory('acme', 'hq');
    const good = encodeEvent(f.ended(T0, { queueId: 'q', waitMs: 1 }));
    const src = (s: string) => `${names.siteHubEventsStream(s)}:abcd1234 7`;
    const cases = [
      { subject: 'hcc.evt.hq.interaction', source: src('hq'), data: good, want: true },
      { subject: 'hcc.evt.hq.interaction', source: src('branch'), data: good, want: 'subject_site_mismatch' },
      {
        subject: 'hcc.evt.branch.interaction',
        source: src('branch'),
        data: good,
        want: 'envelope_site_mismatch',
      },
      { subject: 'hcc.evt.hq.interaction', source: undefined, data: good, want: 'no_source' },
      {
        subject: 'hcc.evt.hq.interaction',
        source: src('hq'),
        data: new Uint8Array([0xff, 0xff, 0xff]),
        want: 'malformed',
      },
    ];
    for (const c of cases) {
      const r = await classify({ subject: c.subject, source: c.source, streamSeq: 1, data: c.data }, sites);
      expect(r.ok ? true : r.reason).toBe(c.want);
    }
    const wrongTenant = encodeEvent(new EventFactory('globex', 'hq').ended(T0, { queueId: 'q', waitMs: 1 }));
    const r = await classify(
      { subject: 'hcc.evt.hq.x', source: src('hq'), streamSeq: 1, data: wrongTenant },
      sites,
    );
    expect(r.ok ? true : r.reason).toBe('tenant_mismatch');
  });
});
