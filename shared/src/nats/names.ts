/**
 * Every NATS subject, stream, bucket and JetStream domain name of the product, in one place.
 * Edge and cloud import these; nothing else spells a subject by hand.
 */

/** JetStream domain of the hub. Each edge leaf uses its site id as its own domain. */
export const CLOUD_DOMAIN = 'cloud';

/** Site ids double as JetStream domains, stream-name parts and subject tokens: keep them to this shape. */
export const SITE_ID_PATTERN = /^[a-z][a-z0-9-]{0,30}[a-z0-9]$/;

export function assertSiteId(site: string): string {
  if (!SITE_ID_PATTERN.test(site)) {
    throw new Error(`invalid site id "${site}": lower-case letters, digits and '-', 2-32 characters`);
  }
  return site;
}

/** JetStream domain of an edge's leaf server. */
export const edgeDomain = (site: string): string => assertSiteId(site);

/** JetStream API prefix for reaching a domain from a connection elsewhere in the topology. */
export const jsApiPrefix = (domain: string): string => `$JS.${domain}.API`;

// --- config down -------------------------------------------------------------------------------

/** KV bucket in the hub holding one signed config bundle per site (key = site id). */
export const CONFIG_BUCKET = 'cfg';
/** The edge's local KV bucket: a filtered mirror of its own key of the hub's bucket. */
export const EDGE_CONFIG_BUCKET = 'cfg';
export const configKey = (site: string): string => assertSiteId(site);
export const configKvSubject = (site: string): string => `$KV.${CONFIG_BUCKET}.${configKey(site)}`;
/** Deliver prefix of the cross-domain mirror: unique per site so two leaves never share it. */
export const configMirrorDeliver = (site: string): string => `hcc.mirror.cfg.${assertSiteId(site)}`;

// --- events up ---------------------------------------------------------------------------------

/** Edge-local stream (in the leaf's domain) capturing the site's events. */
export const EDGE_EVENTS_STREAM = 'EVENTS';
/** Subject of one event: `hcc.evt.<site>.<kind>`. */
export const eventSubject = (site: string, kind: string): string => `hcc.evt.${assertSiteId(site)}.${kind}`;
export const siteEventsFilter = (site: string): string => `hcc.evt.${assertSiteId(site)}.>`;
/** Hub stream aggregating every edge's events (sources only, no subjects of its own). */
export const HUB_EVENTS_STREAM = 'EVENTS_ALL';
/** Deliver prefix used by the hub's source of one edge stream. */
export const eventsSourceDeliver = (site: string): string => `hcc.src.evt.${assertSiteId(site)}`;

/**
 * Subject of a batch of a site's events (one `EventBatch`: a run of consecutive seqs of any kinds).
 * `batch` is not an event kind (kinds are Event.body cases in snake case).
 */
export const eventBatchSubject = (site: string): string => `hcc.evt.${assertSiteId(site)}.batch`;
/** Whether an event subject carries an `EventBatch` (any other event subject carries one Event). */
export const isEventBatchSubject = (subject: string): boolean =>
  subject.endsWith('.batch') && subject.split('.').length === 4;
/** JetStream message id of a batch: site, first seq and count (the same run sent again is dropped). */
export const eventBatchMsgId = (site: string, firstSeq: number, count: number): string =>
  `${site}.${firstSeq}.${count}`;
/**
 * Event.body cases the cloud's fleet view follows with one consumer per subject
 * (`hcc.evt.*.<kind>`): the edge always sends these as one-event messages, never inside a batch.
 */
export const FLEET_EVENT_CASES = [
  'edgeHeartbeat',
  'configApplied',
  'configRejected',
  'trunkStatusChanged',
] as const;

/** Extracts the site token of an event subject, or undefined when the subject is not an event subject. */
export function siteOfEventSubject(subject: string): string | undefined {
  const parts = subject.split('.');
  if (parts.length < 4 || parts[0] !== 'hcc' || parts[1] !== 'evt') return undefined;
  return parts[2];
}

// --- events: kinds, ingest and watermark (issue 7) -----------------------------------------------

/** Filter matching every site's events in the hub's aggregate stream. */
export const ALL_EVENTS_FILTER = 'hcc.evt.>';
/** Durable pull consumer of the analytics ingest workers on the hub's aggregate stream (shared by all workers). */
export const INGEST_CONSUMER = 'analytics-ingest';
/**
 * Core-NATS subject on which the cloud publishes a site's IngestWatermark (periodically, so a lost
 * message is harmless); the edge subscribes on its leaf.
 */
export const watermarkSubject = (site: string): string => `hcc.wm.${assertSiteId(site)}`;
/**
 * What the cloud account exports (a stream, one token per site): every site's watermark subject.
 * Each site account imports only its own `watermarkSubject(site)` from it.
 */
export const WATERMARK_EXPORT = 'hcc.wm.*';
/**
 * Core-NATS subject on which a site's edge publishes its queue snapshots for the live wallboard (a
 * latest-value view: not journaled, not stored as events; one lost during a WAN cut is harmless).
 * The site account exports exactly this subject and the cloud account imports it from each site
 * account, so a message on it reaches the cloud only from that site's account.
 */
export const liveSubject = (site: string): string => `hcc.live.${assertSiteId(site)}`;
/** What the cloud subscribes to: every site's live subject (each one imported from its site account). */
export const ALL_LIVE_SUBJECTS = 'hcc.live.*';

/** The site of a live subject, or undefined when the subject is not one (or names no valid site). */
export function siteOfLiveSubject(subject: string): string | undefined {
  const parts = subject.split('.');
  if (parts.length !== 3 || parts[0] !== 'hcc' || parts[1] !== 'live') return undefined;
  return SITE_ID_PATTERN.test(parts[2]!) ? parts[2] : undefined;
}
/** Header the hub sets on every sourced message: `<source stream>[:<hash of external api>] <seq> ...`. */
export const STREAM_SOURCE_HEADER = 'Nats-Stream-Source';

// --- operator mode: one hub account per site ----------------------------------------------------

/** Account (JWT) name of a site's hub account. */
export const siteAccountName = (site: string): string => `site-${assertSiteId(site)}`;
/** Account name of the control plane's own hub account (holds the aggregate events stream). */
export const CLOUD_ACCOUNT_NAME = 'cloud';
/**
 * Stream in the site's hub account that sources the edge's leaf stream across the leaf connection;
 * exported (consumer create, delivery and flow control) to the cloud account.
 */
export const siteHubEventsStream = (site: string): string => `EVENTS_SITE_${assertSiteId(site)}`;
/** Delivery subject of the aggregate stream's source of one site stream (exported by the site account). */
export const aggregateSourceDeliver = (site: string): string => `hcc.agg.evt.${assertSiteId(site)}`;
/** Prefix under which the cloud account imports a site account's JetStream consumer-create API. */
export const siteApiImportPrefix = (site: string): string => `hcc.jsapi.${assertSiteId(site)}`;

/**
 * Site a hub-aggregated message came from, read from the `Nats-Stream-Source` header the hub sets
 * when it sources a site stream (`EVENTS_SITE_<site>:<hash> <seq> ...`). The only trustworthy
 * attribution: a site can write any subject into its own stream, never another site's stream name.
 */
export function siteOfStreamSource(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const stream = header.split(' ')[0]?.split(':')[0] ?? '';
  const prefix = 'EVENTS_SITE_';
  if (!stream.startsWith(prefix)) return undefined;
  const site = stream.slice(prefix.length);
  return SITE_ID_PATTERN.test(site) ? site : undefined;
}

/** Subject token of an event kind: the proto oneof case of Event.body in snake case (`configApplied` -> `config_applied`). */
export const eventKind = (bodyCase: string): string =>
  bodyCase.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
