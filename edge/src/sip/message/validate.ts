// Request checks a UAS makes before any transaction or application logic (RFC 3261 §8.2, §16.3, RFC 4475).
import { SipError, SipParseError } from '../errors.ts';
import { splitList } from './grammar.ts';
import type { SipRequest } from './message.ts';
import { isSipUri } from './uri.ts';
import { MAGIC_COOKIE, viaBranch } from './via.ts';

export const KNOWN_METHODS = new Set([
  'INVITE',
  'ACK',
  'BYE',
  'CANCEL',
  'OPTIONS',
  'REGISTER',
  'PRACK',
  'SUBSCRIBE',
  'NOTIFY',
  'PUBLISH',
  'INFO',
  'REFER',
  'MESSAGE',
  'UPDATE',
]);

const SINGLE = ['call-id', 'cseq', 'from', 'to', 'max-forwards', 'content-type', 'expires'];

/**
 * Structural validation. Throws SipParseError whose status is what the request deserves: 400 (with a reason
 * naming the fault), 416 (scheme), 483 (Max-Forwards), 501 (unknown method with CSeq mismatch).
 */
export function validateRequest(req: SipRequest): void {
  // §8.1.1 mandatory fields; Max-Forwards is optional for RFC 2543 peers (RFC 4475 §3.4.1).
  for (const name of ['Via', 'Call-ID', 'CSeq', 'From', 'To']) {
    if (!req.headers.has(name)) throw new SipParseError(400, `Missing ${name} header`);
  }
  for (const key of SINGLE) {
    // Several values in a single-valued field (RFC 4475 §3.3.8).
    if (req.headers.count(key) > 1) throw new SipParseError(400, `Multiple ${key} values`);
  }
  const vias = req.vias;
  const branch = viaBranch(vias[0]!);
  if (branch === MAGIC_COOKIE) throw new SipParseError(400, 'Missing transaction identifier');
  const cseq = req.cseq;
  if (cseq.method !== req.method) {
    // RFC 4475 §3.1.2.17-18: 400, or 501 when the method itself is unknown.
    throw new SipParseError(KNOWN_METHODS.has(req.method) ? 400 : 501, 'CSeq method does not match');
  }
  void req.from;
  void req.to;
  if (req.method !== 'CANCEL' && req.method !== 'ACK') {
    void req.contacts;
    void req.routes;
    void req.recordRoutes;
  }
  const expires = req.headers.get('expires');
  if (expires !== undefined && !/^\s*\d{1,10}\s*$/.test(expires)) throw new SipParseError(400, 'Bad Expires');
  const uri = req.uri;
  if (uri.scheme !== 'sip' && uri.scheme !== 'sips' && uri.scheme !== 'tel') {
    throw new SipParseError(416, 'Unsupported URI Scheme');
  }
  if (isSipUri(uri) && uri.headers) throw new SipParseError(400, 'Request-URI with headers');
  const mf = req.maxForwards;
  if (mf === 0 && req.method !== 'ACK') throw new SipParseError(483, 'Too Many Hops');
}

export interface UasCapabilities {
  /** Option tags this UAS supports (RFC 3261 §8.2.2.3). */
  supported: readonly string[];
  /** Body types it understands (RFC 3261 §8.2.3). */
  accept: readonly string[];
}

export const DEFAULT_CAPABILITIES: UasCapabilities = {
  supported: ['path', 'replaces', 'outbound'],
  accept: [
    'application/sdp',
    'multipart/mixed',
    'multipart/alternative',
    'application/dtmf-relay',
    'application/dtmf',
    'message/sipfrag',
    'text/plain',
  ],
};

/** §8.2.2.3 Require (420), §8.2.3 Content-Type (415), Accept for an SDP offer (406, RFC 4475 §3.3.15). */
export function checkUasRequirements(req: SipRequest, caps: UasCapabilities): void {
  if (req.method === 'ACK' || req.method === 'CANCEL') return;
  const require = req.headers.getAll('require');
  if (require.length > 0) {
    const unsupported: string[] = [];
    for (const v of require) {
      for (const tag of splitList(v))
        if (tag && !caps.supported.includes(tag.toLowerCase())) unsupported.push(tag);
    }
    if (unsupported.length > 0) {
      throw new SipError(420, 'Bad Extension', { headers: [['Unsupported', unsupported.join(', ')]] });
    }
  }
  if (req.body.length > 0) {
    const type = req.contentType;
    if (type === undefined || !caps.accept.includes(type)) {
      throw new SipError(415, 'Unsupported Media Type', { headers: [['Accept', caps.accept.join(', ')]] });
    }
  }
  if (req.method === 'INVITE') {
    const accept = req.headers.getAll('accept');
    if (accept.length > 0) {
      const types = accept.flatMap((v) =>
        splitList(v).map((t) => (t.split(';')[0] ?? '').trim().toLowerCase()),
      );
      const ok = types.some((t) => t === 'application/sdp' || t === 'application/*' || t === '*/*');
      if (!ok) {
        throw new SipError(406, 'Not Acceptable', {
          headers: [['Warning', '399 - "SDP is the only supported body"']],
        });
      }
    }
  }
}
