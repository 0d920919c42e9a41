/**
 * The agent state machine as two guarded tables. An agent has one presence (logged out, ready, not
 * ready with a reason) and, per interaction it handles, a work state (reserved, ringing, on call,
 * wrap-up). Capacity per channel bounds the number of work items; a voice agent has one.
 */
import { AgentState } from '@hcc/proto';
import { IllegalAgentTransitionError } from './errors.ts';

export type Presence = AgentState.LOGGED_OUT | AgentState.READY | AgentState.NOT_READY;
export type WorkState = AgentState.RESERVED | AgentState.RINGING | AgentState.ON_CALL | AgentState.WRAP_UP;

const S = AgentState;

/** Presence moves the agent (or a supervisor, a device, the system) may make. */
export const PRESENCE_TRANSITIONS: ReadonlyMap<Presence, readonly Presence[]> = new Map<Presence, Presence[]>(
  [
    [S.LOGGED_OUT, [S.READY, S.NOT_READY]],
    [S.READY, [S.NOT_READY, S.LOGGED_OUT]],
    // NOT_READY -> NOT_READY changes the reason.
    [S.NOT_READY, [S.READY, S.NOT_READY, S.LOGGED_OUT]],
  ],
);

/**
 * Work-item moves. 'free' is the absence of the item: it starts as RESERVED (the ACD chose the
 * agent) and ends from RESERVED/RINGING (not answered, abandoned, lost a ring-all), ON_CALL (no
 * wrap-up) or WRAP_UP (timer or the agent finished early).
 */
export const WORK_TRANSITIONS: ReadonlyMap<WorkState | 'free', readonly (WorkState | 'free')[]> = new Map<
  WorkState | 'free',
  (WorkState | 'free')[]
>([
  ['free', [S.RESERVED]],
  [S.RESERVED, [S.RINGING, S.ON_CALL, 'free']],
  [S.RINGING, [S.ON_CALL, 'free']],
  [S.ON_CALL, [S.WRAP_UP, 'free']],
  [S.WRAP_UP, ['free']],
]);

export function assertPresence(agentId: string, from: Presence, to: Presence): void {
  if (!PRESENCE_TRANSITIONS.get(from)?.includes(to)) throw new IllegalAgentTransitionError(agentId, from, to);
}

export function assertWork(agentId: string, from: WorkState | 'free', to: WorkState | 'free'): void {
  if (!WORK_TRANSITIONS.get(from)?.includes(to)) throw new IllegalAgentTransitionError(agentId, from, to);
}
