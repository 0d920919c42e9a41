import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decode, encode } from './bencode.ts';
import { BencodeError } from './errors.ts';

describe('bencode', () => {
  it('encodes the four types with sorted dict keys', () => {
    expect(encode({ z: 1, a: 'x', m: [-3, 'ab'] }).toString()).toBe('d1:a1:x1:mli-3e2:abe1:zi1ee');
    expect(encode(Buffer.from([0, 255])).equals(Buffer.from([0x32, 0x3a, 0, 255]))).toBe(true);
    expect(encode({ skip: undefined, k: 0 }).toString()).toBe('d1:ki0ee');
  });

  it('sorts dict keys as UTF-8 bytes and splices byte strings into the text', () => {
    // UTF-16 puts U+10000 (a surrogate pair, 0xD800...) before U+FFFF; UTF-8 bytes (F0 vs EF) do not.
    expect(encode({ '\u{10000}': 1, '\uffff': 2, b: 3 }).toString()).toBe(
      'd1:bi3e3:\uffffi2e4:\u{10000}i1ee',
    );
    const mixed = encode({ a: Buffer.from([0xff, 0]), b: ['x', Buffer.from([1])] });
    expect(
      mixed.equals(
        Buffer.concat([
          Buffer.from('d1:a2:'),
          Buffer.from([0xff, 0]),
          Buffer.from('1:bl1:x1:'),
          Buffer.from([1]),
          Buffer.from('ee'),
        ]),
      ),
    ).toBe(true);
  });

  it('counts UTF-8 bytes, not characters, in string lengths', () => {
    expect(encode('é').toString()).toBe('2:é');
    expect(decode(Buffer.from('2:é'))).toBe('é');
  });

  it('decodes an rtpengine reply', () => {
    const v = decode(Buffer.from('d6:result4:pong5:extrali1ei2eee'));
    expect(v).toEqual({ result: 'pong', extra: [1, 2] });
  });

  it('keeps byte strings as Buffers on request', () => {
    const v = decode(Buffer.from('l3:abce'), { bytes: 'buffer' }) as Buffer[];
    expect(Buffer.isBuffer(v[0])).toBe(true);
  });

  it('turns integers beyond 2^53 into bigint', () => {
    expect(decode(Buffer.from('i9007199254740993e'))).toBe(9007199254740993n);
    expect(encode(9007199254740993n).toString()).toBe('i9007199254740993e');
  });

  it('does not let a __proto__ key pollute objects', () => {
    const v = decode(Buffer.from('d9:__proto__d1:xi1eee')) as Record<string, unknown>;
    expect(Object.keys(v)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>)['x']).toBeUndefined();
  });

  it.each([
    ['', 'empty'],
    ['i12', 'unterminated int'],
    ['i01e', 'leading zero'],
    ['i-0e', 'negative zero'],
    ['ie', 'empty int'],
    ['5:abc', 'short string'],
    ['01:a', 'leading zero length'],
    ['99999999999999999999:a', 'huge length'],
    ['l1:a', 'unterminated list'],
    ['di1ei2ee', 'int key'],
    ['d1:ae', 'key without value'],
    ['x', 'unknown type'],
    ['i1ei2e', 'trailing data'],
  ])('rejects %j (%s) with BencodeError', (text) => {
    expect(() => decode(Buffer.from(text))).toThrow(BencodeError);
  });

  it('rejects deep nesting without blowing the stack', () => {
    const deep = Buffer.from(`${'l'.repeat(100_000)}${'e'.repeat(100_000)}`);
    expect(() => decode(deep)).toThrow(/nesting too deep/);
  });

  it('throws only BencodeError on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        try {
          decode(bytes);
        } catch (err) {
          if (!(err instanceof BencodeError)) throw err;
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('round-trips generated values', () => {
    const leaf = fc.oneof(fc.string(), fc.integer());
    const value = fc.letrec((tie) => ({
      v: fc.oneof({ depthSize: 'small' }, leaf, fc.array(tie('v')), fc.dictionary(fc.string(), tie('v'))),
    })).v;
    fc.assert(
      fc.property(value, (v) => {
        const back = decode(encode(v as never));
        expect(JSON.stringify(sortDeep(back))).toBe(JSON.stringify(sortDeep(v)));
      }),
    );
  });
});

function sortDeep(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortDeep);
  if (typeof v === 'object' && v !== null) {
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .map((k) => [k, sortDeep((v as Record<string, unknown>)[k])]),
    );
  }
  return v;
}
