import { describe, expect, it } from 'vitest';
import { type CsvRecord, csvLine, MAX_RECORD_CHARS, parseCsv } from './csv.ts';

async function parse(...chunks: string[]): Promise<CsvRecord[]> {
  const out: CsvRecord[] = [];
  async function* src() {
    yield* chunks;
  }
  for await (const r of parseCsv(src())) out.push(r);
  return out;
}

/** Every way of cutting `text` in two chunks gives the same records. */
async function everySplit(text: string): Promise<CsvRecord[]> {
  const whole = await parse(text);
  for (let i = 1; i < text.length; i++) expect(await parse(text.slice(0, i), text.slice(i))).toEqual(whole);
  return whole;
}

describe('parseCsv', () => {
  it('reads plain, quoted, escaped and multi-line fields with the line each record starts on', async () => {
    const rs = await everySplit('a,b,c\r\n1,"x, y","say ""hi"""\n2,"two\nlines",\n\n3,,""\n');
    expect(rs).toEqual([
      { line: 1, fields: ['a', 'b', 'c'] },
      { line: 2, fields: ['1', 'x, y', 'say "hi"'] },
      { line: 3, fields: ['2', 'two\nlines', ''] },
      { line: 6, fields: ['3', '', ''] },
    ]);
  });

  it('reads UTF-8 bytes split inside a character, skips a BOM, and takes a last line without newline', async () => {
    const bytes = new TextEncoder().encode('\uFEFFname\nJosé Ñúñez');
    async function* src() {
      for (let i = 0; i < bytes.length; i += 3) yield bytes.slice(i, i + 3);
    }
    const out: CsvRecord[] = [];
    for await (const r of parseCsv(src())) out.push(r);
    expect(out).toEqual([
      { line: 1, fields: ['name'] },
      { line: 2, fields: ['José Ñúñez'] },
    ]);
  });

  it('reports malformed records by line and goes on', async () => {
    const rs = await everySplit('a,b\n1,"x"y\n2,ok\n3,ab"c\n4,"open\n');
    expect(rs.map((r) => [r.line, r.problem])).toEqual([
      [1, undefined],
      [2, 'malformed quoting'],
      [3, undefined],
      [4, 'malformed quoting'],
      [5, 'unterminated quoted field'],
    ]);
  });

  it('reports an over-long record without keeping it', async () => {
    const rs = await parse(`a\n${'x'.repeat(MAX_RECORD_CHARS + 10)}\nb\n`);
    expect(rs[1]!.problem).toMatch(/longer than/);
    expect(rs[1]!.fields[0]!.length).toBeLessThanOrEqual(MAX_RECORD_CHARS);
    expect(rs[2]).toEqual({ line: 3, fields: ['b'] });
  });

  it('writes what it reads back', async () => {
    const fields = ['+15551234567', 'a,b', 'say "hi"', 'two\nlines', ''];
    expect((await parse(csvLine(fields)))[0]!.fields).toEqual(fields);
  });
});
