import { create } from '@bufbuild/protobuf';
import { timestampFromDate } from '@bufbuild/protobuf/wkt';
import { EventSchema, encodeEvent } from '@hcc/proto';
import { names, uuid7 } from '@hcc/shared';
import { jetstream } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { EventBody, EventMeta, EventSink } from '../events/sink.ts';

export interface DirectSinkContext {
  siteId: string;
  /** The tenant of the running config ('' before the first one). */
  tenantId: () => string;
  configVersion: () => bigint;
}

/**
 * INTERIM EventSink: publishes each event straight to the edge's leaf stream with JetStream
 * (message id = event id), with no outbox. An event emitted while the leaf is unreachable is lost;
 * `seq` is 0 (no dense outbox sequence). Used for config reports and heartbeats until the durable
 * outbox journal (events/journal.ts) is wired in its place; the interface is the same.
 */
export class DirectJetStreamSink implements EventSink {
  private readonly js;

  constructor(
    nc: NatsConnection,
    private readonly ctx: DirectSinkContext,
  ) {
    this.js = jetstream(nc);
  }

  async emit(body: EventBody, meta: EventMeta = {}): Promise<void> {
    const event = create(EventSchema, {
      eventId: uuid7(),
      tenantId: this.ctx.tenantId(),
      siteId: this.ctx.siteId,
      seq: 0n,
      occurredAt: timestampFromDate(meta.occurredAt ?? new Date()),
      configVersion: meta.configVersion ?? this.ctx.configVersion(),
      body,
    });
    await this.js.publish(
      names.eventSubject(this.ctx.siteId, names.eventKind(body.case)),
      encodeEvent(event),
      {
        msgID: event.eventId,
        timeout: 5000,
      },
    );
  }
}
