import type { Db } from '@hcc/shared';
import { type Context, Hono } from 'hono';
import { exportFilename, queueExportCsv } from './csv.ts';
import { reportPage, wallboardPage } from './pages.ts';
import { ReportParamError, Reports, reportQuery } from './reports.ts';
import { wallboard } from './wallboard.ts';

export interface AnalyticsHttpDeps {
  db: Db;
  /** The caller's tenant from its console session or API key; undefined = not signed in. */
  tenantOf: (c: Context) => Promise<string | undefined>;
}

const rangeOf = (c: Context) => reportQuery((k) => c.req.query(k));

/**
 * Analyst reports and the live wallboard, under /analytics: HTML pages (server-rendered, inline
 * SVG, no external assets), JSON for each view and CSV export. Every query runs under the caller's
 * tenant with row-level security.
 */
export function analyticsRoutes(deps: AnalyticsHttpDeps): Hono {
  const app = new Hono();
  const reports = new Reports(deps.db);
  const tenant = async (c: Context): Promise<string> => {
    const t = await deps.tenantOf(c);
    if (!t) throw new UnauthorizedError();
    return t;
  };
  app.onError((err, c) => {
    if (err instanceof UnauthorizedError)
      return c.json({ error: 'unauthorized', message: 'sign in to the console first' }, 401);
    if (err instanceof ReportParamError)
      return c.json({ error: 'bad_request', message: err.message, field: err.field }, 400);
    return c.json({ error: 'internal', message: 'internal error' }, 500);
  });

  app.get('/', async (c) => {
    const t = await tenant(c);
    const { range, bucket } = rangeOf(c);
    const [series, breakdown, agents, dims] = await Promise.all([
      reports.series(t, range, bucket),
      reports.breakdown(t, range),
      reports.agents(t, range),
      reports.dimensions(t, range),
    ]);
    const query = new URL(c.req.url).search.replace(/^\?/, '');
    return c.html(reportPage({ range, bucket, series, breakdown, agents, ...dims }, query));
  });
  app.get('/wallboard', async (c) => {
    await tenant(c);
    return c.html(wallboardPage());
  });
  app.get('/api/series', async (c) => {
    const { range, bucket } = rangeOf(c);
    return c.json(await reports.series(await tenant(c), range, bucket));
  });
  app.get('/api/breakdown', async (c) => c.json(await reports.breakdown(await tenant(c), rangeOf(c).range)));
  app.get('/api/agents', async (c) => c.json(await reports.agents(await tenant(c), rangeOf(c).range)));
  app.get('/api/wallboard', async (c) => {
    c.header('cache-control', 'no-store');
    return c.json(await wallboard(deps.db, await tenant(c)));
  });
  app.get('/export.csv', async (c) => {
    const t = await tenant(c);
    const { range, bucket } = rangeOf(c);
    const [series, breakdown] = await Promise.all([
      reports.series(t, range, bucket),
      reports.breakdown(t, range),
    ]);
    const csv = queueExportCsv(series, breakdown, range.tz);
    c.header('content-type', 'text/csv; charset=utf-8');
    c.header('content-disposition', `attachment; filename="${exportFilename(range)}"`);
    return c.body(csv);
  });
  return app;
}

class UnauthorizedError extends Error {
  override readonly name = 'UnauthorizedError';
}

/** Mounts the analytics pages and API at /analytics of the cloud's app. */
export function mountAnalytics(app: Hono, deps: AnalyticsHttpDeps): void {
  app.route('/analytics', analyticsRoutes(deps));
}
