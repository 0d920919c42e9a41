/**
 * Persistence of finished calls: the CDR, its legs and history rows and the Ended event, in ONE
 * local transaction of the events journal (the outbox row commits or rolls back with the CDR).
 * The recordings index is written when the WAV is ready, after the call.
 */
import type { Db } from '@hcc/shared';
import { cdrLegs, cdrSteps, cdrs, recordings } from '../db/call-schema.ts';
import type { EmitInTx } from '../events/index.ts';
import type { CdrRows } from './cdr.ts';
import { CdrWriteError } from './errors.ts';
import { bodies } from './event-bodies.ts';

/** What the store needs of the journal (OutboxJournal satisfies it). */
export interface EventJournal {
  transaction<T>(fn: (tx: Db, emit: EmitInTx) => Promise<T>): Promise<T>;
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

const date = (ms: number | undefined) => (ms === undefined ? null : new Date(ms));

export class DbCallStore implements CallStore {
  constructor(
    private readonly db: Db,
    private readonly journal: EventJournal,
  ) {}

  async writeCdr(rows: CdrRows): Promise<void> {
    const c = rows.cdr;
    try {
      await this.journal.transaction(async (tx, emit) => {
        await tx.insert(cdrs).values({
          interactionId: c.interactionId,
          configVersion: c.configVersion,
          direction: c.direction,
          trunkId: c.trunkId,
          didId: c.didId,
          callerNumber: c.callerNumber ?? null,
          calledNumber: c.calledNumber ?? null,
          sipCallId: c.sipCallId,
          startedAt: new Date(c.startedAt),
          answeredAt: date(c.answeredAt),
          endedAt: new Date(c.endedAt),
          disposition: c.disposition,
          endedBy: c.endedBy,
          queueId: c.queueId,
          agentId: c.agentId,
          totalMs: c.totalMs,
          ivrMs: c.ivrMs,
          queueWaitMs: c.queueWaitMs,
          ringMs: c.ringMs,
          talkMs: c.talkMs,
          holdMs: c.holdMs,
          transferCount: c.transferCount,
          recorded: c.recorded,
        });
        if (rows.legs.length > 0)
          await tx.insert(cdrLegs).values(
            rows.legs.map((l) => ({
              interactionId: c.interactionId,
              role: l.role,
              agentId: l.agentId,
              target: l.target,
              sipCallId: l.sipCallId,
              startedAt: new Date(l.startedAt),
              answeredAt: date(l.answeredAt),
              endedAt: date(l.endedAt),
              result: l.result,
              finalStatus: l.finalStatus ?? null,
            })),
          );
        if (rows.steps.length > 0)
          await tx.insert(cdrSteps).values(
            rows.steps.map((s) => ({
              interactionId: c.interactionId,
              at: new Date(s.at),
              kind: s.kind,
              detail: s.detail,
            })),
          );
        emit(bodies.ended(rows.ended), {
          occurredAt: new Date(c.endedAt),
          configVersion: c.configVersion,
        });
      });
    } catch (err) {
      // The cause may carry SQL parameters (numbers): callers log only the name.
      throw new CdrWriteError('cdr write failed', { cause: err });
    }
  }

  async writeRecording(row: RecordingRow): Promise<void> {
    await this.db.insert(recordings).values(row).onConflictDoNothing();
  }
}
