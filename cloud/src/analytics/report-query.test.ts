import { describe, expect, it } from 'vitest';
import { checkRange, ReportParamError, reportQuery } from './reports.ts';

const query = (q: Record<string, string>) => reportQuery((k) => q[k]);
const fieldOf = (f: () => unknown): string | undefined => {
  try {
    f();
  } catch (err) {
    if (err instanceof ReportParamError) return err.field;
    throw err;
  }
  return undefined;
};

describe('report parameters (console and reports API)', () => {
  it('fills the defaults: today in the zone, to = from, 15m buckets, no filters', () => {
    const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Tokyo' }).format(new Date());
    expect(query({ tz: 'Asia/Tokyo' })).toEqual({
      range: { from: today, to: today, tz: 'Asia/Tokyo', siteId: undefined, queueId: undefined },
      bucket: '15m',
    });
    expect(query({ from: '2025-01-02', site: 'hq', queue: '', bucket: 'day' })).toEqual({
      range: { from: '2025-01-02', to: '2025-01-02', tz: 'UTC', siteId: 'hq', queueId: undefined },
      bucket: 'day',
    });
  });

  it('names the parameter at fault', () => {
    expect(fieldOf(() => query({ tz: 'Mars/Base' }))).toBe('tz');
    expect(fieldOf(() => query({ bucket: 'week' }))).toBe('bucket');
    const range = (from: string, to: string) => ({ from, to, tz: 'UTC' });
    expect(fieldOf(() => checkRange(range('2025-02-30', '2025-03-01')))).toBe('from');
    expect(fieldOf(() => checkRange(range('2025-03-01', '03/02/2025')))).toBe('to');
    expect(fieldOf(() => checkRange(range('2025-03-02', '2025-03-01')))).toBe('to');
    expect(fieldOf(() => checkRange(range('2024-01-01', '2025-02-05')))).toBe('to');
    expect(fieldOf(() => checkRange(range('2024-02-29', '2025-02-03')))).toBeUndefined();
  });
});
