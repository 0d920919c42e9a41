import { create } from '@bufbuild/protobuf';
import { timestampNow } from '@bufbuild/protobuf/wkt';
import { journalCall } from '@hcc/edge';
import { EdgeHeartbeatSchema, EventSchema, encodeEvent } from '@hcc/proto';
import { names, uuid7 } from '@hcc/shared';
import { waitFor } from '@hcc/shared/testing';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { expectedTotals, scriptedDay } from './events/day.ts';
import { cloudTotals } from './events/totals.ts';
import { EventsWorld, pseudonymizer } from './events/world.ts';

// Edge journal -> leaf stream -> site hub stream -> cloud aggregate -> ingest -> rollups, with real
// nats-server (operator mode) and PostgreSQL; then a WAN cut (hub down) while calls go on.
describe('events pipeline, edge outbox to cloud rollups', () => {
  const world = new EventsWorld(['hq', 'branch'], inject('pgUrl'), { workers: 2 });
  beforeAll(() => world.start());
  afterAll(() => world.stop());

  const count = (site: string) =>
    world.cloudScalar(sql`select count(*) from analytics.events where site_id = ${site}`);
  const watermark = (site: string) =>
    world.cloudScalar(
      sql`select coalesce(max(seq), 0) from analytics.site_watermarks where site_id = ${site}`,
    );

  it('delivers a scripted day exactly, advances the watermark and empties the outbox', async () => {
    const hq = await world.startEdge('hq');
    const branch = await world.startEdge('branch');
    const day0 = Date.UTC(2025, 0, 6, 8);
    const hqCalls = scriptedDay(120, day0, 8 * 3600_000);
    const branchCalls = scriptedDay(50, day0, 8 * 3600_000, '+1555020');
    let hqEvents = 0;
    let branchEvents = 0;
    for (const c of hqCalls) hqEvents += await journalCall(hq.pipeline.journal, pseudonymizer, c);
    for (const c of branchCalls) branchEvents += await journalCall(branch.pipeline.journal, pseudonymizer, c);

    await waitFor('hq watermark', async () => (await watermark('hq')) === hqEvents, 30_000);
    await waitFor('branch watermark', async () => (await watermark('branch')) === branchEvents, 30_000);
    expect(await count('hq')).toBe(hqEvents);
    expect(await count('branch')).toBe(branchEvents);
    expect(await cloudTotals(world.cloudDb, 'hq')).toEqual(expectedTotals(hqCalls));
    expect(await cloudTotals(world.cloudDb, 'branch')).toEqual(expectedTotals(branchCalls));
    // Outbox rows are deleted only once the cloud's watermark covers them.
    await waitFor('hq outbox emptied', async () => (await world.outboxRows('hq')) === 0, 15_000);
    await waitFor('branch outbox emptied', async () => (await world.outboxRows('branch')) === 0, 15_000);

    // A rewind (as after a leaf that lost data) re-sends: ingest ignores the duplicates.
    hq.pipeline.publisher.rewind(0);
    await new Promise((r) => setTimeout(r, 1500));
    expect(await count('hq')).toBe(hqEvents);
    expect(await cloudTotals(world.cloudDb, 'hq')).toEqual(expectedTotals(hqCalls));
  });

  it('keeps journaling through a WAN cut and delivers exactly once when it returns', async () => {
    const hq = world.edges.hq!;
    const before = await count('hq');
    const day1 = Date.UTC(2025, 0, 7, 8);
    const calls = scriptedDay(200, day1, 8 * 3600_000);
    const [during, after] = [calls.slice(0, 140), calls.slice(140)];
    let events = 0;
    await world.hub.stop();
    for (const c of during) events += await journalCall(hq.pipeline.journal, pseudonymizer, c);
    // The edge's own stream takes them; the outbox keeps every row while the cloud cannot confirm.
    await waitFor(
      'published to the leaf',
      async () => hq.pipeline.publisher.publishedSeq === before + events,
      20_000,
    );
    expect(await world.outboxRows('hq')).toBe(events);
    await world.hub.start();
    for (const c of after) events += await journalCall(hq.pipeline.journal, pseudonymizer, c);
    await waitFor(
      'hq watermark after the cut',
      async () => (await watermark('hq')) === before + events,
      60_000,
    );
    expect(await count('hq')).toBe(before + events);
    const totals = await world.cloudDb.db.execute(sql`
      select sum(offered)::int as offered, sum(late_events)::int as late from analytics.queue_intervals
      where site_id = 'hq' and interval_start >= ${new Date(day1).toISOString()}`);
    const row = (totals as unknown as { rows: { offered: number; late: number }[] }).rows[0]!;
    expect(row.offered).toBe(200);
    await waitFor(
      'hq outbox emptied after the cut',
      async () => (await world.outboxRows('hq')) === 0,
      15_000,
    );
  });

  it('parks garbage and events a site sends under another site, without blocking the consumer', async () => {
    const hq = world.edges.hq!;
    // A rogue hq edge widens its own leaf stream to carry branch subjects (the leaf is site-controlled).
    const jsm = await jetstreamManager(hq.nc);
    const info = await jsm.streams.info(names.EDGE_EVENTS_STREAM);
    await jsm.streams.update(names.EDGE_EVENTS_STREAM, {
      ...info.config,
      subjects: [names.siteEventsFilter('hq'), names.siteEventsFilter('branch')],
    });
    const forged = create(EventSchema, {
      eventId: uuid7(),
      tenantId: 'acme',
      siteId: 'branch',
      seq: 999_999n,
      occurredAt: timestampNow(),
      body: { case: 'edgeHeartbeat', value: create(EdgeHeartbeatSchema, { nodeId: 'x' }) },
    });
    const js = jetstream(hq.nc);
    await js.publish(names.eventSubject('branch', 'edge_heartbeat'), encodeEvent(forged), { msgID: uuid7() });
    await js.publish(
      names.eventSubject('hq', 'interaction'),
      new Uint8Array([0xde, 0xad, 0xbe, 0xef, 0xff]),
      { msgID: uuid7() },
    );
    // A poison event: well-formed and correctly attributed, but its seq does not fit PostgreSQL's
    // bigint. The database refuses it; ingest must isolate and park it, not retry the batch forever.
    const poison = create(EventSchema, {
      eventId: uuid7(),
      tenantId: 'acme',
      siteId: 'hq',
      seq: 2n ** 64n - 1n,
      occurredAt: timestampNow(),
      body: { case: 'edgeHeartbeat', value: create(EdgeHeartbeatSchema, { nodeId: 'x' }) },
    });
    await js.publish(names.eventSubject('hq', 'edge_heartbeat'), encodeEvent(poison), { msgID: uuid7() });
    const before = await count('hq');
    const calls = scriptedDay(10, Date.UTC(2025, 0, 8, 8), 3600_000);
    let events = 0;
    for (const c of calls) events += await journalCall(hq.pipeline.journal, pseudonymizer, c);
    await waitFor('later events still flow', async () => (await count('hq')) === before + events, 30_000);
    const parked = (await world.cloudDb.db.execute(
      sql`select reason, site_id from analytics.rejected_events order by reason`,
    )) as unknown as { rows: { reason: string; site_id: string }[] };
    expect(parked.rows).toEqual([
      { reason: 'malformed', site_id: 'hq' },
      { reason: 'subject_site_mismatch', site_id: 'hq' },
      { reason: 'unwritable', site_id: 'hq' },
    ]);
    expect(await count('branch')).toBe(
      await world.cloudScalar(sql`select seq from analytics.site_watermarks where site_id = 'branch'`),
    );
  });
});
