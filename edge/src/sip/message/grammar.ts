// Lexical rules of RFC 3261 §25.1 as small linear scanners (no regular expressions on the hot path, so no
// backtracking hazards on hostile input).
import { SipParseError } from '../errors.ts';

const TOKEN = new Uint8Array(128);
for (const c of "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.!%*_+`'~") {
  TOKEN[c.charCodeAt(0)] = 1;
}

export function isTokenChar(code: number): boolean {
  return code < 128 && TOKEN[code] === 1;
}

export function isToken(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) if (!isTokenChar(s.charCodeAt(i))) return false;
  return true;
}

export function isWs(code: number): boolean {
  return code === 32 || code === 9 || code === 13 || code === 10;
}

/** Trims SP, HTAB, CR and LF only: String.prototype.trim would also eat a BOM or NBSP that belongs to a value. */
export function trimLws(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && isWs(s.charCodeAt(a))) a++;
  while (b > a && isWs(s.charCodeAt(b - 1))) b--;
  return a === 0 && b === s.length ? s : s.slice(a, b);
}

export function isDigits(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/** Parses a decimal that must fit `max` (RFC 3261 scalars: CSeq < 2^31, Max-Forwards <= 255 ...). */
export function parseBoundedInt(s: string, max: number, what: string): number {
  const t = s.trim();
  if (!isDigits(t) || t.length > 12) throw new SipParseError(400, `Bad ${what}`);
  const n = Number(t);
  if (n > max) throw new SipParseError(400, `${what} out of range`);
  return n;
}

/** Index of the closing quote of a quoted-string whose opening quote is at `start`, or -1. */
export function quotedEnd(s: string, start: number): number {
  for (let i = start + 1; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 92 /* \ */) i++;
    else if (c === 34 /* " */) return i;
  }
  return -1;
}

export function unquote(s: string): string {
  if (s.length < 2 || s.charCodeAt(0) !== 34) return s;
  let out = '';
  for (let i = 1; i < s.length - 1; i++) {
    const ch = s[i]!;
    if (ch === '\\' && i + 1 < s.length - 1) {
      out += s[i + 1];
      i++;
    } else out += ch;
  }
  return out;
}

export function quote(s: string): string {
  let out = '"';
  for (const ch of s) out += ch === '"' || ch === '\\' ? `\\${ch}` : ch;
  return `${out}"`;
}

/**
 * Splits a header value on commas that are outside quoted strings and angle brackets
 * (RFC 3261 §7.3.1). Elements are trimmed; empty elements are kept so callers can reject them.
 */
export function splitList(value: string): string[] {
  const out: string[] = [];
  let start = 0;
  let angle = false;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 34) {
      const end = quotedEnd(value, i);
      if (end < 0) throw new SipParseError(400, 'Unterminated quoted string');
      i = end;
    } else if (c === 60 /* < */) angle = true;
    else if (c === 62 /* > */) angle = false;
    else if (c === 44 /* , */ && !angle) {
      out.push(value.slice(start, i).trim());
      start = i + 1;
    }
  }
  out.push(value.slice(start).trim());
  return out;
}

/** Generic parameters, `;name[=value]`, names lower-cased, value null for a flag. */
export type Params = Map<string, string | null>;

/**
 * Parses `*( SEMI generic-param )` starting at `from` (which must be at a ';' or the end, after optional LWS).
 * Accepts LWS around ';' and '=' (RFC 3261 §25.1 SEMI and EQUAL), values as token, host or quoted-string.
 */
export function parseParams(s: string, from: number, what: string): Params {
  const params: Params = new Map();
  let i = from;
  const n = s.length;
  for (;;) {
    while (i < n && isWs(s.charCodeAt(i))) i++;
    if (i >= n) return params;
    if (s.charCodeAt(i) !== 59 /* ; */) throw new SipParseError(400, `Malformed ${what} parameters`);
    i++;
    while (i < n && isWs(s.charCodeAt(i))) i++;
    const nameStart = i;
    while (i < n && isTokenChar(s.charCodeAt(i))) i++;
    if (i === nameStart) throw new SipParseError(400, `Empty ${what} parameter`);
    const name = s.slice(nameStart, i).toLowerCase();
    while (i < n && isWs(s.charCodeAt(i))) i++;
    if (i < n && s.charCodeAt(i) === 61 /* = */) {
      i++;
      while (i < n && isWs(s.charCodeAt(i))) i++;
      if (i < n && s.charCodeAt(i) === 34) {
        const end = quotedEnd(s, i);
        if (end < 0) throw new SipParseError(400, `Unterminated quoted string in ${what}`);
        params.set(name, s.slice(i, end + 1));
        i = end + 1;
      } else {
        const vStart = i;
        // token / host (IPv6 reference with brackets and colons)
        while (i < n) {
          const c = s.charCodeAt(i);
          if (isTokenChar(c) || c === 58 || c === 91 || c === 93) i++;
          else break;
        }
        if (i === vStart) throw new SipParseError(400, `Empty ${what} parameter value`);
        params.set(name, s.slice(vStart, i));
      }
    } else {
      params.set(name, null);
    }
  }
}

export function formatParams(params: Params): string {
  let out = '';
  for (const [k, v] of params) out += v === null ? `;${k}` : `;${k}=${v}`;
  return out;
}

/** Decodes %HH escapes; malformed escapes are kept literally (RFC 4475 esc02 shows '%' that is no escape). */
export function percentDecode(s: string): string {
  if (s.indexOf('%') < 0) return s;
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 37 && i + 2 < s.length + 0 && isHex(s.charCodeAt(i + 1)) && isHex(s.charCodeAt(i + 2))) {
      bytes.push(Number.parseInt(s.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (c < 128) bytes.push(c);
    else for (const b of Buffer.from(s[i]!, 'utf8')) bytes.push(b);
  }
  return Buffer.from(bytes).toString('utf8');
}

function isHex(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
}
