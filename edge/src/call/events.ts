/**
 * Typed call events in the shape of hcc.events.v1.InteractionEvent bodies (ids, enums and durations;
 * never a number or a name). Queue and agent events come from the ACD and agent observers; these are
 * the ones only the call layer knows. The events bridge turns them into journal rows.
 */
import type { AbandonStage, Channel, DialRefusal, Disposition, EndedBy, TransferKind } from '@hcc/proto';

export interface CallRef {
  interactionId: string;
  channel: Channel;
  configVersion: bigint;
}

/** The Ended body plus the CDR it is written with. */
export interface EndedEvent extends CallRef {
  disposition: Disposition;
  endedBy: EndedBy;
  queueId: string;
  agentId: string;
  totalMs: number;
  ivrMs: number;
  queueWaitMs: number;
  ringMs: number;
  talkMs: number;
  holdMs: number;
  wrapMs: number;
  answeredWithinSl: boolean;
  recordingPresent: boolean;
  transferCount: number;
}

export type TransferTargetRef =
  | { case: 'agentId'; value: string }
  | { case: 'queueId'; value: string }
  | { case: 'external'; value: true };

export interface CallEvents {
  offered: CallRef & {
    didId: string;
    trunkId: string;
    callerPseudonym: Uint8Array;
    callerWithheld: boolean;
  };
  held: CallRef & { agentId: string };
  resumed: CallRef & { agentId: string; holdMs: number };
  transferred: CallRef & { kind: TransferKind; fromAgentId: string; target: TransferTargetRef };
  /** IVR abandon (queue and ringing abandons come from the ACD). */
  abandoned: CallRef & { stage: AbandonStage; waitMs: number; flowId: string; nodeId: string };
  /** A direct call (agent to agent, no queue) rings the agent's device; queueId is ''. */
  agentRinging: CallRef & { agentId: string; queueId: string; attempt: number };
  /** A direct call was answered by the agent; waitMs from the INVITE to the answer. */
  answered: CallRef & { agentId: string; queueId: string; waitMs: bigint };
  ended: EndedEvent;
  /** A call out was refused by the dial policy or a cap (never the number). */
  dialLimitHit: {
    reason: DialRefusal;
    agentId: string;
    trunkId: string;
    interactionId: string;
    configVersion: bigint;
  };
  /** Local monitoring only: the number of calls in progress changed. */
  active: { calls: number };
}
