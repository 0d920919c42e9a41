import type { RoutingStrategyImpl } from './strategy.ts';

/** Every available eligible agent at once; the first to answer (claim) gets the interaction. */
export const ringAll: RoutingStrategyImpl = {
  name: 'ring-all',
  select: (candidates) => [...candidates],
};
