// HTTP Digest for SIP (RFC 3261 §22.4, RFC 8760: SHA-256 and MD5, qop=auth): header parsing and hashing.
import { createHash } from 'node:crypto';
import { isTokenChar, quotedEnd, unquote } from '../message/grammar.ts';

export type DigestAlgorithm = 'MD5' | 'SHA-256';

export function digestHash(alg: DigestAlgorithm, s: string): string {
  return createHash(alg === 'MD5' ? 'md5' : 'sha256')
    .update(s, 'utf8')
    .digest('hex');
}

export function ha1(alg: DigestAlgorithm, username: string, realm: string, password: string): string {
  return digestHash(alg, `${username}:${realm}:${password}`);
}

export interface DigestResponseInput {
  algorithm: DigestAlgorithm;
  ha1: string;
  method: string;
  uri: string;
  nonce: string;
  nc?: string;
  cnonce?: string;
  qop?: string;
}

/** request-digest of RFC 7616 §3.4.1 (qop=auth) or RFC 2617's qop-less form. */
export function digestResponse(i: DigestResponseInput): string {
  const ha2 = digestHash(i.algorithm, `${i.method}:${i.uri}`);
  if (i.qop) return digestHash(i.algorithm, `${i.ha1}:${i.nonce}:${i.nc}:${i.cnonce}:${i.qop}:${ha2}`);
  return digestHash(i.algorithm, `${i.ha1}:${i.nonce}:${ha2}`);
}

/**
 * Parses `Digest k=v, k="v"` (WWW-Authenticate, Authorization ...). Returns the scheme and lower-cased
 * parameter names with unquoted values.
 */
export function parseAuthHeader(value: string): { scheme: string; params: Map<string, string> } {
  const s = value.trim();
  let i = 0;
  while (i < s.length && isTokenChar(s.charCodeAt(i))) i++;
  const scheme = s.slice(0, i);
  const params = new Map<string, string>();
  while (i < s.length) {
    while (i < s.length && (s[i] === ' ' || s[i] === ',' || s[i] === '\t')) i++;
    const ks = i;
    while (i < s.length && isTokenChar(s.charCodeAt(i))) i++;
    const key = s.slice(ks, i).toLowerCase();
    while (i < s.length && s[i] === ' ') i++;
    if (s[i] !== '=') {
      if (i === ks) i++;
      continue;
    }
    i++;
    while (i < s.length && s[i] === ' ') i++;
    let val: string;
    if (s[i] === '"') {
      const end = quotedEnd(s, i);
      if (end < 0) break;
      val = unquote(s.slice(i, end + 1));
      i = end + 1;
    } else {
      const vs = i;
      while (i < s.length && s[i] !== ',' && s[i] !== ' ') i++;
      val = s.slice(vs, i);
    }
    if (key) params.set(key, val);
  }
  return { scheme, params };
}

export function normaliseAlgorithm(a: string | undefined): DigestAlgorithm | undefined {
  const v = (a ?? 'MD5').toUpperCase();
  if (v === 'MD5') return 'MD5';
  if (v === 'SHA-256') return 'SHA-256';
  return undefined;
}
