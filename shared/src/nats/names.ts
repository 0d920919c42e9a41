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

/** Extracts the site token of an event subject, or undefined when the subject is not an event subject. */
export function siteOfEventSubject(subject: string): string | undefined {
  const parts = subject.split('.');
  if (parts.length < 4 || parts[0] !== 'hcc' || parts[1] !== 'evt') return undefined;
  return parts[2];
}
