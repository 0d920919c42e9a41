/**
 * The routing view of one config version: per queue, the eligible agents (every required skill at
 * or above its minimum level, capacity on one of the queue's channels), their skill scores, the
 * waiting lists per channel, and which eligible agents are available now per channel. Built once
 * per version, so the decision path never scans all agents or all queues.
 */
import type { Channel, ConfigBundle, Queue } from '@hcc/proto';
import type { AgentRuntime } from '../agent/agent.ts';
import { WaitingList } from './entry.ts';

export interface QueueState {
  readonly config: Queue;
  /** Eligible agent id -> its ordinal in the config (round-robin order). */
  readonly eligible: Map<string, number>;
  /** Eligible agent id -> summed level of the required skills (skill-weighted). */
  readonly score: Map<string, number>;
  readonly waiting: Map<Channel, WaitingList>;
  readonly available: Map<Channel, Set<string>>;
  /** Round-robin cursor: ordinal of the agent offered last. */
  rrCursor: number;
  /** Exponential moving average of handle time (talk + wrap-up), for expected-wait. */
  ahtMs: number;
}

export const DEFAULT_AHT_MS = 180_000;

export class RoutingIndex {
  readonly version: bigint;
  readonly queues = new Map<string, QueueState>();
  /** Agent id -> queues it is eligible for, highest queue priority first. */
  readonly agentQueues = new Map<string, QueueState[]>();
  /** Interactions of this version still in the ACD (the index is dropped at 0 when superseded). */
  refs = 0;

  constructor(readonly bundle: ConfigBundle) {
    this.version = bundle.version;
    for (const q of bundle.queues) {
      const state: QueueState = {
        config: q,
        eligible: new Map(),
        score: new Map(),
        waiting: new Map(q.channels.map((c) => [c, new WaitingList()])),
        available: new Map(q.channels.map((c) => [c, new Set<string>()])),
        rrCursor: -1,
        ahtMs: DEFAULT_AHT_MS,
      };
      for (const [ordinal, a] of bundle.agents.entries()) {
        const levels = new Map(a.skills.map((s) => [s.skillId, s.level]));
        const skilled = q.requiredSkills.every(
          (r) => (levels.get(r.skillId) ?? 0) >= Math.max(1, r.minLevel),
        );
        const capable = a.capacities.some((c) => c.maxConcurrent > 0 && q.channels.includes(c.channel));
        if (!skilled || !capable) continue;
        state.eligible.set(a.id, ordinal);
        state.score.set(
          a.id,
          q.requiredSkills.reduce((sum, r) => sum + (levels.get(r.skillId) ?? 0), 0),
        );
        let list = this.agentQueues.get(a.id);
        if (!list) {
          list = [];
          this.agentQueues.set(a.id, list);
        }
        list.push(state);
      }
      this.queues.set(q.id, state);
    }
    for (const list of this.agentQueues.values()) list.sort((a, b) => b.config.priority - a.config.priority);
  }

  /** Brings the available sets of the agent's queues up to date. O(queues of the agent x channels). */
  updateAvailability(agent: AgentRuntime): boolean {
    let became = false;
    for (const q of this.agentQueues.get(agent.id) ?? []) {
      for (const [channel, set] of q.available) {
        if (agent.isAvailable(channel)) {
          if (!set.has(agent.id)) {
            set.add(agent.id);
            became = true;
          }
        } else set.delete(agent.id);
      }
    }
    return became;
  }

  waitingCount(q: QueueState): number {
    let n = 0;
    for (const l of q.waiting.values()) n += l.size;
    return n;
  }
}
