// Edge side of the ingest benchmark (a child process per site, as each edge is in production).
//
// EDGE_MODE=outbox (the default): journals interaction events into the edge's PostgreSQL outbox at
// RATE events/s for SECONDS, each stamped with the wall clock at emit so the cloud can measure
// end-to-end latency; the pipeline's publisher sends them to the leaf. How they are journaled:
// - TX_MODE=bridge (the default), as a running edge does: the call layer's event bridge coalesces
//   what it observed in 20 ms into one journal.write, and the Ended event of each call goes in a
//   write of its own (the CDR store's statement, here without the CDR rows);
// - TX_MODE=write: 16 concurrent writers, TX_EVENTS events (one call's worth, default 10) per
//   journal.write (one statement each);
// - TX_MODE=transaction: the same through journal.transaction (BEGIN, INSERT, COMMIT).
// EDGE_MODE=stream: no outbox; the same events, with their seqs, go straight to the leaf's stream
// through the publisher's sender (what the cloud side sees of an edge, at a fraction of its CPU):
// measures the cloud side fed by many sites on one machine.
//
// EDGE_EVENTS_BATCH_MAX (default 256, as the edge service) events per NATS message, 1 for one
// Event per message (an edge before batching); EDGE_EVENTS_BATCH_LINGER_MS as the edge service.
//
// The child prints `ready` once connected, and starts when the file GO_FILE exists: its start-up
// (module loading, migrations) stays out of the parent's CPU accounting.
import { existsSync } from 'node:fs';
import { create } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import {
  CallerPseudonymizer,
  callEvents,
  DEFAULT_EVENT_BATCHING,
  type EventBody,
  ensureEdgeEventsStream,
  type OutMsg,
  StreamSender,
  scriptedDayForBench,
  startEventsPipeline,
} from '@hcc/edge';
import { EventBatchSchema, EventSchema, encodeEvent, encodeEventBatch } from '@hcc/proto';
import { names, openDatabase, silentLogger, uuid7 } from '@hcc/shared';
import { waitFor } from '@hcc/shared/testing';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';

const site = process.env.SITE ?? 'hq';
const rate = Number(process.env.RATE ?? 20_000);
const seconds = Number(process.env.SECONDS ?? 30);
const perTx = Number(process.env.TX_EVENTS ?? 10);
const txMode = process.env.TX_MODE ?? 'bridge';
if (!['write', 'transaction', 'bridge'].includes(txMode)) throw new Error(`unknown TX_MODE ${txMode}`);
const direct = process.env.EDGE_MODE === 'stream';
const batchMax = Number(process.env.EDGE_EVENTS_BATCH_MAX ?? DEFAULT_EVENT_BATCHING.batchMax);
const batchLingerMs = Number(process.env.EDGE_EVENTS_BATCH_LINGER_MS ?? DEFAULT_EVENT_BATCHING.batchLingerMs);
const nc = await connect({ servers: process.env.LEAF_URL!, maxReconnectAttempts: -1 });
await waitFor('edge stream', async () => {
  await ensureEdgeEventsStream(await jetstreamManager(nc), site);
  return true;
});
const pseudo = new CallerPseudonymizer(new Uint8Array(32).fill(3), { countryCode: '1' });
const template = scriptedDayForBench().flatMap((c) => callEvents(c, pseudo).map((s) => s.body));

const emitOutbox = async (): Promise<() => Promise<number>> => {
  const db = await openDatabase({ url: process.env.EDGE_DB_URL! });
  const pipeline = await startEventsPipeline(
    db.db,
    nc,
    {
      siteId: site,
      tenantId: () => 'acme',
      configVersion: () => 1n,
      batchSize: 2000,
      batchMax,
      batchLingerMs,
    },
    silentLogger,
  );
  if (txMode === 'bridge') return bridgeWriter(pipeline.journal);
  return async () => {
    let emitted = 0;
    let committed = 0;
    let next = 0;
    const start = Date.now();
    const end = start + seconds * 1000;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (Date.now() < end) {
          // Pace: stay on the line emitted = rate * elapsed.
          const due = ((Date.now() - start) / 1000) * rate;
          if (emitted >= due) {
            await new Promise((r) => setTimeout(r, 2));
            continue;
          }
          emitted += perTx;
          const at = new Date();
          if (txMode === 'transaction')
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
    return committed;
  };
};

/** Every 20 ms: one write of what was observed, and one write per Ended event (a call's CDR). */
const bridgeWriter =
  (journal: Awaited<ReturnType<typeof startEventsPipeline>>['journal']) => async (): Promise<number> => {
    let emitted = 0;
    let committed = 0;
    const start = Date.now();
    const end = start + seconds * 1000;
    const writes = new Set<Promise<unknown>>();
    const track = (p: Promise<unknown>, n: number) => {
      const w: Promise<unknown> = p.then(() => {
        committed += n;
        writes.delete(w);
      });
      writes.add(w);
    };
    while (Date.now() < end) {
      const tick = Date.now();
      const due = Math.floor(((tick - start) / 1000) * rate);
      const at = new Date(tick);
      const observed: { body: EventBody; meta: { occurredAt: Date } }[] = [];
      for (; emitted < due; emitted++) {
        const body = template[emitted % template.length]!;
        if (body.case === 'interaction' && body.value.body.case === 'ended')
          track(journal.write([], [{ body, meta: { occurredAt: at } }]), 1);
        else observed.push({ body, meta: { occurredAt: at } });
      }
      if (observed.length > 0) track(journal.write([], observed), observed.length);
      await new Promise((r) => setTimeout(r, Math.max(0, tick + 20 - Date.now())));
    }
    await Promise.all(writes);
    return committed;
  };

const subjects = new Map<string, string>();
const subjectOf = (bodyCase: string): string => {
  let s = subjects.get(bodyCase);
  if (s === undefined) {
    s = names.eventSubject(site, names.eventKind(bodyCase));
    subjects.set(bodyCase, s);
  }
  return s;
};

const emitStream = async (): Promise<() => Promise<number>> => {
  const sender = new StreamSender(nc, 30_000);
  return async () => {
    let seq = 0;
    const start = Date.now();
    const end = start + seconds * 1000;
    const inflight = new Set<Promise<unknown>>();
    while (Date.now() < end) {
      const due = Math.floor(((Date.now() - start) / 1000) * rate);
      if (seq >= due || inflight.size >= 4) {
        await (inflight.size >= 4 ? Promise.race(inflight) : new Promise((r) => setTimeout(r, 5)));
        continue;
      }
      const at = new Date();
      const msgs: OutMsg[] = [];
      let batch: Uint8Array[] = [];
      const flush = () => {
        if (batch.length === 0) return;
        const first = seq - batch.length + 1;
        msgs.push({
          subject: names.eventBatchSubject(site),
          data: encodeEventBatch(
            create(EventBatchSchema, { siteId: site, firstSeq: BigInt(first), events: batch }),
          ),
          msgID: names.eventBatchMsgId(site, first, batch.length),
        });
        batch = [];
      };
      for (let n = 0; seq < due && n < 2000; n++) {
        const body = template[seq % template.length]!;
        const eventId = uuid7(at.getTime());
        const event = create(EventSchema, {
          eventId,
          tenantId: 'acme',
          siteId: site,
          seq: BigInt(++seq),
          occurredAt: timestampFromDate(at),
          configVersion: 1n,
          body,
        });
        if (batchMax > 1) {
          batch.push(encodeEvent(event));
          if (batch.length >= batchMax) flush();
        } else
          msgs.push({
            subject: subjectOf(body.case!),
            data: encodeEvent(event),
            msgID: eventId,
          });
      }
      flush();
      const p: Promise<unknown> = sender.send(msgs).then(
        () => inflight.delete(p),
        (err: unknown) => {
          console.error(`send failed: ${String(err)}`);
          process.exit(1);
        },
      );
      inflight.add(p);
    }
    await Promise.all(inflight);
    return seq;
  };
};

const run = direct ? await emitStream() : await emitOutbox();
process.stdout.write('ready\n');
await waitFor('go', async () => existsSync(process.env.GO_FILE!), 600_000, 10);
const start = Date.now();
const emitted = await run();
const elapsed = (Date.now() - start) / 1000;
process.stdout.write(`${JSON.stringify({ emitted, elapsed, rate: emitted / elapsed })}\n`);
// Keep publishing until the parent stops us (a clean exit writes a --cpu-prof profile).
setInterval(() => {}, 1000);
process.once('SIGTERM', () => process.exit(0));
