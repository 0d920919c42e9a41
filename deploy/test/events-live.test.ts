import { create } from '@bufbuild/protobuf';
import { envelopeDefaults, eventEnvelope, LiveSnapshotPublisher, publishQueueSnapshot } from '@hcc/edge';
import { AgentState, encodeEvent, QueueSnapshotSchema } from '@hcc/proto';
import { names, silentLogger } from '@hcc/shared';
import { waitFor } from '@hcc/shared/testing';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { EventsWorld, TENANT } from './events/world.ts';

interface LiveRow {
  site_id: string;
  queue_id: string;
  waiting: number;
  observed_at: Date;
}

// Queue snapshots for the wallboard travel live: the edge publishes on `hcc.live.<site>` over its
// leaf; the site account exports exactly that subject and the cloud account imports it, so the
// cloud's live service attributes a message to the site its subject names. Real nats-server 2.9.10
// in operator mode (one account per site, leaves with their leaf credentials) and PostgreSQL.
describe('live queue snapshots', () => {
  const world = new EventsWorld(['hq', 'branch'], inject('pgUrl'), { workers: 1 });
  let rogueNc: NatsConnection;
  beforeAll(async () => {
    await world.start();
    await world.startEdge('hq');
    await world.startEdge('branch');
    // Someone at hq with a client on hq's leaf, publishing as if it were branch's edge.
    rogueNc = await connect({ servers: world.leaves.hq!.url });
  });
  afterAll(async () => {
    await rogueNc?.close().catch(() => {});
    await world.stop();
  });

  const rows = async (): Promise<LiveRow[]> =>
    (
      (await world.cloudDb.db.execute(
        sql`select site_id, queue_id, waiting, observed_at from analytics.queue_live order by site_id, queue_id`,
      )) as unknown as { rows: LiveRow[] }
    ).rows.map((r) => ({ ...r, observed_at: new Date(r.observed_at) }));
  const row = async (site: string, queue: string) =>
    (await rows()).find((r) => r.site_id === site && r.queue_id === queue);
  const snap = (queueId: string, waiting: number, at?: number) => ({
    queueId,
    waiting,
    longestWaitMs: 1000 * waiting,
    agents: { [AgentState.READY]: 1 },
    ...(at === undefined ? {} : { at }),
  });

  it("lands a snapshot published on hq's leaf in hq's queue_live within 2 s", async () => {
    const hq = world.edges.hq!;
    const t0 = Date.now();
    expect(publishQueueSnapshot(hq.pipeline.live, snap('sales', 3, t0))).toBe(true);
    await waitFor('hq sales in queue_live', async () => (await row('hq', 'sales'))?.waiting === 3, 2000, 20);
    process.stdout.write(`live snapshot -> queue_live: ${Date.now() - t0} ms\n`);
    expect(await rows()).toEqual([
      { site_id: 'hq', queue_id: 'sales', waiting: 3, observed_at: new Date(t0) },
    ]);
    expect(
      await world.cloudScalar(sql`select count(*) from analytics.queue_live where tenant_id = ${TENANT}`),
    ).toBe(1);
    // Live only: no event stored, no outbox row at the edge.
    expect(await world.cloudScalar(sql`select count(*) from analytics.events`)).toBe(0);
    expect(await world.outboxRows('hq')).toBe(0);
  });

  it("drops a rogue's snapshot for another site and garbage, and keeps working", async () => {
    const before = await rows();
    const dropped = { ...world.live.dropped };
    const accepted = world.live.accepted;
    const now = Date.now();
    // hq's leaf publishes on branch's subject, exactly as branch's edge would.
    const asBranch = new LiveSnapshotPublisher(
      rogueNc,
      { siteId: 'branch', tenantId: () => TENANT, configVersion: () => 1n },
      silentLogger,
    );
    expect(publishQueueSnapshot(asBranch, snap('rogue', 7, now))).toBe(true);
    // On hq's own subject: garbage, and an envelope naming branch.
    rogueNc.publish(names.liveSubject('hq'), new Uint8Array([0xff, 0xff, 0xff, 0x01, 0x02]));
    const branchEnvelope = eventEnvelope(
      envelopeDefaults({ siteId: 'branch', tenantId: () => TENANT, configVersion: () => 1n }),
      { case: 'queueSnapshot', value: create(QueueSnapshotSchema, { queueId: 'rogue', waiting: 8 }) },
    );
    rogueNc.publish(names.liveSubject('hq'), encodeEvent(branchEnvelope));
    await rogueNc.flush();
    // Then hq's edge, after them on the same leaf: once it lands, the others were handled.
    publishQueueSnapshot(world.edges.hq!.pipeline.live, snap('support', 2, now));
    await waitFor(
      'hq support in queue_live',
      async () => (await row('hq', 'support'))?.waiting === 2,
      5000,
      20,
    );

    expect(await rows()).toEqual([
      ...before,
      { site_id: 'hq', queue_id: 'support', waiting: 2, observed_at: new Date(now) },
    ]);
    expect((await rows()).filter((r) => r.site_id === 'branch' || r.queue_id === 'rogue')).toEqual([]);
    expect(world.live.accepted).toBe(accepted + 1);
    expect(world.live.dropped).toEqual({
      ...dropped,
      malformed: dropped.malformed + 1,
      site_mismatch: dropped.site_mismatch + 1,
    });
    // Branch's own edge still reaches its row.
    publishQueueSnapshot(world.edges.branch!.pipeline.live, snap('sales', 1));
    await waitFor(
      'branch sales in queue_live',
      async () => (await row('branch', 'sales'))?.waiting === 1,
      5000,
    );
  });

  it('keeps the newer row when an older snapshot arrives later', async () => {
    const hq = world.edges.hq!.pipeline.live;
    const t = Date.now();
    publishQueueSnapshot(hq, snap('billing', 5, t));
    await waitFor('billing at 5', async () => (await row('hq', 'billing'))?.waiting === 5, 5000, 20);
    // An older one, in a later batch than the row it must not replace, then a marker after it.
    publishQueueSnapshot(hq, snap('billing', 9, t - 10_000));
    publishQueueSnapshot(hq, snap('marker', 1, t));
    await waitFor('marker', async () => (await row('hq', 'marker'))?.waiting === 1, 5000, 20);
    expect(await row('hq', 'billing')).toEqual({
      site_id: 'hq',
      queue_id: 'billing',
      waiting: 5,
      observed_at: new Date(t),
    });
    // A newer one does replace it.
    publishQueueSnapshot(hq, snap('billing', 6, t + 1));
    await waitFor('billing at 6', async () => (await row('hq', 'billing'))?.waiting === 6, 5000, 20);
  });
});
