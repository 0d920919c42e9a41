// Header fields kept as raw values in wire order; structured forms are parsed on access by the message.

/** Compact forms of RFC 3261 §7.3.3 and later extensions. */
const COMPACT: Record<string, string> = {
  i: 'call-id',
  m: 'contact',
  e: 'content-encoding',
  l: 'content-length',
  c: 'content-type',
  f: 'from',
  s: 'subject',
  k: 'supported',
  t: 'to',
  v: 'via',
  o: 'event',
  r: 'refer-to',
  b: 'referred-by',
  u: 'allow-events',
  x: 'session-expires',
  y: 'identity',
  a: 'accept-contact',
  j: 'reject-contact',
  d: 'request-disposition',
  n: 'identity-info',
};

const DISPLAY: Record<string, string> = {
  'call-id': 'Call-ID',
  cseq: 'CSeq',
  'www-authenticate': 'WWW-Authenticate',
  'mime-version': 'MIME-Version',
  rack: 'RAck',
  rseq: 'RSeq',
  'sip-etag': 'SIP-ETag',
  'sip-if-match': 'SIP-If-Match',
  'min-se': 'Min-SE',
};

const keyCache = new Map<string, string>();

/** Lower-case long form of a header name: `v`, `VIA` and `Via` all give `via`. */
export function headerKey(name: string): string {
  const cached = keyCache.get(name);
  if (cached !== undefined) return cached;
  const lower = name.toLowerCase();
  const key = COMPACT[lower] ?? lower;
  if (keyCache.size < 1024) keyCache.set(name, key);
  return key;
}

/** Canonical spelling used when serialising: `call-id` -> `Call-ID`, `record-route` -> `Record-Route`. */
export function displayName(key: string): string {
  const d = DISPLAY[key];
  if (d) return d;
  let out = '';
  let upper = true;
  for (const ch of key) {
    out += upper ? ch.toUpperCase() : ch;
    upper = ch === '-';
  }
  return out;
}

export interface HeaderField {
  /** Normalised key (lower-case long form). */
  readonly key: string;
  /** Name to write on the wire. */
  readonly name: string;
  value: string;
}

export class Headers implements Iterable<HeaderField> {
  readonly fields: HeaderField[];
  /** Bumped on every change, so cached structured values know when they are stale. */
  version = 0;

  constructor(fields: HeaderField[] = []) {
    this.fields = fields;
  }

  static from(pairs: Iterable<readonly [string, string]>): Headers {
    const h = new Headers();
    for (const [n, v] of pairs) h.append(n, v);
    return h;
  }

  [Symbol.iterator](): Iterator<HeaderField> {
    return this.fields[Symbol.iterator]();
  }

  get size(): number {
    return this.fields.length;
  }

  has(name: string): boolean {
    const key = headerKey(name);
    for (const f of this.fields) if (f.key === key) return true;
    return false;
  }

  get(name: string): string | undefined {
    const key = headerKey(name);
    for (const f of this.fields) if (f.key === key) return f.value;
    return undefined;
  }

  getAll(name: string): string[] {
    const key = headerKey(name);
    const out: string[] = [];
    for (const f of this.fields) if (f.key === key) out.push(f.value);
    return out;
  }

  count(name: string): number {
    const key = headerKey(name);
    let n = 0;
    for (const f of this.fields) if (f.key === key) n++;
    return n;
  }

  /** Replaces every field of that name by one field, at the position of the first. */
  set(name: string, value: string): this {
    this.version++;
    const key = headerKey(name);
    const idx = this.fields.findIndex((f) => f.key === key);
    if (idx < 0) return this.append(name, value);
    this.fields[idx] = { key, name: displayName(key), value };
    for (let i = this.fields.length - 1; i > idx; i--)
      if (this.fields[i]!.key === key) this.fields.splice(i, 1);
    return this;
  }

  append(name: string, value: string): this {
    this.version++;
    const key = headerKey(name);
    this.fields.push({ key, name: displayName(key), value });
    return this;
  }

  /** Inserts before the first field of that name (or at the top): Via and Record-Route are prepended. */
  prepend(name: string, value: string): this {
    this.version++;
    const key = headerKey(name);
    const idx = this.fields.findIndex((f) => f.key === key);
    this.fields.splice(Math.max(idx, 0), 0, { key, name: displayName(key), value });
    return this;
  }

  delete(name: string): this {
    this.version++;
    const key = headerKey(name);
    for (let i = this.fields.length - 1; i >= 0; i--)
      if (this.fields[i]!.key === key) this.fields.splice(i, 1);
    return this;
  }

  clone(): Headers {
    return new Headers(this.fields.map((f) => ({ ...f })));
  }
}
