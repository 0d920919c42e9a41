/**
 * Bencode (BEP 3) as used by the rtpengine NG protocol: byte strings, integers, lists and dicts.
 * Decoding never throws anything but a {@link BencodeError}, whatever the input.
 */
import { BencodeError } from './errors.ts';

export type BencodeValue = string | Buffer | number | bigint | BencodeValue[] | BencodeDict;
export interface BencodeDict {
  [key: string]: BencodeValue;
}

/** What encode() accepts: undefined dict values are skipped, booleans are not bencode and rejected by type. */
export type Encodable =
  | string
  | Buffer
  | Uint8Array
  | number
  | bigint
  | readonly Encodable[]
  | { readonly [key: string]: Encodable | undefined };

export interface DecodeOptions {
  /** `string` (default) decodes byte strings as UTF-8 text; `buffer` keeps them as Buffers. */
  bytes?: 'string' | 'buffer';
  /** Nesting limit, a guard against hostile input. Default 64. */
  maxDepth?: number;
}

/**
 * Encodes to one Buffer. Text is gathered as JS strings and converted once (a Buffer per token made the
 * encoder, and the garbage it left, a measurable share of the edge's CPU per call); byte-string values
 * (Buffers) are spliced in as they are.
 */
export function encode(value: Encodable): Buffer {
  const out: (string | Uint8Array)[] = [];
  encodeInto(value, out);
  let text = '';
  const parts: Uint8Array[] = [];
  for (const p of out) {
    if (typeof p === 'string') {
      text += p;
      continue;
    }
    if (text) parts.push(Buffer.from(text, 'utf8'));
    text = '';
    parts.push(p);
  }
  if (parts.length === 0) return Buffer.from(text, 'utf8');
  if (text) parts.push(Buffer.from(text, 'utf8'));
  return Buffer.concat(parts);
}

const SURROGATE = /[\uD800-\uDFFF]/;
/**
 * BEP 3: dict keys sorted as raw byte strings. UTF-8 byte order is code point order, which UTF-16 code unit
 * order (a plain string comparison) matches unless a key holds a surrogate pair.
 */
function byteOrder(a: string, b: string): number {
  if (!SURROGATE.test(a) && !SURROGATE.test(b)) return a < b ? -1 : a > b ? 1 : 0;
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

function encodeInto(value: Encodable, out: (string | Uint8Array)[]): void {
  if (typeof value === 'string') {
    out.push(`${Buffer.byteLength(value, 'utf8')}:`, value);
  } else if (value instanceof Uint8Array) {
    out.push(`${value.length}:`, Buffer.from(value));
  } else if (typeof value === 'number') {
    if (!Number.isInteger(value)) throw new TypeError(`bencode integers only, got ${value}`);
    out.push(`i${value}e`);
  } else if (typeof value === 'bigint') {
    out.push(`i${value}e`);
  } else if (Array.isArray(value)) {
    out.push('l');
    for (const v of value as readonly Encodable[]) encodeInto(v, out);
    out.push('e');
  } else if (typeof value === 'object' && value !== null) {
    out.push('d');
    const dict = value as { readonly [key: string]: Encodable | undefined };
    const keys = Object.keys(dict).sort(byteOrder);
    for (const k of keys) {
      const v = dict[k];
      if (v === undefined) continue;
      out.push(`${Buffer.byteLength(k, 'utf8')}:`, k);
      encodeInto(v, out);
    }
    out.push('e');
  } else {
    throw new TypeError(`cannot bencode a ${typeof value}`);
  }
}

const ZERO = 0x30;
const NINE = 0x39;
const COLON = 0x3a;
const CHAR_I = 0x69;
const CHAR_L = 0x6c;
const CHAR_D = 0x64;
const CHAR_E = 0x65;

/** Decodes exactly one value filling the whole buffer. */
export function decode(input: Uint8Array, options: DecodeOptions = {}): BencodeValue {
  const buf = Buffer.isBuffer(input) ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  const d = new Decoder(buf, options.bytes ?? 'string', options.maxDepth ?? 64);
  const value = d.value(0);
  if (d.pos !== buf.length) throw new BencodeError('trailing data', d.pos);
  return value;
}

class Decoder {
  pos = 0;
  constructor(
    private readonly buf: Buffer,
    private readonly bytes: 'string' | 'buffer',
    private readonly maxDepth: number,
  ) {}

  value(depth: number): BencodeValue {
    if (depth > this.maxDepth) throw new BencodeError('nesting too deep', this.pos);
    const c = this.peek();
    if (c === CHAR_I) return this.integer();
    if (c === CHAR_L) return this.list(depth);
    if (c === CHAR_D) return this.dict(depth);
    if (c >= ZERO && c <= NINE) {
      const raw = this.byteString();
      return this.bytes === 'string' ? raw.toString('utf8') : Buffer.from(raw);
    }
    throw new BencodeError(`unexpected byte 0x${c.toString(16)}`, this.pos);
  }

  private peek(): number {
    const c = this.buf[this.pos];
    if (c === undefined) throw new BencodeError('unexpected end of input', this.pos);
    return c;
  }

  private integer(): number | bigint {
    const start = this.pos;
    this.pos++; // 'i'
    const end = this.buf.indexOf(CHAR_E, this.pos);
    if (end < 0) throw new BencodeError('unterminated integer', start);
    const text = this.buf.toString('latin1', this.pos, end);
    if (!/^(0|-?[1-9][0-9]*)$/.test(text))
      throw new BencodeError(`invalid integer "${text.slice(0, 24)}"`, start);
    this.pos = end + 1;
    const n = Number(text);
    return Number.isSafeInteger(n) ? n : BigInt(text);
  }

  private byteString(): Buffer {
    const start = this.pos;
    let len = 0;
    let digits = 0;
    for (;;) {
      const c = this.peek();
      if (c === COLON) break;
      if (c < ZERO || c > NINE) throw new BencodeError('invalid string length', start);
      if (digits > 0 && len === 0) throw new BencodeError('leading zero in string length', start);
      len = len * 10 + (c - ZERO);
      digits++;
      if (len > this.buf.length) throw new BencodeError('string length beyond input', start);
      this.pos++;
    }
    this.pos++; // ':'
    if (this.pos + len > this.buf.length) throw new BencodeError('string truncated', start);
    const out = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return out;
  }

  private list(depth: number): BencodeValue[] {
    this.pos++; // 'l'
    const out: BencodeValue[] = [];
    while (this.peek() !== CHAR_E) out.push(this.value(depth + 1));
    this.pos++;
    return out;
  }

  private dict(depth: number): BencodeDict {
    this.pos++; // 'd'
    // A null-prototype object: keys such as "__proto__" stay plain data.
    const out = Object.create(null) as BencodeDict;
    while (this.peek() !== CHAR_E) {
      const c = this.peek();
      if (c < ZERO || c > NINE) throw new BencodeError('dict key must be a byte string', this.pos);
      const key = this.byteString().toString('utf8');
      out[key] = this.value(depth + 1);
    }
    this.pos++;
    return out;
  }
}

/** Narrowing helper for decoded values. */
export function isDict(v: BencodeValue | undefined): v is BencodeDict {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !Buffer.isBuffer(v);
}
