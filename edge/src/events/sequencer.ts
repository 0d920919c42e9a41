import type { Db } from '@hcc/shared';
import { sql } from 'drizzle-orm';

/**
 * Gives committed, unsequenced outbox rows the site's next seqs (gapless, from 1), in id order,
 * under the state row's lock (several publishers of one site may run; rows are only ever numbered
 * here, so that lock is enough), and a writer never waits for it. Returns the last seq given out.
 */
export async function assignSeqs(db: Db, siteId: string, limit = 5000): Promise<number> {
  return db.transaction(async (tx) => {
    const state = (await tx.execute(
      sql`select last_seq from event_outbox_state where site_id = ${siteId} for update`,
    )) as unknown as { rows: { last_seq: string }[] };
    const last = Number(state.rows[0]?.last_seq ?? 0);
    // One count back, not one row per numbered event.
    const res = (await tx.execute(sql`
      with pending as (select id from event_outbox where seq is null order by id limit ${limit}),
      numbered as (select id, row_number() over (order by id) as rn from pending),
      done as (update event_outbox o set seq = ${last} + n.rn from numbered n where o.id = n.id returning 1)
      select count(*)::int as n from done`)) as unknown as { rows: { n: number }[] };
    const n = Number(res.rows[0]?.n ?? 0);
    if (n === 0) return last;
    await tx.execute(
      sql`update event_outbox_state set last_seq = ${last + n}, updated_at = now() where site_id = ${siteId}`,
    );
    return last + n;
  });
}

/**
 * The published bytes of a row: its payload (an Event without seq) followed by Event.seq (field 4,
 * varint). Protobuf takes the last value of a scalar field, so this equals encoding the Event with
 * its seq set, and it is the same bytes on every re-send.
 */
export function withSeq(payload: Uint8Array, seq: number): Uint8Array {
  // Varint of a safe integer with number arithmetic (no BigInt per message): at most 8 bytes.
  let len = 1;
  for (let v = seq; v >= 0x80; v = Math.floor(v / 0x80)) len++;
  const out = new Uint8Array(payload.length + 1 + len);
  out.set(payload);
  let i = payload.length;
  out[i++] = 0x20;
  let v = seq;
  while (v >= 0x80) {
    out[i++] = (v % 0x80) | 0x80;
    v = Math.floor(v / 0x80);
  }
  out[i] = v;
  return out;
}
