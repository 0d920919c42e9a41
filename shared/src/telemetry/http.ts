import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { MiddlewareHandler } from 'hono';

/**
 * One server span per HTTP request, through @opentelemetry/api only (a no-op until an entrypoint
 * registers the SDK). The route pattern names the span, never the raw path: paths may carry ids
 * that are personal data at the edge, and query strings are never recorded.
 */
export function httpTracing(serviceName: string): MiddlewareHandler {
  const tracer = trace.getTracer(serviceName);
  return async (c, next) => {
    await tracer.startActiveSpan(`HTTP ${c.req.method}`, { kind: SpanKind.SERVER }, async (span) => {
      try {
        await next();
        span.setAttribute('http.request.method', c.req.method);
        span.setAttribute('http.route', c.req.routePath);
        span.setAttribute('http.response.status_code', c.res.status);
        span.updateName(`HTTP ${c.req.method} ${c.req.routePath}`);
        if (c.res.status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      } catch (err) {
        span.setStatus({ code: SpanStatusCode.ERROR });
        throw err;
      } finally {
        span.end();
      }
    });
  };
}
