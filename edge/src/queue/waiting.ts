/**
 * Placing an entry in its queue: max waiting, max wait, and overflow to another queue, a mailbox
 * or a flow node (or hang-up when the queue names none).
 */

import type { Channel } from '@hcc/proto';
import { QueueEntry } from '@hcc/proto';
import type { Clock, Observer } from '@hcc/shared';
import type { Entry } from './entry.ts';
import type { AcdEvents } from './events.ts';
import type { OverflowTarget, QueueExit } from './ports.ts';
import type { QueueState } from './routing-index.ts';

/** Overflow chains (A -> B -> A ...) end in a hang-up after this many hops. */
export const MAX_OVERFLOW_HOPS = 5;

export interface WaitingHost {
  readonly clock: Clock;
  readonly observer: Observer<AcdEvents>;
  queueChanged(q: QueueState, channel: Channel): void;
  armMaxWait(e: Entry): void;
  done(e: Entry, exit?: QueueExit): void;
  newSeq(): number;
}

/** Puts the entry into its queue (emitting Queued), or overflows it when the queue is full or `reason` says so. */
export function placeOrOverflow(
  host: WaitingHost,
  e: Entry,
  overflowFromQueueId: string,
  reason?: 'max-wait' | 'max-waiting',
): void {
  if (reason) {
    overflow(host, e, reason);
    return;
  }
  const q = e.queue;
  const max = q.config.maxWaiting;
  if (max > 0 && e.index.waitingCount(q) >= max) {
    overflow(host, e, 'max-waiting');
    return;
  }
  e.state = 'waiting';
  q.waiting.get(e.channel)!.insert(e);
  host.observer.emit('queued', {
    interactionId: e.interactionId,
    channel: e.channel,
    configVersion: e.index.version,
    queueId: q.config.id,
    priority: e.priority,
    entry: e.entryKind,
    overflowFromQueueId,
  });
  e.log.info({ queue: q.config.id, priority: e.priority }, 'queued');
  host.armMaxWait(e);
  host.queueChanged(q, e.channel);
}

function overflow(host: WaitingHost, e: Entry, reason: 'max-wait' | 'max-waiting'): void {
  const from = e.queue.config;
  const o = from.overflow?.target;
  const ref = { interactionId: e.interactionId, channel: e.channel, configVersion: e.index.version };
  host.observer.emit('overflowed', { ...ref, queueId: from.id, target: o?.case ?? 'hangup', reason });
  e.log.info({ queue: from.id, target: o?.case ?? 'hangup', reason }, 'overflow');
  if (o?.case === 'queueId' && e.overflowHops < MAX_OVERFLOW_HOPS) {
    const target = e.index.queues.get(o.value);
    if (target?.waiting.has(e.channel)) {
      host.clock.clearTimeout(e.maxWaitTimer);
      e.queue = target;
      e.enqueuedAt = host.clock.now();
      e.seq = host.newSeq();
      e.front = false;
      e.attempts = 0;
      e.lastTriedAgentId = undefined;
      e.expired = false;
      e.overflowHops++;
      e.entryKind = QueueEntry.OVERFLOW;
      placeOrOverflow(host, e, from.id);
      return;
    }
  }
  let target: OverflowTarget = { kind: 'hangup' };
  if (o?.case === 'mailboxId') target = { kind: 'mailbox', mailboxId: o.value };
  else if (o?.case === 'flowNode')
    target = { kind: 'flowNode', flowId: o.value.flowId, nodeId: o.value.nodeId };
  host.done(e, { kind: 'overflow', target, fromQueueId: from.id });
}

/** Arms the queue's max-wait timer for the entry (from its entry into this queue). */
export function startMaxWait(host: WaitingHost, e: Entry, onExpire: () => void): void {
  host.clock.clearTimeout(e.maxWaitTimer);
  e.maxWaitTimer = undefined;
  const seconds = e.queue.config.maxWaitSeconds;
  if (!seconds) return;
  const remaining = Math.max(0, e.enqueuedAt + seconds * 1000 - host.clock.now());
  e.maxWaitTimer = host.clock.setTimeout(() => {
    e.maxWaitTimer = undefined;
    if (e.state === 'waiting') {
      e.queue.waiting.get(e.channel)?.remove(e);
      onExpire();
    } else if (e.state === 'offering') e.expired = true;
  }, remaining);
}
