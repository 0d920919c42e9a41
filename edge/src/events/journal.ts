import { encodeEvent } from '@hcc/proto';
import { type Db, names } from '@hcc/shared';
import { type SQL, sql } from 'drizzle-orm';
import { type EnvelopeContext, envelopeDefaults, eventEnvelope } from './envelope.ts';
import { PreparedRunner } from './prepared.ts';
import type { EventBody, EventMeta, EventSink } from './sink.ts';

/** Where the journal takes the envelope's site, tenant, config version and time from. */
export type JournalContext = EnvelopeContext;

/** Adds events to the transaction it was handed; they commit (or roll back) with it. */
export type EmitInTx = (body: EventBody, meta?: EventMeta) => void;

/** The journal cannot write: the database refused the transaction. */
export class JournalError extends Error {
  override readonly name = 'JournalError';
  constructor(message: string, cause: unknown) {
    super(message, { cause });
  }
}

/** Rows one statement committed: seqs `first`, `first + 1`, ... in array order. */
export interface CommittedRows {
  first: number;
  rows: readonly OutboxRowData[];
}

/** An outbox row as written (its seq is implied by its place in a CommittedRows). */
export interface OutboxRowData {
  eventId: string;
  kind: string;
  /** The encoded Event without its seq field. */
  payload: Uint8Array;
}

/**
 * The edge's events journal: every event is a row of the outbox table, written in the same
 * transaction as the state change it describes. The statement that writes the rows also gives them
 * the site's next seqs from its state row: that row's lock, held until the commit, makes seqs commit
 * in seq order (a reader sees a gapless prefix) and a rollback takes its seqs back. Writers hold it
 * only from their events' INSERT to their commit (the INSERT is the last statement of a transaction;
 * `write` is one statement). After each commit the publisher is handed the rows it can send
 * without reading them back.
 *
 * `write` and `emit` commit in groups: the row lock serializes their statements anyway, so while one
 * statement is in flight the writes that arrive wait in a queue, and the next statement commits all of
 * them (up to MAX_GROUP_WRITES writes or MAX_GROUP_ROWS rows) at the cost of one round trip, parse and
 * commit. An idle journal runs a write at once. `transaction` is not grouped.
 */
export class OutboxJournal implements EventSink {
  private readonly runner: PreparedRunner;
  /** Writes waiting for the statement in flight to finish. */
  private readonly queue: PendingWrite[] = [];
  /** A group statement (or the lone retries of a failed one) is in flight. */
  private flushing = false;

  constructor(
    private readonly db: Db,
    private readonly ctx: JournalContext,
    private readonly onCommit: (committed: CommittedRows) => void = () => {},
  ) {
    this.runner = new PreparedRunner(db);
  }

  /**
   * Creates the site's state row when absent, never behind the outbox: seqs continue after the
   * highest row present (a state row lost or created after rows were written cannot hand out taken seqs).
   */
  async init(): Promise<void> {
    await this.db.execute(sql`insert into event_outbox_state (site_id, last_seq)
      values (${this.ctx.siteId}, (select coalesce(max(seq), 0) from event_outbox))
      on conflict (site_id) do update set last_seq = greatest(event_outbox_state.last_seq, excluded.last_seq)`);
  }

  /** One event in its own single-statement transaction, or in the statement of a group of writes. */
  async emit(body: EventBody, meta?: EventMeta): Promise<void> {
    return this.enqueue([], this.rows([{ body, meta }]));
  }

  /**
   * Runs `fn` in one database transaction; events it emits are appended in that transaction.
   * Use it to write a CDR, queue or agent-state change together with its events.
   */
  async transaction<T>(fn: (tx: Db, emit: EmitInTx) => Promise<T>): Promise<T> {
    let result: T;
    let committed: CommittedRows | undefined;
    try {
      result = await this.db.transaction(async (tx) => {
        const pending: { body: EventBody; meta?: EventMeta }[] = [];
        const out = await fn(tx as unknown as Db, (body, meta) => {
          pending.push({ body, meta });
        });
        if (pending.length > 0) {
          // Last statement before the commit: the state row stays locked for the shortest time.
          const rows = this.rows(pending);
          const v = this.outboxValues(rows);
          const last = lastSeqOf(await tx.execute(outboxInsert((k) => sql`${sql.param(v[k])}`)));
          committed = { first: last - rows.length + 1, rows };
        }
        return out;
      });
    } catch (err) {
      throw new JournalError('events journal transaction failed', err);
    }
    if (committed) this.onCommit(committed);
    return result;
  }

  /**
   * Writes data-modifying statements (`changes`: INSERT/UPDATE/DELETE without a WITH of their own) and
   * events in ONE statement, as CTEs of the outbox insert: they commit together, in one round trip instead
   * of the four of a transaction (BEGIN, change, events, COMMIT). The hot path of the call layer (CDRs).
   * PostgreSQL runs data-modifying CTEs in no defined order, so the site's state row may be locked
   * before the changes' rows: `changes` must not update rows that a `transaction()` also updates
   * (today they only insert new CDR rows), or the two could deadlock.
   *
   * Writes that arrive while a statement is in flight are committed together in the next one (see the
   * class comment): their changes are CTEs of one statement, which cannot see each other's rows (they
   * share a snapshot) and must not touch the same row twice, so `changes` must be INSERTs of new rows,
   * as the call layer's are. When a group's statement fails, each of its writes runs again alone: one
   * bad write fails only itself, with the error of its own statement.
   */
  async write(
    changes: readonly SQL[],
    events: readonly { body: EventBody; meta?: EventMeta }[],
  ): Promise<void> {
    const rows = this.rows([...events]);
    if (changes.length === 0 && rows.length === 0) return;
    return this.enqueue(changes, rows);
  }

  private enqueue(changes: readonly SQL[], rows: readonly OutboxRowData[]): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ changes, rows, resolve, reject });
      if (!this.flushing) void this.flush();
    });
  }

  /** Commits queued writes, a group per statement, until the queue is empty. Never rejects. */
  private async flush(): Promise<void> {
    this.flushing = true;
    try {
      while (this.queue.length > 0) {
        const group = this.takeGroup();
        let committed: CommittedRows | undefined;
        try {
          committed = await this.commit(group);
        } catch (err) {
          if (group.length === 1) group[0]!.reject(new JournalError('events journal write failed', err));
          // The statement rolled back as a whole (its seqs too): each write again on its own.
          else for (const w of group) await this.commitAlone(w);
          continue;
        }
        this.settle(group, committed);
      }
    } finally {
      this.flushing = false;
    }
  }

  private async commitAlone(w: PendingWrite): Promise<void> {
    let committed: CommittedRows | undefined;
    try {
      committed = await this.commit([w]);
    } catch (err) {
      w.reject(new JournalError('events journal write failed', err));
      return;
    }
    this.settle([w], committed);
  }

  /** Hands the committed rows over (one run for the group) and resolves the group's writes. */
  private settle(group: readonly PendingWrite[], committed: CommittedRows | undefined): void {
    try {
      if (committed) this.onCommit(committed);
    } catch (err) {
      // As before grouping: the rows are committed, but the writes learn that the hand-over failed.
      for (const w of group) w.reject(err);
      return;
    }
    for (const w of group) w.resolve();
  }

  /** The writes the next statement commits: the oldest, and those after it within the caps. */
  private takeGroup(): PendingWrite[] {
    let n = 0;
    let rows = 0;
    while (n < this.queue.length && n < MAX_GROUP_WRITES) {
      const r = this.queue[n]!.rows.length;
      if (n > 0 && rows + r > MAX_GROUP_ROWS) break;
      rows += r;
      n++;
    }
    return this.queue.splice(0, n);
  }

  /**
   * Commits the writes in ONE statement: their changes as CTEs c0, c1, ... and the outbox insert of
   * their rows, concatenated in group order (a lone write is the statement `write` always ran).
   * Returns the rows and their first seq, or nothing when there were no rows.
   */
  private async commit(group: readonly PendingWrite[]): Promise<CommittedRows | undefined> {
    const changes = group.length === 1 ? group[0]!.changes : group.flatMap((w) => w.changes);
    const rows = group.length === 1 ? group[0]!.rows : group.flatMap((w) => w.rows);
    const ctes =
      changes.length > 0
        ? sql.join(
            changes.map((c, i) => sql`${sql.raw(`c${i}`)} as (${c})`),
            sql`, `,
          )
        : undefined;
    if (rows.length === 0) {
      if (ctes) await this.runner.execute(sql`with ${ctes} select 1`);
      return undefined;
    }
    const last = await this.insert(rows, ctes);
    return { first: last - rows.length + 1, rows };
  }

  /** Inserts the rows (with `changes` as CTEs, in the same statement); returns the last seq given. */
  private async insert(rows: readonly OutboxRowData[], changes?: SQL): Promise<number> {
    const v = this.outboxValues(rows);
    if (changes) {
      return lastSeqOf(await this.runner.execute(outboxInsert((k) => sql`${sql.param(v[k])}`, changes)));
    }
    return lastSeqOf(await this.runner.run('outbox-insert', outboxInsert, v));
  }

  /**
   * The insert's values. The same few parameters whatever the number of rows (the query builder's
   * per-value work for a multi-row VALUES list was the largest CPU cost of journaling): ids (UUIDs),
   * kinds and payload offsets as comma-joined lists (the driver quotes and escapes every element of
   * an array parameter), the payloads as one binary bytea cut by offsets (a bytea[] parameter
   * travels hex-encoded as text, both ends paying for it).
   */
  private outboxValues(rows: readonly OutboxRowData[]): Record<OutboxValue, unknown> {
    const n = rows.length;
    const ids = new Array<string>(n);
    const kinds = new Array<string>(n);
    const offsets = new Array<number>(n);
    const lengths = new Array<number>(n);
    let size = 0;
    for (let i = 0; i < n; i++) {
      const r = rows[i]!;
      ids[i] = r.eventId;
      kinds[i] = r.kind;
      offsets[i] = size + 1; // substring() counts from 1
      lengths[i] = r.payload.byteLength;
      size += r.payload.byteLength;
    }
    const blob = Buffer.allocUnsafe(size);
    for (let i = 0; i < n; i++) blob.set(rows[i]!.payload, offsets[i]! - 1);
    return {
      n,
      site: this.ctx.siteId,
      blob,
      ids: ids.join(','),
      kinds: kinds.join(','),
      offsets: offsets.join(','),
      lengths: lengths.join(','),
    };
  }

  private rows(items: { body: EventBody; meta?: EventMeta }[]): OutboxRowData[] {
    const defaults = envelopeDefaults(this.ctx);
    return items.map(({ body, meta }) => {
      const event = eventEnvelope(defaults, body, meta);
      return { eventId: event.eventId, kind: kindOf(body.case), payload: encodeEvent(event) };
    });
  }
}

/** A write waiting in the queue; settled by the statement that commits it (or its lone retry). */
interface PendingWrite {
  changes: readonly SQL[];
  rows: readonly OutboxRowData[];
  resolve: () => void;
  reject: (err: unknown) => void;
}

/**
 * Caps of a group statement. Its text (and so its plan) grows with its CTEs, its parameters with its
 * writes (a CDR write has about 35; PostgreSQL takes at most 65,535 per statement) and its rows are
 * held by the publisher until sent; writes past a cap wait for the next statement.
 */
const MAX_GROUP_WRITES = 64;
const MAX_GROUP_ROWS = 10_000;

const kinds = new Map<string, string>();
/** The event kind of a body case (a regex replace per event was a measurable share of journaling). */
function kindOf(bodyCase: string): string {
  let k = kinds.get(bodyCase);
  if (k === undefined) {
    k = names.eventKind(bodyCase);
    kinds.set(bodyCase, k);
  }
  return k;
}

type OutboxValue = 'n' | 'site' | 'blob' | 'ids' | 'kinds' | 'offsets' | 'lengths';

/**
 * One statement: takes the next seqs from the site's state row (locking it to the commit) and
 * inserts the rows with them; returns the last seq given. Without the state row (`init` not run)
 * the seqs are null and the NOT NULL constraint fails the whole statement, changes included.
 * `v` places a named value (a parameter, or a placeholder of a prepared statement).
 */
function outboxInsert(v: (name: OutboxValue) => SQL, changes?: SQL): SQL {
  return sql`with ${changes ? sql`${changes}, ` : sql``}outbox_seq as (
      update event_outbox_state set last_seq = last_seq + ${v('n')}, updated_at = now()
      where site_id = ${v('site')} returning last_seq),
    outbox_rows as (
      insert into event_outbox (seq, event_id, kind, payload)
      select s.last_seq - ${v('n')} + t.n, t.e, t.k, substring(${v('blob')}::bytea from t.o for t.l)
      from unnest(string_to_array(${v('ids')}, ','), string_to_array(${v('kinds')}, ','),
        string_to_array(${v('offsets')}, ',')::int[], string_to_array(${v('lengths')}, ',')::int[])
        with ordinality as t(e, k, o, l, n)
      left join outbox_seq s on true)
    select last_seq from outbox_seq`;
}

/** The last seq the outbox insert gave out (its single row). */
function lastSeqOf(res: unknown): number {
  const row = (res as { rows: { last_seq: string | number }[] }).rows[0];
  if (row === undefined) throw new Error('events outbox state row missing');
  return Number(row.last_seq);
}
