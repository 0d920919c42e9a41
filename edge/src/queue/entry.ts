/** An interaction waiting in (or being offered from) a queue, and the ordered list of them. */
import type { Channel, QueueEntry } from '@hcc/proto';
import type { Logger, TimerHandle } from '@hcc/shared';
import type { QueueExit } from './ports.ts';
import type { QueueState, RoutingIndex } from './routing-index.ts';

export interface Entry {
  readonly interactionId: string;
  readonly channel: Channel;
  readonly index: RoutingIndex;
  queue: QueueState;
  priority: number;
  /** Entered the current queue (max wait counts from here). */
  enqueuedAt: number;
  /** Entered the first queue (wait reported in Answered/Abandoned). */
  readonly firstEnqueuedAt: number;
  /** Tie-breaker and identity in the ordered list. */
  seq: number;
  /** Put back at the front after an agent did not answer. */
  front: boolean;
  state: 'waiting' | 'offering' | 'connected' | 'done';
  /** Agents tried in this queue (AgentRinging.attempt). */
  attempts: number;
  lastTriedAgentId: string | undefined;
  /** Max wait passed while an offer was out: overflow when it comes back. */
  expired: boolean;
  overflowHops: number;
  entryKind: QueueEntry;
  maxWaitTimer: TimerHandle | undefined;
  agentId: string | undefined;
  answeredAt: number;
  readonly log: Logger;
  readonly resolve: (exit: QueueExit) => void;
}

/** Higher first: front, then priority; then earlier enqueue, then sequence. */
export function compareEntries(a: Entry, b: Entry): number {
  if (a.front !== b.front) return a.front ? -1 : 1;
  if (a.priority !== b.priority) return b.priority - a.priority;
  if (a.enqueuedAt !== b.enqueuedAt) return a.enqueuedAt - b.enqueuedAt;
  return a.seq - b.seq;
}

/** A sorted array with binary-search insert and removal: queues hold tens to hundreds of entries. */
export class WaitingList {
  private readonly items: Entry[] = [];

  get size(): number {
    return this.items.length;
  }

  head(): Entry | undefined {
    return this.items[0];
  }

  at(i: number): Entry | undefined {
    return this.items[i];
  }

  insert(e: Entry): void {
    this.items.splice(this.search(e), 0, e);
  }

  remove(e: Entry): boolean {
    const i = this.search(e);
    if (this.items[i] !== e) return false;
    this.items.splice(i, 1);
    return true;
  }

  /** 1-based position, or 0 when not in the list. */
  position(e: Entry): number {
    const i = this.search(e);
    return this.items[i] === e ? i + 1 : 0;
  }

  values(): readonly Entry[] {
    return this.items;
  }

  private search(e: Entry): number {
    let lo = 0;
    let hi = this.items.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareEntries(this.items[mid]!, e) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
