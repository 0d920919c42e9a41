/**
 * CSV import and export of the customer directory, shared by the API and the CLI. Columns: `phone`
 * and `name` (required), `email`, `account`, `notes`, and one `attr.<name>` column per IVR
 * attribute. The import streams: records are validated one by one and upserted in batches, and each
 * bad record is reported by the line it starts on, with the field and the reason (never the value).
 */
import { type CsvSource, csvLine, parseCsv } from './csv.ts';
import type { CustomerDirectory } from './directory.ts';
import { type DirectoryRecord, RecordError, toRecord } from './record.ts';

const BASE_COLUMNS = ['phone', 'email', 'name', 'account', 'notes'] as const;
const ATTR = 'attr.';

export interface RowError {
  line: number;
  field?: string;
  message: string;
}

export interface ImportReport {
  /** Records written (new or replaced). */
  stored: number;
  /** Records refused; `errors` lists them (the first `maxErrors`). */
  failed: number;
  errors: RowError[];
  /** Set when more errors happened than `errors` lists. */
  errorsTruncated?: boolean;
}

/** The file itself is unusable (no header, an unknown or repeated column): nothing was imported. */
export class CsvHeaderError extends Error {
  override readonly name = 'CsvHeaderError';
}

export interface ImportOptions {
  /** Records per upsert statement (default 1000). */
  batch?: number;
  /** Errors listed in the report (default 1000; all are counted). */
  maxErrors?: number;
}

export async function importCsv(
  dir: CustomerDirectory,
  source: CsvSource,
  opts: ImportOptions = {},
): Promise<ImportReport> {
  const batchSize = opts.batch ?? 1000;
  const maxErrors = opts.maxErrors ?? 1000;
  const report: ImportReport = { stored: 0, failed: 0, errors: [] };
  const fail = (e: RowError) => {
    report.failed++;
    if (report.errors.length < maxErrors) report.errors.push(e);
    else report.errorsTruncated = true;
  };
  let header: string[] | undefined;
  let batch: Array<{ line: number; r: DirectoryRecord }> = [];
  let phones = new Set<string>();
  let emails = new Set<string>();
  const flush = async () => {
    if (!batch.length) return;
    const { rejected } = await dir.upsertMany(batch.map((b) => b.r));
    batch.forEach((b, i) => {
      const err = rejected.get(i);
      if (err) fail({ line: b.line, field: err.field, message: err.message });
    });
    report.stored += batch.length - rejected.size;
    batch = [];
    phones = new Set();
    emails = new Set();
  };
  const rules = dir.numberRules();

  for await (const rec of parseCsv(source)) {
    if (!header) {
      if (rec.problem)
        throw new CsvHeaderError(`line ${rec.line}: the header is unreadable (${rec.problem})`);
      header = checkHeader(rec.fields);
      continue;
    }
    if (rec.problem) {
      fail({ line: rec.line, message: rec.problem });
      continue;
    }
    if (rec.fields.length !== header.length) {
      fail({ line: rec.line, message: `has ${rec.fields.length} fields, the header ${header.length}` });
      continue;
    }
    let r: DirectoryRecord;
    try {
      r = toRecord(rowInput(header, rec.fields), rules);
    } catch (err) {
      if (!(err instanceof RecordError)) throw err;
      fail({ line: rec.line, field: err.field, message: err.message });
      continue;
    }
    // One statement cannot write a phone twice: a repeat goes into the next batch (the last one wins).
    if (phones.has(r.phone)) await flush();
    if (r.email !== '' && emails.has(r.email)) {
      fail({ line: rec.line, field: 'email', message: 'email: belongs to another customer in this file' });
      continue;
    }
    batch.push({ line: rec.line, r });
    phones.add(r.phone);
    if (r.email !== '') emails.add(r.email);
    if (batch.length >= batchSize) await flush();
  }
  if (!header) throw new CsvHeaderError('the file is empty: a header line is required');
  await flush();
  return report;
}

function checkHeader(fields: string[]): string[] {
  const names = fields.map((f) => f.trim().toLowerCase());
  const seen = new Set<string>();
  for (const n of names) {
    const known =
      (BASE_COLUMNS as readonly string[]).includes(n) || (n.startsWith(ATTR) && n.length > ATTR.length);
    if (!known)
      throw new CsvHeaderError(
        `unknown column "${n.slice(0, 64)}" (columns: ${BASE_COLUMNS.join(', ')}, attr.<name>)`,
      );
    if (seen.has(n)) throw new CsvHeaderError(`column "${n}" appears twice`);
    seen.add(n);
  }
  for (const required of ['phone', 'name'])
    if (!seen.has(required)) throw new CsvHeaderError(`the header has no "${required}" column`);
  // Attribute names keep their case (IVR expressions read them as written).
  return fields.map((f, i) =>
    names[i]!.startsWith(ATTR) ? `${ATTR}${f.trim().slice(ATTR.length)}` : names[i]!,
  );
}

function rowInput(header: string[], fields: string[]): Record<string, unknown> {
  const input: Record<string, unknown> = {};
  const attributes: Record<string, string> = {};
  header.forEach((col, i) => {
    const v = fields[i]!;
    if (col.startsWith(ATTR)) {
      if (v !== '') attributes[col.slice(ATTR.length)] = v;
    } else input[col] = v;
  });
  input.attributes = attributes;
  return input;
}

/** The whole directory as CSV lines (header first), phone order, streamed from the database. */
export async function* exportCsv(dir: CustomerDirectory): AsyncGenerator<string> {
  const attrs = await dir.attributeNames();
  yield csvLine([...BASE_COLUMNS, ...attrs.map((a) => `${ATTR}${a}`)]);
  for await (const c of dir.all()) {
    yield csvLine([c.phone, c.email, c.name, c.account, c.notes, ...attrs.map((a) => c.attributes[a] ?? '')]);
  }
}
