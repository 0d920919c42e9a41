import { create } from '@bufbuild/protobuf';
import { EventBatchSchema, encodeEventBatch } from '@hcc/proto';
import { type Db, type Logger, names } from '@hcc/shared';
import type { NatsConnection } from '@nats-io/transport-node';
import { eq, sql } from 'drizzle-orm';
import { eventOutboxState } from '../db/schema.ts';
import type { CommittedRows, OutboxRowData } from './journal.ts';
import { withSeq } from './sequencer.ts';
import { type OutMsg, StreamSender } from './stream-sender.ts';

export interface PublisherOptions {
  siteId: string;
  /** Rows published per round (all in flight at once). */
  batchSize?: number;
  /**
   * Events carried by one NATS message at most (an `EventBatch`, default 1: one Event per message,
   * as an edge before batching sent them). The edge service sets EDGE_EVENTS_BATCH_MAX (256).
   */
  batchMax?: number;
  /**
   * How long a batch shorter than `batchMax` waits for more committed rows while nothing is in
   * flight (default 0). Under load the in-flight window fills batches by itself; this makes
   * batches out of a steady trickle too, for at most this much added latency.
   */
  batchLingerMs?: number;
  /** How long to sleep when the outbox is drained and nobody wakes us. */
  idlePollMs?: number;
  /** Committed rows kept in memory for sending (beyond it, rows are read back from the outbox). */
  maxReady?: number;
  /** Back-off after a failed round (leaf down, timeout). */
  retryMs?: number;
  publishTimeoutMs?: number;
  /**
   * How often the acknowledged position is written to the state row (default 1000 ms; also when
   * idle and on stop). After a crash the publisher resumes from it: what the stream acknowledged
   * since is sent again and dropped as a duplicate by message id.
   */
  persistEveryMs?: number;
  /** Batches sent before the oldest is acknowledged (default 2). */
  inFlight?: number;
  /** (Re)creates the leaf's events stream; called after failed rounds (a leaf that lost its store). */
  ensureStream?: () => Promise<void>;
}

/**
 * Sends committed outbox rows to the leaf's local events stream in seq order, the event id as message
 * id (JetStream drops a re-publish inside its 2-minute window; the cloud is idempotent beyond it).
 * Rows this process journaled are handed over in memory after their commit (`offer`); the outbox
 * table is read only for what memory does not hold in order: after a start, a rewind, a failed
 * round, rows of another process of the site, or a backlog past `maxReady`.
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
  private woken = false;
  private failures = 0;
  private assigned = 0;
  /** The last seq handed to the sender (ahead of `cursor` while batches are in flight). */
  private sent = 0;
  /** Rows up to this seq are re-sent after a rewind: they carry `resendTag` in their message id. */
  private resendUpTo = 0;
  private resendTag = '';
  /** Runs of committed rows handed over by the journal, ordered by first seq, not yet all sent. */
  private readonly ready: CommittedRows[] = [];
  private readyRows = 0;
  /** Since when a short batch has been waiting for more rows (performance.now()). */
  private lingerSince: number | undefined;
  /** The cursor as last written to the state row, and when. */
  private persisted = 0;
  private persistedAt = 0;

  constructor(
    private readonly db: Db,
    nc: NatsConnection,
    private readonly opts: PublisherOptions,
    private readonly log: Logger,
  ) {
    this.sender = new StreamSender(nc, opts.publishTimeoutMs ?? 5000);
  }

  /** The last seq given to an outbox row (that this publisher knows of). */
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
    this.persisted = this.cursor;
    this.assigned = state?.last ?? 0;
    this.running = true;
    this.loop = this.run();
  }

  /** New rows were committed: publish without waiting for the idle poll. */
  wake(): void {
    const sleeper = this.wakeUp;
    if (sleeper) sleeper();
    else this.woken = true; // the loop is busy: its next sleep returns at once
  }

  /** Rows the journal just committed: sent from memory, in seq order, without reading them back. */
  offer(committed: CommittedRows): void {
    const { first, rows } = committed;
    const last = first + rows.length - 1;
    if (last > this.assigned) this.assigned = last;
    if (last > this.sent && this.readyRows + rows.length <= (this.opts.maxReady ?? 50_000)) {
      // Commits are handed over nearly always in seq order: find the place from the end.
      let i = this.ready.length;
      while (i > 0 && this.ready[i - 1]!.first > first) i--;
      if (i === this.ready.length) this.ready.push(committed);
      else this.ready.splice(i, 0, committed);
      this.readyRows += rows.length;
    }
    this.wake();
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
    // A wake() while the loop was busy (reading, persisting) is not lost: no sleep follows it.
    if (this.woken) {
      this.woken = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(t);
        if (this.wakeUp === done) this.wakeUp = undefined;
        resolve();
      };
      const t = setTimeout(done, ms);
      this.wakeUp = done;
    });
  }

  private async run(): Promise<void> {
    const batchMax = Math.max(1, this.opts.batchMax ?? 1);
    const batch = Math.max(this.opts.batchSize ?? 1000, batchMax);
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
        // A short batch waits a little for more rows (sent anyway once the linger is over).
        const linger = inflight.length < window ? this.lingerLeft(batchMax) : 0;
        if (inflight.length < window && linger === 0) {
          const run = await this.next(batch);
          if (run.rows.length > 0 && generation === this.generation) {
            const last = run.first + run.rows.length - 1;
            inflight.push({ last, settled: this.send(run, batchMax).then(noError, (err: unknown) => err) });
            this.sent = last;
            this.lingerSince = undefined;
            more = run.rows.length === batch && inflight.length < window;
          }
        }
        if (more) continue;
        const oldest = inflight.shift();
        if (!oldest) {
          if (linger > 0) {
            await this.sleep(linger); // a commit wakes it: the batch may be full
            continue;
          }
          if (this.persistDue()) await this.persist();
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
        if (this.persistDue()) await this.persist();
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
    await this.persist().catch(() => {});
  }

  /**
   * Milliseconds a batch of the rows committed and not yet sent should still wait for more: 0 when
   * they fill a batch, when there are none (the outbox is read as before), or when the linger is
   * over.
   */
  private lingerLeft(batchMax: number): number {
    const lingerMs = this.opts.batchLingerMs ?? 0;
    const pending = this.assigned - this.sent;
    if (lingerMs <= 0 || batchMax <= 1 || pending <= 0 || pending >= batchMax || !this.running) {
      this.lingerSince = undefined;
      return 0;
    }
    const now = performance.now();
    this.lingerSince ??= now;
    return Math.max(0, Math.ceil(this.lingerSince + lingerMs - now));
  }

  private persistDue(): boolean {
    return Date.now() - this.persistedAt >= (this.opts.persistEveryMs ?? 1000);
  }

  /** Writes the acknowledged position to the state row when it moved. */
  private async persist(): Promise<void> {
    if (this.cursor <= this.persisted) return;
    const seq = this.cursor;
    await this.db
      .update(eventOutboxState)
      .set({ publishedSeq: sql`greatest(${eventOutboxState.publishedSeq}, ${seq})` })
      .where(eq(eventOutboxState.siteId, this.opts.siteId));
    this.persisted = seq;
    this.persistedAt = Date.now();
  }

  /**
   * The next committed rows after what was sent: from memory when it holds the next seq, else from
   * the outbox (a reader sees a gapless prefix of seqs: they commit in order, see journal.ts).
   */
  private async next(batch: number): Promise<CommittedRows> {
    const want = this.sent + 1;
    const ready = this.ready;
    while (ready.length > 0 && ready[0]!.first + ready[0]!.rows.length <= want) this.dropReady();
    if (ready.length > 0 && ready[0]!.first <= want) {
      const rows: OutboxRowData[] = [];
      let seq = want;
      while (rows.length < batch && ready.length > 0 && ready[0]!.first <= seq) {
        const run = ready[0]!;
        const from = seq - run.first;
        const take = Math.min(run.rows.length - from, batch - rows.length);
        for (let k = 0; k < take; k++) rows.push(run.rows[from + k]!);
        seq += take;
        if (from + take === run.rows.length) this.dropReady();
      }
      return { first: want, rows };
    }
    // Plain rows (no per-field mapping by the query builder): seq as text, payload a Buffer. The
    // first may lie past `want`: rows the cloud confirmed are deleted (a rewind can go below them).
    const res = (await this.db.execute(sql`select seq, event_id, kind, payload from event_outbox
        where seq > ${this.sent} order by seq limit ${batch}`)) as unknown as {
      rows: { seq: string; event_id: string; kind: string; payload: Uint8Array }[];
    };
    const first = res.rows.length > 0 ? Number(res.rows[0]!.seq) : want;
    const rows: OutboxRowData[] = [];
    for (const r of res.rows) {
      if (Number(r.seq) !== first + rows.length) break; // seqs are gapless: never expected
      rows.push({ eventId: r.event_id, kind: r.kind, payload: r.payload });
    }
    const last = first + rows.length - 1;
    if (last > this.assigned) this.assigned = last;
    return { first, rows };
  }

  private dropReady(): void {
    this.readyRows -= this.ready.shift()!.rows.length;
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

  /**
   * Sends a run of rows as messages: runs of up to `batchMax` consecutive events as one
   * `EventBatch` each, and one Event per message for the kinds the cloud's fleet view follows per
   * subject (and for everything when `batchMax` is 1).
   */
  private send({ first, rows }: CommittedRows, batchMax: number): Promise<number> {
    const msgs: OutMsg[] = [];
    let from = 0; // first row of the batch being filled
    let events: Uint8Array[] = [];
    let bytes = 0;
    const flush = (end: number) => {
      if (events.length === 0) return;
      msgs.push(this.batchMessage(first + from, events));
      events = [];
      bytes = 0;
      from = end;
    };
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i]!;
      const seq = first + i;
      const data = withSeq(r.payload, seq);
      if (batchMax <= 1 || SINGLE_KINDS.has(r.kind)) {
        flush(i);
        from = i + 1;
        msgs.push({
          subject: this.subjectOf(r.kind),
          data,
          msgID: seq <= this.resendUpTo ? r.eventId + this.resendTag : r.eventId,
        });
        continue;
      }
      if (events.length > 0 && bytes + data.length > MAX_BATCH_BYTES) flush(i);
      events.push(data);
      bytes += data.length + 4;
      if (events.length >= batchMax) flush(i + 1);
    }
    flush(rows.length);
    return this.sender.send(msgs);
  }

  private batchSubject: string | undefined;
  private batchMessage(firstSeq: number, events: Uint8Array[]): OutMsg {
    const site = this.opts.siteId;
    this.batchSubject ??= names.eventBatchSubject(site);
    const id = names.eventBatchMsgId(site, firstSeq, events.length);
    return {
      subject: this.batchSubject,
      data: encodeEventBatch(create(EventBatchSchema, { siteId: site, firstSeq: BigInt(firstSeq), events })),
      msgID: firstSeq <= this.resendUpTo ? id + this.resendTag : id,
    };
  }
}

/** The edge service's batching (EDGE_EVENTS_BATCH_MAX, EDGE_EVENTS_BATCH_LINGER_MS) unless set. */
export const DEFAULT_EVENT_BATCHING = { batchMax: 256, batchLingerMs: 20 } as const;

/** Kinds sent one per message even when batching (the fleet view's consumers filter by subject). */
const SINGLE_KINDS: ReadonlySet<string> = new Set(names.FLEET_EVENT_CASES.map(names.eventKind));
/** A batch is cut before it passes this size (NATS refuses a message over max_payload, 1 MiB). */
const MAX_BATCH_BYTES = 256 * 1024;

const noError = (): undefined => undefined;

/** Error class and code only: a driver message may carry SQL parameters. */
function errName(err: unknown): string {
  if (!(err instanceof Error)) return 'unknown';
  const code = (err as { code?: unknown }).code;
  return code === undefined ? err.name : `${err.name}:${String(code)}`;
}
