import { healthRoutes, httpTracing, type ReadinessCheck } from '@hcc/shared';
import { Hono } from 'hono';
import type { AgentApiEnv } from './agent-api.ts';
import type { CustomersApiEnv } from './customers-api.ts';
import type { DesktopEnv } from './desktop.ts';

export interface EdgeHttpDeps {
  site: string;
  readiness: () => readonly ReadinessCheck[];
  status: () => Record<string, unknown>;
  /** The agent desktop API (agent-api.ts), mounted at /api/agent. */
  agentApi?: Hono<AgentApiEnv>;
  /** The agent desktop (desktop.ts, desktop-static.ts): API at /api/agent/desktop, page at /desktop/. */
  desktop?: { api: Hono<DesktopEnv>; supervisor?: Hono<DesktopEnv>; page: Hono };
  /** The customer directory API for the site's systems (customers-api.ts), mounted at /api/v1. */
  directoryApi?: Hono<CustomersApiEnv>;
}

/** The edge's HTTP surface: health and status; the agent API and desktop mount here. */
export function edgeApp(deps: EdgeHttpDeps): Hono {
  const app = new Hono();
  app.use(httpTracing('hcc-edge'));
  app.route('/', healthRoutes(`edge-${deps.site}`, deps.readiness));
  app.get('/api/status', (c) => c.json(deps.status()));
  if (deps.agentApi) app.route('/api/agent', deps.agentApi);
  if (deps.directoryApi) app.route('/api/v1', deps.directoryApi);
  if (deps.desktop) {
    app.route('/api/agent/desktop', deps.desktop.api);
    if (deps.desktop.supervisor) app.route('/api/agent/supervisor', deps.desktop.supervisor);
    app.route('/', deps.desktop.page);
  }
  app.get('/', (c) =>
    c.html(
      `<!doctype html><title>Edge ${deps.site}</title><h1>Edge ${deps.site}</h1>${deps.desktop ? '<p><a href="/desktop/">Agent desktop</a></p>' : ''}<p>Status: <a href="/api/status">/api/status</a>, health: <a href="/readyz">/readyz</a></p>`,
    ),
  );
  // Never echo an error's message: a database error's message carries its parameters.
  app.onError((_err, c) => c.json({ error: 'internal error' }, 500));
  return app;
}
