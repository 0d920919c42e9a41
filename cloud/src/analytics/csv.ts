import type { AgentRow, BreakdownRow, ReportRange, SeriesRow } from './reports.ts';

/** RFC 4180 CSV with a header row; formula-looking cells are prefixed so spreadsheets do not run them. */
export function toCsv(columns: readonly string[], rows: readonly object[]): string {
  const cell = (v: unknown): string => {
    if (v === null || v === undefined) return '';
    let s = String(v);
    if (/^[=+\-@\t\r]/.test(s) && typeof v === 'string') s = `'${s}`;
    return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return `${[columns.join(','), ...rows.map((r) => columns.map((c) => cell((r as Record<string, unknown>)[c])).join(','))].join('\r\n')}\r\n`;
}

/** The queue figures of a series or breakdown row, in CSV column order. */
export const QUEUE_COLUMNS = [
  'offered',
  'answered',
  'abandoned',
  'shortAbandoned',
  'answeredInSl',
  'serviceLevel',
  'abandonRate',
  'asaMs',
  'ahtMs',
  'talkMs',
  'holdMs',
  'wrapMs',
  'longestWaitMs',
  'late',
] as const;

export const AGENT_COLUMNS = ['siteId', 'agentId', 'handled', 'ahtMs', 'occupancy', 'staffedMs'] as const;

/** A bucket start in the viewer's zone, `YYYY-MM-DD HH:MM`. */
export const localTime = (iso: string, tz: string): string =>
  new Intl.DateTimeFormat('sv-SE', { timeZone: tz, dateStyle: 'short', timeStyle: 'short' }).format(
    new Date(iso),
  );

/** The interval report: one row per bucket, its start in UTC and in the viewer's zone. */
export const seriesCsv = (series: readonly SeriesRow[], tz: string): string =>
  toCsv(
    ['start', 'start_local', ...QUEUE_COLUMNS],
    series.map((s) => ({ ...s, start_local: localTime(s.start, tz) })),
  );

export const breakdownCsv = (rows: readonly BreakdownRow[]): string =>
  toCsv(['siteId', 'queueId', ...QUEUE_COLUMNS], rows);

export const agentsCsv = (rows: readonly AgentRow[]): string => toCsv(AGENT_COLUMNS, rows);

/** The console's "Export CSV": the interval table, a blank line, then the breakdown table. */
export const queueExportCsv = (
  series: readonly SeriesRow[],
  breakdown: readonly BreakdownRow[],
  tz: string,
) => `${seriesCsv(series, tz)}\r\n${breakdownCsv(breakdown)}`;

/** The download name of a queue export. */
export const exportFilename = (r: ReportRange): string => `queues_${r.from}_${r.to}.csv`;
