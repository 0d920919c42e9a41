import type { Db, Logger } from '@hcc/shared';
import type { NatsConnection } from '@nats-io/transport-node';
import { type JournalContext, OutboxJournal } from './journal.ts';
import { LiveSnapshotPublisher } from './live.ts';
import { OutboxPublisher, type PublisherOptions } from './publisher.ts';
import { type QueueSnapshotInput, queueSnapshotListener } from './queue-snapshots.ts';
import { WatermarkFollower, type WatermarkOptions } from './watermark.ts';

export interface EventsPipelineOptions
  extends JournalContext,
    Omit<PublisherOptions, 'siteId'>,
    Omit<WatermarkOptions, 'siteId' | 'now'> {
  /** Pipeline clock for the watermark's stall detection (tests). */
  nowMs?: () => number;
  /** Send an unchanged queue snapshot again after this long (default 15 s). */
  snapshotRefreshMs?: number;
}

export interface EventsStatus {
  /** Last seq given to an event. */
  journaledSeq: number;
  /** Last seq the leaf's stream acknowledged. */
  publishedSeq: number;
  /** Last seq the cloud confirmed ingested (rows up to it are deleted). */
  cloudWatermark: number;
  /** When the cloud's last watermark arrived (ms since the epoch); undefined: none since start. */
  lastWatermarkAt: number | undefined;
  /** Queue snapshots published live, and those the connection refused (dropped). */
  liveSnapshots: { published: number; failed: number };
}

/**
 * The edge's events flow: journal (outbox) -> publisher (leaf stream) <- watermark (cleanup); and,
 * beside it, queue snapshots for the live wallboard, published as they come and never journaled.
 */
export interface EventsPipeline {
  readonly journal: OutboxJournal;
  readonly publisher: OutboxPublisher;
  readonly watermark: WatermarkFollower;
  /** Publishes queue snapshots on the site's live subject (core NATS, nothing stored). */
  readonly live: LiveSnapshotPublisher;
  /** The listener for the ACD observer's `queueSnapshot`: throttled, then published live. */
  readonly onQueueSnapshot: (s: QueueSnapshotInput) => void;
  /** Events journaled and not yet confirmed by the cloud (the heartbeat's outbox_backlog). */
  backlog(): number;
  /** Where the outbox stands (the edge's status page). */
  status(): EventsStatus;
  stop(): Promise<void>;
}

/**
 * Builds and starts the events pipeline. The journal is usable as soon as this resolves, with or
 * without NATS: events wait in the outbox until the leaf takes them.
 */
export async function startEventsPipeline(
  db: Db,
  nc: NatsConnection,
  opts: EventsPipelineOptions,
  log: Logger,
): Promise<EventsPipeline> {
  const publisher = new OutboxPublisher(db, nc, { ...opts }, log.child({ module: 'events-publisher' }));
  const journal = new OutboxJournal(db, opts, (committed) => publisher.offer(committed));
  await journal.init();
  const watermark = new WatermarkFollower(
    db,
    publisher,
    { siteId: opts.siteId, resendAfterMs: opts.resendAfterMs, now: opts.nowMs },
    log.child({ module: 'events-watermark' }),
  );
  await publisher.start();
  await watermark.start(nc);
  const live = new LiveSnapshotPublisher(nc, opts, log.child({ module: 'events-live' }));
  return {
    journal,
    publisher,
    watermark,
    live,
    onQueueSnapshot: queueSnapshotListener(live, { refreshMs: opts.snapshotRefreshMs }),
    backlog: () => Math.max(0, publisher.lastSeq - watermark.current),
    status: () => ({
      journaledSeq: publisher.lastSeq,
      publishedSeq: publisher.publishedSeq,
      cloudWatermark: watermark.current,
      lastWatermarkAt: watermark.receivedAt,
      liveSnapshots: { published: live.published, failed: live.failed },
    }),
    async stop() {
      await watermark.stop();
      await publisher.stop();
    },
  };
}

/** The status page's view: the seqs, and how many events wait for the leaf and for the cloud. */
export function eventsStatusView(s: EventsStatus) {
  return {
    journaled_seq: s.journaledSeq,
    published_seq: s.publishedSeq,
    cloud_watermark: s.cloudWatermark,
    unpublished: Math.max(0, s.journaledSeq - s.publishedSeq),
    unconfirmed: Math.max(0, s.journaledSeq - s.cloudWatermark),
    last_watermark_at: s.lastWatermarkAt === undefined ? null : new Date(s.lastWatermarkAt).toISOString(),
    live_snapshots: s.liveSnapshots,
  };
}
