/**
 * One round of ringing for one entry: one agent, or several at once for ring-all. The ring timer
 * runs on the ACD's clock; the first agent to claim wins and every other leg is aborted. A port
 * that never resolves cannot hold the interaction: the timer settles the round on its own.
 */
import { AgentStateCause as Cause } from '@hcc/proto';
import type { Clock, Logger, Observer, TimerHandle } from '@hcc/shared';
import type { AgentRuntime } from '../agent/agent.ts';
import type { AgentRegistry } from '../agent/registry.ts';
import type { Entry } from './entry.ts';
import type { AcdEvents } from './events.ts';
import type { AgentOfferPort, OfferResult } from './ports.ts';

export const DEFAULT_RING_TIMEOUT_S = 20;

export interface OfferHost {
  readonly clock: Clock;
  readonly agents: AgentRegistry;
  readonly port: AgentOfferPort;
  readonly observer: Observer<AcdEvents>;
  /** Runs fn with dispatching deferred to its end (so the entry is requeued before agents free up). */
  batch(fn: () => void): void;
  answered(entry: Entry, agentId: string): void;
  /** Nobody answered: requeue at the front (or overflow if the max wait passed meanwhile). */
  unanswered(entry: Entry, lastAgentId: string): void;
  /** The port found the interaction gone: abandon it (cancels this round, frees its agents). */
  gone(entry: Entry): void;
  /** The agent's device answered busy: offer it nothing for a while (it stays ready). */
  busyDevice(agentId: string): void;
}

type LegState = 'reserved' | 'ringing' | 'failed';

interface Leg {
  readonly ac: AbortController;
  state: LegState;
}

export class RingTimeoutError extends Error {
  override readonly name = 'RingTimeoutError';
}

export class OfferRound {
  private settled = false;
  private readonly legs = new Map<string, Leg>();
  private timer: TimerHandle | undefined;
  private readonly log: Logger;

  constructor(
    private readonly host: OfferHost,
    private readonly entry: Entry,
  ) {
    this.log = entry.log;
  }

  /** Reserves the agents and asks the port to ring them. */
  start(agents: readonly AgentRuntime[]): void {
    const e = this.entry;
    const q = e.queue.config;
    e.attempts++;
    const attempt = e.attempts;
    const ringMs = (q.ringTimeoutSeconds || DEFAULT_RING_TIMEOUT_S) * 1000;
    this.timer = this.host.clock.setTimeout(() => this.timeout(), ringMs);
    for (const a of agents) {
      this.legs.set(a.id, { ac: new AbortController(), state: 'reserved' });
      this.host.agents.reserve(a.id, {
        interactionId: e.interactionId,
        channel: e.channel,
        queueId: q.id,
        configVersion: e.index.version,
      });
    }
    for (const a of agents) {
      const leg = this.legs.get(a.id)!;
      this.log.debug({ agent: a.id, queue: q.id, attempt }, 'offering');
      let p: Promise<OfferResult>;
      try {
        p = this.host.port.offer({
          interaction: {
            interactionId: e.interactionId,
            channel: e.channel,
            queueId: q.id,
            priority: e.priority,
            configVersion: e.index.version,
          },
          agent: { id: a.id, extension: a.config.extension },
          devices: a.config.devices,
          attempt,
          signal: leg.ac.signal,
          ringing: () => this.ringing(a.id),
          claim: () => this.claim(a.id),
        });
      } catch (err) {
        p = Promise.reject(err);
      }
      p.then(
        (r) => this.result(a.id, r),
        (err: unknown) => {
          this.log.warn({ agent: a.id, err: String(err) }, 'offer port failed');
          this.result(a.id, 'unreachable');
        },
      );
    }
  }

  /** The caller left while ringing: free every agent (back to their presence). Returns an agent rung. */
  cancel(): string {
    if (this.settled) return '';
    this.settle();
    let agentId = '';
    this.host.batch(() => {
      for (const [id, leg] of this.legs) {
        if (leg.state === 'failed') continue;
        agentId ||= id;
        leg.ac.abort(new DOMException('interaction gone', 'AbortError'));
        this.host.agents.release(id, this.entry.interactionId, { cause: Cause.ROUTING });
      }
    });
    return agentId;
  }

  private ringing(agentId: string): void {
    const leg = this.legs.get(agentId);
    if (this.settled || !leg || leg.state !== 'reserved') return;
    leg.state = 'ringing';
    const e = this.entry;
    this.host.agents.ringing(agentId, e.interactionId);
    this.host.observer.emit('agentRinging', {
      interactionId: e.interactionId,
      channel: e.channel,
      configVersion: e.index.version,
      agentId,
      queueId: e.queue.config.id,
      attempt: e.attempts,
    });
  }

  private claim(agentId: string): boolean {
    const leg = this.legs.get(agentId);
    if (this.settled || !leg || leg.state === 'failed') return false;
    this.settle();
    this.host.batch(() => {
      this.host.agents.answered(agentId, this.entry.interactionId);
      for (const [id, other] of this.legs) {
        if (id === agentId || other.state === 'failed') continue;
        other.ac.abort(new DOMException('answered elsewhere', 'AbortError'));
        this.host.agents.release(id, this.entry.interactionId, { cause: Cause.ROUTING });
      }
      this.host.answered(this.entry, agentId);
    });
    return true;
  }

  private result(agentId: string, r: OfferResult): void {
    if (r === 'answered') {
      if (!this.settled && this.claim(agentId))
        this.log.warn({ agent: agentId }, 'port answered without claim');
      return;
    }
    const leg = this.legs.get(agentId);
    if (this.settled || !leg || leg.state === 'failed') return;
    if (r === 'gone') {
      // Never back to the queue: every later offer would fail the same way, at once, forever.
      this.host.gone(this.entry);
      return;
    }
    leg.state = 'failed';
    const allFailed = [...this.legs.values()].every((l) => l.state === 'failed');
    this.host.batch(() => {
      if (allFailed) {
        this.settle();
        this.host.unanswered(this.entry, agentId);
      }
      this.releaseFailed(agentId, r);
    });
  }

  private timeout(): void {
    if (this.settled) return;
    this.settle();
    this.timer = undefined;
    let last = '';
    this.host.batch(() => {
      const ringing = [...this.legs].filter(([, l]) => l.state !== 'failed');
      for (const [id] of ringing) last = id;
      this.host.unanswered(this.entry, last);
      for (const [id, leg] of ringing) {
        leg.state = 'failed';
        leg.ac.abort(new RingTimeoutError('ring timeout'));
        this.releaseFailed(id, 'no-answer');
      }
    });
  }

  private releaseFailed(agentId: string, r: OfferResult): void {
    const rna = this.entry.queue.config.ringNoAnswerReasonId;
    const id = this.entry.interactionId;
    this.log.info({ agent: agentId, result: r }, 'offer not answered');
    if (r === 'no-answer')
      this.host.agents.release(agentId, id, {
        cause: Cause.RING_NO_ANSWER,
        ...(rna ? { notReadyReasonId: rna } : {}),
      });
    else if (r === 'unreachable')
      this.host.agents.release(agentId, id, { cause: Cause.DEVICE, notReadyReasonId: rna });
    else {
      // A busy device is left alone for a while, or the entry (back at the queue's front) would be
      // offered to it again at once, as often as the network allows, while it is the only agent free.
      if (r === 'busy') this.host.busyDevice(agentId);
      this.host.agents.release(agentId, id, { cause: Cause.ROUTING });
    }
  }

  private settle(): void {
    this.settled = true;
    this.host.clock.clearTimeout(this.timer);
  }
}
