import { Hono } from 'hono';
import { type ReadinessCheck, runReadiness } from '../health/readiness.ts';

/**
 * `GET /healthz` (the process is alive and serving) and `GET /readyz` (every dependency answers:
 * 200 with each check's latency, or 503 naming what failed). Mounted by every service.
 */
export function healthRoutes(service: string, checks: () => readonly ReadinessCheck[]): Hono {
  const app = new Hono();
  const started = Date.now();
  app.get('/healthz', (c) =>
    c.json({ status: 'alive', service, uptime_s: Math.round((Date.now() - started) / 1000) }),
  );
  app.get('/readyz', async (c) => {
    const report = await runReadiness(checks());
    return c.json(
      { status: report.ready ? 'ready' : 'not ready', service, checks: report.checks },
      report.ready ? 200 : 503,
    );
  });
  return app;
}
