import { decodeEvent } from '@hcc/proto';
import type { Database } from '@hcc/shared';
import { type SQL, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CommittedRows, JournalError, type OutboxJournal } from '../../src/events/journal.ts';
import { withSeq } from '../../src/events/sequencer.ts';
import { heartbeat, journalStores, openJournal, type Rows } from './stores.ts';

const stores = journalStores('edge-journal-group');

/** An outbox row as stored, with the transaction that wrote it (one per statement of the journal). */
interface Stored {
  seq: number;
  eventId: string;
  nodeId: string;
  tx: string;
}

/** The messages of an error and its causes, joined. */
const messages = (err: unknown): string => {
  const out: string[] = [];
  for (let e = err; e instanceof Error; e = e.cause) out.push(e.message);
  return out.join(' <- ');
};

describe.each(stores)('events journal group commit on %s', (_name, open) => {
  let database: Database;
  let dispose: () => Promise<void>;
  let journal: OutboxJournal;
  let committed: CommittedRows[];
  beforeAll(async () => {
    ({ database, dispose, journal, committed } = await openJournal(open));
    await database.db.execute(sql`create table group_probe (id int primary key, note text not null)`);
  });
  afterAll(() => dispose());

  const query = async <T>(q: SQL) => ((await database.db.execute(q)) as unknown as Rows<T>).rows;
  const lastSeq = async () =>
    Number(
      (await query<{ s: string }>(sql`select coalesce(max(seq), 0)::text as s from event_outbox`))[0]!.s,
    );
  /** Outbox rows after seq `after`, in seq order. */
  const outbox = async (after: number): Promise<Stored[]> =>
    (
      await query<{ n: number; event_id: string; payload: Uint8Array; tx: string }>(
        sql`select seq::int as n, event_id, payload, xmin::text as tx from event_outbox where seq > ${after} order by seq`,
      )
    ).map((r) => {
      const seq = r.n;
      const ev = decodeEvent(withSeq(r.payload, seq));
      expect(ev.seq).toBe(BigInt(seq));
      expect(ev.eventId).toBe(r.event_id);
      if (ev.body.case !== 'edgeHeartbeat') throw new Error(`unexpected event ${ev.body.case}`);
      return { seq, eventId: r.event_id, nodeId: ev.body.value.nodeId, tx: r.tx };
    });
  /** What onCommit handed over (from committed run `from` on) as [seq, event id], in seq order. */
  const handed = (from: number) =>
    committed
      .slice(from)
      .flatMap((c) => c.rows.map((r, i) => [c.first + i, r.eventId] as const))
      .sort((a, b) => a[0] - b[0]);
  const range = (from: number, n: number) => Array.from({ length: n }, (_, i) => from + i);

  it('commits concurrent writes in fewer statements than writes: gapless seqs, each event once, with its changes', async () => {
    const before = await lastSeq();
    const handedBefore = committed.length;
    // 50 writes of 1-5 events; every third also inserts a probe row.
    const writes = range(0, 50).map((i) => ({
      changes: i % 3 === 0 ? [sql`insert into group_probe values (${i}, ${`w${i}`})`] : [],
      nodes: range(i * 10, 1 + (i % 5)),
    }));
    await Promise.all(
      writes.map((w) =>
        journal.write(
          w.changes,
          w.nodes.map((n) => ({ body: heartbeat(n) })),
        ),
      ),
    );
    const total = writes.reduce((s, w) => s + w.nodes.length, 0);
    const stored = await outbox(before);
    expect(stored.map((r) => r.seq)).toEqual(range(before + 1, total));
    const byNode = new Map(stored.map((r) => [r.nodeId, r]));
    expect(byNode.size).toBe(total);
    // Each write's events have consecutive seqs in its order, in one transaction with its change.
    const probes = new Map(
      (
        await query<{ id: number; tx: string }>(
          sql`select id, xmin::text as tx from group_probe where id < 1000`,
        )
      ).map((r) => [r.id, r.tx]),
    );
    expect([...probes.keys()].sort((a, b) => a - b)).toEqual(range(0, 50).filter((i) => i % 3 === 0));
    for (const [i, w] of writes.entries()) {
      const rows = w.nodes.map((n) => byNode.get(`n${n}`)!);
      expect(rows.map((r) => r.seq)).toEqual(range(rows[0]!.seq, rows.length));
      expect(new Set(rows.map((r) => r.tx)).size).toBe(1);
      if (w.changes.length > 0) expect(probes.get(i)).toBe(rows[0]!.tx);
    }
    // Grouped: the 50 writes committed in fewer transactions (each journal statement is one).
    const statements = new Set(stored.map((r) => r.tx)).size;
    expect(statements).toBeLessThan(writes.length);
    expect(handed(handedBefore)).toEqual(stored.map((r) => [r.seq, r.eventId]));
  });

  it('groups emits (the prepared insert) up to the cap, and writes of changes only', async () => {
    const before = await lastSeq();
    const handedBefore = committed.length;
    await Promise.all(range(1000, 100).map((n) => journal.emit(heartbeat(n))));
    const stored = await outbox(before);
    expect(stored.map((r) => r.seq)).toEqual(range(before + 1, 100));
    expect(stored.map((r) => r.nodeId).sort()).toEqual(
      range(1000, 100)
        .map((n) => `n${n}`)
        .sort(),
    );
    const perTx = new Map<string, number>();
    for (const r of stored) perTx.set(r.tx, (perTx.get(r.tx) ?? 0) + 1);
    expect(perTx.size).toBeLessThan(100);
    expect(Math.max(...perTx.values())).toBeLessThanOrEqual(64);
    expect(handed(handedBefore)).toEqual(stored.map((r) => [r.seq, r.eventId]));

    await Promise.all(
      range(2000, 10).map((id) => journal.write([sql`insert into group_probe values (${id}, 'c')`], [])),
    );
    const changed = await query<{ id: number; tx: string }>(
      sql`select id, xmin::text as tx from group_probe where id >= 2000 order by id`,
    );
    expect(changed.map((r) => r.id)).toEqual(range(2000, 10));
    expect(new Set(changed.map((r) => r.tx)).size).toBeLessThan(10);
    expect(await lastSeq()).toBe(before + 100);
  });

  it('a write that fails in a group fails alone: the others commit, gapless, and only they are handed over', async () => {
    await database.db.execute(sql`insert into group_probe values (3000, 'taken')`);
    const before = await lastSeq();
    const handedBefore = committed.length;
    // The first write is in flight alone; the others queue behind it and are tried as one group.
    const results = await Promise.allSettled([
      journal.write([], [{ body: heartbeat(1) }]),
      journal.write([sql`insert into group_probe values (3001, 'ok')`], [{ body: heartbeat(2) }]),
      journal.write([sql`insert into group_probe values (3000, 'duplicate')`], [{ body: heartbeat(3) }]),
      journal.emit(heartbeat(4)),
      journal.write([sql`insert into group_probe values (3002, null)`], [{ body: heartbeat(5) }]),
      journal.write(
        [sql`insert into group_probe values (3003, 'ok')`],
        [{ body: heartbeat(6) }, { body: heartbeat(7) }],
      ),
    ]);
    expect(results.map((r) => r.status)).toEqual([
      'fulfilled',
      'fulfilled',
      'rejected',
      'fulfilled',
      'rejected',
      'fulfilled',
    ]);
    const [dup, nulled] = [results[2], results[4]].map((r) => (r as PromiseRejectedResult).reason);
    for (const err of [dup, nulled]) {
      expect(err).toBeInstanceOf(JournalError);
      expect((err as Error).message).toBe('events journal write failed');
      expect((err as Error).cause).toBeDefined();
    }
    expect(messages(dup)).toMatch(/duplicate key/);
    expect(messages(nulled)).toMatch(/null value/);

    const stored = await outbox(before);
    expect(stored.map((r) => r.seq)).toEqual(range(before + 1, 5));
    expect(stored.map((r) => r.nodeId)).toEqual(['n1', 'n2', 'n4', 'n6', 'n7']);
    expect(
      await query<{ id: number; note: string }>(
        sql`select id, note from group_probe where id >= 3000 and id < 4000 order by id`,
      ),
    ).toEqual([
      { id: 3000, note: 'taken' },
      { id: 3001, note: 'ok' },
      { id: 3003, note: 'ok' },
    ]);
    expect(handed(handedBefore)).toEqual(stored.map((r) => [r.seq, r.eventId]));
    // The journal goes on grouping after a failed group.
    await Promise.all([journal.emit(heartbeat(8)), journal.emit(heartbeat(9)), journal.emit(heartbeat(10))]);
    expect((await outbox(before + 5)).map((r) => r.nodeId)).toEqual(['n8', 'n9', 'n10']);
  });
});
