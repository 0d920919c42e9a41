import { RoutingStrategy } from '@hcc/proto';
import { longestIdle } from './longest-idle.ts';
import { ringAll } from './ring-all.ts';
import { roundRobin } from './round-robin.ts';
import { skillWeighted } from './skill-weighted.ts';
import type { RoutingStrategyImpl } from './strategy.ts';

export type { RoutingStrategyImpl, StrategyContext } from './strategy.ts';

/** Keyed by the proto enum; UNSPECIFIED routes as longest idle. */
export const STRATEGIES: { readonly [K in RoutingStrategy]: RoutingStrategyImpl } = Object.freeze({
  [RoutingStrategy.UNSPECIFIED]: longestIdle,
  [RoutingStrategy.LONGEST_IDLE]: longestIdle,
  [RoutingStrategy.ROUND_ROBIN]: roundRobin,
  [RoutingStrategy.SKILL_WEIGHTED]: skillWeighted,
  [RoutingStrategy.RING_ALL]: ringAll,
});
