/**
 * Ringing and answered events of calls that ring an agent without the ACD (which reports them for
 * queued calls): an agent-to-agent call (the `agentCall` pipeline step) and a customer call sent
 * straight to an agent (a DID or a transfer to an agent); and the not-ready reason such a call
 * applies when the agent misses it.
 */
import { Channel, type ConfigBundle } from '@hcc/proto';
import type { SipStack } from '../sip/index.ts';
import type { CallServices } from './types.ts';

export interface DirectCallRef {
  interactionId: string;
  configVersion: bigint;
  agentId: string;
}

/** AgentRinging (once) and Answered (once, with the wait since this was made) of one direct call. */
export function directCallEvents(svc: Pick<CallServices, 'observer' | 'clock'>, ref: DirectCallRef) {
  const { observer, clock } = svc;
  const base = {
    interactionId: ref.interactionId,
    channel: Channel.VOICE,
    configVersion: ref.configVersion,
    agentId: ref.agentId,
    queueId: '',
  };
  const started = clock.now();
  let rang = false;
  let answered = false;
  return {
    ringing(): void {
      if (rang) return;
      rang = true;
      observer.emit('agentRinging', { ...base, attempt: 1 });
    },
    answered(): void {
      if (answered) return;
      answered = true;
      observer.emit('answered', { ...base, waitMs: BigInt(Math.max(0, clock.now() - started)) });
    },
  };
}

/**
 * A copy of `svc` whose stack reports the first 18x (ringing) and the 2xx (answered) of the INVITEs
 * it sends: for the agent-to-agent call, which dials through the stack it is given. The decorated
 * stack sends exactly what the real one would.
 */
export function withDirectCallEvents(svc: CallServices, ref: DirectCallRef): CallServices {
  const ev = directCallEvents(svc, ref);
  const stack = Object.create(svc.stack) as SipStack;
  stack.send = (req, opts) => {
    const out = svc.stack.send(req, opts);
    if (req.method !== 'INVITE') return out;
    out.onProvisional((r) => {
      if (r.status >= 180) ev.ringing();
    });
    void out.final.then((r) => {
      if (r.status >= 200 && r.status < 300) ev.answered();
    });
    return out;
  };
  return { ...svc, stack };
}

/**
 * The not-ready reason for an agent who missed a call rung straight at it (no answer, or its device
 * unreachable): as a queue would, the `ringNoAnswerReasonId` of the highest-priority queue the agent
 * is eligible for (every required skill at its level) that sets one. Undefined: the agent stays ready.
 */
export function directNoAnswerReason(bundle: ConfigBundle, agentId: string): string | undefined {
  const agent = bundle.agents.find((a) => a.id === agentId);
  if (!agent) return undefined;
  const level = new Map(agent.skills.map((s) => [s.skillId, s.level]));
  const eligible = bundle.queues
    .filter((q) => q.ringNoAnswerReasonId)
    .filter((q) => q.requiredSkills.every((r) => (level.get(r.skillId) ?? 0) >= r.minLevel));
  eligible.sort((a, b) => b.priority - a.priority);
  return eligible[0]?.ringNoAnswerReasonId;
}
