import type { Context } from 'hono';
import { agentsCsv, breakdownCsv, exportFilename, queueExportCsv, seriesCsv } from '../../analytics/csv.ts';
import {
  BUCKETS,
  type Bucket,
  type REPORT_PARAMS,
  type ReportRange,
  reportQuery,
} from '../../analytics/reports.ts';
import { RateLimitedError, ValidationError } from '../../errors.ts';
import type { ApiDeps } from '../deps.ts';
import { reportResponse } from '../report-schemas.ts';
import type { Call, QueryParam, RouteSpec } from '../router.ts';

type Format = 'json' | 'csv';
type Param = (typeof REPORT_PARAMS)[number] | 'format';

const PARAMS: Record<Param, QueryParam> = {
  from: {
    name: 'from',
    description: 'first day, YYYY-MM-DD in `tz` (default: today in `tz`)',
    schema: { type: 'string', format: 'date' },
  },
  to: {
    name: 'to',
    description: 'last day, inclusive (default: `from`); at most 400 days after `from`',
    schema: { type: 'string', format: 'date' },
  },
  tz: {
    name: 'tz',
    description: 'IANA time zone of the dates and buckets (default UTC)',
    schema: { type: 'string', default: 'UTC' },
  },
  site: { name: 'site', description: 'only this site (default: every site of the tenant)' },
  queue: { name: 'queue', description: 'only this queue (default: every queue)' },
  bucket: {
    name: 'bucket',
    description: 'interval length (default 15m)',
    schema: { type: 'string', enum: [...BUCKETS], default: '15m' },
  },
  format: {
    name: 'format',
    description: 'json (default) or csv; `Accept: text/csv` or the `.csv` path do the same',
    schema: { type: 'string', enum: ['json', 'csv'], default: 'json' },
  },
};

interface Parsed {
  range: ReportRange;
  bucket: Bucket;
  format: Format;
}

/**
 * The query of a report request: only the parameters the report takes (a typo is a 422 naming it,
 * not a silently unfiltered report), parsed as the console parses its own (`reportQuery`).
 */
function parse(call: Call<unknown>, allowed: readonly Param[], csvPath: boolean): Parsed {
  const problems = Object.keys(call.query)
    .filter((k) => !(allowed as readonly string[]).includes(k))
    .map((field) => ({ field, problem: `unknown parameter; this report takes ${allowed.join(', ')}` }));
  const format = allowed.includes('format') ? call.query.format || undefined : undefined;
  if (format !== undefined && format !== 'json' && format !== 'csv')
    problems.push({ field: 'format', problem: 'must be json or csv' });
  if (problems.length) throw new ValidationError(problems);
  const accept = call.c.req.header('accept') ?? '';
  // `Accept: text/csv` asks for CSV; a client that also accepts JSON gets JSON.
  const wantsCsv = /\btext\/csv\b/.test(accept) && !/\bapplication\/json\b/.test(accept);
  const csv = csvPath || format === 'csv' || (format === undefined && wantsCsv);
  return { ...reportQuery((k) => call.query[k]), format: csv ? 'csv' : 'json' };
}

const csvResponse = (c: Context, body: string, filename: string): Response => {
  c.header('content-type', 'text/csv; charset=utf-8');
  c.header('content-disposition', `attachment; filename="${filename}"`);
  return c.body(body);
};

const rangeJson = (r: ReportRange) => ({
  from: r.from,
  to: r.to,
  tz: r.tz,
  site: r.siteId ?? null,
  queue: r.queueId ?? null,
});

interface ReportDef {
  name: 'interval' | 'breakdown' | 'agents';
  summary: string;
  params: readonly Param[];
  row: string;
  bucket?: boolean;
  run(d: ApiDeps, tenantId: string, p: Parsed): Promise<{ rows: object[]; csv: () => string }>;
}

const QUEUE_PARAMS: readonly Param[] = ['from', 'to', 'tz', 'site', 'queue'];

/** The console's three reports (analytics/reports.ts computes all of them, for both). */
const REPORTS: readonly ReportDef[] = [
  {
    name: 'interval',
    summary: 'Queue figures per interval (15 min, hour or day in `tz`): the console report chart',
    params: [...QUEUE_PARAMS, 'bucket', 'format'],
    row: 'ReportIntervalRow',
    bucket: true,
    async run(d, t, p) {
      const rows = await d.reports.series(t, p.range, p.bucket);
      return { rows, csv: () => seriesCsv(rows, p.range.tz) };
    },
  },
  {
    name: 'breakdown',
    summary: 'Queue figures over the range per site and queue: the console "By site and queue" table',
    params: [...QUEUE_PARAMS, 'format'],
    row: 'ReportBreakdownRow',
    async run(d, t, p) {
      const rows = await d.reports.breakdown(t, p.range);
      return { rows, csv: () => breakdownCsv(rows) };
    },
  },
  {
    name: 'agents',
    summary: 'Per agent: handled, AHT, occupancy and staffed time: the console "Agents" table',
    params: ['from', 'to', 'tz', 'site', 'format'],
    row: 'ReportAgentRow',
    async run(d, t, p) {
      const rows = await d.reports.agents(t, p.range);
      return { rows, csv: () => agentsCsv(rows) };
    },
  },
];

/**
 * The reports API for BI tools: the console's interval, breakdown and agent reports and its CSV
 * export, under /api/v1/reports, for an API key (or a console session) of the tenant. Each query runs
 * under the caller's tenant with row-level security; each caller has a token bucket
 * (CLOUD_REPORTS_RATE_*), taken before anything else, and gets 429 + Retry-After when it is empty.
 */
export function reportRoutes(d: ApiDeps): RouteSpec[] {
  const limit = (call: Call<unknown>) => {
    const v = d.reportsRate.take(call.p.subject);
    if (!v.allowed) throw new RateLimitedError(v.retryAfterS);
    call.c.header('x-ratelimit-remaining', String(v.remaining));
  };
  const routes = REPORTS.flatMap((r): RouteSpec[] => {
    const handler =
      (csvPath: boolean) =>
      async (call: Call<unknown>): Promise<unknown> => {
        limit(call);
        const p = parse(call, csvPath ? r.params.filter((x) => x !== 'format') : r.params, csvPath);
        const out = await r.run(d, call.p.tenantId, p);
        if (p.format === 'csv')
          return csvResponse(call.c, out.csv(), `${r.name}_${p.range.from}_${p.range.to}.csv`);
        return { ...rangeJson(p.range), ...(r.bucket ? { bucket: p.bucket } : {}), rows: out.rows };
      };
    const common = {
      method: 'get' as const,
      tag: 'reports',
      action: 'read' as const,
      rateLimited: true,
    };
    return [
      {
        ...common,
        path: `/api/v1/reports/${r.name}`,
        summary: r.summary,
        query: r.params.map((x) => PARAMS[x]),
        response: reportResponse(r.row, r.bucket),
        csv: true,
        handler: handler(false),
      },
      {
        ...common,
        path: `/api/v1/reports/${r.name}.csv`,
        summary: `The ${r.name} report as CSV (a header row, then one row per ${r.bucket ? 'interval' : 'row'})`,
        query: r.params.filter((x) => x !== 'format').map((x) => PARAMS[x]),
        csv: 'only',
        handler: handler(true),
      },
    ];
  });
  return [
    ...routes,
    {
      method: 'get',
      path: '/api/v1/reports/export.csv',
      summary:
        "The console's CSV export: the interval table, a blank line, then the breakdown by site and queue",
      tag: 'reports',
      action: 'read',
      rateLimited: true,
      query: [...QUEUE_PARAMS, 'bucket'].map((x) => PARAMS[x as Param]),
      csv: 'only',
      handler: async (call) => {
        limit(call);
        const { range, bucket } = parse(call, [...QUEUE_PARAMS, 'bucket'], true);
        const [series, breakdown] = await Promise.all([
          d.reports.series(call.p.tenantId, range, bucket),
          d.reports.breakdown(call.p.tenantId, range),
        ]);
        return csvResponse(call.c, queueExportCsv(series, breakdown, range.tz), exportFilename(range));
      },
    },
  ];
}
