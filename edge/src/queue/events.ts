/** Typed ACD events in the shape of hcc.events.v1 InteractionEvent bodies and QueueSnapshot (ids only). */
import type { AbandonStage, AgentState, Channel, QueueEntry } from '@hcc/proto';

export interface InteractionRef {
  interactionId: string;
  channel: Channel;
  /** The bundle version the interaction started with (Event.config_version). */
  configVersion: bigint;
}

export interface AcdEvents {
  queued: InteractionRef & {
    queueId: string;
    priority: number;
    entry: QueueEntry;
    overflowFromQueueId: string;
  };
  agentRinging: InteractionRef & { agentId: string; queueId: string; attempt: number };
  answered: InteractionRef & { agentId: string; queueId: string; waitMs: bigint };
  abandoned: InteractionRef & {
    stage: AbandonStage;
    waitMs: bigint;
    flowId: string;
    nodeId: string;
    queueId: string;
    agentId: string;
  };
  /** Local only (the proto has no overflow event; the next Queued carries overflow_from_queue_id). */
  overflowed: InteractionRef & { queueId: string; target: string; reason: 'max-wait' | 'max-waiting' };
  queueSnapshot: {
    queueId: string;
    configVersion: bigint;
    waiting: number;
    longestWaitMs: bigint;
    agents: { state: AgentState; count: number }[];
  };
}
