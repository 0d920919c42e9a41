/**
 * The CDR of one interaction as it happens: timestamps of each phase, the legs, the IVR/queue
 * history. `finish()` turns it into the rows of the cdrs/cdr_legs/cdr_steps tables and the Ended
 * event body written with them. Pure bookkeeping on the injected clock; no I/O.
 */
import { Disposition, EndedBy } from '@hcc/proto';
import type { Clock } from '@hcc/shared';
import type { CallRef, EndedEvent } from './events.ts';

export type LegRole = 'caller' | 'agent' | 'external';
export type LegResult = 'answered' | 'no-answer' | 'busy' | 'unreachable' | 'cancelled' | 'rejected';

export interface LegRecord {
  role: LegRole;
  agentId: string;
  target: string;
  sipCallId: string;
  startedAt: number;
  answeredAt?: number;
  endedAt?: number;
  result: LegResult;
  finalStatus?: number;
}

export interface StepRecord {
  at: number;
  kind: string;
  detail: Record<string, string | number>;
}

export interface CdrIdentity {
  direction: 'inbound' | 'outbound' | 'internal';
  trunkId: string;
  didId: string;
  callerNumber: string | undefined;
  calledNumber: string | undefined;
  sipCallId: string;
}

export interface CdrRows {
  cdr: CdrIdentity & {
    interactionId: string;
    configVersion: bigint;
    startedAt: number;
    answeredAt: number | undefined;
    endedAt: number;
    disposition: string;
    endedBy: string;
    queueId: string;
    agentId: string;
    totalMs: number;
    ivrMs: number;
    queueWaitMs: number;
    ringMs: number;
    talkMs: number;
    holdMs: number;
    transferCount: number;
    recorded: boolean;
  };
  legs: LegRecord[];
  steps: StepRecord[];
  ended: EndedEvent;
}

export class CdrBuilder {
  readonly startedAt: number;
  readonly legs: LegRecord[] = [];
  readonly steps: StepRecord[] = [];
  queueId = '';
  agentId = '';
  transferCount = 0;
  recorded = false;
  wrapMs = 0;
  slThresholdMs = 0;
  private ivrMs = 0;
  private ivrSince: number | undefined;
  private queueWaitMs = 0;
  private queuedSince: number | undefined;
  private firstWaitMs: number | undefined;
  private ringMs = 0;
  private talkMs = 0;
  private talkSince: number | undefined;
  private holdMs = 0;
  private holdSince: number | undefined;
  private answeredAt: number | undefined;

  constructor(
    private readonly clock: Clock,
    readonly ref: CallRef,
    readonly identity: CdrIdentity,
  ) {
    this.startedAt = clock.now();
  }

  step(kind: string, detail: Record<string, string | number> = {}): void {
    if (this.steps.length < 200) this.steps.push({ at: this.clock.now(), kind, detail });
  }

  leg(l: Omit<LegRecord, 'startedAt' | 'result'>): LegRecord {
    const rec: LegRecord = { ...l, startedAt: this.clock.now(), result: 'cancelled' };
    this.legs.push(rec);
    return rec;
  }

  legEnded(rec: LegRecord, result: LegResult, status?: number): void {
    const now = this.clock.now();
    rec.endedAt ??= now;
    if (result !== 'answered') this.ringMs += now - rec.startedAt;
    if (rec.result !== 'answered') rec.result = result;
    if (status !== undefined) rec.finalStatus ??= status;
  }

  legAnswered(rec: LegRecord, status: number): void {
    const now = this.clock.now();
    rec.answeredAt = now;
    rec.result = 'answered';
    rec.finalStatus = status;
    this.ringMs += now - rec.startedAt;
  }

  ivrStarted(): void {
    this.ivrSince = this.clock.now();
  }

  ivrEnded(): void {
    if (this.ivrSince === undefined) return;
    this.ivrMs += this.clock.now() - this.ivrSince;
    this.ivrSince = undefined;
  }

  queued(queueId: string): void {
    this.queueId = queueId;
    this.queuedSince = this.clock.now();
  }

  dequeued(): void {
    if (this.queuedSince === undefined) return;
    const wait = this.clock.now() - this.queuedSince;
    this.queueWaitMs += wait;
    this.firstWaitMs ??= wait;
    this.queuedSince = undefined;
  }

  connected(agentId: string): void {
    this.dequeued();
    this.agentId = agentId;
    this.answeredAt ??= this.clock.now();
    this.talkSince = this.clock.now();
  }

  disconnected(): void {
    this.resumed();
    if (this.talkSince !== undefined) this.talkMs += this.clock.now() - this.talkSince;
    this.talkSince = undefined;
  }

  held(): void {
    if (this.holdSince !== undefined) return;
    this.holdSince = this.clock.now();
  }

  /** Returns the length of the hold that ended (0 when not held). */
  resumed(): number {
    if (this.holdSince === undefined) return 0;
    const ms = this.clock.now() - this.holdSince;
    this.holdMs += ms;
    this.holdSince = undefined;
    return ms;
  }

  get isAnswered(): boolean {
    return this.answeredAt !== undefined;
  }

  finish(disposition: Disposition, endedBy: EndedBy): CdrRows {
    this.ivrEnded();
    this.dequeued();
    this.disconnected();
    const now = this.clock.now();
    for (const l of this.legs) l.endedAt ??= now;
    const talk = Math.max(0, this.talkMs - this.holdMs);
    const answered = this.answeredAt !== undefined;
    const wrapMs = answered ? this.wrapMs : 0;
    const ended: EndedEvent = {
      ...this.ref,
      disposition,
      endedBy,
      queueId: this.queueId,
      agentId: this.agentId,
      totalMs: now - this.startedAt,
      ivrMs: this.ivrMs,
      queueWaitMs: this.queueWaitMs,
      ringMs: this.ringMs,
      talkMs: talk,
      holdMs: this.holdMs,
      wrapMs,
      answeredWithinSl: answered && (this.firstWaitMs ?? 0) <= this.slThresholdMs,
      recordingPresent: this.recorded,
      transferCount: this.transferCount,
    };
    return {
      cdr: {
        ...this.identity,
        interactionId: this.ref.interactionId,
        configVersion: this.ref.configVersion,
        startedAt: this.startedAt,
        answeredAt: this.answeredAt,
        endedAt: now,
        disposition: Disposition[disposition],
        endedBy: EndedBy[endedBy],
        queueId: this.queueId,
        agentId: this.agentId,
        totalMs: ended.totalMs,
        ivrMs: this.ivrMs,
        queueWaitMs: this.queueWaitMs,
        ringMs: this.ringMs,
        talkMs: talk,
        holdMs: this.holdMs,
        transferCount: this.transferCount,
        recorded: this.recorded,
      },
      legs: this.legs,
      steps: this.steps,
      ended,
    };
  }
}
