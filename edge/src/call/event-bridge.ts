/**
 * Listens on the call, IVR, ACD and agent observers (never in the call flow's path) and journals
 * every state change as an hcc.events.v1 body. Writes are coalesced: everything observed within one
 * flush interval goes into one journal statement. The Ended event is not written here: the CDR
 * store writes it in the CDR's own transaction.
 */
import type { Clock, Logger, Observer, TimerHandle } from '@hcc/shared';
import type { AgentEvents } from '../agent/events.ts';
import type { EventBody, EventMeta } from '../events/index.ts';
import type { IvrEvents } from '../ivr/index.ts';
import type { AcdEvents } from '../queue/index.ts';
import { bodies } from './event-bodies.ts';
import type { CallEvents } from './events.ts';
import type { EventJournal } from './store.ts';
import { type TrunkHealthEvents, trunkStatusBody } from './trunks/index.ts';

export interface BridgeSources {
  call: Observer<CallEvents>;
  ivr?: Observer<IvrEvents>;
  acd?: Observer<AcdEvents>;
  agents?: Observer<AgentEvents>;
  /** Trunk health (OPTIONS pings): TrunkStatusChanged. */
  trunks?: Observer<TrunkHealthEvents>;
}

export class EventBridge {
  private pending: { body: EventBody; meta: EventMeta }[] = [];
  private timer: TimerHandle | undefined;
  private flushing: Promise<void> = Promise.resolve();
  private readonly offs: Array<() => void> = [];
  written = 0;
  failed = 0;

  constructor(
    private readonly journal: EventJournal,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly intervalMs = 20,
  ) {}

  attach(s: BridgeSources): this {
    const at = (v: bigint) => ({ occurredAt: new Date(this.clock.now()), configVersion: v });
    const add = (body: EventBody, v: bigint) => this.add(body, at(v));
    this.offs.push(
      s.call.on('offered', (e) => add(bodies.offered(e), e.configVersion)),
      s.call.on('held', (e) => add(bodies.held(e), e.configVersion)),
      s.call.on('resumed', (e) => add(bodies.resumed(e), e.configVersion)),
      s.call.on('transferred', (e) => add(bodies.transferred(e), e.configVersion)),
      s.call.on('abandoned', (e) => add(bodies.ivrAbandoned(e), e.configVersion)),
      s.call.on('agentRinging', (e) => add(bodies.agentRinging(e), e.configVersion)),
      s.call.on('answered', (e) => add(bodies.answered(e), e.configVersion)),
      s.call.on('dialLimitHit', (e) => add(bodies.dialLimitHit(e), e.configVersion)),
    );
    if (s.ivr) this.offs.push(s.ivr.on('ivrChoice', (e) => add(bodies.ivrChoice(e), e.configVersion)));
    if (s.acd)
      this.offs.push(
        s.acd.on('queued', (e) => add(bodies.queued(e), e.configVersion)),
        s.acd.on('agentRinging', (e) => add(bodies.agentRinging(e), e.configVersion)),
        s.acd.on('answered', (e) => add(bodies.answered(e), e.configVersion)),
        s.acd.on('abandoned', (e) => add(bodies.queueAbandoned(e), e.configVersion)),
      );
    if (s.agents)
      this.offs.push(s.agents.on('agentStateChanged', (e) => add(bodies.agentState(e), e.configVersion)));
    if (s.trunks)
      this.offs.push(s.trunks.on('trunkStatusChanged', (e) => add(trunkStatusBody(e), e.configVersion)));
    return this;
  }

  private add(body: EventBody, meta: EventMeta): void {
    this.pending.push({ body, meta });
    this.timer ??= this.clock.setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, this.intervalMs);
  }

  /** Writes what is pending (also called on shutdown). */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(async () => {
      const batch = this.pending;
      if (batch.length === 0) return;
      this.pending = [];
      try {
        await this.journal.write([], batch); // one INSERT, no BEGIN/COMMIT round trips
        this.written += batch.length;
      } catch (err) {
        this.failed += batch.length;
        this.log.error({ err, events: batch.length }, 'events journal write failed');
      }
    });
    return this.flushing;
  }

  async close(): Promise<void> {
    for (const off of this.offs) off();
    this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    await this.flush();
  }
}
