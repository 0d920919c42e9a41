import { create } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import {
  type AgentState,
  AgentStateChangedSchema,
  DialLimitHitSchema,
  type DialRefusal,
  Disposition,
  EndedSchema,
  type Event,
  EventSchema,
  InteractionEventSchema,
  QueueSnapshotSchema,
} from '@hcc/proto';
import { uuid7 } from '@hcc/shared';

/** Builds envelopes with a per-site seq counter (what an edge journal would produce). */
export class EventFactory {
  private seq = 0;
  constructor(
    readonly tenantId: string,
    readonly siteId: string,
  ) {}

  private envelope(at: number, body: Event['body']): Event {
    return create(EventSchema, {
      eventId: uuid7(at),
      tenantId: this.tenantId,
      siteId: this.siteId,
      seq: BigInt(++this.seq),
      occurredAt: timestampFromMs(at),
      configVersion: 1n,
      body,
    });
  }

  /** An ended interaction offered at `offeredAt` (the rollup interval is taken from it). */
  ended(
    offeredAt: number,
    e: {
      queueId: string;
      agentId?: string;
      waitMs: number;
      abandoned?: boolean;
      talkMs?: number;
      holdMs?: number;
      wrapMs?: number;
      inSl?: boolean;
    },
  ): Event {
    const talk = e.talkMs ?? 0;
    const hold = e.holdMs ?? 0;
    const wrap = e.wrapMs ?? 0;
    const total = e.waitMs + talk + hold + wrap;
    return this.envelope(offeredAt + total, {
      case: 'interaction',
      value: create(InteractionEventSchema, {
        interactionId: uuid7(offeredAt),
        body: {
          case: 'ended',
          value: create(EndedSchema, {
            disposition: e.abandoned ? Disposition.ABANDONED : Disposition.ANSWERED,
            queueId: e.queueId,
            agentId: e.abandoned ? '' : (e.agentId ?? 'a1'),
            totalMs: BigInt(total),
            queueWaitMs: BigInt(e.waitMs),
            talkMs: BigInt(talk),
            holdMs: BigInt(hold),
            wrapMs: BigInt(wrap),
            answeredWithinSl: e.inSl ?? false,
          }),
        },
      }),
    });
  }

  agentState(at: number, agentId: string, from: AgentState, to: AgentState): Event {
    return this.envelope(at, {
      case: 'agentStateChanged',
      value: create(AgentStateChangedSchema, { agentId, fromState: from, toState: to }),
    });
  }

  dialLimitHit(at: number, reason: DialRefusal, agentId: string, trunkId: string): Event {
    return this.envelope(at, {
      case: 'dialLimitHit',
      value: create(DialLimitHitSchema, { reason, agentId, trunkId }),
    });
  }

  snapshot(
    at: number,
    queueId: string,
    waiting: number,
    longestWaitMs: number,
    agents: [AgentState, number][],
  ): Event {
    return this.envelope(at, {
      case: 'queueSnapshot',
      value: create(QueueSnapshotSchema, {
        queueId,
        waiting,
        longestWaitMs: BigInt(longestWaitMs),
        agents: agents.map(([state, count]) => ({ state, count })),
      }),
    });
  }
}
