// Via (RFC 3261 §20.42) with received/rport (RFC 3581) and IPv6 references (RFC 5118 §4.5).
import { SipParseError } from '../errors.ts';
import { formatParams, isTokenChar, isWs, type Params, parseParams, splitList } from './grammar.ts';
import { isIpv6 } from './uri.ts';

export const MAGIC_COOKIE = 'z9hG4bK';

export interface Via {
  protocol: string; // "SIP/2.0"
  transport: string; // upper-case: UDP, TCP, TLS, WS, WSS, SCTP ...
  host: string; // IPv6 with brackets
  port: number | undefined;
  params: Params;
}

export function viaBranch(v: Via): string | undefined {
  const b = v.params.get('branch');
  return b === null ? undefined : b;
}

export function parseViaList(value: string): Via[] {
  const out: Via[] = [];
  for (const part of splitList(value)) {
    if (part.length === 0) throw new SipParseError(400, 'Malformed Via header');
    out.push(parseVia(part));
  }
  return out;
}

export function parseVia(s: string): Via {
  const n = s.length;
  let i = 0;
  const tokens: string[] = [];
  // sent-protocol = protocol-name SLASH protocol-version SLASH transport, LWS allowed around the slashes.
  for (let k = 0; k < 3; k++) {
    while (i < n && isWs(s.charCodeAt(i))) i++;
    const start = i;
    while (i < n && isTokenChar(s.charCodeAt(i))) i++;
    if (i === start) throw new SipParseError(400, 'Malformed Via header');
    tokens.push(s.slice(start, i));
    while (i < n && isWs(s.charCodeAt(i))) i++;
    if (k < 2) {
      if (s.charCodeAt(i) !== 47) throw new SipParseError(400, 'Malformed Via header');
      i++;
    }
  }
  const [name, version, transport] = tokens as [string, string, string];
  if (name.toUpperCase() !== 'SIP') throw new SipParseError(400, 'Malformed Via header');
  if (version !== '2.0') throw new SipParseError(505, 'Version Not Supported');
  while (i < n && isWs(s.charCodeAt(i))) i++;
  let host: string;
  if (s.charCodeAt(i) === 91) {
    const close = s.indexOf(']', i);
    if (close < 0 || !isIpv6(s.slice(i + 1, close))) throw new SipParseError(400, 'Malformed Via host');
    host = s.slice(i, close + 1);
    i = close + 1;
  } else {
    const start = i;
    while (i < n) {
      const c = s.charCodeAt(i);
      if (
        (c >= 48 && c <= 57) ||
        (c >= 65 && c <= 90) ||
        (c >= 97 && c <= 122) ||
        c === 45 ||
        c === 46 ||
        c === 95
      ) {
        i++;
      } else break;
    }
    if (i === start) throw new SipParseError(400, 'Malformed Via host');
    host = s.slice(start, i);
  }
  while (i < n && isWs(s.charCodeAt(i))) i++;
  let port: number | undefined;
  if (s.charCodeAt(i) === 58) {
    i++;
    while (i < n && isWs(s.charCodeAt(i))) i++;
    const start = i;
    while (i < n && s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57) i++;
    if (i === start || i - start > 5) throw new SipParseError(400, 'Malformed Via port');
    port = Number(s.slice(start, i));
    if (port > 65535) throw new SipParseError(400, 'Malformed Via port');
  }
  const params = parseParams(s, i, 'Via');
  return { protocol: `SIP/${version}`, transport: transport.toUpperCase(), host, port, params };
}

export function formatVia(v: Via): string {
  let out = `${v.protocol}/${v.transport} ${v.host}`;
  if (v.port !== undefined) out += `:${v.port}`;
  return out + formatParams(v.params);
}

/** True for an RFC 3261 branch (magic cookie plus at least one more character, RFC 4475 §3.2.1). */
export function isRfc3261Branch(branch: string | undefined): branch is string {
  return branch !== undefined && branch.length > MAGIC_COOKIE.length && branch.startsWith(MAGIC_COOKIE);
}
