import { healthRoutes, httpTracing, type ReadinessCheck } from '@hcc/shared';
import { Hono } from 'hono';

export interface CloudHttpDeps {
  readiness: () => readonly ReadinessCheck[];
}

/** The cloud's HTTP surface: health now; the API and ops console mount here. */
export function cloudApp(deps: CloudHttpDeps): Hono {
  const app = new Hono();
  app.use(httpTracing('hcc-cloud'));
  app.route('/', healthRoutes('cloud', deps.readiness));
  app.get('/', (c) =>
    c.html(
      '<!doctype html><title>Contact center cloud</title><h1>Contact center cloud</h1><p>Ops console: coming with the control plane. Health: <a href="/readyz">/readyz</a></p>',
    ),
  );
  app.onError((err, c) => c.json({ error: 'internal error', detail: err.message }, 500));
  return app;
}
