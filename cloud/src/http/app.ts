import { healthRoutes, type ReadinessCheck, sameOriginWrites } from '@hcc/shared';
import { Hono } from 'hono';
import { type ApiDeps, mountApi } from '../api/index.ts';
import { mountConsole } from '../console/index.ts';

export interface CloudHttpDeps {
  readiness: () => readonly ReadinessCheck[];
  api: ApiDeps;
}

/** The cloud's HTTP surface: health, the API (with its OpenAPI document) and the ops console. */
export function cloudApp(deps: CloudHttpDeps): Hono {
  const app = new Hono();
  app.use('*', sameOriginWrites());
  app.route('/', healthRoutes('cloud', deps.readiness));
  mountApi(app, deps.api);
  mountConsole(app, deps.api);
  app.onError((_err, c) => c.json({ error: 'internal', message: 'internal error' }, 500));
  return app;
}

/** Health only: what an ingest-role process serves (its probes). */
export function healthApp(service: string, readiness: () => readonly ReadinessCheck[]): Hono {
  const app = new Hono();
  app.route('/', healthRoutes(service, readiness));
  app.onError((_err, c) => c.json({ error: 'internal', message: 'internal error' }, 500));
  return app;
}
