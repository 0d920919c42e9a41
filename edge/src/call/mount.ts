/**
 * Puts the call layer on a SIP stack: in-dialog requests of its legs first, then the INVITE
 * pipeline, and the ACD's offer port that rings agents for queued calls.
 */
import type { AgentOfferPort } from '../queue/index.ts';
import type { Handler, SipStack } from '../sip/index.ts';
import { inDialogRequests } from './in-dialog.ts';
import { inboundPipeline, type PipelineDeps } from './pipeline.ts';
import type { CallRegistry } from './registry.ts';
import type { CallSession } from './session.ts';
import type { LegRef } from './types.ts';

/** AgentOfferPort of the voice channel: the call session of the interaction rings the agent. */
export function callOfferPort(registry: CallRegistry<CallSession, LegRef>): AgentOfferPort {
  return {
    async offer(req) {
      const s = registry.session(req.interaction.interactionId);
      if (!s) return 'gone';
      return s.peers.offer(req);
    },
  };
}

/** Registers the call layer's handlers; returns the pipeline step names (logged at start). */
export function mountCallLayer(stack: SipStack, d: PipelineDeps): string[] {
  const steps = inboundPipeline(d);
  stack.use(inDialogRequests(d.svc));
  stack.use('INVITE', ...steps.map((s) => s.handler));
  const ack: Handler = () => {};
  stack.use('ACK', ack);
  return steps.map((s) => s.name);
}
