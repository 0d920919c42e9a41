/** CSV files of customers for the directory tests and the import benchmark. */
import { csvLine } from '../../src/customers/csv.ts';

/**
 * `n` customers (+1555 numbers, every 10th with notes holding a comma and a line break), with the
 * data rows (1-based) in `bad` broken in the named field.
 */
export function customersCsv(n: number, bad: ReadonlyMap<number, string> = new Map()): string {
  const lines = [csvLine(['phone', 'email', 'name', 'account', 'notes', 'attr.vip_tier', 'attr.language'])];
  for (let i = 1; i <= n; i++) {
    const broken = bad.get(i);
    const phone = broken === 'phone' ? 'call me' : `+1555${String(i).padStart(7, '0')}`;
    const email = broken === 'email' ? 'nobody-at-example' : `customer${i}@example.org`;
    const name = broken === 'name' ? '' : `Customer ${i}`;
    const notes = i % 10 === 0 ? `prefers mornings, "early"\nsecond line` : '';
    lines.push(csvLine([phone, email, name, `ACC-${i}`, notes, i % 3 === 0 ? 'silver' : 'gold', 'en-US']));
  }
  return lines.join('');
}

/** The line data row `i` (1-based) of customersCsv starts on: the header is line 1, every 10th row takes two. */
export const lineOfRow = (i: number) => 1 + i + Math.floor((i - 1) / 10);

/** All records of a CSV text (for assertions; the parser under test is streamed). */
export function parseCsvText(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let q = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (q) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') q = false;
      else field += ch;
    } else if (ch === '"') q = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else if (ch !== '\r') field += ch;
  }
  return rows;
}
