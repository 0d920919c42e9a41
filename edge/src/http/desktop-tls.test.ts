import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '@hcc/shared';
import { freePort } from '@hcc/shared/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acdBundle, agent, harness, queue } from '../../test/acd-fixtures.ts';
import { writeTestCert } from '../sip/transport/test-cert.ts';
import { agentApi } from './agent-api.ts';
import { MemoryCredentialStore, MemorySessionStore } from './agent-api-auth.ts';
import { edgeApp } from './app.ts';
import { serveEdgeHttp, type TlsPair, tlsFromEnv } from './desktop-tls.ts';

/** POST over HTTPS trusting only the throwaway certificate. */
function post(url: string, ca: string, body: unknown) {
  return new Promise<{ status: number; cookie: string }>((resolve, reject) => {
    const req = request(
      url,
      { method: 'POST', ca, headers: { 'content-type': 'application/json' } },
      (res) => {
        res.resume();
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, cookie: String(res.headers['set-cookie'] ?? '') }),
        );
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

describe('edge HTTP over TLS', () => {
  let dir: string;
  let tls: TlsPair;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hcc-tls-'));
    const { certFile: cert, keyFile: key } = writeTestCert(dir);
    const t = tlsFromEnv({ EDGE_TLS_CERT: cert, EDGE_TLS_KEY: key });
    if (!t) throw new Error('no TLS pair');
    tls = t;
  });

  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('reads no pair unless both variables are set', async () => {
    await writeFile(join(dir, 'x'), '');
    expect(tlsFromEnv({})).toBeUndefined();
    // Half a pair is a mistake, not plain HTTP.
    expect(() => tlsFromEnv({ EDGE_TLS_CERT: join(dir, 'x') })).toThrow('set both or neither');
  });

  it('serves the agent API over HTTPS with a Secure session cookie', async () => {
    const bundle = acdBundle({
      queues: [queue('sales')],
      agents: [agent('a-1001', { sales: 3 }, { extension: '1001' })],
    });
    const h = harness(bundle);
    const credentials = new MemoryCredentialStore();
    await credentials.setPassword('a-1001', 'pw', { N: 1024, r: 8, p: 1 });
    const app = edgeApp({
      site: 'hq',
      readiness: () => [],
      status: () => ({}),
      agentApi: agentApi({
        agents: h.agents,
        acd: h.acd,
        config: () => bundle,
        credentials,
        sessions: new MemorySessionStore(h.clock, 60_000),
        secureCookie: true,
        log: silentLogger,
      }),
    });
    const { server, url } = serveEdgeHttp({
      fetch: app.fetch,
      hostname: '127.0.0.1',
      port: await freePort(),
      tls,
    });
    try {
      expect(url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      const res = await post(`${url}/api/agent/login`, tls.cert, { extension: '1001', password: 'pw' });
      expect(res.status).toBe(200);
      expect(res.cookie).toMatch(/; Secure/);
      expect(res.cookie).toMatch(/HttpOnly/);
      // Plain HTTP to the TLS port is not served.
      await expect(fetch(`${url.replace('https', 'http')}/healthz`)).rejects.toThrow();
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});
