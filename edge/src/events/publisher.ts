import { type Db, type Logger, names } from '@hcc/shared';
import type { NatsConnection } from '@nats-io/transport-node';
import { eq, sql } from 'drizzle-orm';
import { eventOutboxState } from '../db/schema.ts';
import { assignSeqs, withSeq } from './sequencer.ts';
import { StreamSender } from './stream-sender.ts';

export interface PublisherOptions {
  siteId: string;
  /** Rows published per round (all in flight at once). */
  batchSize?: number;
  /** How long to sleep when the outbox is drained and nobody wakes us. */
  idlePollMs?: number;
  /** Back-off after a failed round (leaf down, timeout). */
  retryMs?: number;
  publishTimeoutMs?: number;
  /** Batches sent before the oldest is acknowledged (default 2). */
  inFlight?: number;
  /** (Re)creates the leaf's events stream; called after failed rounds (a leaf that lost its store). */
  ensureStream?: () => Promise<void>;
}

/**
 * Sequences committed outbox rows and sends them to the leaf's local events stream in seq order, the event id as message id
 * (JetStream drops a re-publish inside its 2-minute window; the cloud is idempotent beyond it).
 * The cursor starts after the last seq the stream acknowledged; `rewind` sends again from an
 * earlier seq when the cloud's watermark shows that the stream lost something.
 */
export class OutboxPublisher {
  /** Sends a batch, every message acknowledged, without a request object per message. */
  readonly sender: StreamSender;
  private cursor = 0;
  private generation = 0;
  private running = false;
  private loop: Promise<void> | undefined;
  private wakeUp: (() => void) | undefined;
  private failures = 0;
  private assigned = 0;
  /** The last seq handed to the sender (ahead of `cursor` while batches are in flight). */
  private sent = 0;
  /** Rows up to this seq are re-sent after a rewind: they carry `resendTag` in their message id. */
  private resendUpTo = 0;
  private resendTag = '';

  constructor(
    private readonly db: Db,
    nc: NatsConnection,
    private readonly opts: PublisherOptions,
    private readonly log: Logger,
  ) {
    this.sender = new StreamSender(nc, opts.publishTimeoutMs ?? 5000);
  }

  /** The last seq given to an outbox row. */
  get lastSeq(): number {
    return this.assigned;
  }

  /** Highest seq acknowledged by the local stream (since the last rewind). */
  get publishedSeq(): number {
    return this.cursor;
  }

  async start(): Promise<void> {
    const [state] = await this.db
      .select({
        published: eventOutboxState.publishedSeq,
        watermark: eventOutboxState.watermark,
        last: eventOutboxState.lastSeq,
      })
      .from(eventOutboxState)
      .where(eq(eventOutboxState.siteId, this.opts.siteId));
    this.cursor = Math.max(state?.published ?? 0, state?.watermark ?? 0);
    this.assigned = state?.last ?? 0;
    this.running = true;
    this.loop = this.run();
  }

  /** New rows were committed: publish without waiting for the idle poll. */
  wake(): void {
    this.wakeUp?.();
  }

  /** Publish again everything after `seq` (a lost message holds the cloud's watermark there). */
  rewind(seq: number): void {
    if (seq >= this.cursor) return;
    this.log.warn({ from: seq + 1, to: this.cursor }, 'rewinding events publisher');
    // A re-send must not be dropped as a duplicate: the leaf may have lost its store and been
    // re-created, its new stream took these ids already, and the hub, which sources from the last
    // stream seq it saw, skipped them. A fresh message id per rewind appends them past that seq
    // (ingest is idempotent on the event id, so extra copies cost nothing).
    this.resendUpTo = Math.max(this.resendUpTo, this.cursor, this.sent);
    this.resendTag = `.r${Date.now().toString(36)}.${this.generation + 1}`;
    this.cursor = seq;
    this.generation++;
    this.wake();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake();
    await this.loop;
    this.sender.close();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(done, ms);
      function done() {
        clearTimeout(t);
        resolve();
      }
      this.wakeUp = done;
    });
  }

  private async run(): Promise<void> {
    const batch = this.opts.batchSize ?? 1000;
    const window = Math.max(1, this.opts.inFlight ?? 2);
    // Batches handed to the sender and not yet settled, oldest first. While the leaf acknowledges
    // one, the next is read from the outbox and sent: the connection keeps them in order.
    const inflight: { last: number; settled: Promise<unknown> }[] = [];
    let generation = this.generation;
    this.sent = this.cursor;
    while (this.running) {
      try {
        if (generation !== this.generation) {
          // Rewound: what is in flight belongs to the old position.
          await Promise.all(inflight.map((b) => b.settled));
          inflight.length = 0;
          generation = this.generation;
          this.sent = this.cursor;
        }
        let more = false;
        if (inflight.length < window) {
          const rows = await this.next(batch);
          if (rows.length > 0 && generation === this.generation) {
            const last = Number(rows[rows.length - 1]!.seq);
            inflight.push({ last, settled: this.send(rows).then(noError, (err: unknown) => err) });
            this.sent = last;
            more = rows.length === batch && inflight.length < window;
          }
        }
        if (more) continue;
        const oldest = inflight.shift();
        if (!oldest) {
          await this.sleep(this.opts.idlePollMs ?? 250);
          continue;
        }
        const err = await oldest.settled;
        if (err !== undefined) {
          // Whatever followed it is sent again too (the leaf drops copies by message id).
          await Promise.all(inflight.map((b) => b.settled));
          inflight.length = 0;
          this.sent = this.cursor;
          throw err;
        }
        if (generation !== this.generation) continue;
        this.cursor = oldest.last;
        await this.db
          .update(eventOutboxState)
          .set({ publishedSeq: sql`greatest(${eventOutboxState.publishedSeq}, ${oldest.last})` })
          .where(eq(eventOutboxState.siteId, this.opts.siteId));
        if (this.failures > 0) this.log.info({ after: this.failures }, 'events publisher recovered');
        this.failures = 0;
      } catch (err) {
        // Leaf down or slow: keep the cursor, retry the same rows. Logged on the first failure only.
        if (this.failures++ === 0) this.log.warn({ err: errName(err) }, 'events publish failed, retrying');
        if (this.failures % 10 === 5) await this.opts.ensureStream?.().catch(() => {});
        await this.sleep(this.opts.retryMs ?? 500);
      }
    }
    await Promise.all(inflight.map((b) => b.settled));
  }

  /** The next committed rows after what was sent, numbering newly committed rows first when needed. */
  private async next(batch: number): Promise<OutboxRow[]> {
    if (this.assigned - this.sent < batch)
      this.assigned = await assignSeqs(this.db, this.opts.siteId, batch * 2);
    // Plain rows (no per-field mapping by the query builder): seq as text, payload a Buffer.
    return (
      (await this.db.execute(sql`select seq, event_id, kind, payload from event_outbox
        where seq is not null and seq > ${this.sent} order by seq limit ${batch}`)) as unknown as {
        rows: OutboxRow[];
      }
    ).rows;
  }

  private readonly subjects = new Map<string, string>();
  private subjectOf(kind: string): string {
    let s = this.subjects.get(kind);
    if (s === undefined) {
      s = names.eventSubject(this.opts.siteId, kind);
      this.subjects.set(kind, s);
    }
    return s;
  }

  private send(rows: OutboxRow[]): Promise<number> {
    return this.sender.send(
      rows.map((r) => ({
        subject: this.subjectOf(r.kind),
        data: withSeq(r.payload, Number(r.seq)),
        msgID: Number(r.seq) <= this.resendUpTo ? r.event_id + this.resendTag : r.event_id,
      })),
    );
  }
}

interface OutboxRow {
  seq: string;
  event_id: string;
  kind: string;
  payload: Uint8Array;
}

const noError = (): undefined => undefined;

/** Error class and code only: a driver message may carry SQL parameters. */
function errName(err: unknown): string {
  if (!(err instanceof Error)) return 'unknown';
  const code = (err as { code?: unknown }).code;
  return code === undefined ? err.name : `${err.name}:${String(code)}`;
}
