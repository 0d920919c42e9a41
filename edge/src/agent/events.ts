/** Typed agent events, in the shape of hcc.events.v1.AgentStateChanged (ids and enums only). */
import type { AgentState, AgentStateCause, Channel } from '@hcc/proto';

export interface AgentStateChangedEvent {
  agentId: string;
  fromState: AgentState;
  toState: AgentState;
  cause: AgentStateCause;
  /** Set when toState is NOT_READY. */
  notReadyReasonId: string;
  /** UNSPECIFIED: every channel of the agent (presence changes). */
  channel: Channel;
  /** The interaction behind a work change; '' for presence changes. */
  interactionId: string;
  /** Bundle version in force (the interaction's for work changes). */
  configVersion: bigint;
}

export interface AgentEvents {
  agentStateChanged: AgentStateChangedEvent;
}
