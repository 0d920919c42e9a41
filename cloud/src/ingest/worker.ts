import { type Db, type Logger, names } from '@hcc/shared';
import {
  AckPolicy,
  type ConsumerMessages,
  DeliverPolicy,
  type JetStreamManager,
  type JsMsg,
  jetstream,
} from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { streamSource } from '../nats/stream-source.ts';
import type { RawMessage } from './classify.ts';
import { classifyMessage, MAX_SEQ, type SiteDirectory } from './classify.ts';
import { type AcceptedEvent, type BatchResult, type RejectedMessage, writeBatch } from './writer.ts';

const NANOS_PER_MS = 1_000_000;
const ACK_WAIT_MS = 60_000;

export interface IngestOptions {
  /**
   * Events written per transaction at most (a message is never split: an EventBatch can take it
   * past this by its size less one).
   */
  batchSize?: number;
  /** An event that reaches us later than this after it happened counts as late data. */
  lateAfterMs?: number;
  /** Back-off while the database refuses a batch. */
  retryMs?: number;
  /**
   * A batch smaller than `batchSize` waits this long for more messages first (default 10 ms): a
   * transaction per handful of events cost the database more per event than the events did.
   */
  lingerMs?: number;
  /** Durable consumer to pull from (default names.INGEST_CONSUMER; a replay uses its own). */
  consumerName?: string;
  /** Called after each committed batch (metrics, watermark, tests). */
  onBatch?: (r: BatchResult) => void;
}

/**
 * The ingest workers' shared durable pull consumer on the hub's aggregate stream. Idempotent: safe
 * on every start and from every worker.
 */
export async function ensureIngestConsumer(
  jsm: JetStreamManager,
  name: string = names.INGEST_CONSUMER,
): Promise<void> {
  await jsm.consumers.add(names.HUB_EVENTS_STREAM, {
    durable_name: name,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    filter_subject: names.ALL_EVENTS_FILTER,
    ack_wait: ACK_WAIT_MS * NANOS_PER_MS,
    max_ack_pending: 50_000,
  });
}

/**
 * One ingest worker: pulls from the shared durable consumer, writes each batch into PostgreSQL in
 * one transaction and acks its messages only after the commit. Several workers (in one process or
 * many) share the consumer; the database makes their writes idempotent. A message that cannot be
 * ingested is parked in rejected_events and acked, so it never blocks the consumer.
 */
export class IngestWorker {
  private readonly buffer: JsMsg[] = [];
  /** When the buffered messages were last reported in progress (their ack wait restarted). */
  private touchedAt = 0;
  private messages: ConsumerMessages | undefined;
  private wakeUp: (() => void) | undefined;
  private running = false;
  private loop: Promise<void> | undefined;

  constructor(
    private readonly db: Db,
    private readonly nc: NatsConnection,
    private readonly sites: SiteDirectory,
    private readonly opts: IngestOptions,
    private readonly log: Logger,
  ) {}

  async start(): Promise<void> {
    const consumer = await jetstream(this.nc).consumers.get(
      names.HUB_EVENTS_STREAM,
      this.opts.consumerName ?? names.INGEST_CONSUMER,
    );
    const max = (this.opts.batchSize ?? 1000) * 2;
    this.messages = await consumer.consume({
      max_messages: max,
      callback: (m) => {
        this.buffer.push(m);
        this.wakeUp?.();
      },
    });
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.messages?.close().catch(() => {});
    this.wakeUp?.();
    await this.loop;
  }

  private idle(): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(done, 1000);
      function done() {
        clearTimeout(t);
        resolve();
      }
      this.wakeUp = done;
    });
  }

  private async run(): Promise<void> {
    const batchSize = this.opts.batchSize ?? 1000;
    while (this.running) {
      if (this.buffer.length === 0) {
        await this.idle();
        continue;
      }
      this.keepBufferedAlive();
      const linger = this.opts.lingerMs ?? 10;
      if (this.buffer.length < batchSize && linger > 0) await new Promise((r) => setTimeout(r, linger));
      const accepted: AcceptedEvent[] = [];
      const rejected: RejectedMessage[] = [];
      const rawOf = new Map<AcceptedEvent, RawMessage>();
      // Messages are taken until the events they carry fill a transaction (one per message from an
      // edge that does not batch, up to EDGE_EVENTS_BATCH_MAX from one that does).
      let taken = 0;
      let events = 0;
      try {
        while (events < batchSize && taken < this.buffer.length) {
          const m = this.buffer[taken++]!;
          const raw: RawMessage = {
            subject: m.subject,
            source: streamSource(m),
            // Parsed from the reply subject on access: only a parked message needs it.
            get streamSeq() {
              return m.seq;
            },
            data: m.data,
          };
          for (const { message, result: c } of await classifyMessage(raw, this.sites)) {
            events++;
            if (c.ok) {
              const a = { event: c.event, occurredAt: c.occurredAt, data: message.data };
              accepted.push(a);
              rawOf.set(a, message);
            } else rejected.push({ message, reason: c.reason, site: c.site, detail: c.detail, seq: c.seq });
          }
        }
      } catch (err) {
        // The site lookup needs the database: when it is down, leave the messages buffered and wait.
        this.log.warn({ err: errName(err) }, 'ingest classify failed, retrying');
        await new Promise((r) => setTimeout(r, this.opts.retryMs ?? 1000));
        continue;
      }
      const batch = this.buffer.splice(0, taken);
      const result = await this.writeIsolating(accepted, rejected, rawOf);
      if (result === undefined) return; // stopped while the database was down: messages get redelivered
      for (const m of batch) m.ack();
      if (rejected.length > 0 || result.rejected > rejected.length)
        this.log.warn({ rejected: result.rejected, reasons: reasonsOf(rejected) }, 'events parked');
      this.opts.onBatch?.(result);
    }
  }

  /**
   * A pull holds up to twice `batchSize` messages, and an EventBatch message carries up to 256
   * events: behind a backlog, the last of them can wait longer than the consumer's ack wait and be
   * delivered again meanwhile (harmless, but it doubles the work when the work is already late).
   * Every third of the ack wait, the buffered messages are reported in progress.
   */
  private keepBufferedAlive(): void {
    const now = Date.now();
    if (now - this.touchedAt < ACK_WAIT_MS / 3) return;
    this.touchedAt = now;
    for (const m of this.buffer) m.working();
  }

  /**
   * Writes a batch; when the database refuses a value (SQLSTATE class 22/23, or a value the writer
   * cannot even convert), halves the batch until the offending event stands alone and parks it as
   * `unwritable`, so one poison event never stalls ingest for every site.
   */
  private async writeIsolating(
    accepted: AcceptedEvent[],
    rejected: RejectedMessage[],
    rawOf: Map<AcceptedEvent, RawMessage>,
  ): Promise<BatchResult | undefined> {
    const r = await this.writeWithRetry(accepted, rejected);
    if (r !== 'data-error') return r;
    if (accepted.length <= 1) {
      const bad = accepted[0];
      const parked: RejectedMessage[] = bad
        ? [
            {
              message: rawOf.get(bad)!,
              reason: 'unwritable',
              site: bad.event.siteId,
              detail: 'database refused a value',
              // Counted by the site's watermark so the edge can clean up past it (a seq that does
              // not fit bigint was the refused value: parked without one).
              seq: bad.event.seq <= MAX_SEQ ? bad.event.seq : undefined,
            },
          ]
        : [];
      const p = await this.writeWithRetry([], [...rejected, ...parked]);
      return p === 'data-error' ? undefined : p;
    }
    const mid = accepted.length >> 1;
    const a = await this.writeIsolating(accepted.slice(0, mid), rejected, rawOf);
    if (!a) return undefined;
    const b = await this.writeIsolating(accepted.slice(mid), [], rawOf);
    if (!b) return undefined;
    return {
      inserted: a.inserted + b.inserted,
      duplicates: a.duplicates + b.duplicates,
      rejected: a.rejected + b.rejected,
      sites: new Set([...a.sites, ...b.sites]),
      writeMs: (a.writeMs ?? 0) + (b.writeMs ?? 0),
    };
  }

  private async writeWithRetry(
    accepted: AcceptedEvent[],
    rejected: RejectedMessage[],
  ): Promise<BatchResult | 'data-error' | undefined> {
    for (let attempt = 0; ; attempt++) {
      try {
        const t0 = performance.now();
        const r = await writeBatch(this.db, accepted, rejected, {
          lateAfterMs: this.opts.lateAfterMs ?? 120_000,
        });
        return { ...r, writeMs: performance.now() - t0 };
      } catch (err) {
        const code =
          (err as { cause?: { code?: string }; code?: string }).cause?.code ??
          (err as { code?: string }).code;
        // A value the database (or the conversion before it) refuses will never succeed: isolate it.
        if (err instanceof RangeError || err instanceof TypeError || /^2[23]/.test(code ?? ''))
          return 'data-error';
        // Deadlocks between workers are retried at once; anything else waits (database down).
        if (attempt === 0 || code !== '40P01')
          this.log.warn({ code, attempt }, 'ingest batch failed, retrying');
        if (!this.running) return undefined;
        if (code !== '40P01') await new Promise((r) => setTimeout(r, this.opts.retryMs ?? 1000));
      }
    }
  }
}

const errName = (err: unknown) => (err instanceof Error ? err.name : 'unknown');

function reasonsOf(rejected: RejectedMessage[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of rejected) out[r.reason] = (out[r.reason] ?? 0) + 1;
  return out;
}
