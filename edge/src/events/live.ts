import { encodeEvent, type QueueSnapshot } from '@hcc/proto';
import { type Logger, names } from '@hcc/shared';
import type { NatsConnection } from '@nats-io/transport-node';
import { type EnvelopeContext, envelopeDefaults, eventEnvelope } from './envelope.ts';
import type { EventMeta } from './sink.ts';

export interface LivePublisherOptions {
  /** At most one warning per this period while publishing fails (default 60 s). */
  warnEveryMs?: number;
}

/**
 * Sends queue snapshots for the cloud's live wallboard: the Event envelope (built as the journal
 * builds it, seq 0) as one plain core-NATS publish on `hcc.live.<site>`. Nothing is journaled or
 * kept: a latest-value view needs the newest figures quickly and nothing while the WAN is down
 * (the leaf drops what no one hears; the wallboard marks the site stale). The site account exports
 * exactly this subject to the cloud account.
 */
export class LiveSnapshotPublisher {
  private readonly subject: string;
  /** Snapshots handed to the connection, and those it refused (closed or draining). */
  published = 0;
  failed = 0;
  private warnedAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly nc: NatsConnection,
    private readonly ctx: EnvelopeContext,
    private readonly log: Logger,
    private readonly opts: LivePublisherOptions = {},
  ) {
    this.subject = names.liveSubject(ctx.siteId);
  }

  /** Publishes one snapshot now; false when the connection refused it (it is dropped). */
  publish(value: QueueSnapshot, meta?: EventMeta): boolean {
    const event = eventEnvelope(envelopeDefaults(this.ctx), { case: 'queueSnapshot', value }, meta);
    try {
      this.nc.publish(this.subject, encodeEvent(event));
      this.published++;
      return true;
    } catch (err) {
      this.failed++;
      const now = Date.now();
      if (now - this.warnedAt >= (this.opts.warnEveryMs ?? 60_000)) {
        this.warnedAt = now;
        this.log.warn(
          { err: err instanceof Error ? err.name : 'unknown', failed: this.failed },
          'queue snapshot not published',
        );
      }
      return false;
    }
  }
}
