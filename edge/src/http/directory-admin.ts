/**
 * The directory's operator commands on the edge's admin socket (a unix socket, mode 0600, in
 * EDGE_DATA_DIR): `hcc-edge api-key` and `hcc-edge customers` use it while the edge runs on its
 * embedded PGlite, which no second process can open. The socket's file mode is the authentication.
 *   POST /v1/api-keys {label}   GET /v1/api-keys   DELETE /v1/api-keys/{id}
 *   POST /v1/customers/import   GET /v1/customers/export   (directoryRoutes)
 */
import type { RequestListener } from 'node:http';
import { getRequestListener } from '@hono/node-server';
import { Hono } from 'hono';
import type { ApiKeyStore } from './api-keys.ts';
import { type CustomersApiDeps, directoryRoutes } from './customers-api.ts';

export function directoryAdmin(d: CustomersApiDeps & { keys: ApiKeyStore }): RequestListener {
  const app = new Hono();
  app.post('/v1/api-keys', async (c) => {
    const body = (await c.req.json().catch(() => ({}))) as { label?: unknown };
    if (typeof body.label !== 'string' || body.label.trim() === '' || body.label.length > 100)
      return c.json({ error: 'invalid', message: 'label: 1 to 100 characters', field: 'label' }, 400);
    return c.json(await d.keys.create(body.label), 201);
  });
  app.get('/v1/api-keys', async (c) => c.json(await d.keys.list()));
  app.delete('/v1/api-keys/:id', async (c) => c.json({ revoked: await d.keys.revoke(c.req.param('id')) }));
  app.route('/v1', directoryRoutes(d));
  app.onError((err, c) => {
    d.log.error({ err: err.name }, 'admin directory request failed');
    return c.json({ error: 'internal', message: 'internal error' }, 500);
  });
  return getRequestListener(app.fetch);
}
