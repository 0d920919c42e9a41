import type { Hono } from 'hono';
import type { ApiDeps } from './deps.ts';
import { openApiDocument } from './openapi.ts';
import { mountRoutes, type RouteSpec } from './router.ts';
import { authRoutes } from './routes/auth.ts';
import { enrollmentRoutes } from './routes/enrollment.ts';
import { entityRoutes } from './routes/entities.ts';
import { reportRoutes } from './routes/reports.ts';
import { siteRoutes } from './routes/sites.ts';
import { versionRoutes } from './routes/versions.ts';

/** Every API route; the OpenAPI document is generated from this table. */
export function apiRoutes(d: ApiDeps): RouteSpec[] {
  return [
    ...authRoutes(d),
    ...siteRoutes(d),
    ...enrollmentRoutes(d),
    ...entityRoutes(d),
    ...versionRoutes(d),
    ...reportRoutes(d),
  ];
}

/** Mounts the API and its OpenAPI document (`/api/v1/openapi.json`). */
export function mountApi(app: Hono, d: ApiDeps): RouteSpec[] {
  const routes = apiRoutes(d);
  const doc = openApiDocument(routes);
  app.get('/api/v1/openapi.json', (c) => c.json(doc));
  mountRoutes(app, routes, d.identity, d.log.child({ module: 'api' }));
  app.all('/api/*', (c) => c.json({ error: 'not_found', message: 'no such route' }, 404));
  return routes;
}

export type { ApiDeps } from './deps.ts';
