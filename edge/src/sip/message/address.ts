// name-addr and addr-spec with header parameters: From, To, Contact, Route, Record-Route, Refer-To ...
// (RFC 3261 §20.10, §25.1).
import { SipParseError } from '../errors.ts';
import {
  formatParams,
  isTokenChar,
  isWs,
  type Params,
  parseParams,
  quote,
  quotedEnd,
  splitList,
  unquote,
} from './grammar.ts';
import { formatUri, parseUri, type Uri } from './uri.ts';

export interface NameAddr {
  /** Display name, unquoted; undefined when absent. */
  displayName: string | undefined;
  uri: Uri;
  params: Params;
  /** True for `*` in a Contact header. */
  wildcard?: boolean;
}

export function parseNameAddr(value: string, what = 'address'): NameAddr {
  const s = value.trim();
  const n = s.length;
  if (n === 0) throw new SipParseError(400, `Empty ${what}`);
  let i = 0;
  let displayName: string | undefined;
  if (s.charCodeAt(0) === 34) {
    const end = quotedEnd(s, 0);
    if (end < 0) throw new SipParseError(400, `Unterminated quoted string in ${what}`);
    displayName = unquote(s.slice(0, end + 1));
    i = end + 1;
    while (i < n && isWs(s.charCodeAt(i))) i++;
    if (s.charCodeAt(i) !== 60) throw new SipParseError(400, `Malformed ${what}`);
  } else {
    const lt = s.indexOf('<');
    if (lt >= 0) {
      // display-name = *(token LWS): only token characters and whitespace before '<'.
      for (let k = 0; k < lt; k++) {
        const c = s.charCodeAt(k);
        if (!isTokenChar(c) && !isWs(c)) throw new SipParseError(400, `Invalid display name in ${what}`);
      }
      const dn = s.slice(0, lt).trim();
      displayName = dn.length > 0 ? dn : undefined;
      i = lt;
    }
  }
  if (i < n && s.charCodeAt(i) === 60) {
    const gt = s.indexOf('>', i);
    if (gt < 0) throw new SipParseError(400, `Unclosed < in ${what}`);
    // Whitespace inside the brackets is invalid (RFC 4475 §3.1.2.14) but harmless: accept it, never re-emit it.
    const uri = parseUri(s.slice(i + 1, gt).trim());
    return { displayName, uri, params: parseParams(s, gt + 1, what) };
  }
  // addr-spec: a URI with ',', ';' or '?' must be in angle brackets, so ';' starts header parameters.
  let end = 0;
  while (end < n) {
    const c = s.charCodeAt(end);
    if (c === 59 || isWs(c)) break;
    end++;
  }
  const rawUri = s.slice(0, end);
  if (rawUri.indexOf('?') >= 0) throw new SipParseError(400, `URI with headers outside <> in ${what}`);
  return { displayName: undefined, uri: parseUri(rawUri), params: parseParams(s, end, what) };
}

export function formatNameAddr(a: NameAddr): string {
  if (a.wildcard) return '*';
  let out = '';
  if (a.displayName !== undefined) out += `${quote(a.displayName)} `;
  out += `<${formatUri(a.uri)}>`;
  return out + formatParams(a.params);
}

/** Parses a comma-separated list of addresses (Contact, Route, Record-Route). `*` is a Contact wildcard. */
export function parseAddressList(value: string, what: string): NameAddr[] {
  const out: NameAddr[] = [];
  for (const part of splitList(value)) {
    if (part.length === 0) throw new SipParseError(400, `Empty ${what} element`);
    if (part === '*') {
      out.push({
        displayName: undefined,
        uri: { scheme: '*', opaque: '' },
        params: new Map(),
        wildcard: true,
      });
      continue;
    }
    out.push(parseNameAddr(part, what));
  }
  return out;
}

export function tagOf(a: NameAddr): string | undefined {
  const t = a.params.get('tag');
  return t === null ? undefined : t;
}
