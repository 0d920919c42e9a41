import { create } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import { type Event, EventSchema } from '@hcc/proto';
import { uuid7 } from '@hcc/shared';
import type { EventBody, EventMeta } from './sink.ts';

/** Where the envelope of an edge event takes its site, tenant, config version and time from. */
export interface EnvelopeContext {
  siteId: string;
  /** The tenant the site belongs to (from the running config). */
  tenantId: () => string;
  /** Config version in force, used when an emitter does not name one. */
  configVersion: () => bigint;
  now?: () => Date;
}

/** The context's values at one moment: read once for a group of envelopes. */
export interface EnvelopeDefaults {
  siteId: string;
  tenantId: string;
  configVersion: bigint;
  now: Date;
}

export const envelopeDefaults = (ctx: EnvelopeContext): EnvelopeDefaults => ({
  siteId: ctx.siteId,
  tenantId: ctx.tenantId(),
  configVersion: ctx.configVersion(),
  now: ctx.now?.() ?? new Date(),
});

/**
 * The Event envelope of one body as the edge sends it: a UUIDv7 id of its time, the site and
 * tenant, when it happened and the config version in force. No seq: the outbox gives journaled
 * events theirs when it writes them; a live snapshot (never journaled) carries none.
 */
export function eventEnvelope(d: EnvelopeDefaults, body: EventBody, meta?: EventMeta): Event {
  const at = meta?.occurredAt ?? d.now;
  return create(EventSchema, {
    eventId: uuid7(at.getTime()),
    tenantId: d.tenantId,
    siteId: d.siteId,
    occurredAt: timestampFromDate(at),
    configVersion: meta?.configVersion ?? d.configVersion,
    body,
  });
}
