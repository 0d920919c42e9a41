/**
 * A free agent of a queue for an agent's consultation (attended transfer to a queue): the queue's
 * eligible agents available now on the channel, chosen by the queue's strategy (ring-all: its
 * first pick). No waiting: a consultation is a live agent asking, so nobody free means no consult.
 */
import type { Channel } from '@hcc/proto';
import type { AgentRuntime } from '../agent/agent.ts';
import type { Acd } from './router.ts';
import { STRATEGIES } from './strategies/index.ts';

/** The agent id to consult in `queueId`, or undefined when none is free (or the queue is unknown). */
export function pickConsultAgent(
  acd: Acd,
  queueId: string,
  channel: Channel,
  excludeAgentId: string,
): string | undefined {
  const q = acd.currentIndex?.queues.get(queueId);
  const available = q?.available.get(channel);
  if (!q || !available) return undefined;
  const candidates: AgentRuntime[] = [];
  for (const id of available) {
    const a = acd.agents.find(id);
    if (a && a.id !== excludeAgentId && a.isAvailable(channel)) candidates.push(a);
  }
  if (candidates.length === 0) return undefined;
  const strategy = STRATEGIES[q.config.strategy] ?? STRATEGIES[0];
  return strategy.select(candidates, { queue: q })[0]?.id;
}
