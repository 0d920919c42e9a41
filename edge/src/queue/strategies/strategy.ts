/** One routing strategy per file behind this interface; the registry is keyed by the proto enum. */
import type { AgentRuntime } from '../../agent/agent.ts';
import type { Entry } from '../entry.ts';
import type { QueueState } from '../routing-index.ts';

export interface StrategyContext {
  queue: QueueState;
  /** The entry being routed; absent when picking an agent for a consultation. */
  entry?: Entry;
}

export interface RoutingStrategyImpl {
  readonly name: string;
  /**
   * Chooses whom to offer the entry to among the available eligible agents (never empty). One
   * agent, or several at once (ring-all).
   */
  select(candidates: readonly AgentRuntime[], ctx: StrategyContext): AgentRuntime[];
}

/** The candidate free the longest; ties by agent id for determinism. */
export function longestIdleOf(candidates: readonly AgentRuntime[]): AgentRuntime {
  let best = candidates[0]!;
  for (const a of candidates)
    if (a.idleSince < best.idleSince || (a.idleSince === best.idleSince && a.id < best.id)) best = a;
  return best;
}
