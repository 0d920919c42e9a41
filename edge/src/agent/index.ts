/** Agents: the guarded state machine, capacities per channel, wrap-up. */
export { AgentRuntime, type WorkItem } from './agent.ts';
export {
  AgentBusyError,
  AgentError,
  IllegalAgentTransitionError,
  ReasonNotAllowedError,
  UnknownAgentError,
} from './errors.ts';
export type { AgentEvents, AgentStateChangedEvent } from './events.ts';
export { AgentRegistry, type AgentRegistryDeps } from './registry.ts';
export { PRESENCE_TRANSITIONS, type Presence, WORK_TRANSITIONS, type WorkState } from './transitions.ts';
