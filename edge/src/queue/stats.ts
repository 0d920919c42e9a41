/**
 * What a waiting caller is told (position, expected wait) and what the wallboard sees
 * (QueueSnapshot). Expected wait = ceil(position / staffed agents) x the queue's moving-average
 * handle time: simple, monotone in position, and honest about its inputs.
 */
import { AgentState } from '@hcc/proto';
import type { Clock, Observer } from '@hcc/shared';
import type { AgentRegistry } from '../agent/registry.ts';
import type { AcdEvents } from './events.ts';
import type { Acd } from './router.ts';
import type { QueueState } from './routing-index.ts';

export interface WaitEstimate {
  queueId: string;
  /** 1 = next; 0 = not waiting (being offered or connected). */
  position: number;
  waiting: number;
  expectedWaitMs: number;
}

export function staffed(q: QueueState, agents: AgentRegistry): number {
  let n = 0;
  for (const id of q.eligible.keys()) {
    const a = agents.find(id);
    if (a && a.presence !== AgentState.LOGGED_OUT) n++;
  }
  return n;
}

export function waitEstimate(acd: Acd, interactionId: string): WaitEstimate | undefined {
  const e = acd.entryOf(interactionId);
  if (!e) return undefined;
  const q = e.queue;
  const list = q.waiting.get(e.channel)!;
  const position = e.state === 'waiting' ? list.position(e) : 0;
  const agents = Math.max(1, staffed(q, acd.agents));
  return {
    queueId: q.config.id,
    position,
    waiting: list.size,
    expectedWaitMs: Math.ceil(position / agents) * q.ahtMs,
  };
}

export function queueSnapshot(q: QueueState, agents: AgentRegistry, now: number): AcdEvents['queueSnapshot'] {
  let waiting = 0;
  let oldest = now;
  for (const list of q.waiting.values()) {
    waiting += list.size;
    for (const e of list.values()) if (e.firstEnqueuedAt < oldest) oldest = e.firstEnqueuedAt;
  }
  const counts = new Map<AgentState, number>();
  for (const id of q.eligible.keys()) {
    const s = agents.find(id)?.displayState() ?? AgentState.LOGGED_OUT;
    counts.set(s, (counts.get(s) ?? 0) + 1);
  }
  return {
    queueId: q.config.id,
    configVersion: 0n,
    waiting,
    longestWaitMs: BigInt(now - oldest),
    agents: [...counts].sort(([a], [b]) => a - b).map(([state, count]) => ({ state, count })),
  };
}

/** Snapshots of every queue of the current config, also emitted on the observer. */
export function snapshotAll(
  acd: Acd,
  clock: Clock,
  observer: Observer<AcdEvents>,
): AcdEvents['queueSnapshot'][] {
  const idx = acd.currentIndex;
  if (!idx) return [];
  const out = [...idx.queues.values()].map((q) => ({
    ...queueSnapshot(q, acd.agents, clock.now()),
    configVersion: idx.version,
  }));
  for (const s of out) observer.emit('queueSnapshot', s);
  return out;
}

/** Emits snapshots every `intervalMs` on the clock; returns the stop function. */
export function startSnapshots(
  acd: Acd,
  clock: Clock,
  observer: Observer<AcdEvents>,
  intervalMs: number,
): () => void {
  let timer = clock.setTimeout(function tick() {
    snapshotAll(acd, clock, observer);
    timer = clock.setTimeout(tick, intervalMs);
  }, intervalMs);
  return () => clock.clearTimeout(timer);
}
