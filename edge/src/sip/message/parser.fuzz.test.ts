// Property-based fuzzing of the parser and the receive path: generated and mutated messages, no exception
// escapes, bounded time per message.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FakeClock } from '@hcc/shared';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SipParseError } from '../errors.ts';
import { SipStack } from '../stack.ts';
import { MemoryNetwork } from '../transport/memory.ts';
import type { SipMessage } from './message.ts';
import { parseMessage } from './parser.ts';

const fixtures = join(import.meta.dirname, '../../../test/fixtures/rfc4475');
const corpus: Buffer[] = ['valid', 'invalid'].flatMap((d) =>
  readdirSync(join(fixtures, d)).map((f) => readFileSync(join(fixtures, d, f))),
);

/** Touches every lazily parsed field, the way the stack does, so their parsers are fuzzed too. */
function exercise(m: SipMessage): void {
  const tryIt = (fn: () => unknown) => {
    try {
      fn();
    } catch (e) {
      if (!(e instanceof SipParseError)) throw e;
    }
  };
  tryIt(() => m.vias);
  tryIt(() => m.cseq);
  tryIt(() => m.from);
  tryIt(() => m.to);
  tryIt(() => m.contacts);
  tryIt(() => m.routes);
  tryIt(() => m.recordRoutes);
  tryIt(() => m.callId);
  if (m.kind === 'request') {
    tryIt(() => m.uri);
    tryIt(() => m.maxForwards);
  }
  m.toBuffer();
}

function parseAll(buf: Buffer): void {
  for (const datagram of [true, false]) {
    try {
      exercise(parseMessage(buf, { datagram }));
    } catch (e) {
      if (!(e instanceof SipParseError)) throw e;
    }
  }
}

const HEADER_NAMES = [
  'Via',
  'v',
  'To',
  't',
  'From',
  'f',
  'Call-ID',
  'i',
  'CSeq',
  'Contact',
  'm',
  'Route',
  'Record-Route',
  'Max-Forwards',
  'Content-Length',
  'l',
  'Content-Type',
  'Expires',
  'X-Foo',
];
const SIP_CHARS = ' \t\r\n:;,=<>"\\@[]?&%/.*+-_~!`\'()0123456789abczABCZ\u00e9\u4e2d\u0000';

const sipish = fc.string({ unit: fc.constantFrom(...SIP_CHARS), maxLength: 80 });
const generated = fc
  .record({
    start: fc.oneof(
      fc.constantFrom(
        'INVITE sip:a@b SIP/2.0',
        'SIP/2.0 200 OK',
        'REGISTER sip:x SIP/2.0',
        'ACK sip:[::1]:5 SIP/2.0',
      ),
      sipish,
    ),
    headers: fc.array(fc.tuple(fc.constantFrom(...HEADER_NAMES), sipish), { maxLength: 12 }),
    body: fc.string({ maxLength: 60 }),
    sep: fc.constantFrom('\r\n', '\n', '\r\n '),
  })
  .map(({ start, headers, body, sep }) =>
    Buffer.from(
      `${start}${sep}${headers.map(([n, v]) => `${n}: ${v}`).join(sep)}${sep}${sep}${body}`,
      'utf8',
    ),
  );

const mutated = fc
  .record({
    base: fc.constantFrom(...corpus),
    edits: fc.array(
      fc.record({
        at: fc.nat(),
        kind: fc.constantFrom('flip', 'insert', 'delete', 'dup'),
        byte: fc.integer({ min: 0, max: 255 }),
        len: fc.integer({ min: 1, max: 40 }),
      }),
      { minLength: 1, maxLength: 6 },
    ),
  })
  .map(({ base, edits }) => {
    let b = Buffer.from(base);
    for (const e of edits) {
      const at = b.length === 0 ? 0 : e.at % b.length;
      if (e.kind === 'flip') b[at] = e.byte;
      else if (e.kind === 'insert')
        b = Buffer.concat([b.subarray(0, at), Buffer.from([e.byte]), b.subarray(at)]);
      else if (e.kind === 'delete') b = Buffer.concat([b.subarray(0, at), b.subarray(at + e.len)]);
      else b = Buffer.concat([b.subarray(0, at), b.subarray(at, at + e.len), b.subarray(at)]);
    }
    return b;
  });

describe('parser fuzzing', () => {
  it('never throws anything but SipParseError on 100k generated and mutated messages, fast', () => {
    // Keep the slowest few inputs and time them again afterwards: a single wall-clock sample on a
    // shared CI machine includes GC pauses and preemption, the best of five does not, while a
    // super-linear parse stays slow on every try.
    const slowest: { ms: number; buf: Buffer }[] = [];
    const check = (buf: Buffer) => {
      const t0 = performance.now();
      parseAll(buf);
      const ms = performance.now() - t0;
      if (slowest.length < 10 || ms > slowest[slowest.length - 1]!.ms) {
        slowest.push({ ms, buf: Buffer.from(buf) });
        slowest.sort((a, b) => b.ms - a.ms);
        slowest.length = Math.min(slowest.length, 10);
      }
    };
    fc.assert(
      fc.property(generated, (b) => check(b)),
      { numRuns: 50_000, seed: 4475 },
    );
    fc.assert(
      fc.property(mutated, (b) => check(b)),
      { numRuns: 50_000, seed: 3261 },
    );
    const bestOf5 = (buf: Buffer) => {
      let best = Number.POSITIVE_INFINITY;
      for (let i = 0; i < 5; i++) {
        const t0 = performance.now();
        parseAll(buf);
        best = Math.min(best, performance.now() - t0);
      }
      return best;
    };
    // Linear scanners only: even the slowest input of the run parses in well under 20 ms.
    for (const { buf } of slowest) expect(bestOf5(buf)).toBeLessThan(20);
  }, 240_000);

  it('keeps pathological inputs linear (no backtracking)', () => {
    const big = (s: string) => Buffer.from(s, 'utf8');
    const cases = [
      big(`INVITE sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h${';a'.repeat(3000)}\r\nl: 0\r\n\r\n`),
      big(`INVITE sip:a@b SIP/2.0\r\nTo: ${'"'.repeat(7000)}\r\nl: 0\r\n\r\n`),
      big(`INVITE sip:a@b SIP/2.0\r\nContact: ${'<sip:a@b>,'.repeat(700)}\r\nl: 0\r\n\r\n`),
      big(`INVITE sip:a@b SIP/2.0\r\n${'X: y\r\n '.repeat(1000)}\r\n\r\n`),
      big(`${'\r\n'.repeat(8000)}OPTIONS sip:a@b SIP/2.0\r\n\r\n`),
    ];
    for (const c of cases) {
      let best = Number.POSITIVE_INFINITY;
      for (let i = 0; i < 5; i++) {
        const t0 = performance.now();
        parseAll(c);
        best = Math.min(best, performance.now() - t0);
      }
      expect(best).toBeLessThan(50);
    }
  });

  it('the receive path survives 20k mutated datagrams without an escaping exception', async () => {
    const net = new MemoryNetwork();
    net.filter = () => 'drop';
    const t = net.transport('10.0.0.1', 5060);
    const stack = new SipStack({ transports: [t], clock: new FakeClock(0) });
    await stack.start();
    stack.use((req) => void req.reply(200));
    fc.assert(
      fc.property(mutated, (b) => {
        t.inject(b, { address: '192.0.2.1', port: 5060 });
      }),
      { numRuns: 20_000, seed: 5118 },
    );
    await new Promise((r) => setImmediate(r));
    expect(stack.stats.received).toBe(20_000);
    expect(stack.stats.handlerErrors).toBe(0);
  }, 120_000);
});
