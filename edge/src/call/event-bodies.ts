/**
 * Pure mappings from the typed observer payloads (call, IVR, ACD, agent) to hcc.events.v1 bodies.
 * Only ids, enums and durations cross here: the proto has no field that could take a number or name.
 */
import { create, type MessageInitShape } from '@bufbuild/protobuf';
import {
  AbandonedSchema,
  AgentRingingSchema,
  AgentStateChangedSchema,
  AnsweredSchema,
  DialLimitHitSchema,
  EndedSchema,
  HeldSchema,
  InteractionEventSchema,
  InteractionOfferedSchema,
  IvrChoiceSchema,
  QueuedSchema,
  ResumedSchema,
  TransferredSchema,
} from '@hcc/proto';
import type { AgentStateChangedEvent } from '../agent/events.ts';
import type { EventBody } from '../events/index.ts';
import type { IvrEvents } from '../ivr/index.ts';
import type { AcdEvents } from '../queue/index.ts';
import type { CallEvents, CallRef, EndedEvent } from './events.ts';

type InteractionInit = MessageInitShape<typeof InteractionEventSchema>;

const interaction = (ref: CallRef, body: InteractionInit['body']): EventBody => ({
  case: 'interaction',
  value: create(InteractionEventSchema, { interactionId: ref.interactionId, channel: ref.channel, body }),
});

export const bodies = {
  offered: (e: CallEvents['offered']) =>
    interaction(e, {
      case: 'offered',
      value: create(InteractionOfferedSchema, {
        didId: e.didId,
        trunkId: e.trunkId,
        callerPseudonym: e.callerPseudonym,
        callerWithheld: e.callerWithheld,
      }),
    }),
  held: (e: CallEvents['held']) =>
    interaction(e, { case: 'held', value: create(HeldSchema, { agentId: e.agentId }) }),
  resumed: (e: CallEvents['resumed']) =>
    interaction(e, {
      case: 'resumed',
      value: create(ResumedSchema, { agentId: e.agentId, holdMs: BigInt(e.holdMs) }),
    }),
  transferred: (e: CallEvents['transferred']) =>
    interaction(e, {
      case: 'transferred',
      value: create(TransferredSchema, { kind: e.kind, fromAgentId: e.fromAgentId, target: e.target }),
    }),
  ivrAbandoned: (e: CallEvents['abandoned']) =>
    interaction(e, {
      case: 'abandoned',
      value: create(AbandonedSchema, {
        stage: e.stage,
        waitMs: BigInt(e.waitMs),
        flowId: e.flowId,
        nodeId: e.nodeId,
      }),
    }),
  ended: (e: EndedEvent) =>
    interaction(e, {
      case: 'ended',
      value: create(EndedSchema, {
        disposition: e.disposition,
        endedBy: e.endedBy,
        queueId: e.queueId,
        agentId: e.agentId,
        totalMs: BigInt(e.totalMs),
        ivrMs: BigInt(e.ivrMs),
        queueWaitMs: BigInt(e.queueWaitMs),
        ringMs: BigInt(e.ringMs),
        talkMs: BigInt(e.talkMs),
        holdMs: BigInt(e.holdMs),
        wrapMs: BigInt(e.wrapMs),
        answeredWithinSl: e.answeredWithinSl,
        recordingPresent: e.recordingPresent,
        transferCount: e.transferCount,
      }),
    }),
  ivrChoice: (e: IvrEvents['ivrChoice']) =>
    interaction(e, {
      case: 'ivrChoice',
      value: create(IvrChoiceSchema, {
        flowId: e.flowId,
        nodeId: e.nodeId,
        outcome: e.outcome,
        choiceKey: e.choiceKey,
        attempt: e.attempt,
      }),
    }),
  queued: (e: AcdEvents['queued']) =>
    interaction(e, {
      case: 'queued',
      value: create(QueuedSchema, {
        queueId: e.queueId,
        priority: e.priority,
        entry: e.entry,
        overflowFromQueueId: e.overflowFromQueueId,
      }),
    }),
  agentRinging: (e: AcdEvents['agentRinging']) =>
    interaction(e, {
      case: 'agentRinging',
      value: create(AgentRingingSchema, { agentId: e.agentId, queueId: e.queueId, attempt: e.attempt }),
    }),
  answered: (e: AcdEvents['answered']) =>
    interaction(e, {
      case: 'answered',
      value: create(AnsweredSchema, { agentId: e.agentId, queueId: e.queueId, waitMs: e.waitMs }),
    }),
  queueAbandoned: (e: AcdEvents['abandoned']) =>
    interaction(e, {
      case: 'abandoned',
      value: create(AbandonedSchema, {
        stage: e.stage,
        waitMs: e.waitMs,
        flowId: e.flowId,
        nodeId: e.nodeId,
        queueId: e.queueId,
        agentId: e.agentId,
      }),
    }),
  dialLimitHit: (e: CallEvents['dialLimitHit']): EventBody => ({
    case: 'dialLimitHit',
    value: create(DialLimitHitSchema, {
      reason: e.reason,
      agentId: e.agentId,
      trunkId: e.trunkId,
      interactionId: e.interactionId,
    }),
  }),
  agentState: (e: AgentStateChangedEvent): EventBody => ({
    case: 'agentStateChanged',
    value: create(AgentStateChangedSchema, {
      agentId: e.agentId,
      fromState: e.fromState,
      toState: e.toState,
      cause: e.cause,
      notReadyReasonId: e.notReadyReasonId,
      channel: e.channel,
      interactionId: e.interactionId,
    }),
  }),
};
