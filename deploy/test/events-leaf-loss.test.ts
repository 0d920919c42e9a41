import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { DEFAULT_EVENT_BATCHING, ensureEdgeEventsStream, journalCall, startEventsPipeline } from '@hcc/edge';
import { openDatabase, silentLogger } from '@hcc/shared';
import { waitFor } from '@hcc/shared/testing';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { expectedTotals, scriptedDay } from './events/day.ts';
import { cloudTotals } from './events/totals.ts';
import { EventsWorld, pseudonymizer, TENANT } from './events/world.ts';

/** The pid of the nats-server process started from a config file in `dir`. */
function natsServerPid(dir: string): number {
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const cmd = readFileSync(`/proc/${d}/cmdline`, 'utf8');
      if (cmd.includes('nats-server') && cmd.includes(`${dir}/`)) return Number(d);
    } catch {}
  }
  throw new Error(`no nats-server running from ${dir}`);
}

// The leaf acknowledges events, then dies with its JetStream store before any of them reached the
// hub (the hub is down), and comes back empty. The edge's outbox still holds every row (the cloud's
// watermark has not covered them): the stalled watermark makes it send again, and the cloud ends up
// with exactly every event, none twice.
describe('leaf losing its JetStream store', () => {
  const world = new EventsWorld(['hq'], inject('pgUrl'), { workers: 2 });
  beforeAll(() => world.start());
  afterAll(() => world.stop());

  const count = () => world.cloudScalar(sql`select count(*) from analytics.events where site_id = 'hq'`);
  const distinct = () =>
    world.cloudScalar(sql`select count(distinct seq) from analytics.events where site_id = 'hq'`);
  const watermark = () =>
    world.cloudScalar(sql`select coalesce(max(seq), 0) from analytics.site_watermarks where site_id = 'hq'`);

  /** The edge as main.ts wires it: the publisher re-creates the leaf stream after failed rounds. */
  const startEdge = async () => {
    const leaf = world.leaves.hq!;
    const nc = await connect({ servers: leaf.url, maxReconnectAttempts: -1, reconnectTimeWait: 200 });
    await ensureEdgeEventsStream(await jetstreamManager(nc), 'hq');
    const db = await openDatabase({ url: world.edgeDbUrls.hq! });
    const pipeline = await startEventsPipeline(
      db.db,
      nc,
      {
        siteId: 'hq',
        tenantId: () => TENANT,
        configVersion: () => 1n,
        resendAfterMs: 3000,
        retryMs: 200,
        publishTimeoutMs: 2000,
        ensureStream: async () => ensureEdgeEventsStream(await jetstreamManager(nc), 'hq'),
        ...DEFAULT_EVENT_BATCHING,
      },
      silentLogger,
    );
    world.edges.hq = { site: 'hq', dbUrl: world.edgeDbUrls.hq!, db, nc, pipeline };
    return pipeline;
  };

  it('re-sends from the watermark and delivers exactly once', { timeout: 180_000 }, async () => {
    const pipeline = await startEdge();
    const day0 = Date.UTC(2025, 0, 9, 8);
    const calls = scriptedDay(150, day0, 8 * 3600_000);
    let events = 0;
    for (const c of calls.slice(0, 50)) events += await journalCall(pipeline.journal, pseudonymizer, c);
    await waitFor('first calls ingested', async () => (await watermark()) === events, 30_000);
    // The watermark travels back to the edge, which then deletes what it covers.
    await waitFor('edge applied the watermark', async () => (await world.outboxRows('hq')) === 0, 20_000);
    const before = events;

    // Hub down: the leaf takes the next calls' events and acknowledges them; nothing goes further.
    await world.hub.stop();
    for (const c of calls.slice(50, 120)) events += await journalCall(pipeline.journal, pseudonymizer, c);
    await waitFor('acknowledged by the leaf', async () => pipeline.publisher.publishedSeq === events, 20_000);
    expect(await world.outboxRows('hq')).toBe(events - before);

    // The leaf dies (SIGKILL) and its store is gone; it restarts empty, then the hub returns.
    const leaf = world.leaves.hq!;
    process.kill(natsServerPid(dirname(leaf.storeDir)), 'SIGKILL');
    await leaf.stop();
    rmSync(leaf.storeDir, { recursive: true, force: true });
    mkdirSync(leaf.storeDir);
    await leaf.start();
    await world.hub.start();
    // Calls go on meanwhile: they are sent once the publisher has re-created the leaf stream.
    for (const c of calls.slice(120)) events += await journalCall(pipeline.journal, pseudonymizer, c);

    await waitFor('watermark covers every event', async () => (await watermark()) === events, 90_000);
    expect(await count()).toBe(events);
    expect(await distinct()).toBe(events);
    expect(await cloudTotals(world.cloudDb, 'hq')).toEqual(expectedTotals(calls));
    await waitFor('outbox emptied', async () => (await world.outboxRows('hq')) === 0, 20_000);
  });
});
