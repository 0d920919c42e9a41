import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { sameOriginWrites } from './same-origin.ts';

const app = new Hono();
app.use('*', sameOriginWrites());
app.post('/x', (c) => c.text('done'));
app.get('/x', (c) => c.text('read'));

const post = (headers: Record<string, string>) =>
  app.request('http://cloud.example:8080/x', {
    method: 'POST',
    headers: { host: 'cloud.example:8080', ...headers },
  });

describe('sameOriginWrites', () => {
  it('lets same-origin, direct and non-browser requests through', async () => {
    expect((await post({ cookie: 's=1', 'sec-fetch-site': 'same-origin' })).status).toBe(200);
    expect((await post({ cookie: 's=1', 'sec-fetch-site': 'none' })).status).toBe(200);
    expect((await post({ cookie: 's=1', origin: 'http://cloud.example:8080' })).status).toBe(200);
    expect((await post({ cookie: 's=1' })).status).toBe(200);
    expect((await post({ origin: 'https://evil.example' })).status).toBe(200); // no cookie: nothing to ride on
    expect(
      (await post({ cookie: 's=1', authorization: 'Bearer k', origin: 'https://evil.example' })).status,
    ).toBe(200);
  });

  it('refuses cookie-authenticated writes from another site', async () => {
    const r = await post({ cookie: 's=1', 'sec-fetch-site': 'cross-site', origin: 'https://evil.example' });
    expect(r.status).toBe(403);
    expect(await r.json()).toEqual({ error: 'forbidden', message: 'cross-site request refused' });
    expect((await post({ cookie: 's=1', 'sec-fetch-site': 'same-site' })).status).toBe(403);
    expect((await post({ cookie: 's=1', origin: 'https://evil.example' })).status).toBe(403);
    expect((await post({ cookie: 's=1', origin: 'http://cloud.example:9999' })).status).toBe(403);
    expect((await post({ cookie: 's=1', origin: 'null' })).status).toBe(403);
    const html = await post({ cookie: 's=1', origin: 'null', accept: 'text/html' });
    expect(await html.text()).toBe('Cross-site request refused.');
  });

  it('never blocks reads', async () => {
    const r = await app.request('http://cloud.example:8080/x', {
      headers: { cookie: 's=1', 'sec-fetch-site': 'cross-site' },
    });
    expect(r.status).toBe(200);
  });
});
