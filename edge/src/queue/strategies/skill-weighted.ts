import type { AgentRuntime } from '../../agent/agent.ts';
import type { RoutingStrategyImpl } from './strategy.ts';

/** Highest summed level of the queue's required skills; ties go to the longest idle. */
export const skillWeighted: RoutingStrategyImpl = {
  name: 'skill-weighted',
  select(candidates, { queue }) {
    const score = (a: AgentRuntime) => queue.score.get(a.id) ?? 0;
    let best = candidates[0]!;
    for (const a of candidates) {
      const d = score(a) - score(best);
      if (
        d > 0 ||
        (d === 0 && (a.idleSince < best.idleSince || (a.idleSince === best.idleSince && a.id < best.id)))
      )
        best = a;
    }
    return [best];
  },
};
