import { longestIdleOf, type RoutingStrategyImpl } from './strategy.ts';

/** The eligible agent idle the longest. */
export const longestIdle: RoutingStrategyImpl = {
  name: 'longest-idle',
  select: (candidates) => [longestIdleOf(candidates)],
};
