// Request and response objects. Header values stay raw strings; the structured forms the stack needs
// (Via, CSeq, From/To tags ...) are parsed on first access and cached until the header is changed.
import { SipParseError } from '../errors.ts';
import { type NameAddr, parseAddressList, parseNameAddr, tagOf } from './address.ts';
import { parseBoundedInt } from './grammar.ts';
import { Headers } from './headers.ts';
import { formatUri, parseUri, type Uri } from './uri.ts';
import { parseViaList, type Via } from './via.ts';

export interface CSeq {
  seq: number;
  method: string;
}

const EMPTY = Buffer.alloc(0);

abstract class SipMessageBase {
  readonly headers: Headers;
  body: Buffer;
  private cache: Map<string, unknown> | undefined;

  constructor(headers: Headers, body: Buffer) {
    this.headers = headers;
    this.body = body;
  }

  protected memo<T>(key: string, compute: () => T): T {
    const version = this.headers.version;
    if (!this.cache) this.cache = new Map();
    const hit = this.cache.get(key) as { version: number; v: T } | undefined;
    if (hit && hit.version === version) return hit.v;
    const v = compute();
    this.cache.set(key, { version, v });
    return v;
  }

  private required(name: string): string {
    const v = this.headers.get(name);
    if (v === undefined) throw new SipParseError(400, `Missing ${name} header`);
    return v;
  }

  get callId(): string {
    return this.required('call-id').trim();
  }

  get cseq(): CSeq {
    return this.memo('cseq', () => {
      const v = this.required('cseq').trim();
      let sp = 0;
      while (sp < v.length && v.charCodeAt(sp) >= 48 && v.charCodeAt(sp) <= 57) sp++;
      const method = v.slice(sp).trim();
      // CSeq numbers are 32-bit and below 2^31 (RFC 3261 §8.1.1.5).
      const seq = parseBoundedInt(v.slice(0, sp), 0x7fffffff, 'CSeq');
      if (method.length === 0) throw new SipParseError(400, 'Bad CSeq');
      return { seq, method };
    });
  }

  get from(): NameAddr {
    return this.memo('from', () => parseNameAddr(this.required('from'), 'From'));
  }

  get to(): NameAddr {
    return this.memo('to', () => parseNameAddr(this.required('to'), 'To'));
  }

  get fromTag(): string | undefined {
    return tagOf(this.from);
  }

  get toTag(): string | undefined {
    return tagOf(this.to);
  }

  /** Every Via, top first. */
  get vias(): Via[] {
    return this.memo('via', () => {
      const out: Via[] = [];
      for (const v of this.headers.getAll('via')) out.push(...parseViaList(v));
      if (out.length === 0) throw new SipParseError(400, 'Missing Via header');
      return out;
    });
  }

  get topVia(): Via {
    return this.vias[0]!;
  }

  get contacts(): NameAddr[] {
    return this.memo('contact', () => {
      const out: NameAddr[] = [];
      for (const v of this.headers.getAll('contact')) out.push(...parseAddressList(v, 'Contact'));
      return out;
    });
  }

  get recordRoutes(): NameAddr[] {
    return this.memo('record-route', () => {
      const out: NameAddr[] = [];
      for (const v of this.headers.getAll('record-route')) out.push(...parseAddressList(v, 'Record-Route'));
      return out;
    });
  }

  get routes(): NameAddr[] {
    return this.memo('route', () => {
      const out: NameAddr[] = [];
      for (const v of this.headers.getAll('route')) out.push(...parseAddressList(v, 'Route'));
      return out;
    });
  }

  get contentType(): string | undefined {
    const v = this.headers.get('content-type');
    if (v === undefined) return undefined;
    const semi = v.indexOf(';');
    return (semi >= 0 ? v.slice(0, semi) : v).trim().toLowerCase();
  }

  abstract startLine(): string;

  /** Serialises with a recomputed Content-Length; header values are written as stored. */
  toBuffer(): Buffer {
    let head = `${this.startLine()}\r\n`;
    for (const f of this.headers.fields) {
      if (f.key === 'content-length') continue;
      head += `${f.name}: ${f.value}\r\n`;
    }
    head += `Content-Length: ${this.body.length}\r\n\r\n`;
    if (this.body.length === 0) return Buffer.from(head, 'utf8');
    const headLen = Buffer.byteLength(head, 'utf8');
    const out = Buffer.allocUnsafe(headLen + this.body.length);
    out.write(head, 0, 'utf8');
    this.body.copy(out, headLen);
    return out;
  }

  toString(): string {
    return this.toBuffer().toString('utf8');
  }
}

export class SipRequest extends SipMessageBase {
  readonly kind = 'request' as const;
  method: string;
  private rawUri: string;
  private parsedUri: Uri | undefined;

  constructor(method: string, uri: string | Uri, headers = new Headers(), body: Buffer = EMPTY) {
    super(headers, body);
    this.method = method;
    if (typeof uri === 'string') this.rawUri = uri;
    else {
      this.parsedUri = uri;
      this.rawUri = formatUri(uri);
    }
  }

  /** The Request-URI, parsed on first access (throws SipParseError if malformed). */
  get uri(): Uri {
    if (!this.parsedUri) this.parsedUri = parseUri(this.rawUri);
    return this.parsedUri;
  }

  set uri(u: Uri) {
    this.parsedUri = u;
    this.rawUri = formatUri(u);
  }

  get uriString(): string {
    return this.parsedUri ? formatUri(this.parsedUri) : this.rawUri;
  }

  get maxForwards(): number | undefined {
    const v = this.headers.get('max-forwards');
    return v === undefined ? undefined : parseBoundedInt(v, 255, 'Max-Forwards');
  }

  startLine(): string {
    return `${this.method} ${this.uriString} SIP/2.0`;
  }
}

export class SipResponse extends SipMessageBase {
  readonly kind = 'response' as const;
  constructor(
    public status: number,
    public reason: string,
    headers = new Headers(),
    body: Buffer = EMPTY,
  ) {
    super(headers, body);
  }

  startLine(): string {
    return `SIP/2.0 ${this.status} ${this.reason}`;
  }
}

export type SipMessage = SipRequest | SipResponse;
