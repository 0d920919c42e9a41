import type { RoutingStrategyImpl } from './strategy.ts';

/** Eligible agents in config order, continuing after the one offered last in this queue. */
export const roundRobin: RoutingStrategyImpl = {
  name: 'round-robin',
  select(candidates, { queue }) {
    let next: { ord: number; i: number } | undefined;
    let first: { ord: number; i: number } | undefined;
    for (const [i, a] of candidates.entries()) {
      const ord = queue.eligible.get(a.id) ?? Number.MAX_SAFE_INTEGER;
      if (!first || ord < first.ord) first = { ord, i };
      if (ord > queue.rrCursor && (!next || ord < next.ord)) next = { ord, i };
    }
    const pick = next ?? first!;
    queue.rrCursor = pick.ord;
    return [candidates[pick.i]!];
  },
};
