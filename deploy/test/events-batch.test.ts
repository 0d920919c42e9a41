import { create } from '@bufbuild/protobuf';
import { timestampNow } from '@bufbuild/protobuf/wkt';
import { ensureIngestConsumer, IngestWorker, staticSiteDirectory } from '@hcc/cloud';
import { ensureEdgeEventsStream, journalCall } from '@hcc/edge';
import {
  AgentState,
  AgentStateChangedSchema,
  EdgeHeartbeatSchema,
  EventBatchSchema,
  EventSchema,
  encodeEvent,
  encodeEventBatch,
} from '@hcc/proto';
import { names, silentLogger, uuid7 } from '@hcc/shared';
import { waitFor } from '@hcc/shared/testing';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { expectedTotals, scriptedDay } from './events/day.ts';
import { cloudTotals } from './events/totals.ts';
import { EventsWorld, pseudonymizer, TENANT } from './events/world.ts';

type Rows<T> = { rows: T[] };

// Events batched (issue 16): up to N events per NATS message from the edge's outbox to the cloud's
// ingest, with real nats-server (operator mode: leaf stream -> site hub stream -> cloud aggregate)
// and PostgreSQL. `lab` has no edge pipeline: the test writes its leaf stream by hand.
describe('events batched, edge outbox to cloud ingest', () => {
  const world = new EventsWorld(['hq', 'branch', 'lab'], inject('pgUrl'), { workers: 2 });
  beforeAll(() => world.start());
  afterAll(() => world.stop());

  const count = (site: string) =>
    world.cloudScalar(sql`select count(*) from analytics.events where site_id = ${site}`);
  const distinctSeqs = (site: string) =>
    world.cloudScalar(sql`select count(distinct seq) from analytics.events where site_id = ${site}`);
  const watermark = (site: string) =>
    world.cloudScalar(
      sql`select coalesce(max(seq), 0) from analytics.site_watermarks where site_id = ${site}`,
    );
  /** Messages in the cloud's aggregate stream per subject. */
  const aggregateSubjects = async (): Promise<Record<string, number>> => {
    const jsm = await jetstreamManager(world.cloudNc);
    const info = await jsm.streams.info(names.HUB_EVENTS_STREAM, { subjects_filter: '>' });
    return info.state.subjects ?? {};
  };
  const journalDay = async (site: string, calls: ReturnType<typeof scriptedDay>) => {
    let n = 0;
    for (const c of calls) n += await journalCall(world.edges[site]!.pipeline.journal, pseudonymizer, c);
    return n;
  };

  it('carries runs of events per message, heartbeats alone, and ingests each event once', async () => {
    const hq = await world.startEdge('hq', { batchMax: 64, batchLingerMs: 20 });
    const calls = scriptedDay(150, Date.UTC(2025, 2, 3, 8), 8 * 3600_000);
    // Several calls per commit (as a busy edge's journal groups them) and a heartbeat between.
    let events = 0;
    for (let i = 0; i < calls.length; i += 10) {
      const counts = await Promise.all(
        calls.slice(i, i + 10).map((c) => journalCall(hq.pipeline.journal, pseudonymizer, c)),
      );
      for (const n of counts) events += n;
      if (i % 50 === 0) {
        await hq.pipeline.journal.emit({
          case: 'edgeHeartbeat',
          value: create(EdgeHeartbeatSchema, { nodeId: 'n1' }),
        });
        events++;
      }
    }
    await waitFor('hq watermark', async () => (await watermark('hq')) === events, 30_000);
    expect(await count('hq')).toBe(events);
    expect(await distinctSeqs('hq')).toBe(events);
    expect(await cloudTotals(world.cloudDb, 'hq')).toEqual(expectedTotals(calls));
    const subjects = await aggregateSubjects();
    // Heartbeats stay one per message on their own subject (the fleet view follows that subject).
    expect(subjects['hcc.evt.hq.edge_heartbeat']).toBe(3);
    const batches = subjects['hcc.evt.hq.batch'] ?? 0;
    expect(Object.keys(subjects).filter((s) => s.startsWith('hcc.evt.hq.'))).toHaveLength(2);
    // At most 64 events per message: at least events / 64 messages, and far fewer than events.
    expect(batches).toBeGreaterThanOrEqual(Math.ceil((events - 3) / 64));
    expect(batches).toBeLessThan((events - 3) / 4);
    // What is stored is each event's own bytes, as a one-event message carries them.
    const stored = (await world.cloudDb.db.execute(
      sql`select count(*)::int as n from analytics.events where site_id = 'hq' and get_byte(payload, 0) <> 10`,
    )) as unknown as Rows<{ n: number }>;
    expect(stored.rows[0]!.n).toBe(0); // every payload starts with Event.event_id (field 1, bytes)
    await waitFor('hq outbox emptied', async () => (await world.outboxRows('hq')) === 0, 15_000);
  });

  it('ingests nothing twice when batches are redelivered, sent again or cut differently', async () => {
    const before = await count('hq');
    // Every message of the aggregate stream delivered again to a second durable consumer (what a
    // worker that died before its acks gets): every event is a duplicate.
    await ensureIngestConsumer(await jetstreamManager(world.cloudNc), 'batch-replay');
    let duplicates = 0;
    let inserted = 0;
    const replay = new IngestWorker(
      world.cloudDb.db,
      world.cloudNc,
      staticSiteDirectory({ hq: TENANT, branch: TENANT, lab: TENANT }),
      {
        consumerName: 'batch-replay',
        lateAfterMs: 60_000,
        onBatch: (r) => {
          duplicates += r.duplicates;
          inserted += r.inserted;
        },
      },
      silentLogger,
    );
    await replay.start();
    await waitFor('replayed', async () => duplicates === before, 30_000);
    await replay.stop();
    expect(inserted).toBe(0);

    // The edge's stored payloads of seqs 1..40 sent again as batches cut otherwise than the first
    // time, one of them twice under two message ids (past the stream's duplicate window, as a
    // rewind after a lost leaf does).
    const res = (await world.cloudDb.db.execute(
      sql`select payload from analytics.events where site_id = 'hq' and seq <= 40 order by seq`,
    )) as unknown as Rows<{ payload: Uint8Array }>;
    const payloads = res.rows.map((r) => new Uint8Array(r.payload));
    expect(payloads).toHaveLength(40);
    const js = jetstream(world.edges.hq!.nc);
    const batch = (first: number, events: Uint8Array[]) =>
      encodeEventBatch(create(EventBatchSchema, { siteId: 'hq', firstSeq: BigInt(first), events }));
    const subject = names.eventBatchSubject('hq');
    await js.publish(subject, batch(1, payloads.slice(0, 40)), { msgID: 'again-1-40' });
    await js.publish(subject, batch(5, payloads.slice(4, 17)), { msgID: 'again-5-13' });
    await js.publish(subject, batch(5, payloads.slice(4, 17)), { msgID: 'again-5-13-copy' });
    // New calls after them: once these are in, the copies ahead of them were consumed.
    const calls = scriptedDay(20, Date.UTC(2025, 2, 4, 8), 3600_000);
    const events = await journalDay('hq', calls);
    await waitFor('new calls ingested', async () => (await count('hq')) === before + events, 30_000);
    expect(await distinctSeqs('hq')).toBe(before + events);
    await waitFor('hq watermark', async () => (await watermark('hq')) === before + events, 30_000);
  });

  it('parks a poison event of a batch alone and ingests its neighbours', async () => {
    // lab's leaf stream, written by hand: a batch of good, malformed, poison and foreign events.
    const nc: NatsConnection = await connect({ servers: world.leaves.lab!.url });
    try {
      await ensureEdgeEventsStream(await jetstreamManager(nc), 'lab');
      const event = (seq: bigint, over: { eventId?: string } = {}) =>
        encodeEvent(
          create(EventSchema, {
            eventId: uuid7(),
            tenantId: TENANT,
            siteId: 'lab',
            seq,
            occurredAt: timestampNow(),
            body: {
              case: 'agentStateChanged',
              value: create(AgentStateChangedSchema, { agentId: 'a1', toState: AgentState.READY }),
            },
            ...over,
          }),
        );
      const garbage = new Uint8Array([0xde, 0xad, 0xbe, 0xef, 0xff]);
      const events = [
        event(1n),
        garbage, // malformed: parked without a seq
        event(2n ** 64n - 1n), // the database refuses its seq: isolated and parked as unwritable
        event(2n),
        event(3n, { eventId: 'not-a-uuid' }), // invalid envelope: parked, counted at its seq
        event(4n),
      ];
      const js = jetstream(nc);
      const subject = names.eventBatchSubject('lab');
      await js.publish(
        subject,
        encodeEventBatch(create(EventBatchSchema, { siteId: 'lab', firstSeq: 1n, events })),
        { msgID: 'lab-1' },
      );
      // A batch naming another site is parked whole; the next one is ingested.
      await js.publish(
        subject,
        encodeEventBatch(create(EventBatchSchema, { siteId: 'hq', firstSeq: 5n, events: [event(5n)] })),
        { msgID: 'lab-forged' },
      );
      await js.publish(
        subject,
        encodeEventBatch(create(EventBatchSchema, { siteId: 'lab', firstSeq: 5n, events: [event(5n)] })),
        { msgID: 'lab-5' },
      );
      await waitFor('lab watermark', async () => (await watermark('lab')) === 5, 30_000);
      const seqs = (await world.cloudDb.db.execute(
        sql`select seq::int from analytics.events where site_id = 'lab' order by seq`,
      )) as unknown as Rows<{ seq: number }>;
      expect(seqs.rows.map((r) => r.seq)).toEqual([1, 2, 4, 5]);
      const parked = (await world.cloudDb.db.execute(
        sql`select reason, seq::int, subject from analytics.rejected_events where site_id = 'lab' order by reason`,
      )) as unknown as Rows<{ reason: string; seq: number | null; subject: string }>;
      expect(parked.rows).toEqual([
        { reason: 'envelope_site_mismatch', seq: null, subject },
        { reason: 'invalid_envelope', seq: 3, subject },
        { reason: 'malformed', seq: null, subject },
        { reason: 'unwritable', seq: null, subject },
      ]);
    } finally {
      await nc.close();
    }
  });

  it('takes an edge sending one event per message beside batching ones, and across its upgrade', async () => {
    // branch runs an edge from before batching (one Event per message, message id = event id).
    let branch = await world.startEdge('branch', { batchMax: 1 });
    const calls = scriptedDay(60, Date.UTC(2025, 2, 5, 8), 8 * 3600_000, '+1555020');
    const hqCalls = scriptedDay(60, Date.UTC(2025, 2, 5, 8), 8 * 3600_000);
    const hqBefore = await count('hq');
    const [a, h] = await Promise.all([journalDay('branch', calls.slice(0, 30)), journalDay('hq', hqCalls)]);
    let events = a;
    await waitFor('branch watermark', async () => (await watermark('branch')) === events, 30_000);
    const old = await aggregateSubjects();
    expect(old['hcc.evt.branch.batch']).toBeUndefined();
    expect(old['hcc.evt.branch.interaction']).toBeGreaterThan(0);
    // The upgrade: the same site's edge stopped and started again, now batching.
    await world.stopEdge('branch');
    branch = await world.startEdge('branch');
    events += await journalDay('branch', calls.slice(30));
    await waitFor(
      'branch watermark after the upgrade',
      async () => (await watermark('branch')) === events,
      30_000,
    );
    await waitFor('hq watermark', async () => (await count('hq')) === hqBefore + h, 30_000);
    expect(await count('branch')).toBe(events);
    expect(await distinctSeqs('branch')).toBe(events);
    expect(await cloudTotals(world.cloudDb, 'branch')).toEqual(expectedTotals(calls));
    expect((await aggregateSubjects())['hcc.evt.branch.batch']).toBeGreaterThan(0);
    expect(branch.pipeline.publisher.publishedSeq).toBe(events);
  });
});
