/**
 * The customer directory API (mounted at /api/v1 by app.ts), for the site's own systems (CRM sync,
 * scripts): `Authorization: Bearer <site API key>` on every request (api-keys.ts).
 *   GET    /customers?phone=&email=&name=&limit=&after=   search (name: prefix), paginated by `next`
 *   GET    /customers/{phone}                              one record
 *   PUT    /customers/{phone}                              upsert (JSON), 201 when new
 *   DELETE /customers/{phone}                              204
 *   POST   /customers/import                               CSV body, streamed; row-level report
 *   GET    /customers/export                               CSV, streamed
 * Errors are `{error, message, field?}` with a 4xx status; messages never echo a value (PII).
 */
import type { Logger } from '@hcc/shared';
import { type Context, Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { stream } from 'hono/streaming';
import { ConflictError, type CustomerDirectory, type StoredRecord } from '../customers/directory.ts';
import { RecordError, toRecord } from '../customers/record.ts';
import { CsvHeaderError, exportCsv, importCsv } from '../customers/transfer.ts';
import type { ApiKeyStore } from './api-keys.ts';

export interface CustomersApiDeps {
  directory: CustomerDirectory;
  keys: ApiKeyStore;
  log: Logger;
}

export type CustomersApiEnv = { Variables: { apiKeyId: string } };

const fail = (
  c: Context,
  status: 400 | 401 | 404 | 409 | 413,
  error: string,
  message: string,
  field?: string,
) => c.json({ error, message, ...(field ? { field } : {}) }, status);

export const customerView = (r: StoredRecord) => ({
  phone: r.phone,
  email: r.email,
  name: r.name,
  account: r.account,
  notes: r.notes,
  attributes: r.attributes,
  updated_at: r.updatedAt.toISOString(),
});

/** The directory API for the site's systems: every request needs an active site API key. */
export function customersApi(d: CustomersApiDeps): Hono<CustomersApiEnv> {
  const app = new Hono<CustomersApiEnv>();
  app.use(async (c, next) => {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(c.req.header('authorization') ?? '');
    const id = m ? await d.keys.verify(m[1]!) : undefined;
    if (!id) {
      c.header('WWW-Authenticate', 'Bearer realm="hcc-edge"');
      return fail(
        c,
        401,
        'unauthorized',
        m ? 'the API key is unknown or revoked' : 'an API key is required (Authorization: Bearer <key>)',
      );
    }
    c.set('apiKeyId', id);
    await next();
  });
  app.route('/', directoryRoutes(d));
  return app;
}

/**
 * The directory's routes without authentication: behind customersApi's key check, and on the
 * edge's admin socket (mode 0600, the `hcc-edge customers` CLI while the edge runs on PGlite).
 */
export function directoryRoutes(d: Pick<CustomersApiDeps, 'directory' | 'log'>): Hono<CustomersApiEnv> {
  const app = new Hono<CustomersApiEnv>();

  app.onError((err, c) => {
    if (err instanceof RecordError) return fail(c, 400, 'invalid', err.message, err.field);
    if (err instanceof ConflictError) return fail(c, 409, 'conflict', err.message, err.field);
    if (err instanceof CsvHeaderError) return fail(c, 400, 'invalid_csv', err.message);
    // Never the error's message: a database error's message carries its parameters (PII).
    d.log.error({ err: err.name, path: c.req.routePath }, 'directory request failed');
    return c.json({ error: 'internal', message: 'internal error' }, 500);
  });

  app.get('/customers', async (c) => {
    const q = c.req.query();
    const limit = q.limit === undefined ? undefined : Number(q.limit);
    if (limit !== undefined && (!Number.isInteger(limit) || limit < 1 || limit > 1000))
      return fail(c, 400, 'invalid', 'limit: must be an integer from 1 to 1000', 'limit');
    for (const k of Object.keys(q))
      if (!['phone', 'email', 'name', 'limit', 'after'].includes(k))
        return fail(c, 400, 'invalid', `${k.slice(0, 32)}: unknown query parameter`, k.slice(0, 32));
    const page = await d.directory.search({
      ...(q.phone !== undefined ? { phone: q.phone } : {}),
      ...(q.email !== undefined ? { email: q.email } : {}),
      ...(q.name !== undefined ? { name: q.name } : {}),
      ...(q.after !== undefined ? { after: q.after } : {}),
      ...(limit !== undefined ? { limit } : {}),
    });
    return c.json({ customers: page.customers.map(customerView), ...(page.next ? { next: page.next } : {}) });
  });

  app.get('/customers/export', (c) => {
    c.header('Content-Type', 'text/csv; charset=utf-8');
    c.header('Content-Disposition', 'attachment; filename="customers.csv"');
    return stream(
      c,
      async (s) => {
        let buf = '';
        for await (const line of exportCsv(d.directory)) {
          buf += line;
          if (buf.length >= 64 * 1024) {
            await s.write(buf);
            buf = '';
          }
        }
        if (buf) await s.write(buf);
      },
      async (err, s) => {
        d.log.error({ err: err.name }, 'customer export failed');
        await s.close();
      },
    );
  });

  app.post('/customers/import', async (c) => {
    const body = c.req.raw.body;
    if (!body) return fail(c, 400, 'invalid_csv', 'the request has no body: send the CSV file');
    const report = await importCsv(d.directory, chunks(body));
    d.log.info(
      { stored: report.stored, failed: report.failed, key: c.get('apiKeyId') },
      'customers imported',
    );
    return c.json({
      stored: report.stored,
      failed: report.failed,
      errors: report.errors,
      ...(report.errorsTruncated ? { errors_truncated: true } : {}),
    });
  });

  const json = bodyLimit({
    maxSize: 64 * 1024,
    onError: (c) => fail(c, 413, 'too_large', 'the body is larger than 64 KiB'),
  });

  app.get('/customers/:phone', async (c) => {
    const r = await d.directory.get(d.directory.phoneKey(c.req.param('phone')));
    return r ? c.json(customerView(r)) : fail(c, 404, 'not_found', 'no customer has this number');
  });

  app.put('/customers/:phone', json, async (c) => {
    const phone = d.directory.phoneKey(c.req.param('phone'));
    let body: unknown;
    try {
      body = await c.req.json();
    } catch {
      return fail(c, 400, 'invalid_json', 'the body must be a JSON object');
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body))
      return fail(c, 400, 'invalid_json', 'the body must be a JSON object');
    const input = body as Record<string, unknown>;
    const rec = toRecord({ ...input, phone: input.phone ?? phone }, d.directory.numberRules());
    if (rec.phone !== phone)
      return fail(c, 400, 'invalid', 'phone: differs from the number in the path', 'phone');
    const { created } = await d.directory.upsert(rec);
    const stored = await d.directory.get(phone);
    return c.json(customerView(stored!), created ? 201 : 200);
  });

  app.delete('/customers/:phone', async (c) => {
    const gone = await d.directory.delete(d.directory.phoneKey(c.req.param('phone')));
    return gone ? c.body(null, 204) : fail(c, 404, 'not_found', 'no customer has this number');
  });

  return app;
}

/** A request body as an async iterable of byte chunks. */
async function* chunks(body: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    reader.releaseLock();
  }
}
