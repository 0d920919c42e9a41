import { decodeIngestWatermark } from '@hcc/proto';
import { type Db, type Logger, names } from '@hcc/shared';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { eq, lte, sql } from 'drizzle-orm';
import { eventOutbox, eventOutboxState } from '../db/schema.ts';
import type { OutboxPublisher } from './publisher.ts';

export interface WatermarkOptions {
  siteId: string;
  /**
   * The cloud is alive (watermarks keep arriving) but the watermark has not moved for this long
   * while we have published past it: the local stream lost messages (nats-server 2.9 syncs to disk
   * every 60 s), so send again from the watermark.
   */
  resendAfterMs?: number;
  now?: () => number;
}

/**
 * Follows the cloud's ingest watermark for this site: deletes outbox rows it covers (and only
 * those), and rewinds the publisher when the watermark is stuck behind what was published.
 */
export class WatermarkFollower {
  private watermark = 0;
  private lastAdvance = 0;
  private lastReceived: number | undefined;
  private sub: Subscription | undefined;
  private loop: Promise<void> | undefined;
  private applying: Promise<void> = Promise.resolve();

  constructor(
    private readonly db: Db,
    private readonly publisher: OutboxPublisher,
    private readonly opts: WatermarkOptions,
    private readonly log: Logger,
  ) {}

  get current(): number {
    return this.watermark;
  }

  /** When the cloud's last watermark for this site arrived (ms since the epoch), if one has. */
  get receivedAt(): number | undefined {
    return this.lastReceived;
  }

  async start(nc: NatsConnection): Promise<void> {
    const [state] = await this.db
      .select({ watermark: eventOutboxState.watermark })
      .from(eventOutboxState)
      .where(eq(eventOutboxState.siteId, this.opts.siteId));
    this.watermark = state?.watermark ?? 0;
    this.lastAdvance = this.now();
    const sub = nc.subscribe(names.watermarkSubject(this.opts.siteId));
    this.sub = sub;
    this.loop = (async () => {
      for await (const m of sub) {
        let seq: number;
        try {
          const wm = decodeIngestWatermark(m.data);
          if (wm.siteId !== this.opts.siteId) continue;
          seq = Number(wm.seq);
          this.lastReceived = Date.now();
        } catch {
          this.log.warn({ subject: m.subject }, 'undecodable ingest watermark ignored');
          continue;
        }
        this.applying = this.applying
          .then(() => this.apply(seq))
          .catch((err: unknown) => {
            this.log.warn({ err: err instanceof Error ? err.name : 'unknown' }, 'watermark apply failed');
          });
      }
    })();
  }

  /** Applies a watermark received from the cloud (exposed for tests). */
  async apply(seq: number): Promise<void> {
    const now = this.now();
    if (seq > this.watermark) {
      await this.db.transaction(async (tx) => {
        await tx.delete(eventOutbox).where(lte(eventOutbox.seq, seq));
        await tx
          .update(eventOutboxState)
          .set({ watermark: sql`greatest(${eventOutboxState.watermark}, ${seq})`, updatedAt: sql`now()` })
          .where(eq(eventOutboxState.siteId, this.opts.siteId));
      });
      this.watermark = seq;
      this.lastAdvance = now;
      return;
    }
    const stuckFor = now - this.lastAdvance;
    if (this.publisher.publishedSeq > this.watermark && stuckFor > (this.opts.resendAfterMs ?? 30_000)) {
      this.log.warn({ watermark: this.watermark, stuckMs: stuckFor }, 'ingest watermark stuck: re-sending');
      this.publisher.rewind(this.watermark);
      this.lastAdvance = now;
    }
  }

  async stop(): Promise<void> {
    this.sub?.unsubscribe();
    await this.loop;
    await this.applying;
  }

  private now(): number {
    return this.opts.now?.() ?? Date.now();
  }
}
