/** Named errors of the agent model; messages and details carry ids only. */
import { AgentState } from '@hcc/proto';

export class AgentError extends Error {
  override readonly name: string = 'AgentError';
  constructor(
    message: string,
    readonly agentId: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export class UnknownAgentError extends AgentError {
  override readonly name = 'UnknownAgentError';
  constructor(agentId: string) {
    super(`unknown agent ${agentId}`, agentId);
  }
}

/** A move the transition table does not allow, e.g. LOGGED_OUT -> RINGING. */
export class IllegalAgentTransitionError extends AgentError {
  override readonly name = 'IllegalAgentTransitionError';
  constructor(
    agentId: string,
    readonly from: AgentState | 'free',
    readonly to: AgentState | 'free',
  ) {
    super(`agent ${agentId}: ${label(from)} -> ${label(to)} is not allowed`, agentId);
  }
}

/** The agent still handles interactions (e.g. logout while on a call). */
export class AgentBusyError extends AgentError {
  override readonly name = 'AgentBusyError';
}

/** The not-ready reason is not in the bundle or not allowed for this agent. */
export class ReasonNotAllowedError extends AgentError {
  override readonly name = 'ReasonNotAllowedError';
  constructor(
    agentId: string,
    readonly reasonId: string,
  ) {
    super(`agent ${agentId}: not-ready reason ${reasonId} is not allowed`, agentId);
  }
}

const label = (s: AgentState | 'free') => (s === 'free' ? 'free' : (AgentState[s] ?? String(s)));
