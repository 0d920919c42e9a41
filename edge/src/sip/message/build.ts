// Building responses and identifiers (RFC 3261 §8.2.6, §19.3).
import { randomBytes } from 'node:crypto';
import { Headers } from './headers.ts';
import type { SipRequest } from './message.ts';
import { SipResponse } from './message.ts';
import { MAGIC_COOKIE } from './via.ts';

export const REASONS: Record<number, string> = {
  100: 'Trying',
  180: 'Ringing',
  181: 'Call Is Being Forwarded',
  182: 'Queued',
  183: 'Session Progress',
  200: 'OK',
  202: 'Accepted',
  204: 'No Notification',
  301: 'Moved Permanently',
  302: 'Moved Temporarily',
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  407: 'Proxy Authentication Required',
  408: 'Request Timeout',
  410: 'Gone',
  415: 'Unsupported Media Type',
  416: 'Unsupported URI Scheme',
  420: 'Bad Extension',
  423: 'Interval Too Brief',
  480: 'Temporarily Unavailable',
  481: 'Call/Transaction Does Not Exist',
  482: 'Loop Detected',
  483: 'Too Many Hops',
  486: 'Busy Here',
  487: 'Request Terminated',
  488: 'Not Acceptable Here',
  489: 'Bad Event',
  491: 'Request Pending',
  500: 'Server Internal Error',
  501: 'Not Implemented',
  503: 'Service Unavailable',
  504: 'Server Time-out',
  505: 'Version Not Supported',
  603: 'Decline',
};

// Random identifiers from a pooled buffer: one getrandom call per 4 KiB instead of one per id.
let pool = Buffer.alloc(0);
let poolPos = 0;
function randomHex(bytes: number): string {
  if (poolPos + bytes > pool.length) {
    pool = randomBytes(4096);
    poolPos = 0;
  }
  const s = pool.toString('hex', poolPos, poolPos + bytes);
  poolPos += bytes;
  return s;
}

export function newBranch(): string {
  return `${MAGIC_COOKIE}${randomHex(10)}`;
}

export function newTag(): string {
  return randomHex(6);
}

export function newCallId(): string {
  return randomHex(12);
}

export interface ResponseOptions {
  reason?: string;
  headers?: ReadonlyArray<readonly [string, string]>;
  body?: Buffer | string;
  contentType?: string;
  /** To tag to add when the request has none (status > 100). */
  toTag?: string;
}

/**
 * A response to `req` (RFC 3261 §8.2.6.2): Via, From, Call-ID and CSeq copied as received, To copied with a
 * tag added for anything but 100. Works on partially valid requests: missing fields are just not copied.
 */
export function createResponse(req: SipRequest, status: number, opts: ResponseOptions = {}): SipResponse {
  const headers = new Headers();
  for (const f of req.headers.fields) {
    if (f.key === 'via' || f.key === 'from' || f.key === 'call-id' || f.key === 'cseq') {
      headers.fields.push({ key: f.key, name: f.name, value: f.value });
    } else if (f.key === 'to') {
      let value = f.value;
      if (status > 100 && opts.toTag && !hasTag(value)) value = `${value};tag=${opts.toTag}`;
      headers.fields.push({ key: 'to', name: f.name, value });
    }
  }
  if (opts.headers) for (const [n, v] of opts.headers) headers.append(n, v);
  let body: Buffer = Buffer.alloc(0);
  if (opts.body !== undefined) {
    body = typeof opts.body === 'string' ? Buffer.from(opts.body, 'utf8') : opts.body;
    if (opts.contentType) headers.set('Content-Type', opts.contentType);
  }
  return new SipResponse(status, opts.reason ?? REASONS[status] ?? 'Unknown', headers, body);
}

/** True when the raw To/From value already carries a tag parameter (outside the URI's angle brackets). */
export function hasTag(raw: string): boolean {
  const gt = raw.lastIndexOf('>');
  const params = gt >= 0 ? raw.slice(gt) : raw.slice(raw.indexOf(';') >= 0 ? raw.indexOf(';') : raw.length);
  return /;\s*tag\s*=/i.test(params);
}
