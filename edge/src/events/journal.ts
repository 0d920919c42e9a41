import { create } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import { EventSchema, encodeEvent } from '@hcc/proto';
import { type Db, names, uuid7 } from '@hcc/shared';
import { type SQL, sql } from 'drizzle-orm';
import { eventOutboxState } from '../db/schema.ts';
import type { EventBody, EventMeta, EventSink } from './sink.ts';

export interface JournalContext {
  siteId: string;
  /** The tenant the site belongs to (from the running config). */
  tenantId: () => string;
  /** Config version in force, used when an emitter does not name one. */
  configVersion: () => bigint;
  now?: () => Date;
}

/** Adds events to the transaction it was handed; they commit (or roll back) with it. */
export type EmitInTx = (body: EventBody, meta?: EventMeta) => void;

/** The journal cannot write: the database refused the transaction. */
export class JournalError extends Error {
  override readonly name = 'JournalError';
  constructor(message: string, cause: unknown) {
    super(message, { cause });
  }
}

/**
 * The edge's events journal: every event is a row of the outbox table, written in the same
 * transaction as the state change it describes. Writers take no shared lock (one INSERT); the
 * publisher gives committed rows their gapless seq (see sequencer.ts). After each commit the
 * publisher is woken.
 */
export class OutboxJournal implements EventSink {
  constructor(
    private readonly db: Db,
    private readonly ctx: JournalContext,
    private readonly onCommit: () => void = () => {},
  ) {}

  /** Creates the site's state row when absent. */
  async init(): Promise<void> {
    await this.db.insert(eventOutboxState).values({ siteId: this.ctx.siteId }).onConflictDoNothing();
  }

  /** One event in its own (single-statement) transaction. */
  async emit(body: EventBody, meta?: EventMeta): Promise<void> {
    try {
      await insertRows(this.db, this.rows([{ body, meta }]));
    } catch (err) {
      throw new JournalError('events journal write failed', err);
    }
    this.onCommit();
  }

  /**
   * Runs `fn` in one database transaction; events it emits are appended in that transaction.
   * Use it to write a CDR, queue or agent-state change together with its events.
   */
  async transaction<T>(fn: (tx: Db, emit: EmitInTx) => Promise<T>): Promise<T> {
    let result: T;
    try {
      result = await this.db.transaction(async (tx) => {
        const pending: { body: EventBody; meta?: EventMeta }[] = [];
        const out = await fn(tx as unknown as Db, (body, meta) => {
          pending.push({ body, meta });
        });
        if (pending.length > 0) await insertRows(tx as unknown as Db, this.rows(pending));
        return out;
      });
    } catch (err) {
      throw new JournalError('events journal transaction failed', err);
    }
    this.onCommit();
    return result;
  }

  /**
   * Writes data-modifying statements (`changes`: INSERT/UPDATE/DELETE without a WITH of their own) and
   * events in ONE statement, as CTEs of the outbox insert: they commit together, in one round trip instead
   * of the four of a transaction (BEGIN, change, events, COMMIT). The hot path of the call layer (CDRs).
   */
  async write(
    changes: readonly SQL[],
    events: readonly { body: EventBody; meta?: EventMeta }[],
  ): Promise<void> {
    const ctes = sql.join(
      changes.map((c, i) => sql`${sql.raw(`c${i}`)} as (${c})`),
      sql`, `,
    );
    const main = events.length > 0 ? outboxInsert(this.rows([...events])) : sql`select 1`;
    try {
      await this.db.execute(changes.length > 0 ? sql`with ${ctes} ${main}` : main);
    } catch (err) {
      throw new JournalError('events journal write failed', err);
    }
    if (events.length > 0) this.onCommit();
  }

  private rows(items: { body: EventBody; meta?: EventMeta }[]) {
    const tenantId = this.ctx.tenantId();
    const now = this.ctx.now?.() ?? new Date();
    const configVersion = this.ctx.configVersion();
    return items.map(({ body, meta }) => {
      const at = meta?.occurredAt ?? now;
      const eventId = uuid7(at.getTime());
      const event = create(EventSchema, {
        eventId,
        tenantId,
        siteId: this.ctx.siteId,
        occurredAt: timestampFromDate(at),
        configVersion: meta?.configVersion ?? configVersion,
        body,
      });
      return { eventId, kind: kindOf(body.case), payload: encodeEvent(event) };
    });
  }
}

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

/**
 * One INSERT with three array parameters, whatever the number of rows: the query builder's
 * per-value work for a multi-row VALUES list was the largest CPU cost of journaling. Rows keep
 * their order (ids are taken in array order), so the publisher sequences them as emitted.
 */
function insertRows(
  db: Db,
  rows: { eventId: string; kind: string; payload: Uint8Array }[],
): Promise<unknown> {
  return db.execute(outboxInsert(rows));
}

function outboxInsert(rows: { eventId: string; kind: string; payload: Uint8Array }[]): SQL {
  const ids = rows.map((r) => r.eventId);
  const kinds = rows.map((r) => r.kind);
  const payloads = rows.map((r) => Buffer.from(r.payload.buffer, r.payload.byteOffset, r.payload.byteLength));
  return sql`insert into event_outbox (event_id, kind, payload)
    select e, k, p from unnest(${sql.param(ids)}::text[], ${sql.param(kinds)}::text[], ${sql.param(payloads)}::bytea[])
      with ordinality as t(e, k, p, n) order by n`;
}
