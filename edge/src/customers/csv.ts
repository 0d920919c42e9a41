/**
 * RFC 4180 CSV, streamed: a parser that yields one record at a time with the line it starts on (a
 * quoted field may span lines), and a writer that quotes what needs quoting. A malformed record is
 * yielded with a problem instead of fields, and parsing goes on with the next record.
 */

export interface CsvRecord {
  /** 1-based line number where the record starts. */
  line: number;
  fields: string[];
  /** Set when the record is malformed (its fields are then incomplete). */
  problem?: string;
}

/** Text arriving in chunks: strings, or UTF-8 bytes (a file or request stream). */
export type CsvSource = AsyncIterable<string | Uint8Array> | Iterable<string | Uint8Array>;

/** A record longer than this is reported, not buffered further. */
export const MAX_RECORD_CHARS = 64 * 1024;

/** Parses CSV text arriving in chunks (strings or UTF-8 bytes, a BOM is skipped). */
export async function* parseCsv(source: CsvSource): AsyncGenerator<CsvRecord> {
  const decoder = new TextDecoder('utf-8', { ignoreBOM: false });
  let fields: string[] = [];
  let field = '';
  let size = 0;
  let inQuotes = false;
  let afterQuote = false;
  let problem: string | undefined;
  let line = 1;
  let start = 1;
  let pendingCr = false;
  let empty = true;

  const take = (): CsvRecord => {
    fields.push(field);
    const r: CsvRecord = { line: start, fields, ...(problem ? { problem } : {}) };
    fields = [];
    field = '';
    size = 0;
    afterQuote = false;
    problem = undefined;
    empty = true;
    return r;
  };

  for await (const chunk of withTail(source)) {
    const text =
      chunk === undefined
        ? decoder.decode()
        : typeof chunk === 'string'
          ? chunk
          : decoder.decode(chunk, { stream: true });
    const out: CsvRecord[] = [];
    for (let i = 0; i < text.length; i++) {
      const ch = text[i]!;
      if (pendingCr) {
        pendingCr = false;
        if (ch === '\n') continue;
      }
      if (inQuotes) {
        if (ch === '"') {
          if (text[i + 1] === '"') {
            field += '"';
            i++;
          } else {
            // At a chunk's end this may be the first of an escaped `""`: the next chunk decides.
            inQuotes = false;
            afterQuote = true;
          }
        } else {
          if (ch === '\n') line++;
          field += ch;
        }
      } else if (ch === ',') {
        fields.push(field);
        field = '';
        afterQuote = false;
        empty = false;
      } else if (ch === '\n' || ch === '\r') {
        line++;
        if (ch === '\r') pendingCr = true;
        if (empty && field === '' && fields.length === 0) {
          start = line;
          continue; // blank line
        }
        out.push(take());
        start = line;
        continue;
      } else if (ch === '"' && field === '' && !afterQuote) {
        inQuotes = true;
        empty = false;
      } else if (ch === '"' && afterQuote && text[i - 1] === undefined) {
        // `""` split over two chunks inside a quoted field: an escaped quote.
        field += '"';
        inQuotes = true;
        afterQuote = false;
      } else {
        if (afterQuote || ch === '"') problem ??= 'malformed quoting';
        field += ch;
        empty = false;
      }
      size++;
      if (size > MAX_RECORD_CHARS && !problem) {
        problem = `record longer than ${MAX_RECORD_CHARS} characters`;
      }
      if (problem && field.length > MAX_RECORD_CHARS) field = '';
    }
    for (const r of out) yield r;
  }
  if (inQuotes) {
    problem = 'unterminated quoted field';
    yield take();
  } else if (!(empty && field === '' && fields.length === 0)) {
    yield take();
  }
}

async function* withTail<T>(source: AsyncIterable<T> | Iterable<T>): AsyncGenerator<T | undefined> {
  yield* source;
  yield undefined;
}

/** One CSV line (with CRLF), quoting the fields that hold a comma, quote, CR or LF. */
export function csvLine(fields: readonly string[]): string {
  return `${fields.map(csvField).join(',')}\r\n`;
}

function csvField(v: string): string {
  if (/[",\r\n]/.test(v)) return `"${v.replaceAll('"', '""')}"`;
  return v;
}
