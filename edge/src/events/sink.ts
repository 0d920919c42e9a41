import type { Event } from '@hcc/proto';

/** The body of an event: one case of the Event envelope's `oneof body`. */
export type EventBody = Exclude<Event['body'], { case: undefined }>;

/** Envelope values the emitter may set; the sink fills the rest (id, tenant, site, seq). */
export interface EventMeta {
  /** When the state change happened (default: now). */
  occurredAt?: Date;
  /** Config version in force for it (default: the sink's current version). */
  configVersion?: bigint;
}

/**
 * Where edge code sends the events it observes. The production implementation is the outbox
 * journal (`./journal.ts`): the event is durable in the edge database when `emit` resolves, and
 * reaches the cloud exactly once in effect, even across WAN cuts and crashes.
 */
export interface EventSink {
  emit(body: EventBody, meta?: EventMeta): Promise<void>;
}
