/** Test helpers for the ACD: bundles, a controllable offer port, and a harness on a fake clock. */
import { create, type MessageInitShape } from '@bufbuild/protobuf';
import { Channel, type ConfigBundle, ConfigBundleSchema, QueueEntry, RoutingStrategy } from '@hcc/proto';
import { FakeClock, flush, Observer, silentLogger } from '@hcc/shared';
import type { AgentEvents } from '../src/agent/events.ts';
import { AgentRegistry } from '../src/agent/registry.ts';
import type { AcdEvents } from '../src/queue/events.ts';
import type { AgentOfferPort, OfferRequest, OfferResult, QueueExit } from '../src/queue/ports.ts';
import { Acd } from '../src/queue/router.ts';

type Init = MessageInitShape<typeof ConfigBundleSchema>;
type QueueInit = NonNullable<Init['queues']>[number];
type AgentInit = NonNullable<Init['agents']>[number];

export function agent(id: string, skills: Record<string, number>, extra: Partial<AgentInit> = {}): AgentInit {
  return {
    id,
    extension: id.replace(/\D/g, '') || '100',
    skills: Object.entries(skills).map(([skillId, level]) => ({ skillId, level })),
    devices: [{ id: 'desk', kind: { case: 'browser', value: {} } }],
    capacities: [{ channel: Channel.VOICE, maxConcurrent: 1 }],
    ...extra,
  } as AgentInit;
}

export function queue(id: string, extra: Partial<QueueInit> = {}): QueueInit {
  return {
    id,
    name: id,
    channels: [Channel.VOICE],
    requiredSkills: [{ skillId: id, minLevel: 1 }],
    strategy: RoutingStrategy.LONGEST_IDLE,
    ringTimeoutSeconds: 15,
    ringNoAnswerReasonId: 'missed',
    ...extra,
  } as QueueInit;
}

export function acdBundle(
  o: { version?: bigint; queues: QueueInit[]; agents: AgentInit[] } & Partial<Init>,
): ConfigBundle {
  const skills = new Set<string>();
  for (const a of o.agents) for (const s of a.skills ?? []) skills.add(s.skillId ?? '');
  for (const q of o.queues) for (const s of q.requiredSkills ?? []) skills.add(s.skillId ?? '');
  return create(ConfigBundleSchema, {
    tenantId: 'acme',
    siteId: 'hq',
    site: { name: 'HQ', timeZone: 'Europe/Amsterdam', locale: 'en-US' },
    skills: [...skills].map((id) => ({ id, name: id })),
    notReadyReasons: [
      { id: 'break', name: 'Break' },
      { id: 'lunch', name: 'Lunch' },
      { id: 'missed', name: 'Missed' },
    ],
    mailboxes: [{ id: 'general', name: 'General' }],
    ...o,
    version: o.version ?? 1n,
  } as Init);
}

interface PendingOffer {
  req: OfferRequest;
  resolve: (r: OfferResult) => void;
  result?: OfferResult;
}

/** An offer port the test drives: ring, answer, refuse. Aborted offers resolve 'cancelled'. */
export class FakeOfferPort implements AgentOfferPort {
  readonly offers: PendingOffer[] = [];
  /** Ring on offer (emit `ringing()` at once). */
  autoRing = true;

  offer(req: OfferRequest): Promise<OfferResult> {
    return new Promise((resolve) => {
      const p: PendingOffer = {
        req,
        resolve: (r) => {
          p.result ??= r;
          resolve(r);
        },
      };
      this.offers.push(p);
      req.signal.addEventListener('abort', () => p.resolve('cancelled'), { once: true });
      if (this.autoRing) req.ringing();
    });
  }

  /** Open offers (not resolved) as "agent/interaction". */
  get open(): string[] {
    return this.offers
      .filter((o) => !o.result)
      .map((o) => `${o.req.agent.id}/${o.req.interaction.interactionId}`);
  }

  private find(agentId: string, interactionId?: string): PendingOffer {
    const p = this.offers.find(
      (o) =>
        !o.result &&
        o.req.agent.id === agentId &&
        (!interactionId || o.req.interaction.interactionId === interactionId),
    );
    if (!p) throw new Error(`no open offer to ${agentId}`);
    return p;
  }

  /** The agent picks up: claim, then resolve like the call layer would. */
  answer(agentId: string, interactionId?: string): boolean {
    const p = this.find(agentId, interactionId);
    const won = p.req.claim();
    p.resolve(won ? 'answered' : 'cancelled');
    return won;
  }

  refuse(agentId: string, result: OfferResult, interactionId?: string): void {
    this.find(agentId, interactionId).resolve(result);
  }
}

export function harness(bundle: ConfigBundle) {
  const clock = new FakeClock();
  const agentObserver = new Observer<AgentEvents>();
  const observer = new Observer<AcdEvents>();
  const agents = new AgentRegistry({ clock, observer: agentObserver, log: silentLogger });
  const port = new FakeOfferPort();
  const acd = new Acd({ clock, agents, offers: port, observer, log: silentLogger });
  acd.applyConfig(bundle);
  const events: string[] = [];
  const states: AgentEvents['agentStateChanged'][] = [];
  agentObserver.on('agentStateChanged', (e) => states.push(e));
  for (const k of ['queued', 'agentRinging', 'answered', 'abandoned', 'overflowed'] as const)
    observer.on(k, (e) => events.push(`${k}:${e.interactionId}`));
  const exits = new Map<string, QueueExit>();
  let current = bundle;
  return {
    clock,
    agents,
    acd,
    port,
    observer,
    events,
    states,
    exits,
    apply(b: ConfigBundle) {
      current = b;
      acd.applyConfig(b);
    },
    /** Logs agents in and makes them READY. */
    ready(...ids: string[]) {
      for (const id of ids) {
        agents.login(id);
        agents.setReady(id);
      }
    },
    enqueue(
      id: string,
      queueId: string,
      o: { priority?: number; channel?: Channel; bundle?: ConfigBundle } = {},
    ) {
      const p = acd.enqueue({
        interactionId: id,
        channel: o.channel ?? Channel.VOICE,
        bundle: o.bundle ?? current,
        queueId,
        ...(o.priority !== undefined ? { priority: o.priority } : {}),
        entry: QueueEntry.FLOW,
        log: silentLogger,
      });
      p.then((x) => exits.set(id, x)).catch(() => {});
      return p;
    },
    flush,
  };
}
