// RFC 3261 §7 message parser: start line, header fields (folding, compact names), Content-Length framing.
// Structured header values are parsed later, on access (see message.ts).
import { SipParseError } from '../errors.ts';
import { isDigits, isTokenChar, trimLws } from './grammar.ts';
import { displayName, type HeaderField, Headers, headerKey } from './headers.ts';
import { type SipMessage, SipRequest, SipResponse } from './message.ts';

export interface ParseLimits {
  /** Most header fields in one message (after unfolding). */
  maxHeaders: number;
  /** Longest header line, after unfolding, in characters. */
  maxLineLength: number;
}

export const DEFAULT_LIMITS: ParseLimits = { maxHeaders: 256, maxLineLength: 8192 };

export interface ParseOptions {
  /** Datagram semantics (UDP): a missing Content-Length means "the rest of the datagram". */
  datagram?: boolean;
  limits?: ParseLimits;
}

const KNOWN = new Set([
  'accept',
  'accept-encoding',
  'accept-language',
  'alert-info',
  'allow',
  'authentication-info',
  'authorization',
  'call-id',
  'call-info',
  'contact',
  'content-disposition',
  'content-encoding',
  'content-language',
  'content-length',
  'content-type',
  'cseq',
  'date',
  'error-info',
  'expires',
  'from',
  'in-reply-to',
  'max-forwards',
  'min-expires',
  'mime-version',
  'organization',
  'priority',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-require',
  'record-route',
  'reply-to',
  'require',
  'retry-after',
  'route',
  'server',
  'subject',
  'supported',
  'timestamp',
  'to',
  'unsupported',
  'user-agent',
  'via',
  'warning',
  'www-authenticate',
  'event',
  'refer-to',
  'referred-by',
  'allow-events',
  'session-expires',
  'min-se',
  'rseq',
  'rack',
  'path',
  'replaces',
  'reason',
  'privacy',
  'p-asserted-identity',
  'p-preferred-identity',
  'identity',
  'subscription-state',
]);

/** Finds the blank line ending the header section: returns [headerEnd, bodyStart] or undefined. */
export function findHeaderEnd(buf: Buffer, from: number): [number, number] | undefined {
  const crlf = buf.indexOf('\r\n\r\n', from, 'latin1');
  const lf = buf.indexOf('\n\n', from, 'latin1');
  if (crlf >= 0 && (lf < 0 || crlf < lf)) return [crlf, crlf + 4];
  if (lf >= 0) return [lf, lf + 2];
  return undefined;
}

/** Index of the first byte that is not CR or LF (RFC 3261 §7.5: ignore CRLF before the start line). */
export function skipLeadingCrlf(buf: Buffer, from = 0): number {
  let i = from;
  while (i < buf.length && (buf[i] === 13 || buf[i] === 10)) i++;
  return i;
}

export function parseMessage(buf: Buffer, opts: ParseOptions = {}): SipMessage {
  const limits = opts.limits ?? DEFAULT_LIMITS;
  const start = skipLeadingCrlf(buf);
  if (start >= buf.length) throw new SipParseError(400, 'Empty message');
  const end = findHeaderEnd(buf, start);
  // A datagram without the blank line still has its header section up to the end (RFC 4475 baddn).
  const headEnd = end ? end[0] : buf.length;
  const bodyStart = end ? end[1] : buf.length;
  const head = buf.toString('utf8', start, headEnd);

  const lines = head.split('\n');
  const first = stripCr(lines[0]!);
  const fields: HeaderField[] = [];
  let current: string | undefined;
  // A malformed header line does not stop parsing: the rest may still identify the transaction for a 400.
  let headerError: SipParseError | undefined;
  const flush = () => {
    if (current === undefined) return;
    try {
      fields.push(parseHeaderLine(current));
    } catch (err) {
      if (!(err instanceof SipParseError)) throw err;
      headerError ??= err;
    }
    if (fields.length > limits.maxHeaders) throw new SipParseError(400, 'Too many header fields');
  };
  for (let i = 1; i < lines.length; i++) {
    const line = stripCr(lines[i]!);
    if (line.length === 0) continue; // only at the very end of a datagram that lacks the blank line
    const c = line.charCodeAt(0);
    if (c === 32 || c === 9) {
      // Folded continuation (RFC 3261 §7.3.1): replace the line break by a single space.
      if (current === undefined) throw new SipParseError(400, 'Continuation line before any header');
      current += ` ${trimLws(line)}`;
    } else {
      flush();
      current = line;
    }
    if (current !== undefined && current.length > limits.maxLineLength) {
      throw new SipParseError(400, 'Header line too long');
    }
  }
  flush();
  const headers = new Headers(fields);

  let startLineError: SipParseError | undefined;
  let message: SipMessage;
  if (first.startsWith('SIP/')) {
    message = parseStatusLine(first, headers);
  } else {
    const parts = first.split(' ');
    const method = parts[0] ?? '';
    if (!method || !isMethod(method)) throw new SipParseError(400, 'Malformed Request-Line');
    message = new SipRequest(method, parts[1] ?? '', headers);
    if (parts.length !== 3 || !parts[1]) {
      // Extra or missing SP, LWS inside the Request-URI (RFC 4475 §3.1.2.8-10).
      startLineError = new SipParseError(400, 'Malformed Request-Line');
    } else if (parts[2] !== 'SIP/2.0') {
      startLineError = /^SIP\/\d+\.\d+$/i.test(parts[2]!)
        ? parts[2]!.toUpperCase() === 'SIP/2.0'
          ? undefined
          : new SipParseError(505, 'Version Not Supported')
        : new SipParseError(400, 'Malformed Request-Line');
    }
  }
  startLineError ??= headerError;
  if (startLineError)
    throw new SipParseError(startLineError.status, startLineError.reason, { partial: message });

  // Content-Length framing (RFC 3261 §18.3, §20.14).
  const lengths = headers.getAll('content-length');
  const available = buf.length - bodyStart;
  let length: number;
  if (lengths.length === 0) {
    if (!opts.datagram) throw new SipParseError(400, 'Missing Content-Length', { partial: message });
    length = available;
  } else {
    if (lengths.length > 1)
      throw new SipParseError(400, 'Multiple Content-Length values', { partial: message });
    const v = lengths[0]!.trim();
    if (!isDigits(v) || v.length > 9)
      throw new SipParseError(400, 'Bad Content-Length', { partial: message });
    length = Number(v);
    if (length > available)
      throw new SipParseError(400, 'Content-Length larger than message', { partial: message });
  }
  // Extra octets after the body are discarded (RFC 4475 §3.1.1.8).
  message.body = length === 0 ? Buffer.alloc(0) : buf.subarray(bodyStart, bodyStart + length);
  return message;
}

function stripCr(line: string): string {
  return line.charCodeAt(line.length - 1) === 13 ? line.slice(0, -1) : line;
}

function isMethod(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (!isTokenChar(s.charCodeAt(i))) return false;
  return true;
}

function parseHeaderLine(line: string): HeaderField {
  const colon = line.indexOf(':');
  if (colon <= 0) throw new SipParseError(400, 'Malformed header line');
  const rawName = trimLws(line.slice(0, colon));
  if (rawName.length === 0 || !isMethod(rawName)) throw new SipParseError(400, 'Malformed header name');
  const key = headerKey(rawName);
  return { key, name: KNOWN.has(key) ? displayName(key) : rawName, value: trimLws(line.slice(colon + 1)) };
}

function parseStatusLine(line: string, headers: Headers): SipResponse {
  // Status-Line = SIP-Version SP Status-Code SP Reason-Phrase (the phrase may be empty: RFC 4475 noreason).
  const sp1 = line.indexOf(' ');
  if (sp1 < 0 || line.slice(0, sp1).toUpperCase() !== 'SIP/2.0') {
    throw new SipParseError(400, 'Malformed Status-Line');
  }
  const codeStr = line.slice(sp1 + 1, sp1 + 4);
  const after = line.charCodeAt(sp1 + 4);
  if (!isDigits(codeStr) || !(Number.isNaN(after) || after === 32)) {
    throw new SipParseError(400, 'Malformed Status-Code');
  }
  const status = Number(codeStr);
  if (status < 100 || status > 699) throw new SipParseError(400, 'Status-Code out of range');
  return new SipResponse(status, line.slice(sp1 + 5), headers);
}
