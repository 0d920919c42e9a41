/** The caller pseudonyms of the InteractionOffered events in an edge's leaf stream. */
import { decodeEvent, decodeEventBatch, type Event } from '@hcc/proto';
import { names } from '@hcc/shared';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';

export interface Offered {
  interactionId: string;
  pseudonym: string;
  withheld: boolean;
  occurredAtMs: number;
}

export async function offeredEvents(natsUrl: string): Promise<Offered[]> {
  const nc = await connect({ servers: natsUrl });
  try {
    const jsm = await jetstreamManager(nc);
    const info = await jsm.streams.info(names.EDGE_EVENTS_STREAM);
    const out: Offered[] = [];
    for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq++) {
      const m = await jsm.streams.getMessage(names.EDGE_EVENTS_STREAM, { seq }).catch(() => undefined);
      if (!m) continue;
      // The edge batches events (EDGE_EVENTS_BATCH_MAX): a batch message carries several.
      const events: Event[] = names.isEventBatchSubject(m.subject)
        ? decodeEventBatch(m.data).events.map((b) => decodeEvent(b))
        : [decodeEvent(m.data)];
      for (const e of events) {
        if (e.body.case !== 'interaction' || e.body.value.body.case !== 'offered') continue;
        const o = e.body.value.body.value;
        out.push({
          interactionId: e.body.value.interactionId,
          pseudonym: Buffer.from(o.callerPseudonym).toString('hex'),
          withheld: o.callerWithheld,
          occurredAtMs:
            Number(e.occurredAt?.seconds ?? 0n) * 1000 + Math.floor((e.occurredAt?.nanos ?? 0) / 1e6),
        });
      }
    }
    return out;
  } finally {
    await nc.close();
  }
}
