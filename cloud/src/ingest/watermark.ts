import { create } from '@bufbuild/protobuf';
import { encodeIngestWatermark, IngestWatermarkSchema } from '@hcc/proto';
import { type Db, type Logger, names } from '@hcc/shared';
import type { NatsConnection } from '@nats-io/transport-node';
import { sql } from 'drizzle-orm';
import { asSystem, type Tx } from '../db/tenant.ts';
import { type Periodic, runPeriodically } from './periodic.ts';
import { rowsOf } from './writer.ts';

/** How a site's watermark reaches its edge (core NATS, best effort: it is re-sent every period). */
export interface WatermarkTransport {
  publish(site: string, data: Uint8Array): Promise<void>;
}

/**
 * Publishes on `hcc.wm.<site>` on one connection of the cloud account, which exports `hcc.wm.*`;
 * each site account imports only its own subject, so the hub delivers it to that site's leaf alone.
 */
export function connectionTransport(nc: NatsConnection): WatermarkTransport {
  return {
    async publish(site, data) {
      nc.publish(names.watermarkSubject(site), data);
    },
  };
}

export interface WatermarkServiceOptions {
  periodMs?: number;
  /** Scan at most this many events past a watermark per advance. */
  scanLimit?: number;
}

/**
 * Advances each site's ingest watermark across the contiguous run of committed seqs, ingested or
 * parked (a hole holds it until the edge re-sends), and publishes every site's watermark every
 * period. Safe to run in several processes: the advance is `greatest(stored, computed)` from
 * committed rows only.
 */
export class WatermarkService {
  private rounds: Periodic | undefined;

  constructor(
    private readonly db: Db,
    private readonly transport: WatermarkTransport,
    private readonly opts: WatermarkServiceOptions,
    private readonly log: Logger,
  ) {}

  start(): void {
    this.rounds = runPeriodically(
      () => this.tick(),
      this.opts.periodMs ?? 500,
      this.log,
      'watermark tick failed',
    );
  }

  async stop(): Promise<void> {
    await this.rounds?.stop();
    this.rounds = undefined;
  }

  /** One round: advance every site, then publish every site's watermark. */
  async tick(): Promise<Map<string, number>> {
    const sites = await asSystem(this.db, async (tx) =>
      rowsOf<{ site_id: string; seq: string }>(
        await tx.execute(sql`select site_id, seq from analytics.site_watermarks order by site_id`),
      ),
    );
    const out = new Map<string, number>();
    for (const s of sites) {
      const seq = await this.advance(s.site_id, Number(s.seq));
      out.set(s.site_id, seq);
      const data = encodeIngestWatermark(
        create(IngestWatermarkSchema, { siteId: s.site_id, seq: BigInt(seq) }),
      );
      await this.transport.publish(s.site_id, data).catch(() => {});
    }
    return out;
  }

  private async advance(site: string, from: number): Promise<number> {
    return asSystem(this.db, async (tx) => this.advanceIn(tx, site, from));
  }

  private async advanceIn(tx: Tx, site: string, from: number): Promise<number> {
    const limit = this.opts.scanLimit ?? 500_000;
    // Parked events of the site (poison, wrong tenant: kept in rejected_events with their seq) were
    // delivered too: they fill their place in the run, or the site's outbox cleanup would stall there.
    const [row] = rowsOf<{ n: string }>(
      await tx.execute(sql`
        select count(*) as n from (
          select seq, row_number() over (order by seq) as rn from (
            select seq from (
              (select seq from analytics.events where site_id = ${site} and seq > ${from} order by seq limit ${limit})
              union
              (select seq from analytics.rejected_events where site_id = ${site} and seq > ${from} order by seq limit ${limit})
            ) u order by seq limit ${limit}
          ) s
        ) r where r.seq - ${from} = r.rn`),
    );
    const n = Number(row?.n ?? 0);
    if (n === 0) return from;
    const to = from + n;
    await tx.execute(sql`
      update analytics.site_watermarks set seq = greatest(seq, ${to}), updated_at = now() where site_id = ${site}`);
    return to;
  }
}
