// SIP, SIPS and tel URIs (RFC 3261 §19.1, RFC 3966), with IPv6 references (RFC 5118). Other schemes are kept
// opaque so that a request carrying them can still be parsed and answered (416, RFC 4475 §3.3.2).
import { SipParseError } from '../errors.ts';
import { formatParams, isTokenChar, type Params, parseParams, percentDecode } from './grammar.ts';

export interface SipUri {
  readonly scheme: 'sip' | 'sips';
  /** User part as it appears on the wire (escaped). Empty string when there is none. */
  user: string;
  password: string | undefined;
  /** Host name, IPv4 address, or IPv6 reference including its brackets. */
  host: string;
  port: number | undefined;
  params: Params;
  /** Raw `?h=v&...` header part without the '?' (escaped), or empty. */
  headers: string;
}

export interface TelUri {
  readonly scheme: 'tel';
  number: string;
  params: Params;
}

export interface OtherUri {
  readonly scheme: string;
  /** Everything after `scheme:`. */
  opaque: string;
}

export type Uri = SipUri | TelUri | OtherUri;

export function isSipUri(u: Uri): u is SipUri {
  return u.scheme === 'sip' || u.scheme === 'sips';
}

export function isTelUri(u: Uri): u is TelUri {
  return u.scheme === 'tel';
}

function schemeEnd(s: string): number {
  // scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 58 /* : */) return i;
    const alpha = (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
    if (!alpha && (i === 0 || !((c >= 48 && c <= 57) || c === 43 || c === 45 || c === 46))) return -1;
  }
  return -1;
}

export function parseUri(raw: string): Uri {
  const colon = schemeEnd(raw);
  if (colon <= 0) throw new SipParseError(400, 'Malformed URI');
  const scheme = raw.slice(0, colon).toLowerCase();
  const rest = raw.slice(colon + 1);
  for (let i = 0; i < rest.length; i++) {
    const c = rest.charCodeAt(i);
    if (c <= 32 || c === 127 || c === 60 || c === 62 || c === 34)
      throw new SipParseError(400, 'Malformed URI');
  }
  if (scheme === 'sip' || scheme === 'sips') return parseSipUri(scheme, rest);
  if (scheme === 'tel') return parseTelUri(rest);
  if (rest.length === 0) throw new SipParseError(400, 'Malformed URI');
  return { scheme, opaque: rest };
}

function parseSipUri(scheme: 'sip' | 'sips', s: string): SipUri {
  // '@' cannot appear unescaped in params or headers (§25.1), so the first one ends the userinfo.
  let i = 0;
  let user = '';
  let password: string | undefined;
  const at = s.indexOf('@');
  if (at >= 0) {
    const userinfo = s.slice(0, at);
    // The user part may hold ';' and '?' (RFC 4475 semiuri, intmeth); the password starts at the first ':'.
    const pc = userinfo.indexOf(':');
    user = pc >= 0 ? userinfo.slice(0, pc) : userinfo;
    if (pc >= 0) password = userinfo.slice(pc + 1);
    if (user.length === 0) throw new SipParseError(400, 'Empty user in URI');
    i = at + 1;
  }
  let host: string;
  if (s.charCodeAt(i) === 91 /* [ */) {
    const close = s.indexOf(']', i);
    if (close < 0) throw new SipParseError(400, 'Malformed IPv6 reference');
    host = s.slice(i, close + 1);
    if (!isIpv6(host.slice(1, -1))) throw new SipParseError(400, 'Malformed IPv6 reference');
    i = close + 1;
  } else {
    const start = i;
    while (i < s.length) {
      const c = s.charCodeAt(i);
      if (c === 58 || c === 59 || c === 63) break;
      if (!isHostChar(c)) throw new SipParseError(400, 'Malformed host in URI');
      i++;
    }
    host = s.slice(start, i);
  }
  if (host.length === 0) throw new SipParseError(400, 'Missing host in URI');
  let port: number | undefined;
  if (s.charCodeAt(i) === 58) {
    const start = ++i;
    while (i < s.length && s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57) i++;
    if (i === start || i - start > 5) throw new SipParseError(400, 'Malformed port in URI');
    port = Number(s.slice(start, i));
    if (port > 65535) throw new SipParseError(400, 'Malformed port in URI');
  }
  const q = s.indexOf('?', i);
  const paramPart = q >= 0 ? s.slice(i, q) : s.slice(i);
  if (paramPart.length > 0 && paramPart.charCodeAt(0) !== 59) throw new SipParseError(400, 'Malformed URI');
  const params = parseUriParams(paramPart);
  const headers = q >= 0 ? s.slice(q + 1) : '';
  return { scheme, user, password, host, port, params, headers };
}

function parseUriParams(s: string): Params {
  const params: Params = new Map();
  if (s.length === 0) return params;
  for (const part of s.slice(1).split(';')) {
    if (part.length === 0) throw new SipParseError(400, 'Empty URI parameter');
    const eq = part.indexOf('=');
    // Names and values are compared unescaped (RFC 3261 §19.1.4); keep the value as sent.
    const name = percentDecode(eq >= 0 ? part.slice(0, eq) : part).toLowerCase();
    params.set(name, eq >= 0 ? part.slice(eq + 1) : null);
  }
  return params;
}

function parseTelUri(s: string): TelUri {
  const semi = s.indexOf(';');
  const number = semi >= 0 ? s.slice(0, semi) : s;
  if (number.length === 0) throw new SipParseError(400, 'Malformed tel URI');
  return { scheme: 'tel', number, params: semi >= 0 ? parseParams(s, semi, 'tel URI') : new Map() };
}

function isHostChar(c: number): boolean {
  return (
    (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 45 || c === 46 || c === 95
  );
}

/**
 * IPv6 address check (RFC 4291), tolerating the three-colon form before an embedded IPv4 address that
 * RFC 3261's ABNF allows (RFC 5118 §4.10 asks implementations to tolerate both).
 */
export function isIpv6(s: string): boolean {
  if (s.length < 2 || s.length > 45) return false;
  let t = s;
  const tripleAt = t.indexOf(':::');
  if (tripleAt >= 0) {
    if (!/^[0-9.]+$/.test(t.slice(tripleAt + 3))) return false;
    t = `${t.slice(0, tripleAt)}::${t.slice(tripleAt + 3)}`;
  }
  const dbl = t.indexOf('::');
  if (dbl >= 0 && t.indexOf('::', dbl + 1) >= 0) return false;
  const groups = t.split(':');
  let count = 0;
  for (let g = 0; g < groups.length; g++) {
    const part = groups[g]!;
    if (part.length === 0) continue;
    if (g === groups.length - 1 && part.indexOf('.') >= 0) {
      if (!isIpv4(part)) return false;
      count += 2;
      continue;
    }
    if (part.length > 4) return false;
    for (let i = 0; i < part.length; i++) if (!isHexCode(part.charCodeAt(i))) return false;
    count++;
  }
  return dbl >= 0 ? count < 8 : count === 8;
}

export function isIpv4(s: string): boolean {
  const parts = s.split('.');
  if (parts.length !== 4) return false;
  for (const p of parts) {
    if (p.length === 0 || p.length > 3) return false;
    for (let i = 0; i < p.length; i++) if (p.charCodeAt(i) < 48 || p.charCodeAt(i) > 57) return false;
    if (Number(p) > 255) return false;
  }
  return true;
}

function isHexCode(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
}

export function formatUri(u: Uri): string {
  if (isSipUri(u)) {
    let out = `${u.scheme}:`;
    if (u.user) out += u.password !== undefined ? `${u.user}:${u.password}@` : `${u.user}@`;
    out += u.host;
    if (u.port !== undefined) out += `:${u.port}`;
    out += formatParams(u.params);
    if (u.headers) out += `?${u.headers}`;
    return out;
  }
  if (isTelUri(u)) return `tel:${u.number}${formatParams(u.params)}`;
  return `${u.scheme}:${(u as OtherUri).opaque}`;
}

/** Host without IPv6 brackets, for sockets. */
export function bareHost(host: string): string {
  return host.charCodeAt(0) === 91 ? host.slice(1, -1) : host;
}

/** Host as it appears in a URI or Via: IPv6 addresses get brackets. */
export function uriHost(address: string): string {
  return address.indexOf(':') >= 0 && address.charCodeAt(0) !== 91 ? `[${address}]` : address;
}

const COMPARED_PARAMS = ['user', 'ttl', 'method', 'maddr', 'transport'];

/** URI equality of RFC 3261 §19.1.4 (used for registrar bindings and dialog targets). */
export function uriEquals(a: Uri, b: Uri): boolean {
  if (a.scheme !== b.scheme) return false;
  if (isSipUri(a) && isSipUri(b)) {
    if (percentDecode(a.user) !== percentDecode(b.user)) return false;
    if ((a.password ?? '') !== (b.password ?? '')) return false;
    if (a.host.toLowerCase() !== b.host.toLowerCase() || a.port !== b.port) return false;
    for (const p of COMPARED_PARAMS) {
      const va = a.params.get(p);
      const vb = b.params.get(p);
      if ((va === undefined) !== (vb === undefined)) return false;
      if (va !== undefined && vb !== undefined && (va ?? '').toLowerCase() !== (vb ?? '').toLowerCase())
        return false;
    }
    for (const [k, va] of a.params) {
      const vb = b.params.get(k);
      if (vb !== undefined && (va ?? '').toLowerCase() !== (vb ?? '').toLowerCase()) return false;
    }
    return a.headers === b.headers;
  }
  return formatUri(a).toLowerCase() === formatUri(b).toLowerCase();
}

/** True when every character is allowed in a token (used for method names). */
export function isMethodName(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) if (!isTokenChar(s.charCodeAt(i))) return false;
  return true;
}
