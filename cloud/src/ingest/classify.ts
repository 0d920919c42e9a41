import { timestampMs } from '@bufbuild/protobuf/wkt';
import { decodeEvent, decodeEventBatch, type Event, ProtoDecodeError } from '@hcc/proto';
import { names } from '@hcc/shared';

/** Why a message was parked instead of ingested (stored in rejected_events.reason). */
export type RejectReason =
  | 'no_source'
  | 'subject_site_mismatch'
  | 'malformed'
  | 'envelope_site_mismatch'
  | 'unknown_site'
  | 'tenant_mismatch'
  | 'invalid_envelope'
  /** Decoded and attributed, but the database refused its values (a poison event): parked, never retried. */
  | 'unwritable';

/** A message as read from the hub's aggregate stream. */
export interface RawMessage {
  subject: string;
  /** The hub's Nats-Stream-Source header. */
  source: string | undefined;
  streamSeq: number;
  data: Uint8Array;
}

export type Classified =
  | { ok: true; event: Event; occurredAt: number }
  | {
      ok: false;
      reason: RejectReason;
      site: string | undefined;
      detail?: string;
      /** The site's seq of a decoded event of that site: the watermark counts it as delivered. */
      seq?: bigint;
    };

/** Who a site belongs to (the control plane's site registry). */
export interface SiteDirectory {
  tenantOf(site: string): Promise<string | undefined>;
}

/** Largest seq PostgreSQL's bigint holds (a larger one is a poison event, parked without its seq). */
export const MAX_SEQ = 2n ** 63n - 1n;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Decides whether a message may be ingested. A site is known only from the header the hub sets
 * when it sources that site's stream; the subject and the envelope must name the same site, and
 * the envelope's tenant must be the site's tenant. `detail` holds identifiers only, never payload.
 */
export async function classify(m: RawMessage, sites: SiteDirectory): Promise<Classified> {
  const site = names.siteOfStreamSource(m.source);
  if (!site) return { ok: false, reason: 'no_source', site: undefined };
  if (names.siteOfEventSubject(m.subject) !== site)
    return { ok: false, reason: 'subject_site_mismatch', site };
  return classifyEvent(m, site, sites);
}

/** One event of a message: what it was read from (its own bytes) and what became of it. */
export interface ClassifiedPart {
  message: RawMessage;
  result: Classified;
}

/**
 * Classifies every event a message carries: one for an Event message (an edge that does not
 * batch, and the fleet kinds), each of an `EventBatch` alone on `hcc.evt.<site>.batch`. A batch
 * is attributed as a whole (source header, subject, its site_id); each of its events is then
 * decoded and checked on its own, with its own bytes as the part's `data` (stored, or parked, as
 * a one-event message's would be), so a poison event is parked without its neighbours.
 */
export async function classifyMessage(m: RawMessage, sites: SiteDirectory): Promise<ClassifiedPart[]> {
  if (!names.isEventBatchSubject(m.subject)) return [{ message: m, result: await classify(m, sites) }];
  const whole = (result: Classified): ClassifiedPart[] => [{ message: m, result }];
  const site = names.siteOfStreamSource(m.source);
  if (!site) return whole({ ok: false, reason: 'no_source', site: undefined });
  if (names.siteOfEventSubject(m.subject) !== site)
    return whole({ ok: false, reason: 'subject_site_mismatch', site });
  let events: Uint8Array[];
  try {
    const batch = decodeEventBatch(m.data);
    if (batch.siteId !== site) return whole({ ok: false, reason: 'envelope_site_mismatch', site });
    events = batch.events;
  } catch (err) {
    if (!(err instanceof ProtoDecodeError)) throw err;
    return whole({ ok: false, reason: 'malformed', site, detail: err.typeName });
  }
  if (events.length === 0) return whole({ ok: false, reason: 'invalid_envelope', site, detail: 'batch' });
  const out = new Array<ClassifiedPart>(events.length);
  for (let i = 0; i < events.length; i++) {
    const part: RawMessage = {
      subject: m.subject,
      source: m.source,
      get streamSeq() {
        return m.streamSeq;
      },
      data: events[i]!,
    };
    out[i] = { message: part, result: await classifyEvent(part, site, sites) };
  }
  return out;
}

/** The checks of one event's bytes, the message already attributed to `site`. */
async function classifyEvent(m: RawMessage, site: string, sites: SiteDirectory): Promise<Classified> {
  let event: Event;
  try {
    event = decodeEvent(m.data);
  } catch (err) {
    if (!(err instanceof ProtoDecodeError)) throw err;
    return { ok: false, reason: 'malformed', site, detail: err.typeName };
  }
  if (event.siteId !== site) return { ok: false, reason: 'envelope_site_mismatch', site };
  // From here the event is the site's own: a parked one still fills its place in the seq run.
  const seq = event.seq >= 1n && event.seq <= MAX_SEQ ? event.seq : undefined;
  const tenant = await sites.tenantOf(site);
  // Not counted toward the watermark (no seq): a site not registered yet, or a tenant that does not
  // match yet, can be a transient state, and the edge would delete events the cloud never stored.
  if (tenant === undefined) return { ok: false, reason: 'unknown_site', site };
  // An edge without its first config does not know its tenant yet: the site's tenant applies.
  if (event.tenantId === '') event.tenantId = tenant;
  if (event.tenantId !== tenant) return { ok: false, reason: 'tenant_mismatch', site };
  if (!UUID.test(event.eventId))
    return { ok: false, reason: 'invalid_envelope', site, detail: 'event_id', seq };
  if (event.seq < 1n) return { ok: false, reason: 'invalid_envelope', site, detail: 'seq' };
  if (!event.occurredAt) return { ok: false, reason: 'invalid_envelope', site, detail: 'occurred_at', seq };
  if (event.body.case === undefined)
    return { ok: false, reason: 'invalid_envelope', site, detail: 'body', seq };
  return { ok: true, event, occurredAt: timestampMs(event.occurredAt) };
}

/** A fixed site -> tenant map (tests, benchmarks, single-tenant installs). */
export function staticSiteDirectory(map: Record<string, string>): SiteDirectory {
  return { tenantOf: async (site) => map[site] };
}
