import { create } from '@bufbuild/protobuf';
import {
  AgentState,
  AgentStateChangedSchema,
  decodeEvent,
  decodeEventBatch,
  EdgeHeartbeatSchema,
} from '@hcc/proto';
import { type Database, names, openDatabase, silentLogger } from '@hcc/shared';
import { createTestDatabase, startTestHub, type TestHub, waitFor } from '@hcc/shared/testing';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { EDGE_MIGRATIONS } from '../db/migrations.ts';
import { ensureEdgeEventsStream } from '../nats/topology.ts';
import { OutboxJournal } from './journal.ts';
import { OutboxPublisher } from './publisher.ts';

const heartbeat = (n: number) => ({
  case: 'edgeHeartbeat' as const,
  value: create(EdgeHeartbeatSchema, { nodeId: `n${n}` }),
});

const agentState = (n: number) => ({
  case: 'agentStateChanged' as const,
  value: create(AgentStateChangedSchema, { agentId: `a${n}`, toState: AgentState.READY }),
});

// Real nats-server (JetStream) and PostgreSQL: what the leaf stream holds is what the cloud gets.
describe('events publisher', () => {
  let server: TestHub;
  let nc: NatsConnection;
  let database: Database;
  let drop: () => Promise<void>;
  beforeAll(async () => {
    server = await startTestHub('publisher');
    nc = await connect({ servers: server.url });
    await ensureEdgeEventsStream(await jetstreamManager(nc), 'hq');
    const d = await createTestDatabase(inject('pgUrl'), 'edge_publisher');
    drop = d.drop;
    database = await openDatabase({ url: d.url });
    await database.migrate(EDGE_MIGRATIONS);
  });
  afterAll(async () => {
    await nc?.close();
    await server?.dispose();
    await database?.close();
    await drop?.();
  });

  /** The stream's messages in stream order: [Event.seq, message id]. */
  const stream = async () => {
    const jsm = await jetstreamManager(nc);
    const info = await jsm.streams.info(names.EDGE_EVENTS_STREAM);
    const out: [number, string][] = [];
    for (let s = info.state.first_seq; s <= info.state.last_seq && info.state.messages > 0; s++) {
      const m = await jsm.streams.getMessage(names.EDGE_EVENTS_STREAM, { seq: s });
      out.push([Number(decodeEvent(m!.data).seq), m!.header.get('Nats-Msg-Id')]);
    }
    return out;
  };
  const outbox = async () =>
    (
      (await database.db.execute(sql`select seq, event_id from event_outbox order by seq`)) as unknown as {
        rows: { seq: string; event_id: string }[];
      }
    ).rows.map((r): [number, string] => [Number(r.seq), r.event_id]);
  const published = async () =>
    Number(
      (
        (await database.db.execute(sql`select published_seq from event_outbox_state`)) as unknown as {
          rows: { published_seq: string }[];
        }
      ).rows[0]!.published_seq,
    );

  it('sends committed rows in seq order, its own from memory and another writer’s from the table; resumes and rewinds', async () => {
    const ctx = { siteId: 'hq', tenantId: () => 'acme', configVersion: () => 1n };
    const start = async () => {
      const p = new OutboxPublisher(database.db, nc, { siteId: 'hq', batchSize: 7 }, silentLogger);
      const j = new OutboxJournal(database.db, ctx, (c) => p.offer(c));
      await j.init();
      await p.start();
      return { p, j };
    };
    let { p, j } = await start();
    // Another process of the site writes too: its rows reach this publisher only through the table.
    const other = new OutboxJournal(database.db, ctx);
    const writes: Promise<void>[] = [];
    for (let i = 0; i < 40; i++) {
      const w = i % 5 === 0 ? other : j;
      writes.push(w.write([], [{ body: heartbeat(2 * i) }, { body: heartbeat(2 * i + 1) }]));
    }
    await Promise.all(writes);
    await waitFor('all sent', async () => p.publishedSeq === 80, 20_000, 20);
    expect(await stream()).toEqual(await outbox());
    // Stopping writes the acknowledged position; a new publisher resumes after it, sending no copy.
    await p.stop();
    expect(await published()).toBe(80);
    ({ p, j } = await start());
    expect(p.publishedSeq).toBe(80);
    await j.emit(heartbeat(1000));
    await waitFor('the new row sent', async () => p.publishedSeq === 81, 20_000, 20);
    const rows = await outbox();
    expect(await stream()).toEqual(rows);
    // A rewind sends again from the given seq, each copy under a fresh message id (same event).
    p.rewind(75);
    await waitFor('re-sent', async () => (await stream()).length === 81 + 6, 20_000, 20);
    const copies = (await stream()).slice(81);
    expect(copies.map(([seq]) => seq)).toEqual([76, 77, 78, 79, 80, 81]);
    for (const [seq, id] of copies) expect(id.startsWith(`${rows[seq - 1]![1]}.r`)).toBe(true);
    // Rows the cloud confirmed are deleted: a rewind below them sends from the first row kept,
    // each under its own seq.
    await database.db.execute(sql`delete from event_outbox where seq <= 78`);
    p.rewind(10);
    await waitFor(
      're-sent past the deleted rows',
      async () => (await stream()).length === 87 + 3,
      20_000,
      20,
    );
    const kept = (await stream()).slice(87);
    expect(kept.map(([seq]) => seq)).toEqual([79, 80, 81]);
    for (const [seq, id] of kept) expect(id.startsWith(`${rows[seq - 1]![1]}.r`)).toBe(true);
    await p.stop();
  });

  it('batches runs of consecutive events, cuts them at the maximum and around heartbeats, and lingers for a trickle', async () => {
    await database.db.execute(sql`delete from event_outbox`);
    await database.db.execute(sql`delete from event_outbox_state`);
    const jsm = await jetstreamManager(nc);
    await jsm.streams.purge(names.EDGE_EVENTS_STREAM);
    const ctx = { siteId: 'hq', tenantId: () => 'acme', configVersion: () => 1n };
    const p = new OutboxPublisher(
      database.db,
      nc,
      { siteId: 'hq', batchSize: 100, batchMax: 8, batchLingerMs: 300 },
      silentLogger,
    );
    const j = new OutboxJournal(database.db, ctx, (c) => p.offer(c));
    await j.init();
    const base = Number(
      (
        (await database.db.execute(sql`select last_seq from event_outbox_state`)) as unknown as {
          rows: { last_seq: string }[];
        }
      ).rows[0]?.last_seq ?? 0,
    );
    await p.start();
    // 20 agent events, a heartbeat, 5 more: one write, so the publisher sees one run of 26 rows.
    const bodies = [
      ...Array.from({ length: 20 }, (_, i) => ({ body: agentState(i) })),
      { body: heartbeat(0) },
      ...Array.from({ length: 5 }, (_, i) => ({ body: agentState(20 + i) })),
    ];
    await j.write([], bodies);
    await waitFor('all sent', async () => p.publishedSeq === base + 26, 20_000, 20);
    const msgs: { subject: string; id: string; seqs: number[] }[] = [];
    const readStream = async () => {
      msgs.length = 0;
      const info = await jsm.streams.info(names.EDGE_EVENTS_STREAM);
      for (let s = info.state.first_seq; s <= info.state.last_seq && info.state.messages > 0; s++) {
        const m = (await jsm.streams.getMessage(names.EDGE_EVENTS_STREAM, { seq: s }))!;
        const id = m.header.get('Nats-Msg-Id');
        if (names.isEventBatchSubject(m.subject)) {
          const b = decodeEventBatch(m.data);
          const seqs = b.events.map((e) => Number(decodeEvent(e).seq));
          expect(b.siteId).toBe('hq');
          expect(Number(b.firstSeq)).toBe(seqs[0]);
          expect(id.startsWith(names.eventBatchMsgId('hq', seqs[0]!, seqs.length))).toBe(true);
          msgs.push({ subject: m.subject, id, seqs });
        } else msgs.push({ subject: m.subject, id, seqs: [Number(decodeEvent(m.data).seq)] });
      }
      return msgs;
    };
    const first = await readStream();
    for (const m of first)
      if (m.subject === 'hcc.evt.hq.batch')
        expect(m.id).toBe(names.eventBatchMsgId('hq', m.seqs[0]!, m.seqs.length));
    const range = (from: number, n: number) => Array.from({ length: n }, (_, i) => base + from + i);
    expect((await readStream()).map((m) => [m.subject, m.seqs])).toEqual([
      ['hcc.evt.hq.batch', range(1, 8)],
      ['hcc.evt.hq.batch', range(9, 8)],
      ['hcc.evt.hq.batch', range(17, 4)],
      ['hcc.evt.hq.edge_heartbeat', range(21, 1)],
      ['hcc.evt.hq.batch', range(22, 5)],
    ]);
    // A trickle of single commits is held up to the linger and goes as one message.
    const t0 = performance.now();
    for (let i = 0; i < 3; i++) await j.emit(agentState(100 + i));
    await waitFor('trickle sent', async () => p.publishedSeq === base + 29, 20_000, 10);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(250);
    expect((await readStream()).slice(5).map((m) => m.seqs)).toEqual([range(27, 3)]);
    // Eight rows fill a batch: sent without waiting for the linger.
    const t1 = performance.now();
    await j.write(
      [],
      Array.from({ length: 8 }, (_, i) => ({ body: agentState(200 + i) })),
    );
    await waitFor('full batch sent', async () => p.publishedSeq === base + 37, 20_000, 5);
    expect(performance.now() - t1).toBeLessThan(250);
    // A rewind sends the same runs again under fresh message ids.
    p.rewind(base + 26);
    await waitFor('re-sent', async () => (await readStream()).length === 7 + 2, 20_000, 20);
    const again = msgs.slice(7);
    expect(again.map((m) => m.seqs)).toEqual([range(27, 8), range(35, 3)]);
    for (const m of again)
      expect(m.id.startsWith(`${names.eventBatchMsgId('hq', m.seqs[0]!, m.seqs.length)}.r`)).toBe(true);
    await p.stop();
  });
});
