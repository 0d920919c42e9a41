import { Channel } from '@hcc/proto';
import { silentLogger } from '@hcc/shared';
import { describe, expect, it } from 'vitest';
import { acdBundle, agent, harness, queue } from '../../test/acd-fixtures.ts';
import { agentApi } from './agent-api.ts';
import { MemoryCredentialStore, MemorySessionStore, verifyPassword } from './agent-api-auth.ts';
import { edgeApp } from './app.ts';

const FAST = { N: 1024, r: 8, p: 1 };

async function setup() {
  const bundle = acdBundle({
    queues: [queue('sales')],
    agents: [agent('a-1001', { sales: 3 }, { extension: '1001', allowedNotReadyReasonIds: ['break'] })],
  });
  const h = harness(bundle);
  const credentials = new MemoryCredentialStore();
  await credentials.setPassword('a-1001', 'correct horse', FAST);
  const api = agentApi({
    agents: h.agents,
    acd: h.acd,
    config: () => bundle,
    credentials,
    sessions: new MemorySessionStore(h.clock, 60_000),
    log: silentLogger,
  });
  const json = (body: unknown, headers: Record<string, string> = {}) => ({
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  const login = async () => {
    const res = await api.request('/login', json({ extension: '1001', password: 'correct horse' }));
    const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0]!;
    const body = (await res.json()) as { csrfToken: string };
    return { res, cookie, csrf: body.csrfToken, body };
  };
  return { h, api, json, login, credentials };
}

describe('agent API', () => {
  it('logs in with a hashed password and sets a strict HttpOnly session cookie', async () => {
    const t = await setup();
    const hash = (await t.credentials.hashOf('a-1001'))!;
    expect(hash).toMatch(/^scrypt\$1024\$8\$1\$/);
    expect(hash).not.toContain('correct horse');
    expect(await verifyPassword('wrong', hash)).toBe(false);
    const { res, body } = await t.login();
    expect(res.status).toBe(200);
    const cookie = res.headers.get('set-cookie')!;
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    expect(body).toMatchObject({
      agentId: 'a-1001',
      state: 'not_ready',
      allowedReasons: [{ id: 'break', name: 'Break' }],
    });
  });

  it('refuses bad credentials alike for unknown extensions and wrong passwords', async () => {
    const t = await setup();
    for (const body of [
      { extension: '1001', password: 'nope' },
      { extension: '9999', password: 'correct horse' },
    ]) {
      const res = await t.api.request('/login', t.json(body));
      expect(res.status).toBe(401);
      expect(await res.json()).toEqual({ error: 'invalid_credentials' });
    }
  });

  it('names the field of a bad payload, and wants JSON', async () => {
    const t = await setup();
    const res = await t.api.request('/login', t.json({ extension: '1001' }));
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: 'invalid_request', fields: [{ field: 'password' }] });
    const form = await t.api.request('/login', { method: 'POST', body: 'extension=1001' });
    expect(form.status).toBe(415);
    const { cookie, csrf } = await t.login();
    const bad = await t.api.request(
      '/state',
      t.json({ state: 'not_ready' }, { cookie, 'x-csrf-token': csrf }),
    );
    expect(await bad.json()).toMatchObject({ fields: [{ field: 'reasonId' }] });
  });

  it('changes state with the CSRF token only, and checks the reason code', async () => {
    const t = await setup();
    const { cookie, csrf } = await t.login();
    const noCsrf = await t.api.request('/state', t.json({ state: 'ready' }, { cookie }));
    expect(noCsrf.status).toBe(403);
    const noCookie = await t.api.request('/state', t.json({ state: 'ready' }, { 'x-csrf-token': csrf }));
    expect(noCookie.status).toBe(401);
    const ready = await t.api.request('/state', t.json({ state: 'ready' }, { cookie, 'x-csrf-token': csrf }));
    expect(await ready.json()).toMatchObject({ state: 'ready' });
    const lunch = await t.api.request(
      '/state',
      t.json({ state: 'not_ready', reasonId: 'lunch' }, { cookie, 'x-csrf-token': csrf }),
    );
    expect(lunch.status).toBe(422);
    expect(await lunch.json()).toEqual({
      error: 'reason_not_allowed',
      field: 'reasonId',
      allowed: ['break'],
    });
    const brk = await t.api.request(
      '/state',
      t.json({ state: 'not_ready', reasonId: 'break' }, { cookie, 'x-csrf-token': csrf }),
    );
    expect(await brk.json()).toMatchObject({ state: 'not_ready', reasonId: 'break' });
  });

  it('reads own state and queue stats; logout is refused on a call, then works', async () => {
    const t = await setup();
    const { cookie, csrf } = await t.login();
    await t.api.request('/state', t.json({ state: 'ready' }, { cookie, 'x-csrf-token': csrf }));
    void t.h.enqueue('c1', 'sales');
    void t.h.enqueue('c2', 'sales');
    t.h.port.answer('a-1001');
    await t.h.flush();
    const me = await (await t.api.request('/me', { headers: { cookie } })).json();
    expect(me).toMatchObject({
      state: 'on_call',
      interactions: [{ interactionId: 'c1', channel: Channel.VOICE, state: 'on_call' }],
    });
    const queues = await (await t.api.request('/queues', { headers: { cookie } })).json();
    expect(queues).toMatchObject({
      queues: [{ queueId: 'sales', waiting: 1, agents: [{ state: 'on_call', count: 1 }] }],
    });
    const busy = await t.api.request('/logout', t.json({}, { cookie, 'x-csrf-token': csrf }));
    expect(busy.status).toBe(409);
    t.h.acd.complete('c1');
    t.h.port.refuse('a-1001', 'busy'); // c2 was offered next; agent declines
    await t.h.flush();
    await t.api.request(
      '/state',
      t.json({ state: 'not_ready', reasonId: 'break' }, { cookie, 'x-csrf-token': csrf }),
    );
    t.h.acd.abandon('c2');
    const out = await t.api.request('/logout', t.json({}, { cookie, 'x-csrf-token': csrf }));
    expect(out.status).toBe(200);
    expect((await t.api.request('/me', { headers: { cookie } })).status).toBe(401);
  });

  it('sessions expire on the clock', async () => {
    const t = await setup();
    const { cookie } = await t.login();
    await t.h.clock.advance(60_001);
    expect((await t.api.request('/me', { headers: { cookie } })).status).toBe(401);
  });

  it('is mounted by the edge app at /api/agent', async () => {
    const t = await setup();
    const app = edgeApp({ site: 'hq', readiness: () => [], status: () => ({}), agentApi: t.api });
    const res = await app.request(
      '/api/agent/login',
      t.json({ extension: '1001', password: 'correct horse' }),
    );
    expect(res.status).toBe(200);
    expect(res.headers.get('set-cookie')).toMatch(/Path=\/api\/agent/);
    expect((await app.request('/api/agent/me')).status).toBe(401);
  });

  it('locks an extension after 5 failed logins: 429 with Retry-After, even for the right password', async () => {
    const t = await setup();
    const wrong = () => t.api.request('/login', t.json({ extension: '1001', password: 'guess' }));
    for (let i = 0; i < 5; i++) expect((await wrong()).status).toBe(401);
    const locked = await t.login();
    expect(locked.res.status).toBe(429);
    expect(Number(locked.res.headers.get('retry-after'))).toBe(60);
    expect(locked.body).toMatchObject({ error: 'too_many_attempts' });
    await t.h.clock.advance(30_000);
    expect(Number((await t.login()).res.headers.get('retry-after'))).toBe(30);
    await t.h.clock.advance(30_001);
    expect((await t.login()).res.status).toBe(200);
  });

  it('locks a client address after 20 failed logins across extensions', async () => {
    const t = await setup();
    for (let i = 0; i < 20; i++) {
      const res = await t.api.request('/login', t.json({ extension: `9${i}`, password: 'guess' }));
      expect(res.status).toBe(401);
    }
    // The address is locked: the real agent from the same address waits too.
    const r = await t.login();
    expect(r.res.status).toBe(429);
    expect(Number(r.res.headers.get('retry-after'))).toBeGreaterThan(0);
    await t.h.clock.advance(60_001);
    expect((await t.login()).res.status).toBe(200);
  });
});
