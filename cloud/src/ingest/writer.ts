import { createHash } from 'node:crypto';
import { type Event, encodeEvent } from '@hcc/proto';
import { type Db, names } from '@hcc/shared';
import { type SQL, sql } from 'drizzle-orm';
import { upsertQueueLive } from '../analytics/queue-live.ts';
import { addEvent, emptyRollups, type Rollups } from '../analytics/rollup.ts';
import type { RawMessage, RejectReason } from './classify.ts';

export interface AcceptedEvent {
  event: Event;
  occurredAt: number;
  /** The bytes as received (stored verbatim). */
  data: Uint8Array;
}

export interface RejectedMessage {
  message: RawMessage;
  reason: RejectReason;
  site: string | undefined;
  detail?: string;
  /** The site's seq when the event was decoded and is the site's own (the watermark counts it). */
  seq?: bigint;
}

export interface BatchResult {
  inserted: number;
  duplicates: number;
  rejected: number;
  /** Sites with newly inserted events (their watermark may advance). */
  sites: Set<string>;
  /** Time the transaction took, including its commit. */
  writeMs?: number;
}

/** Rows of a raw query result (node-postgres and PGlite both return `{ rows }`). */
export const rowsOf = <T>(res: unknown): T[] => (res as { rows: T[] }).rows;

const p = (v: unknown): SQL => sql`${sql.param(v)}`;
const iso = (ms: number): string => new Date(ms).toISOString();
/** A list of comma-free values as one text parameter, split by the server. */
const list = (values: readonly (string | number)[]): SQL => sql`string_to_array(${values.join(',')}, ',')`;
const buf = (u: Uint8Array): Buffer => Buffer.from(u.buffer, u.byteOffset, u.byteLength);
const kinds = new Map<string, string>();
const kindOf = (bodyCase: string): string => {
  let k = kinds.get(bodyCase);
  if (k === undefined) {
    k = names.eventKind(bodyCase);
    kinds.set(bodyCase, k);
  }
  return k;
};

/**
 * Writes one batch in one transaction: events idempotently on event_id (a duplicate adds nothing),
 * the rollup increments of the newly inserted ones only, and the parked rejects. The caller acks
 * the messages after this resolves.
 */
export async function writeBatch(
  db: Db,
  accepted: readonly AcceptedEvent[],
  rejected: readonly RejectedMessage[],
  opts: { lateAfterMs: number; now?: number },
): Promise<BatchResult> {
  const now = opts.now ?? Date.now();
  // One copy per event id (a redelivered message can share a batch with its first delivery), sorted
  // so concurrent workers lock index entries and rollup rows in the same order.
  const unique = new Map(accepted.map((a) => [a.event.eventId, a]));
  const evs = [...unique.values()].sort((a, b) => (a.event.eventId < b.event.eventId ? -1 : 1));
  const receivedAt = iso(now);
  return db.transaction(async (tx) => {
    // Cross-tenant by nature: runs as the system role (see drizzle-analytics/0001_rls.sql).
    await tx.execute(sql`set local role hcc_system`);
    // Ids of the newly inserted events; undefined when all of them were new.
    let insertedIds: Set<string> | undefined = new Set<string>();
    if (evs.length > 0) {
      // Payloads as one binary bytea cut by offsets (a bytea[] parameter travels hex-encoded and
      // escaped as text, both ends paying for it), times as epoch milliseconds (no ISO strings),
      // values that cannot hold a comma (ids checked as UUIDs, site ids as names.SITE_ID_PATTERN,
      // numbers, kinds) as one joined string each (the driver quotes and escapes every element of
      // an array parameter).
      const n = evs.length;
      const ids = new Array<string>(n);
      const tenants = new Array<string>(n);
      const sites = new Array<string>(n);
      const seqs = new Array<string>(n);
      const eventKinds = new Array<string>(n);
      const occurred = new Array<number>(n);
      const offsets = new Array<number>(n);
      const lengths = new Array<number>(n);
      let size = 0;
      for (let i = 0; i < n; i++) {
        const { event, occurredAt, data } = evs[i]!;
        ids[i] = event.eventId;
        tenants[i] = event.tenantId;
        sites[i] = event.siteId;
        seqs[i] = event.seq.toString();
        eventKinds[i] = kindOf(event.body.case ?? 'none');
        occurred[i] = Math.trunc(occurredAt); // as new Date(ms) did
        offsets[i] = size + 1; // substring() counts from 1
        lengths[i] = data.byteLength;
        size += data.byteLength;
      }
      const blob = Buffer.allocUnsafe(size);
      for (let i = 0; i < n; i++) blob.set(evs[i]!.data, offsets[i]! - 1);
      // One row back, not one per event: how many were new, and which only when some were not.
      const res = await tx.execute(sql`
        with ins as (insert into analytics.events (event_id, tenant_id, site_id, seq, kind, occurred_at, received_at, payload)
        select t.e, t.t, t.s, t.q, t.k, timestamptz 'epoch' + t.o * interval '1 millisecond', ${receivedAt}::timestamptz,
          substring(${p(blob)}::bytea from t.po for t.pl)
        from unnest(${list(ids)}::uuid[], ${p(tenants)}::text[], ${list(sites)}, ${list(seqs)}::bigint[],
          ${list(eventKinds)}::text[], ${list(occurred)}::bigint[], ${list(offsets)}::int[], ${list(lengths)}::int[])
          as t(e, t, s, q, k, o, po, pl)
        on conflict do nothing
        returning event_id)
        select count(*)::int as n, case when count(*) < ${n} then coalesce(array_agg(event_id::text), '{}') end as ids from ins`);
      const [row] = rowsOf<{ n: number; ids: string[] | null }>(res);
      insertedIds = row?.ids ? new Set(row.ids) : undefined;
      if (row === undefined || (!insertedIds && Number(row.n) !== n))
        throw new Error('events insert returned no count');
    }
    const fresh = insertedIds ? evs.filter((e) => insertedIds.has(e.event.eventId)) : evs;
    const rollups = emptyRollups();
    for (const e of fresh) addEvent(rollups, e.event, now, opts.lateAfterMs);
    await applyRollups(tx as unknown as Db, rollups);
    const sites = new Map<string, string>();
    for (const e of fresh) sites.set(e.event.siteId, e.event.tenantId);
    if (sites.size > 0) {
      const list = [...sites].sort();
      await tx.execute(sql`
        insert into analytics.site_watermarks (site_id, tenant_id)
        select * from unnest(${p(list.map(([s]) => s))}::text[], ${p(list.map(([, t]) => t))}::text[])
        on conflict do nothing`);
    }
    if (rejected.length > 0) await parkRejected(tx as unknown as Db, rejected);
    return {
      inserted: fresh.length,
      duplicates: accepted.length - fresh.length,
      rejected: rejected.length,
      sites: new Set(sites.keys()),
    };
  });
}

async function applyRollups(tx: Db, r: Rollups): Promise<void> {
  const qs = [...r.queues.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, v]) => v);
  if (qs.length > 0) {
    const col = <K extends keyof (typeof qs)[number]>(k: K) => p(qs.map((q) => q[k]));
    await tx.execute(sql`
      insert into analytics.queue_intervals as q (tenant_id, site_id, queue_id, interval_start, offered, answered,
        abandoned, short_abandoned, answered_in_sl, answer_wait_ms, talk_ms, hold_ms, wrap_ms, longest_wait_ms,
        late_events, last_late_at)
      select * from unnest(${col('tenantId')}::text[], ${col('siteId')}::text[], ${col('queueId')}::text[],
        ${p(qs.map((q) => iso(q.intervalStart)))}::timestamptz[], ${col('offered')}::int[], ${col('answered')}::int[],
        ${col('abandoned')}::int[], ${col('shortAbandoned')}::int[], ${col('answeredInSl')}::int[],
        ${col('answerWaitMs')}::bigint[], ${col('talkMs')}::bigint[], ${col('holdMs')}::bigint[], ${col('wrapMs')}::bigint[],
        ${col('longestWaitMs')}::bigint[], ${col('lateEvents')}::int[],
        ${p(qs.map((q) => (q.lastLateAt === null ? null : iso(q.lastLateAt))))}::timestamptz[])
      on conflict (tenant_id, interval_start, site_id, queue_id) do update set
        offered = q.offered + excluded.offered, answered = q.answered + excluded.answered,
        abandoned = q.abandoned + excluded.abandoned, short_abandoned = q.short_abandoned + excluded.short_abandoned,
        answered_in_sl = q.answered_in_sl + excluded.answered_in_sl, answer_wait_ms = q.answer_wait_ms + excluded.answer_wait_ms,
        talk_ms = q.talk_ms + excluded.talk_ms, hold_ms = q.hold_ms + excluded.hold_ms, wrap_ms = q.wrap_ms + excluded.wrap_ms,
        longest_wait_ms = greatest(q.longest_wait_ms, excluded.longest_wait_ms),
        late_events = q.late_events + excluded.late_events,
        last_late_at = greatest(q.last_late_at, excluded.last_late_at)`);
  }
  const as = [...r.agents.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, v]) => v);
  if (as.length > 0) {
    const col = <K extends keyof (typeof as)[number]>(k: K) => p(as.map((a) => a[k]));
    await tx.execute(sql`
      insert into analytics.agent_intervals as a (tenant_id, site_id, agent_id, interval_start, handled, talk_ms,
        hold_ms, wrap_ms, late_events)
      select * from unnest(${col('tenantId')}::text[], ${col('siteId')}::text[], ${col('agentId')}::text[],
        ${p(as.map((a) => iso(a.intervalStart)))}::timestamptz[], ${col('handled')}::int[], ${col('talkMs')}::bigint[],
        ${col('holdMs')}::bigint[], ${col('wrapMs')}::bigint[], ${col('lateEvents')}::int[])
      on conflict (tenant_id, interval_start, site_id, agent_id) do update set
        handled = a.handled + excluded.handled, talk_ms = a.talk_ms + excluded.talk_ms,
        hold_ms = a.hold_ms + excluded.hold_ms, wrap_ms = a.wrap_ms + excluded.wrap_ms,
        late_events = a.late_events + excluded.late_events`);
  }
  const st = r.agentStates;
  if (st.length > 0) {
    await tx.execute(sql`
      insert into analytics.agent_states (tenant_id, site_id, seq, agent_id, occurred_at, to_state)
      select * from unnest(${p(st.map((s) => s.tenantId))}::text[], ${p(st.map((s) => s.siteId))}::text[],
        ${p(st.map((s) => s.seq))}::bigint[], ${p(st.map((s) => s.agentId))}::text[],
        ${p(st.map((s) => iso(s.occurredAt)))}::timestamptz[], ${p(st.map((s) => s.toState))}::smallint[])
      on conflict do nothing`);
  }
  await upsertQueueLive(tx, r.live);
}

async function parkRejected(tx: Db, rejected: readonly RejectedMessage[]): Promise<void> {
  // A stalled watermark makes the edge send its tail again: park each distinct message once.
  const rows = rejected.map((r) => ({
    ...r,
    sha: createHash('sha256').update(r.message.data).update(r.message.subject).digest(),
  }));
  await tx.execute(sql`
    insert into analytics.rejected_events (subject, source, stream_seq, site_id, reason, detail, payload, payload_sha256, seq)
    select * from unnest(${p(rows.map((r) => r.message.subject))}::text[], ${p(rows.map((r) => r.message.source ?? null))}::text[],
      ${p(rows.map((r) => r.message.streamSeq))}::bigint[], ${p(rows.map((r) => r.site ?? null))}::text[],
      ${p(rows.map((r) => r.reason))}::text[], ${p(rows.map((r) => r.detail ?? null))}::text[],
      ${p(rows.map((r) => buf(r.message.data)))}::bytea[], ${p(rows.map((r) => r.sha))}::bytea[],
      ${p(rows.map((r) => (r.site !== undefined && r.seq !== undefined ? r.seq.toString() : null)))}::bigint[])
    on conflict do nothing`);
}

/** Re-encodes an event (tests build AcceptedEvent from an Event). */
export const acceptedFrom = (event: Event, occurredAt: number): AcceptedEvent => ({
  event,
  occurredAt,
  data: encodeEvent(event),
});
