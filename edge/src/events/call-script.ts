import { create, type MessageInitShape } from '@bufbuild/protobuf';
import {
  AbandonedSchema,
  AbandonStage,
  AgentRingingSchema,
  AgentState,
  AgentStateCause,
  AgentStateChangedSchema,
  AnsweredSchema,
  Channel,
  Disposition,
  EndedBy,
  EndedSchema,
  HeldSchema,
  InteractionEventSchema,
  InteractionOfferedSchema,
  QueuedSchema,
  QueueEntry,
  QueueSnapshotSchema,
  ResumedSchema,
} from '@hcc/proto';
import { uuid7 } from '@hcc/shared';
import type { OutboxJournal } from './journal.ts';
import type { LiveSnapshotPublisher } from './live.ts';
import type { CallerPseudonymizer } from './pseudonym.ts';
import type { EventBody } from './sink.ts';

/**
 * One scripted inbound call with a known outcome: the events the call flow will journal for it,
 * in order, each at its own time. Used by the integration tests, the benchmarks and the demo load
 * until real calls (SIP, IVR, queues) drive the journal; the event shapes follow events.proto.
 */
export interface CallScript {
  offeredAt: number;
  queueId: string;
  outcome: 'answered' | 'abandoned';
  /** Raw caller number as the trunk presented it (pseudonymised before anything is journaled). */
  callerNumber: string;
  ivrMs: number;
  waitMs: number;
  agentId?: string;
  talkMs?: number;
  holdMs?: number;
  wrapMs?: number;
  /** The queue's service level threshold. */
  slThresholdMs: number;
  configVersion?: bigint;
}

type InteractionInit = MessageInitShape<typeof InteractionEventSchema>;

const interaction = (interactionId: string, body: InteractionInit): EventBody => ({
  case: 'interaction',
  value: create(InteractionEventSchema, { interactionId, channel: Channel.VOICE, ...body }),
});

/** The (body, time) steps of a scripted call, for journaling or inspection. */
export function callEvents(
  s: CallScript,
  pseudonymizer: CallerPseudonymizer,
): { body: EventBody; at: number }[] {
  const id = uuid7(s.offeredAt);
  const queuedAt = s.offeredAt + s.ivrMs;
  const endAt = queuedAt + s.waitMs;
  const steps: { body: EventBody; at: number }[] = [];
  const push = (at: number, b: InteractionInit) => steps.push({ at, body: interaction(id, b) });
  push(s.offeredAt, {
    body: {
      case: 'offered',
      value: create(InteractionOfferedSchema, {
        didId: 'main',
        trunkId: 'pstn',
        ...pseudonymizer.pseudonymize(s.callerNumber),
      }),
    },
  });
  push(queuedAt, {
    body: { case: 'queued', value: create(QueuedSchema, { queueId: s.queueId, entry: QueueEntry.FLOW }) },
  });
  if (s.outcome === 'abandoned') {
    push(endAt, {
      body: {
        case: 'abandoned',
        value: create(AbandonedSchema, {
          stage: AbandonStage.QUEUE,
          waitMs: BigInt(s.waitMs),
          queueId: s.queueId,
        }),
      },
    });
    push(endAt, {
      body: {
        case: 'ended',
        value: create(EndedSchema, {
          disposition: Disposition.ABANDONED,
          endedBy: EndedBy.CALLER,
          queueId: s.queueId,
          totalMs: BigInt(s.ivrMs + s.waitMs),
          ivrMs: BigInt(s.ivrMs),
          queueWaitMs: BigInt(s.waitMs),
        }),
      },
    });
    return steps;
  }
  const agentId = s.agentId ?? 'agent-1';
  const talk = s.talkMs ?? 0;
  const hold = s.holdMs ?? 0;
  const wrap = s.wrapMs ?? 0;
  const agentState = (at: number, from: AgentState, to: AgentState) =>
    steps.push({
      at,
      body: {
        case: 'agentStateChanged',
        value: create(AgentStateChangedSchema, {
          agentId,
          fromState: from,
          toState: to,
          cause: AgentStateCause.ROUTING,
          channel: Channel.VOICE,
          interactionId: id,
        }),
      },
    });
  agentState(endAt, AgentState.READY, AgentState.ON_CALL);
  push(endAt, {
    body: {
      case: 'agentRinging',
      value: create(AgentRingingSchema, { agentId, queueId: s.queueId, attempt: 1 }),
    },
  });
  push(endAt, {
    body: {
      case: 'answered',
      value: create(AnsweredSchema, { agentId, queueId: s.queueId, waitMs: BigInt(s.waitMs) }),
    },
  });
  if (hold > 0) {
    push(endAt + 1, { body: { case: 'held', value: create(HeldSchema, { agentId }) } });
    push(endAt + 1 + hold, {
      body: { case: 'resumed', value: create(ResumedSchema, { agentId, holdMs: BigInt(hold) }) },
    });
  }
  const hangup = endAt + talk + hold;
  agentState(hangup, AgentState.ON_CALL, AgentState.WRAP_UP);
  agentState(hangup + wrap, AgentState.WRAP_UP, AgentState.READY);
  push(hangup + wrap, {
    body: {
      case: 'ended',
      value: create(EndedSchema, {
        disposition: Disposition.ANSWERED,
        endedBy: EndedBy.CALLER,
        queueId: s.queueId,
        agentId,
        totalMs: BigInt(s.ivrMs + s.waitMs + talk + hold + wrap),
        ivrMs: BigInt(s.ivrMs),
        queueWaitMs: BigInt(s.waitMs),
        talkMs: BigInt(talk),
        holdMs: BigInt(hold),
        wrapMs: BigInt(wrap),
        answeredWithinSl: s.waitMs <= s.slThresholdMs,
      }),
    },
  });
  return steps;
}

/** Journals a scripted call: one transaction per call (as the CDR write at the end of a call). */
export async function journalCall(
  journal: OutboxJournal,
  pseudonymizer: CallerPseudonymizer,
  s: CallScript,
): Promise<number> {
  const steps = callEvents(s, pseudonymizer);
  await journal.transaction(async (_tx, emit) => {
    for (const st of steps) emit(st.body, { occurredAt: new Date(st.at), configVersion: s.configVersion });
  });
  return steps.length;
}

/**
 * Publishes a wallboard snapshot of one queue as the edge does (the pipeline's live publisher:
 * core NATS on the site's live subject, not journaled); false when the connection refused it.
 */
export function publishQueueSnapshot(
  live: LiveSnapshotPublisher,
  snap: {
    queueId: string;
    waiting: number;
    longestWaitMs: number;
    agents: Partial<Record<AgentState, number>>;
    at?: number;
  },
): boolean {
  return live.publish(
    create(QueueSnapshotSchema, {
      queueId: snap.queueId,
      waiting: snap.waiting,
      longestWaitMs: BigInt(snap.longestWaitMs),
      agents: Object.entries(snap.agents).map(([state, count]) => ({
        state: Number(state) as AgentState,
        count,
      })),
    }),
    { occurredAt: new Date(snap.at ?? Date.now()) },
  );
}

/** A fixed mix of 100 calls (answered with and without hold, abandoned) for load generation. */
export function scriptedDayForBench(): CallScript[] {
  return Array.from({ length: 100 }, (_, i) => ({
    offeredAt: Date.UTC(2025, 0, 1) + i * 60_000,
    queueId: i % 2 ? 'sales' : 'support',
    outcome: i % 7 === 3 ? ('abandoned' as const) : ('answered' as const),
    callerNumber: `+1555${String(1_000_000 + i)}`,
    ivrMs: 3000,
    waitMs: (i * 997) % 40_000,
    agentId: `agent-${i % 10}`,
    talkMs: 60_000,
    holdMs: i % 4 === 0 ? 5000 : 0,
    wrapMs: 10_000,
    slThresholdMs: 20_000,
  }));
}
