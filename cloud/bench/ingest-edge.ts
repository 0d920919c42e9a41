// Edge side of the ingest benchmark (a child process, as the edge is in production): journals
// interaction events into the edge's PostgreSQL outbox at RATE events/s for SECONDS, TX_EVENTS
// events (one call's worth) per commit, each stamped with the wall clock at emit so the cloud can
// measure end-to-end latency. The pipeline's publisher sends them to the leaf. TX_MODE=write (the
// default) journals them the way the call layer does (journal.write: one statement, as the event
// bridge and the CDR store); TX_MODE=transaction uses journal.transaction (BEGIN, INSERT, COMMIT).
import {
  CallerPseudonymizer,
  callEvents,
  ensureEdgeEventsStream,
  scriptedDayForBench,
  startEventsPipeline,
} from '@hcc/edge';
import { openDatabase, silentLogger } from '@hcc/shared';
import { waitFor } from '@hcc/shared/testing';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';

const site = process.env.SITE ?? 'hq';
const rate = Number(process.env.RATE ?? 20_000);
const seconds = Number(process.env.SECONDS ?? 30);
const perTx = Number(process.env.TX_EVENTS ?? 10);
const inTransaction = process.env.TX_MODE === 'transaction';
const db = await openDatabase({ url: process.env.EDGE_DB_URL! });
const nc = await connect({ servers: process.env.LEAF_URL!, maxReconnectAttempts: -1 });
await waitFor('edge stream', async () => {
  await ensureEdgeEventsStream(await jetstreamManager(nc), site);
  return true;
});
const pipeline = await startEventsPipeline(
  db.db,
  nc,
  { siteId: site, tenantId: () => 'acme', configVersion: () => 1n, batchSize: 2000 },
  silentLogger,
);
const pseudo = new CallerPseudonymizer(new Uint8Array(32).fill(3), { countryCode: '1' });
const template = scriptedDayForBench().flatMap((c) => callEvents(c, pseudo).map((s) => s.body));

let emitted = 0;
let committed = 0;
let next = 0;
const start = Date.now();
const end = start + seconds * 1000;
const workers = 16;
await Promise.all(
  Array.from({ length: workers }, async () => {
    while (Date.now() < end) {
      // Pace: stay on the line emitted = rate * elapsed.
      const due = ((Date.now() - start) / 1000) * rate;
      if (emitted >= due) {
        await new Promise((r) => setTimeout(r, 2));
        continue;
      }
      emitted += perTx;
      const at = new Date();
      if (inTransaction)
        await pipeline.journal.transaction(async (_tx, emit) => {
          for (let i = 0; i < perTx; i++) emit(template[next++ % template.length]!, { occurredAt: at });
        });
      else
        await pipeline.journal.write(
          [],
          Array.from({ length: perTx }, () => ({
            body: template[next++ % template.length]!,
            meta: { occurredAt: at },
          })),
        );
      committed += perTx;
    }
  }),
);
const elapsed = (Date.now() - start) / 1000;
process.stdout.write(`${JSON.stringify({ emitted: committed, elapsed, rate: committed / elapsed })}\n`);
// Keep publishing until the parent stops us (a clean exit writes a --cpu-prof profile).
setInterval(() => {}, 1000);
process.once('SIGTERM', () => process.exit(0));
