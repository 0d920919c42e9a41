// A stand-alone edge events process for the crash test: opens the edge database and its leaf,
// starts the events pipeline, and (MODE=burst) journals scripted calls as fast as it can until it
// is killed. MODE=drain only publishes what the outbox holds. Prints "ready" once running.
import { DEFAULT_EVENT_BATCHING, ensureEdgeEventsStream, journalCall, startEventsPipeline } from '@hcc/edge';
import { openDatabase, silentLogger } from '@hcc/shared';
import { waitFor } from '@hcc/shared/testing';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { scriptedDay } from './day.ts';
import { pseudonymizer, TENANT } from './world.ts';

const site = process.env.SITE ?? 'hq';
const db = await openDatabase({ url: process.env.EDGE_DB_URL! });
const nc = await connect({
  servers: process.env.LEAF_URL!,
  maxReconnectAttempts: -1,
  reconnectTimeWait: 200,
});
await waitFor('edge stream', async () => {
  await ensureEdgeEventsStream(await jetstreamManager(nc), site);
  return true;
});
const pipeline = await startEventsPipeline(
  db.db,
  nc,
  {
    siteId: site,
    tenantId: () => TENANT,
    configVersion: () => 1n,
    resendAfterMs: 5000,
    retryMs: 200,
    // Batched as the edge service sends (EDGE_EVENTS_BATCH_MAX=1: one event per message).
    batchMax: Number(process.env.EDGE_EVENTS_BATCH_MAX ?? DEFAULT_EVENT_BATCHING.batchMax),
    batchLingerMs: DEFAULT_EVENT_BATCHING.batchLingerMs,
  },
  silentLogger,
);
process.stdout.write('ready\n');
if (process.env.MODE === 'burst') {
  const calls = scriptedDay(100_000, Date.UTC(2025, 1, 3, 8), 10 * 3600_000);
  const parallel = 8;
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < calls.length) await journalCall(pipeline.journal, pseudonymizer, calls[next++]!);
    }),
  );
}
