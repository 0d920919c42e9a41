/**
 * B2BUA header rules as pure functions `(policy) => (request) => request`, composed per leg. The
 * edge never copies the caller's headers to an agent leg wholesale: each rule adds one thing.
 */
import { type Headers, SipRequest } from '../sip/index.ts';

export type HeaderRule = (req: SipRequest) => SipRequest;

export const compose =
  (...rules: HeaderRule[]): HeaderRule =>
  (req) =>
    rules.reduce((r, rule) => rule(r), req);

const edit = (req: SipRequest, fn: (h: Headers) => void): SipRequest => {
  const h = req.headers.clone();
  fn(h);
  return new SipRequest(req.method, req.uriString, h, req.body);
};

/** Names the interaction for the agent desktop and for correlation on site (an id, no PII). */
export const interactionHeader =
  (interactionId: string): HeaderRule =>
  (req) =>
    edit(req, (h) => h.set('X-Interaction-Id', interactionId));

/**
 * Caller id shown on the agent's phone (site-local, the agent may see the number); a withheld
 * caller is shown as anonymous.
 */
export const callerIdentity =
  (opts: { number: string | undefined; host: string; displayName?: string }): HeaderRule =>
  (req) =>
    edit(req, (h) => {
      const from = h.get('from') ?? '';
      const tag = /;tag=([^;>\s]+)/.exec(from)?.[1];
      const user = opts.number ?? 'anonymous';
      const name = opts.displayName ? `"${opts.displayName.replace(/["\\]/g, '')}" ` : '';
      h.set('From', `${name}<sip:${user}@${opts.host}>${tag ? `;tag=${tag}` : ''}`);
    });

/** Alert-Info for phones that pick a ring tone by queue. */
export const alertInfo =
  (queueId: string): HeaderRule =>
  (req) =>
    queueId ? edit(req, (h) => h.set('Alert-Info', `<urn:alert:service:queue>;queue=${queueId}`)) : req;

/** Which headers of an outside request are never copied anywhere (topology hiding of the carrier). */
export const stripCarrierHeaders: HeaderRule = (req) =>
  edit(req, (h) => {
    for (const k of ['P-Asserted-Identity', 'Remote-Party-ID', 'Diversion', 'History-Info']) h.delete(k);
  });
