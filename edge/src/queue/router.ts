/**
 * The ACD: queues of interactions (any channel), agents, and the decision of who gets what.
 * Decisions are synchronous and event driven: an agent becoming available looks only at the heads
 * of its own queues; an interaction arriving looks only at its queue's available agents. The
 * offer itself goes to the call layer through AgentOfferPort.
 */
import { AbandonStage, type Channel, type ConfigBundle, type QueueEntry } from '@hcc/proto';
import type { Clock, Logger, Observer } from '@hcc/shared';
import type { AgentRuntime } from '../agent/agent.ts';
import type { AgentRegistry } from '../agent/registry.ts';
import { compareEntries, type Entry } from './entry.ts';
import { ChannelNotAcceptedError, DuplicateInteractionError, UnknownQueueError } from './errors.ts';
import type { AcdEvents } from './events.ts';
import { type OfferHost, OfferRound } from './offer.ts';
import type { AgentOfferPort, QueueExit } from './ports.ts';
import { type QueueState, RoutingIndex } from './routing-index.ts';
import { STRATEGIES } from './strategies/index.ts';
import { placeOrOverflow, startMaxWait } from './waiting.ts';

/** How long an agent whose device answered busy is offered nothing (it stays ready). */
export const BUSY_BACKOFF_MS = 2000;

export interface AcdDeps {
  clock: Clock;
  agents: AgentRegistry;
  offers: AgentOfferPort;
  observer: Observer<AcdEvents>;
  log: Logger;
}

export interface EnqueueRequest {
  interactionId: string;
  channel: Channel;
  /** The bundle the interaction started with (kept for its whole life). */
  bundle: ConfigBundle;
  queueId: string;
  /** Defaults to the queue's priority. */
  priority?: number;
  entry: QueueEntry;
  /** The interaction's child logger. */
  log: Logger;
}

interface Tracked {
  entry: Entry;
  round?: OfferRound;
}

export class Acd implements OfferHost {
  readonly clock: Clock;
  readonly agents: AgentRegistry;
  readonly port: AgentOfferPort;
  readonly observer: Observer<AcdEvents>;
  private readonly log: Logger;
  private readonly indexes = new Map<bigint, RoutingIndex>();
  private current: RoutingIndex | undefined;
  private readonly tracked = new Map<string, Tracked>();
  private readonly pendingQueues = new Map<QueueState, Set<Channel>>();
  private readonly pendingAgents = new Set<string>();
  private draining = false;
  private seq = 0;
  private readonly scratch: AgentRuntime[] = [];

  constructor(deps: AcdDeps) {
    this.clock = deps.clock;
    this.agents = deps.agents;
    this.port = deps.offers;
    this.observer = deps.observer;
    this.log = deps.log;
    deps.agents.onAvailability((a) => this.agentChanged(a));
  }

  /** A new config version: new interactions route with it; waiting ones keep theirs. */
  applyConfig(bundle: ConfigBundle): void {
    this.batch(() => {
      this.current = this.indexFor(bundle);
      this.agents.applyConfig(bundle);
      this.collect();
    });
  }

  /** Routing indexes alive (current plus versions still used by interactions). */
  get versions(): bigint[] {
    return [...this.indexes.keys()];
  }

  /** Queues an interaction; resolves when it is answered, overflows out of the ACD or is abandoned. */
  enqueue(req: EnqueueRequest): Promise<QueueExit> {
    if (this.tracked.has(req.interactionId))
      return Promise.reject(new DuplicateInteractionError('already queued', req.interactionId));
    const index = this.indexFor(req.bundle);
    const queue = index.queues.get(req.queueId);
    if (!queue) return Promise.reject(new UnknownQueueError('queue not found', `queues.${req.queueId}`));
    if (!queue.waiting.has(req.channel))
      return Promise.reject(
        new ChannelNotAcceptedError('channel not accepted', `queues.${req.queueId}.channels`),
      );
    return new Promise<QueueExit>((resolve) => {
      const now = this.clock.now();
      const entry: Entry = {
        interactionId: req.interactionId,
        channel: req.channel,
        index,
        queue,
        priority: req.priority ?? queue.config.priority,
        enqueuedAt: now,
        firstEnqueuedAt: now,
        seq: ++this.seq,
        front: false,
        state: 'waiting',
        attempts: 0,
        lastTriedAgentId: undefined,
        expired: false,
        overflowHops: 0,
        entryKind: req.entry,
        maxWaitTimer: undefined,
        agentId: undefined,
        answeredAt: 0,
        log: req.log.child({ module: 'acd' }),
        resolve,
      };
      index.refs++;
      this.tracked.set(entry.interactionId, { entry });
      this.batch(() => placeOrOverflow(this, entry, ''));
    });
  }

  /** The caller left before an agent answered (no-op once connected: use complete()). */
  abandon(interactionId: string): void {
    const t = this.tracked.get(interactionId);
    if (!t) return;
    const e = t.entry;
    const base = {
      interactionId,
      channel: e.channel,
      configVersion: e.index.version,
      flowId: '',
      nodeId: '',
    };
    const waitMs = BigInt(Math.max(0, this.clock.now() - e.firstEnqueuedAt));
    if (e.state === 'waiting') {
      e.queue.waiting.get(e.channel)?.remove(e);
      this.observer.emit('abandoned', {
        ...base,
        stage: AbandonStage.QUEUE,
        waitMs,
        queueId: e.queue.config.id,
        agentId: '',
      });
    } else if (e.state === 'offering') {
      const agentId = t.round?.cancel() ?? '';
      this.observer.emit('abandoned', {
        ...base,
        stage: AbandonStage.RINGING,
        waitMs,
        queueId: e.queue.config.id,
        agentId,
      });
    } else return;
    e.log.info({ queue: e.queue.config.id, stage: e.state }, 'abandoned');
    this.done(e, { kind: 'abandoned', queueId: e.queue.config.id });
  }

  /** The conversation with the agent is over: the agent wraps up (the queue's wrap-up time). */
  complete(interactionId: string): void {
    const t = this.tracked.get(interactionId);
    if (t?.entry.state !== 'connected' || !t.entry.agentId) return;
    const e = t.entry;
    const wrapMs = e.queue.config.wrapUpSeconds * 1000;
    const handled = this.clock.now() - e.answeredAt + wrapMs;
    e.queue.ahtMs = Math.round(e.queue.ahtMs * 0.8 + handled * 0.2);
    this.done(e);
    this.agents.endInteraction(e.agentId!, interactionId, wrapMs);
  }

  /** The tracked entry of an interaction (read-only use: stats, tests). */
  entryOf(interactionId: string): Entry | undefined {
    return this.tracked.get(interactionId)?.entry;
  }

  /** The index used by new interactions. */
  get currentIndex(): RoutingIndex | undefined {
    return this.current;
  }

  // --- OfferHost ---

  batch(fn: () => void): void {
    if (this.draining) {
      fn();
      return;
    }
    this.draining = true;
    try {
      fn();
      this.drainPending();
    } finally {
      this.draining = false;
    }
  }

  answered(e: Entry, agentId: string): void {
    e.state = 'connected';
    e.agentId = agentId;
    e.answeredAt = this.clock.now();
    this.clock.clearTimeout(e.maxWaitTimer);
    const waitMs = e.answeredAt - e.firstEnqueuedAt;
    this.observer.emit('answered', {
      interactionId: e.interactionId,
      channel: e.channel,
      configVersion: e.index.version,
      agentId,
      queueId: e.queue.config.id,
      waitMs: BigInt(waitMs),
    });
    e.log.info({ agent: agentId, queue: e.queue.config.id, wait_ms: waitMs }, 'answered');
    e.resolve({ kind: 'answered', agentId, queueId: e.queue.config.id, waitMs });
  }

  busyDevice(agentId: string): void {
    const a = this.agents.find(agentId);
    if (!a) return;
    a.busyUntil = this.clock.now() + BUSY_BACKOFF_MS;
    this.clock.setTimeout(() => {
      this.pendingAgents.add(agentId);
      this.batch(() => {});
    }, BUSY_BACKOFF_MS);
  }

  gone(e: Entry): void {
    e.log.info({ queue: e.queue.config.id }, 'interaction gone during an offer');
    this.abandon(e.interactionId);
  }

  unanswered(e: Entry, lastAgentId: string): void {
    const t = this.tracked.get(e.interactionId);
    if (t) t.round = undefined;
    e.lastTriedAgentId = lastAgentId;
    e.front = true;
    e.state = 'waiting';
    if (e.expired) {
      placeOrOverflow(this, e, '', 'max-wait');
      return;
    }
    e.queue.waiting.get(e.channel)!.insert(e);
    this.queueChanged(e.queue, e.channel);
  }

  // --- used by waiting.ts ---

  /** Marks a queue/channel for dispatch at the end of the current batch. */
  queueChanged(q: QueueState, channel: Channel): void {
    let set = this.pendingQueues.get(q);
    if (!set) {
      set = new Set();
      this.pendingQueues.set(q, set);
    }
    set.add(channel);
  }

  armMaxWait(e: Entry): void {
    startMaxWait(this, e, () => this.batch(() => placeOrOverflow(this, e, '', 'max-wait')));
  }

  /** The interaction leaves the ACD (overflowed out, abandoned, or completed). */
  done(e: Entry, exit?: QueueExit): void {
    e.state = 'done';
    this.clock.clearTimeout(e.maxWaitTimer);
    this.tracked.delete(e.interactionId);
    e.index.refs--;
    this.collect();
    if (exit) e.resolve(exit);
  }

  newSeq(): number {
    return ++this.seq;
  }

  // --- dispatch ---

  private agentChanged(a: AgentRuntime): void {
    let became = false;
    for (const idx of this.indexes.values()) if (idx.updateAvailability(a)) became = true;
    if (!became) return;
    this.pendingAgents.add(a.id);
    this.batch(() => {});
  }

  private drainPending(): void {
    for (let guard = 0; guard < 1_000_000; guard++) {
      const q = this.pendingQueues.keys().next();
      if (!q.done) {
        const channels = this.pendingQueues.get(q.value)!;
        this.pendingQueues.delete(q.value);
        for (const ch of channels) this.serveQueue(q.value, ch);
        continue;
      }
      const a = this.pendingAgents.values().next();
      if (a.done) return;
      this.pendingAgents.delete(a.value);
      this.serveAgent(a.value);
    }
    this.log.error({}, 'acd dispatch did not settle');
  }

  /** Offers the queue's head entries to its available agents until one side runs out. */
  private serveQueue(q: QueueState, channel: Channel): boolean {
    const list = q.waiting.get(channel);
    const available = q.available.get(channel);
    if (!list || !available) return false;
    let progress = false;
    const strategy = STRATEGIES[q.config.strategy] ?? STRATEGIES[0];
    while (list.size > 0 && available.size > 0) {
      const head = list.head()!;
      // One scratch array for every routed entry (a site routes hundreds of calls/s over all its agents).
      let candidates = this.scratch;
      candidates.length = 0;
      const now = this.clock.now();
      for (const id of available) {
        const a = this.agents.find(id);
        if (a?.isAvailable(channel) && a.busyUntil <= now) candidates.push(a);
      }
      if (candidates.length === 0) break;
      if (candidates.length > 1 && head.lastTriedAgentId)
        candidates = candidates.filter((a) => a.id !== head.lastTriedAgentId);
      const chosen = strategy.select(candidates, { queue: q, entry: head });
      list.remove(head);
      head.state = 'offering';
      const round = new OfferRound(this, head);
      const t = this.tracked.get(head.interactionId);
      if (t) t.round = round;
      round.start(chosen);
      progress = true;
    }
    return progress;
  }

  /** An agent became available: serve the best waiting head among its queues, per channel. */
  private serveAgent(agentId: string): void {
    const a = this.agents.find(agentId);
    if (!a || a.busyUntil > this.clock.now()) return;
    for (const cap of a.config.capacities) {
      const ch = cap.channel;
      for (let guard = 0; guard < 10_000 && a.isAvailable(ch); guard++) {
        let best: QueueState | undefined;
        let bestHead: Entry | undefined;
        for (const idx of this.indexes.values()) {
          for (const q of idx.agentQueues.get(agentId) ?? []) {
            const head = q.waiting.get(ch)?.head();
            if (!head) continue;
            if (
              !best ||
              q.config.priority > best.config.priority ||
              (q.config.priority === best.config.priority && compareEntries(head, bestHead!) < 0)
            ) {
              best = q;
              bestHead = head;
            }
          }
        }
        if (!best || !this.serveQueue(best, ch)) break;
      }
    }
  }

  private indexFor(bundle: ConfigBundle): RoutingIndex {
    let idx = this.indexes.get(bundle.version);
    if (!idx) {
      idx = new RoutingIndex(bundle);
      this.indexes.set(bundle.version, idx);
      for (const a of this.agents.all()) idx.updateAvailability(a);
    }
    return idx;
  }

  /** Drops indexes of superseded versions no interaction uses any more. */
  private collect(): void {
    for (const [v, idx] of this.indexes) if (idx !== this.current && idx.refs <= 0) this.indexes.delete(v);
  }
}
