/**
 * The cap on live (SSE) streams per agent session, over a real HTTP server (@hono/node-server): four
 * streams open, the fifth (desktop or supervisor) gets 429 with a JSON error, closing one gives its
 * slot back, and another session has slots of its own.
 */
import type { Server } from 'node:http';
import { silentLogger } from '@hcc/shared';
import { freePort } from '@hcc/shared/testing';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { afterEach, describe, expect, it } from 'vitest';
import { acdBundle, agent, harness, queue } from '../../test/acd-fixtures.ts';
import { BrowserCredentials } from '../call/browser-device.ts';
import type { CallRegistry, CallSession, LegRef } from '../call/index.ts';
import { SESSION_COOKIE } from './agent-api.ts';
import { MemorySessionStore } from './agent-api-auth.ts';
import { desktopApi } from './desktop.ts';
import type { DesktopData } from './desktop-data.ts';
import { supervisorApi } from './desktop-supervisor.ts';
import { StreamLimiter } from './stream-limit.ts';

describe('StreamLimiter', () => {
  it('gives out max slots per key and takes each back once', () => {
    const l = new StreamLimiter(2);
    const a = l.acquire('s1');
    const b = l.acquire('s1');
    expect(a && b).toBeTruthy();
    expect(l.acquire('s1')).toBeUndefined();
    expect(l.acquire('s2')).toBeDefined();
    a!();
    a!();
    expect(l.count('s1')).toBe(1);
    expect(l.acquire('s1')).toBeDefined();
    expect(l.acquire('s1')).toBeUndefined();
  });
});

describe('live streams per session over HTTP', () => {
  let server: Server | undefined;
  const open: AbortController[] = [];
  afterEach(async () => {
    for (const ac of open) ac.abort();
    open.length = 0;
    if (server) await new Promise((r) => server!.close(r));
    server = undefined;
  });

  async function site() {
    const bundle = acdBundle({
      queues: [queue('sales')],
      agents: [
        agent('a-1001', { sales: 3 }, { extension: '1001' }),
        agent('a-1002', { sales: 3 }, { extension: '1002' }),
      ],
    });
    const h = harness(bundle);
    h.agents.login('a-1001');
    h.agents.login('a-1002');
    const sessions = new MemorySessionStore(h.clock, 60_000);
    const streams = new StreamLimiter();
    const common = {
      agents: h.agents,
      acd: h.acd,
      config: () => bundle,
      sessions,
      log: silentLogger,
      streams,
    };
    const app = new Hono();
    app.route(
      '/api/agent/desktop',
      desktopApi({
        ...common,
        // The live stream reads neither the database nor SIP credentials.
        data: {} as DesktopData,
        browser: new BrowserCredentials('hq'),
        sipWs: { port: 1, secure: false, path: '/' },
        clock: h.clock,
        tickMs: 50,
      }),
    );
    app.route(
      '/api/agent/supervisor',
      supervisorApi({
        ...common,
        calls: { all: () => [] } as unknown as CallRegistry<CallSession, LegRef>,
        isSupervisor: () => true,
      }),
    );
    const port = await freePort();
    server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port }) as Server;
    const base = `http://127.0.0.1:${port}/api/agent`;
    /** Opens a stream for `session`; a 200 is read up to its first event. */
    const stream = async (token: string, path = 'desktop/live') => {
      const ac = new AbortController();
      const res = await fetch(`${base}/${path}`, {
        headers: { cookie: `${SESSION_COOKIE}=${token}` },
        signal: ac.signal,
      });
      if (res.status === 200) {
        open.push(ac);
        const first = await res.body!.getReader().read();
        expect(new TextDecoder().decode(first.value)).toMatch(/^event: (live|site)\n/);
      }
      return { res, close: () => ac.abort() };
    };
    return { sessions, streams, stream };
  }

  it('four streams, the fifth gets 429, closing one frees its slot', async () => {
    const { sessions, streams, stream } = await site();
    const s = sessions.create('a-1001');
    const four = [];
    for (let i = 0; i < 3; i++) four.push(await stream(s.token));
    four.push(await stream(s.token, 'supervisor/live'));
    expect(four.map((x) => x.res.status)).toEqual([200, 200, 200, 200]);
    expect(streams.count(s.token)).toBe(4);

    for (const path of ['desktop/live', 'supervisor/live']) {
      const fifth = await stream(s.token, path);
      expect(fifth.res.status).toBe(429);
      expect(fifth.res.headers.get('retry-after')).toBe('5');
      expect(await fifth.res.json()).toEqual({
        error: 'too_many_streams',
        message: 'At most 4 live streams per login: close another tab of the desktop first.',
        limit: 4,
      });
    }
    // Another login of the same agent (and another agent) has slots of its own.
    expect((await stream(sessions.create('a-1001').token)).res.status).toBe(200);
    expect((await stream(sessions.create('a-1002').token)).res.status).toBe(200);

    four[0]!.close();
    await expect.poll(() => streams.count(s.token), { timeout: 3000 }).toBe(3);
    expect((await stream(s.token)).res.status).toBe(200);
    expect(streams.count(s.token)).toBe(4);
    expect((await stream(s.token)).res.status).toBe(429);

    // The supervisor's stream closing frees a slot too.
    four[3]!.close();
    await expect.poll(() => streams.count(s.token), { timeout: 3000 }).toBe(3);
    expect((await stream(s.token, 'supervisor/live')).res.status).toBe(200);
  });

  it('without a session: 401, no slot taken', async () => {
    const { streams, stream } = await site();
    const r = await stream('nope');
    expect(r.res.status).toBe(401);
    expect(streams.count('nope')).toBe(0);
  });
});
