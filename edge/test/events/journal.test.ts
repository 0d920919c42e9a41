import { create } from '@bufbuild/protobuf';
import { decodeEvent } from '@hcc/proto';
import { type Database, silentLogger } from '@hcc/shared';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CommittedRows, OutboxJournal } from '../../src/events/journal.ts';
import { CallerPseudonymizer, normalizeCallerNumber } from '../../src/events/pseudonym.ts';
import type { OutboxPublisher } from '../../src/events/publisher.ts';
import { withSeq } from '../../src/events/sequencer.ts';
import { WatermarkFollower } from '../../src/events/watermark.ts';
import { heartbeat, journalStores, openJournal, type Rows } from './stores.ts';

const stores = journalStores('edge-journal');

describe.each(stores)('events journal on %s', (_name, open) => {
  let database: Database;
  let dispose: () => Promise<void>;
  let journal: OutboxJournal;
  let committed: CommittedRows[];
  beforeAll(async () => {
    ({ database, dispose, journal, committed } = await openJournal(open));
  });
  afterAll(() => dispose());

  const seqs = async () =>
    (
      (await database.db.execute(
        sql`select seq from event_outbox where seq is not null order by seq`,
      )) as unknown as Rows<{ seq: string }>
    ).rows.map((r) => Number(r.seq));

  it('numbers rows gapless as they are written, visible only in seq order; a rollback leaves no hole', async () => {
    // Readers polling while 20 writers commit: every snapshot is a gapless prefix 1..n.
    let writing = true;
    const snapshots: number[][] = [];
    const reader = (async () => {
      while (writing) snapshots.push(await seqs());
    })();
    await Promise.all(Array.from({ length: 20 }, (_, i) => journal.emit(heartbeat(i))));
    writing = false;
    await reader;
    for (const snap of snapshots) expect(snap).toEqual(Array.from({ length: snap.length }, (_, i) => i + 1));
    await expect(
      journal.transaction(async (_tx, emit) => {
        emit(heartbeat(99));
        throw new Error('state change failed');
      }),
    ).rejects.toThrow('events journal transaction failed');
    await expect(journal.transaction(async () => 1)).resolves.toBe(1);
    await journal.transaction(async (tx, emit) => {
      await tx.execute(sql`select 1`);
      emit(heartbeat(100));
      emit(heartbeat(101));
    });
    expect(await seqs()).toEqual(Array.from({ length: 22 }, (_, i) => i + 1));
    // The publisher is handed exactly the committed rows, with their seqs and ids.
    const handed = committed.flatMap((c) => c.rows.map((r, i) => [c.first + i, r.eventId] as const));
    const stored = (
      (await database.db.execute(
        sql`select seq, event_id from event_outbox order by seq`,
      )) as unknown as Rows<{ seq: string; event_id: string }>
    ).rows.map((r) => [Number(r.seq), r.event_id] as const);
    expect(handed.sort((a, b) => a[0] - b[0])).toEqual(stored);
    expect(
      (
        (await database.db.execute(sql`select last_seq from event_outbox_state`)) as unknown as Rows<{
          last_seq: string;
        }>
      ).rows.map((r) => Number(r.last_seq)),
    ).toEqual([22]);
    const row = (await database.db.execute(
      sql`select payload, event_id from event_outbox where seq = 22`,
    )) as unknown as Rows<{ payload: Uint8Array; event_id: string }>;
    const ev = decodeEvent(withSeq(row.rows[0]!.payload, 22));
    expect(ev).toMatchObject({
      seq: 22n,
      siteId: 'hq',
      tenantId: 'acme',
      configVersion: 7n,
      eventId: row.rows[0]!.event_id,
    });
  });

  it('deletes rows only up to the cloud watermark and rewinds when it is stuck', async () => {
    let now = 0;
    let rewoundTo: number | undefined;
    const publisher = {
      publishedSeq: 22,
      rewind: (s: number) => {
        rewoundTo = s;
      },
    } as unknown as OutboxPublisher;
    const wm = new WatermarkFollower(
      database.db,
      publisher,
      { siteId: 'hq', resendAfterMs: 30_000, now: () => now },
      silentLogger,
    );
    await wm.apply(15);
    expect(await seqs()).toEqual([16, 17, 18, 19, 20, 21, 22]);
    expect(await database.db.execute(sql`select count(*)::int as n from event_outbox`)).toMatchObject({
      rows: [{ n: 7 }],
    });
    await wm.apply(10); // an older watermark changes nothing
    expect((await seqs())[0]).toBe(16);
    now = 29_000;
    await wm.apply(15);
    expect(rewoundTo).toBeUndefined();
    now = 31_000;
    await wm.apply(15);
    expect(rewoundTo).toBe(15);
  });

  it('writes changes and events in one statement: both commit, or neither', async () => {
    await database.db.execute(
      sql`create table write_probe (id int primary key, parent int references write_probe)`,
    );
    const count = async (q: ReturnType<typeof sql>) =>
      ((await database.db.execute(q)) as unknown as Rows<{ n: number }>).rows[0]!.n;
    const events = () =>
      count(sql`select count(*)::int as n from event_outbox where kind = 'edge_heartbeat'`);
    const before = await events();
    // The second change references the first: constraints are checked at the end of the statement.
    await journal.write(
      [sql`insert into write_probe values (1, null)`, sql`insert into write_probe values (2, 1)`],
      [{ body: heartbeat(1) }, { body: heartbeat(2) }],
    );
    expect(await events()).toBe(before + 2);
    await expect(
      journal.write(
        [sql`insert into write_probe values (3, null)`, sql`insert into write_probe values (1, null)`],
        [{ body: heartbeat(3) }],
      ),
    ).rejects.toThrow('events journal write failed');
    expect(await events()).toBe(before + 2);
    expect(await count(sql`select count(*)::int as n from write_probe`)).toBe(2);
    await journal.write([sql`insert into write_probe values (4, 2)`], []);
    expect(await count(sql`select count(*)::int as n from write_probe`)).toBe(3);
    // A site without its state row (init not run) cannot number events: nothing commits.
    const unready = new OutboxJournal(database.db, {
      siteId: 'nowhere',
      tenantId: () => 'acme',
      configVersion: () => 7n,
    });
    await expect(
      unready.write([sql`insert into write_probe values (5, null)`], [{ body: heartbeat(5) }]),
    ).rejects.toThrow('events journal write failed');
    await expect(unready.emit(heartbeat(6))).rejects.toThrow('events journal write failed');
    expect(await count(sql`select count(*)::int as n from write_probe`)).toBe(3);
    expect(await events()).toBe(before + 2);
  });

  it('a state row created after rows were written continues after the highest seq', async () => {
    const top = Math.max(...(await seqs()));
    await database.db.execute(sql`delete from event_outbox_state where site_id = 'hq'`);
    await journal.init();
    await journal.emit(heartbeat(300));
    expect(Math.max(...(await seqs()))).toBe(top + 1);
  });
});

describe('caller pseudonyms', () => {
  const rules = { countryCode: '49', nationalPrefix: '0' };
  it('normalises the spellings of one number to one E.164 form', () => {
    for (const raw of [
      '+49 30 1234567',
      '030 1234567',
      '004930/1234567'.replace('/', ''),
      'sip:+49301234567@trunk;user=phone',
      'tel:+49-30-1234567',
    ]) {
      expect(normalizeCallerNumber(raw, rules)).toBe('+49301234567');
    }
    for (const raw of ['anonymous', '', 'sip:anonymous@anonymous.invalid', 'abc'])
      expect(normalizeCallerNumber(raw, rules)).toBeUndefined();
  });
  it('is a keyed hash: stable per site key, different across keys, withheld when no number', () => {
    const a = new CallerPseudonymizer(new Uint8Array(32).fill(1), rules);
    const b = new CallerPseudonymizer(new Uint8Array(32).fill(2), rules);
    expect(a.pseudonymize('030 1234567')).toEqual(a.pseudonymize('+49301234567'));
    expect(Buffer.from(a.pseudonymize('030 1234567').callerPseudonym)).not.toEqual(
      Buffer.from(b.pseudonymize('030 1234567').callerPseudonym),
    );
    expect(a.pseudonymize('anonymous')).toEqual({ callerPseudonym: new Uint8Array(), callerWithheld: true });
  });
});

describe('withSeq', () => {
  it('equals encoding the event with its seq, for small and large seqs', async () => {
    const { encodeEvent, EventSchema } = await import('@hcc/proto');
    for (const seq of [1, 127, 128, 300, 16_384, 2 ** 40 + 5, Number.MAX_SAFE_INTEGER]) {
      const base = create(EventSchema, { eventId: 'x', siteId: 'hq', body: heartbeat(1) });
      const withIt = create(EventSchema, {
        eventId: 'x',
        siteId: 'hq',
        seq: BigInt(seq),
        body: heartbeat(1),
      });
      expect(decodeEvent(withSeq(encodeEvent(base), seq))).toEqual(decodeEvent(encodeEvent(withIt)));
    }
  });
});

describe('queue snapshots for the wallboard', () => {
  it('passes a queue on when its figures change, or again after the refresh period', async () => {
    const { queueSnapshotListener } = await import('../../src/events/queue-snapshots.ts');
    const { AgentState } = await import('@hcc/proto');
    const sent: string[] = [];
    let now = 0;
    const target = {
      publish: (v: { waiting: number }, meta?: { occurredAt?: Date }) =>
        void sent.push(`${v.waiting}@${meta?.occurredAt?.getTime()}`),
    };
    const on = queueSnapshotListener(target, { refreshMs: 15_000, now: () => now });
    const snap = (waiting: number) => ({
      queueId: 'q',
      configVersion: 1n,
      waiting,
      longestWaitMs: 0n,
      agents: [{ state: AgentState.READY, count: 1 }],
    });
    on(snap(1));
    now = 1000;
    on(snap(1));
    on(snap(2));
    now = 20_000;
    on(snap(2));
    expect(sent).toEqual(['1@0', '2@1000', '2@20000']);
  });
});
