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
    while (this.running) {
      try {
        this.assigned = await assignSeqs(this.db, this.opts.siteId, batch * 2);
        // Plain rows (no per-field mapping by the query builder): seq as text, payload a Buffer.
        const rows = (
          (await this.db.execute(sql`select seq, event_id, kind, payload from event_outbox
            where seq is not null and seq > ${this.cursor} order by seq limit ${batch}`)) as unknown as {
            rows: { seq: string; event_id: string; kind: string; payload: Uint8Array }[];
          }
        ).rows;
        if (rows.length === 0) {
          await this.sleep(this.opts.idlePollMs ?? 250);
          continue;
        }
        const generation = this.generation;
        await this.sender.send(
          rows.map((r) => ({
            subject: names.eventSubject(this.opts.siteId, r.kind),
            data: withSeq(r.payload, Number(r.seq)),
            msgID: r.event_id,
          })),
        );
        const last = Number(rows[rows.length - 1]!.seq);
        if (generation === this.generation) this.cursor = last;
        await this.db
          .update(eventOutboxState)
          .set({ publishedSeq: sql`greatest(${eventOutboxState.publishedSeq}, ${last})` })
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
  }
}

/** Error class and code only: a driver message may carry SQL parameters. */
function errName(err: unknown): string {
  if (!(err instanceof Error)) return 'unknown';
  const code = (err as { code?: unknown }).code;
  return code === undefined ? err.name : `${err.name}:${String(code)}`;
}
