import { create } from '@bufbuild/protobuf';
import { decodeIngestWatermark, EventSchema, encodeEvent } from '@hcc/proto';
import { type Database, names, silentLogger } from '@hcc/shared';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { asSystem } from '../src/db/tenant.ts';
import { classify, staticSiteDirectory } from '../src/ingest/classify.ts';
import { WatermarkService } from '../src/ingest/watermark.ts';
import { acceptedFrom, type RejectedMessage, rowsOf, writeBatch } from '../src/ingest/writer.ts';
import { type AnalyticsDb, openAnalyticsDb } from './analytics-db.ts';
import { EventFactory } from './ingest-builders.ts';

const T0 = Date.UTC(2025, 0, 6, 9, 0);
const src = (s: string) => `${names.siteHubEventsStream(s)}:abcd1234 7`;
const sites = staticSiteDirectory({ 'wm-a': 'acme', 'wm-b': 'acme', 'wm-c': 'acme' });

// A parked event was delivered: the per-site watermark must count its seq, or the site's outbox
// cleanup stalls behind it forever.
describe('ingest watermark over parked events (PostgreSQL)', () => {
  let store: AnalyticsDb;
  let database: Database;
  beforeAll(async () => {
    store = await openAnalyticsDb(inject('pgUrl'), 'wm');
    database = store.database;
  });
  afterAll(() => store.dispose());

  const published = new Map<string, number>();
  const service = () =>
    new WatermarkService(
      database.db,
      {
        async publish(site, data) {
          published.set(site, Number(decodeIngestWatermark(data).seq));
        },
      },
      {},
      silentLogger,
    );
  /** Classifies like the worker does: accepted events are written, the others parked. */
  const ingest = async (site: string, data: Uint8Array[]) => {
    const accepted = [];
    const rejected: RejectedMessage[] = [];
    for (const [i, d] of data.entries()) {
      const message = {
        subject: `hcc.evt.${site}.interaction`,
        source: src(site),
        streamSeq: i + 1,
        data: d,
      };
      const c = await classify(message, sites);
      if (c.ok) accepted.push(acceptedFrom(c.event, c.occurredAt));
      else rejected.push({ message, reason: c.reason, site: c.site, detail: c.detail, seq: c.seq });
    }
    return writeBatch(database.db, accepted, rejected, { lateAfterMs: 120_000, now: T0 + 1000 });
  };

  it('counts a parked event of the site in the contiguous run, and not a hole', async () => {
    const f = new EventFactory('acme', 'wm-a');
    const evs = Array.from({ length: 6 }, (_, i) => f.ended(T0 + i, { queueId: 'q', waitMs: 1 }));
    // seq 3 is the site's own event without its time: parked as invalid_envelope, with its seq.
    const poison = create(EventSchema, { ...evs[2]!, occurredAt: undefined });
    const data = evs.map(encodeEvent);
    data[2] = encodeEvent(poison);
    // seq 6 never arrives (lost on the way): the watermark must stop at 5.
    const r = await ingest('wm-a', data.slice(0, 5));
    expect(r).toMatchObject({ inserted: 4, rejected: 1 });
    const parked = await asSystem(database.db, (tx) =>
      tx.execute(sql`select reason, seq::int from analytics.rejected_events where site_id = 'wm-a'`),
    );
    expect(rowsOf(parked)).toEqual([{ reason: 'invalid_envelope', seq: 3 }]);

    const wm = await service().tick();
    expect(wm.get('wm-a')).toBe(5);
    expect(published.get('wm-a')).toBe(5);

    // The lost one is re-sent: the run continues past it.
    await ingest('wm-a', [data[5]!]);
    expect((await service().tick()).get('wm-a')).toBe(6);
  });

  it('does not count what cannot be attributed to the site (garbage, another site’s envelope)', async () => {
    const f = new EventFactory('acme', 'wm-b');
    const evs = Array.from({ length: 4 }, (_, i) => f.ended(T0 + i, { queueId: 'q', waitMs: 1 }));
    // seq 2 arrives as garbage; seq 3 claims to be wm-a's event while coming from wm-b.
    const other = create(EventSchema, { ...evs[2]!, siteId: 'wm-a' });
    const r = await ingest('wm-b', [
      encodeEvent(evs[0]!),
      new Uint8Array([0xff, 0xff, 0xff]),
      encodeEvent(other),
      encodeEvent(evs[3]!),
    ]);
    expect(r).toMatchObject({ inserted: 2, rejected: 2 });
    expect((await service().tick()).get('wm-b')).toBe(1);
    // Neither parked row moved wm-a's watermark either.
    expect((await service().tick()).get('wm-a')).toBe(6);
  });

  it('does not count a rejection that may be transient (tenant mismatch): the edge keeps the event', async () => {
    const f = new EventFactory('acme', 'wm-c');
    const evs = Array.from({ length: 3 }, (_, i) => f.ended(T0 + i, { queueId: 'q', waitMs: 1 }));
    const wrongTenant = create(EventSchema, { ...evs[1]!, tenantId: 'globex' });
    const r = await ingest('wm-c', [encodeEvent(evs[0]!), encodeEvent(wrongTenant), encodeEvent(evs[2]!)]);
    expect(r).toMatchObject({ inserted: 2, rejected: 1 });
    expect((await service().tick()).get('wm-c')).toBe(1);
  });
});
