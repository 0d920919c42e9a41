/**
 * What the ACD needs from the call layer: ringing an agent's devices for an interaction. The call
 * layer (B2BUA session for voice; later chat/email) implements `AgentOfferPort`.
 */
import type { Channel, Device } from '@hcc/proto';

/** The interaction as an offer describes it (no PII: ids only). */
export interface InteractionView {
  interactionId: string;
  channel: Channel;
  queueId: string;
  priority: number;
  configVersion: bigint;
}

export interface OfferRequest {
  interaction: InteractionView;
  agent: { id: string; extension: string };
  /** The agent's devices from the config in force; ring them all. */
  devices: readonly Device[];
  /** 1 for the first agent tried for this interaction in this queue, then 2, ... */
  attempt: number;
  /**
   * Aborted when the ACD gives up on this agent: ring timeout, the caller left, or another agent
   * won a ring-all. The port then cancels the ringing (SIP CANCEL) and resolves 'cancelled'.
   */
  signal: AbortSignal;
  /** Call when the devices alert (e.g. 180 Ringing): RESERVED -> RINGING. */
  ringing(): void;
  /**
   * Call when a device answers, BEFORE connecting it. true: connect (the agent is ON_CALL now);
   * false: the interaction is gone or taken by another agent, so hang this leg up.
   */
  claim(): boolean;
}

/**
 * How an offer ended. `gone`: the interaction itself no longer exists (its caller left before or while
 * the agent rang): the ACD abandons it instead of offering it to the next agent.
 */
export type OfferResult = 'answered' | 'no-answer' | 'busy' | 'unreachable' | 'cancelled' | 'gone';

export interface AgentOfferPort {
  /** Rings the agent's devices; resolves with how the offer ended. Must not throw for call failures. */
  offer(req: OfferRequest): Promise<OfferResult>;
}

/** Where an interaction goes when it leaves the queue other than to an agent. */
export type OverflowTarget =
  | { kind: 'mailbox'; mailboxId: string }
  | { kind: 'flowNode'; flowId: string; nodeId: string }
  | { kind: 'hangup' };

/** How `Acd.enqueue` ends for the call layer. */
export type QueueExit =
  | { kind: 'answered'; agentId: string; queueId: string; waitMs: number }
  | { kind: 'overflow'; target: OverflowTarget; fromQueueId: string }
  | { kind: 'abandoned'; queueId: string };

/**
 * The offer port until the call layer (edge/src/call) exists: every offer fails as unreachable and
 * says so in the log. Nothing enqueues before the call layer does, so it is never reached in practice.
 */
export function noCallLayerOfferPort(log: { error(o: object, m?: string): void }): AgentOfferPort {
  return {
    async offer(req) {
      log.error(
        { agent: req.agent.id, interaction: req.interaction.interactionId },
        'no call layer to offer to',
      );
      return 'unreachable';
    },
  };
}
