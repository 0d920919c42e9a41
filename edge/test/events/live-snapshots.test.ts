import { AgentState, decodeEvent, type Event } from '@hcc/proto';
import { type Database, names, openDatabase, silentLogger } from '@hcc/shared';
import { createTestDatabase, startTestHub, type TestHub, waitFor } from '@hcc/shared/testing';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { EDGE_MIGRATIONS } from '../../src/db/migrations.ts';
import { type EventsPipeline, startEventsPipeline } from '../../src/events/pipeline.ts';
import { ensureEdgeEventsStream } from '../../src/nats/topology.ts';
import { snapshotAll } from '../../src/queue/stats.ts';
import { acdBundle, agent, harness, queue } from '../acd-fixtures.ts';
import { heartbeat } from './stores.ts';

const UUID7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

// The ACD's queue snapshots leave the edge live on core NATS (`hcc.live.<site>`), as the edge wires
// them (the pipeline's `onQueueSnapshot` on the ACD observer): the journal's envelope with seq 0,
// throttled, and never an outbox row. Real nats-server and PostgreSQL.
describe('queue snapshots from the ACD', () => {
  let server: TestHub;
  let nc: NatsConnection;
  let database: Database;
  let drop: () => Promise<void>;
  let pipeline: EventsPipeline;
  beforeAll(async () => {
    server = await startTestHub('live-snapshots');
    nc = await connect({ servers: server.url });
    await ensureEdgeEventsStream(await jetstreamManager(nc), 'hq');
    const d = await createTestDatabase(inject('pgUrl'), 'edge_live_snapshots');
    drop = d.drop;
    database = await openDatabase({ url: d.url });
    await database.migrate(EDGE_MIGRATIONS);
    pipeline = await startEventsPipeline(
      database.db,
      nc,
      { siteId: 'hq', tenantId: () => 'acme', configVersion: () => 7n, retryMs: 200 },
      silentLogger,
    );
  });
  afterAll(async () => {
    await pipeline?.stop();
    await nc?.close();
    await server?.dispose();
    await database?.close();
    await drop?.();
  });

  const outboxKinds = async () =>
    (
      (await database.db.execute(sql`select kind from event_outbox order by seq`)) as unknown as {
        rows: { kind: string }[];
      }
    ).rows.map((r) => r.kind);

  it('publishes them on the live subject with the envelope the journal builds, and journals none', async () => {
    const got: { subject: string; event: Event }[] = [];
    const sub = nc.subscribe('hcc.live.>', {
      callback: (_err, m) => void got.push({ subject: m.subject, event: decodeEvent(m.data) }),
    });
    await nc.flush();
    const h = harness(
      acdBundle({
        version: 3n,
        queues: [queue('sales'), queue('support')],
        agents: [agent('a1', { sales: 1 }), agent('a2', { sales: 1, support: 1 })],
      }),
    );
    h.observer.on('queueSnapshot', pipeline.onQueueSnapshot);
    h.agents.login('a1');
    h.agents.login('a2');
    void h.enqueue('c1', 'support');
    await h.clock.advance(4000);
    const before = Date.now();
    snapshotAll(h.acd, h.clock, h.observer);
    // A journaled event beside them: the outbox check below does see rows.
    await pipeline.journal.emit(heartbeat(1));
    await waitFor('two snapshots', () => got.length >= 2, 5000);

    expect(got.map((g) => g.subject)).toEqual([names.liveSubject('hq'), names.liveSubject('hq')]);
    const bodies = Object.fromEntries(
      got.map(({ event }) => {
        expect(event).toMatchObject({ siteId: 'hq', tenantId: 'acme', seq: 0n, configVersion: 3n });
        expect(event.eventId).toMatch(UUID7);
        expect(Number(event.occurredAt!.seconds) * 1000).toBeGreaterThanOrEqual(before - 1000);
        if (event.body.case !== 'queueSnapshot') throw new Error(`not a snapshot: ${event.body.case}`);
        const s = event.body.value;
        return [s.queueId, { waiting: s.waiting, longestWaitMs: s.longestWaitMs, agents: s.agents }];
      }),
    );
    expect(bodies).toMatchObject({
      sales: { waiting: 0, agents: [{ state: AgentState.NOT_READY, count: 2 }] },
      support: { waiting: 1, longestWaitMs: 4000n, agents: [{ state: AgentState.NOT_READY, count: 1 }] },
    });

    // Unchanged figures within the refresh period: nothing more; a change: that queue again.
    snapshotAll(h.acd, h.clock, h.observer);
    await nc.flush();
    void h.enqueue('c2', 'support');
    snapshotAll(h.acd, h.clock, h.observer);
    await waitFor('the changed queue', () => got.length >= 3, 5000);
    await nc.flush();
    await new Promise((r) => setTimeout(r, 200));
    expect(got.length).toBe(3);
    const last = got[2]!.event.body;
    expect(last.case === 'queueSnapshot' && [last.value.queueId, last.value.waiting]).toEqual(['support', 2]);
    expect(pipeline.live.published).toBe(3);

    // The outbox holds the heartbeat and no snapshot.
    await waitFor('heartbeat journaled', async () => (await outboxKinds()).length > 0, 5000);
    expect(await outboxKinds()).toEqual([names.eventKind('edgeHeartbeat')]);
    expect(pipeline.status().journaledSeq).toBe(1);
    sub.unsubscribe();
  });
});
