import { context, type Span, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpTracing } from './http.ts';

describe('httpTracing', () => {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  beforeAll(() => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    trace.setGlobalTracerProvider(provider);
  });
  afterAll(async () => {
    await provider.shutdown();
    trace.disable();
    context.disable();
  });

  it('records one span per request named by the route pattern, with the status', async () => {
    const app = new Hono();
    let inner: Span | undefined;
    app.use(httpTracing('test'));
    app.get('/calls/:id', (c) => {
      inner = trace.getActiveSpan();
      return c.text('ok');
    });
    app.get('/boom', (c) => c.text('no', 503));
    expect((await app.request('/calls/+15551234567?x=1')).status).toBe(200);
    expect((await app.request('/boom')).status).toBe(503);
    const spans = exporter.getFinishedSpans();
    expect(spans.map((s) => s.name)).toEqual(['HTTP GET /calls/:id', 'HTTP GET /boom']);
    expect(spans[0]!.attributes['http.route']).toBe('/calls/:id');
    expect(JSON.stringify(spans.map((s) => s.attributes))).not.toContain('5551234567');
    expect(spans[1]!.status.code).toBe(2);
    expect(inner).toBeDefined();
  });
});
