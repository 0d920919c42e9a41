/**
 * Persistence of finished calls: the CDR, its legs and history rows and the Ended event, in ONE
 * statement of the events journal (the outbox row commits or rolls back with the CDR).
 * The recordings index is written when the WAV is ready, after the call.
 */
import type { Db } from '@hcc/shared';
import { type SQL, sql } from 'drizzle-orm';
import { recordings } from '../db/call-schema.ts';
import type { EmitInTx, EventBody, EventMeta } from '../events/index.ts';
import type { CdrRows } from './cdr.ts';
import { CdrWriteError } from './errors.ts';
import { bodies } from './event-bodies.ts';

/** What the store needs of the journal (OutboxJournal satisfies it). */
export interface EventJournal {
  transaction<T>(fn: (tx: Db, emit: EmitInTx) => Promise<T>): Promise<T>;
  /** Data-modifying statements and events committed together in one statement. */
  write(changes: readonly SQL[], events: readonly { body: EventBody; meta?: EventMeta }[]): Promise<void>;
}

export interface RecordingRow {
  interactionId: string;
  /** 'call' (default) or 'voicemail'. */
  kind?: 'call' | 'voicemail';
  mailboxId?: string;
  path: string;
  sha256: string;
  durationMs: number;
  bytes: number;
}

/** The port the call session writes through (a fake in unit tests). */
export interface CallStore {
  writeCdr(rows: CdrRows): Promise<void>;
  writeRecording(row: RecordingRow): Promise<void>;
}

const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());

/**
 * The cdrs row and its legs and steps as three inserts the journal runs as CTEs of ONE statement with the
 * Ended event (the foreign keys are checked at its end); legs and steps are array parameters (unnest keeps
 * their order, so ids follow it). Three query-builder inserts in a transaction were a large share of the
 * edge's CPU per call: their per-value work and five round trips. Columns are those of db/call-schema.ts.
 */
function cdrInserts(rows: CdrRows): SQL[] {
  const c = rows.cdr;
  const id = c.interactionId;
  const legs = rows.legs;
  const steps = rows.steps;
  return [
    sql`insert into cdrs (interaction_id, config_version, direction, trunk_id, did_id, caller_number,
      called_number, sip_call_id, started_at, answered_at, ended_at, disposition, ended_by, queue_id, agent_id,
      total_ms, ivr_ms, queue_wait_ms, ring_ms, talk_ms, hold_ms, transfer_count, recorded)
      values (${id}, ${String(c.configVersion)}::bigint, ${c.direction}, ${c.trunkId}, ${c.didId},
      ${c.callerNumber ?? null}, ${c.calledNumber ?? null}, ${c.sipCallId}, ${iso(c.startedAt)}::timestamptz,
      ${iso(c.answeredAt)}::timestamptz, ${iso(c.endedAt)}::timestamptz, ${c.disposition}, ${c.endedBy},
      ${c.queueId}, ${c.agentId}, ${c.totalMs}::int, ${c.ivrMs}::int, ${c.queueWaitMs}::int, ${c.ringMs}::int,
      ${c.talkMs}::int, ${c.holdMs}::int, ${c.transferCount}::int, ${c.recorded}::boolean)`,
    sql`insert into cdr_legs (interaction_id, role, agent_id, target, sip_call_id, started_at, answered_at,
      ended_at, result, final_status)
      select ${id}::text, r, a, t, s, st, an, en, res, fs from unnest(
        ${sql.param(legs.map((l) => l.role))}::text[], ${sql.param(legs.map((l) => l.agentId))}::text[],
        ${sql.param(legs.map((l) => l.target))}::text[], ${sql.param(legs.map((l) => l.sipCallId))}::text[],
        ${sql.param(legs.map((l) => iso(l.startedAt)))}::timestamptz[],
        ${sql.param(legs.map((l) => iso(l.answeredAt)))}::timestamptz[],
        ${sql.param(legs.map((l) => iso(l.endedAt)))}::timestamptz[],
        ${sql.param(legs.map((l) => l.result))}::text[], ${sql.param(legs.map((l) => l.finalStatus ?? null))}::int[]
      ) with ordinality as x(r, a, t, s, st, an, en, res, fs, n) order by n`,
    sql`insert into cdr_steps (interaction_id, at, kind, detail)
      select ${id}::text, a, k, d::jsonb from unnest(
        ${sql.param(steps.map((s) => iso(s.at)))}::timestamptz[], ${sql.param(steps.map((s) => s.kind))}::text[],
        ${sql.param(steps.map((s) => JSON.stringify(s.detail)))}::text[]
      ) with ordinality as x(a, k, d, n) order by n`,
  ];
}

export class DbCallStore implements CallStore {
  constructor(
    private readonly db: Db,
    private readonly journal: EventJournal,
  ) {}

  async writeCdr(rows: CdrRows): Promise<void> {
    const c = rows.cdr;
    try {
      await this.journal.write(cdrInserts(rows), [
        {
          body: bodies.ended(rows.ended),
          meta: { occurredAt: new Date(c.endedAt), configVersion: c.configVersion },
        },
      ]);
    } catch (err) {
      // The cause may carry SQL parameters (numbers): callers log only the name.
      throw new CdrWriteError('cdr write failed', { cause: err });
    }
  }

  async writeRecording(row: RecordingRow): Promise<void> {
    await this.db.insert(recordings).values(row).onConflictDoNothing();
  }
}
