/**
 * Consulting a queue: the ACD's view picks a free agent of the queue now (its strategy and skills),
 * who is then RESERVED, RINGING and ON_CALL for the consultation like any offer, and freed when the
 * consultation fails or ends, or handed the customer by the attended transfer. There is no waiting
 * in the queue: nobody free means the consultation fails at once with a reason the desktop shows.
 */
import { type Agent, AgentStateCause as Cause, Channel, type ConfigBundle, type Queue } from '@hcc/proto';
import { pickConsultAgent } from '../queue/index.ts';
import type { DialFailure } from './dialer.ts';
import type { CallServices } from './types.ts';

/** The consulted agent's work item on the consultation's own interaction id. */
export class ConsultWork {
  private state: 'reserved' | 'ringing' | 'on-call' | 'done' = 'reserved';

  constructor(
    private readonly svc: Pick<CallServices, 'agents'>,
    readonly queue: Queue,
    readonly agentId: string,
    readonly interactionId: string,
  ) {}

  ringing(): void {
    if (this.state !== 'reserved') return;
    this.state = 'ringing';
    this.svc.agents.ringing(this.agentId, this.interactionId);
  }

  answered(): void {
    if (this.state === 'done' || this.state === 'on-call') return;
    this.state = 'on-call';
    this.svc.agents.answered(this.agentId, this.interactionId);
  }

  /** The consultation was never answered: free the agent (missed: not ready, as a queue's offer). */
  failed(result: DialFailure | 'timeout'): void {
    if (this.state === 'done') return;
    this.state = 'done';
    const rna = this.queue.ringNoAnswerReasonId;
    const missed = result === 'timeout' || result === 'no-answer' || result === 'unreachable';
    this.svc.agents.release(this.agentId, this.interactionId, {
      cause:
        result === 'unreachable'
          ? Cause.DEVICE
          : result === 'cancelled'
            ? Cause.ROUTING
            : Cause.RING_NO_ANSWER,
      ...(missed && rna ? { notReadyReasonId: rna } : {}),
    });
  }

  /** The consultation is over (hung up, or its agent now works on the customer's call): free at once. */
  end(): void {
    if (this.state === 'done') return;
    this.state = 'done';
    this.svc.agents.endInteraction(this.agentId, this.interactionId, 0);
  }
}

export type QueuePick =
  | { kind: 'picked'; agent: Agent; work: ConsultWork }
  | { kind: 'none'; reason: string };

/** Picks and reserves a free agent of `queue` for consultation `id` (never the consulting agent). */
export function reserveQueueAgent(
  svc: Pick<CallServices, 'acd' | 'agents'>,
  bundle: ConfigBundle,
  queue: Queue,
  fromAgentId: string,
  id: string,
): QueuePick {
  const none = { kind: 'none' as const, reason: `No agent available in ${queue.name || queue.id}` };
  const agentId = pickConsultAgent(svc.acd, queue.id, Channel.VOICE, fromAgentId);
  const agent = agentId ? bundle.agents.find((a) => a.id === agentId) : undefined;
  if (!agent) return none;
  svc.agents.reserve(agent.id, {
    interactionId: id,
    channel: Channel.VOICE,
    queueId: queue.id,
    configVersion: bundle.version,
  });
  return { kind: 'picked', agent, work: new ConsultWork(svc, queue, agent.id, id) };
}
