/** The ACD: queues, routing strategies and offers to agents through AgentOfferPort. */
export { pickConsultAgent } from './consult-pick.ts';
export { AcdError, ChannelNotAcceptedError, DuplicateInteractionError, UnknownQueueError } from './errors.ts';
export type { AcdEvents, InteractionRef } from './events.ts';
export { DEFAULT_RING_TIMEOUT_S, RingTimeoutError } from './offer.ts';
export type {
  AgentOfferPort,
  InteractionView,
  OfferRequest,
  OfferResult,
  OverflowTarget,
  QueueExit,
} from './ports.ts';
export { Acd, type AcdDeps, type EnqueueRequest } from './router.ts';
export { queueSnapshot, snapshotAll, startSnapshots, type WaitEstimate, waitEstimate } from './stats.ts';
export { STRATEGIES } from './strategies/index.ts';
