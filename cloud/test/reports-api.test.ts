/**
 * The reports API for BI tools (/api/v1/reports) on the cloud as main.ts composes it: with an API
 * key it answers the console's numbers, another tenant's key sees nothing of them, a burst gets 429
 * with Retry-After, and bad parameters get 422 naming the parameter.
 */

import { AgentState as S } from '@hcc/proto';
import {
  createOperatorMaterial,
  type Database,
  generateSigningKeyPair,
  newAccountKey,
  openDatabase,
  silentLogger,
} from '@hcc/shared';
import { createTestDatabase, freePort, startTestHub, type TestHub } from '@hcc/shared/testing';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { IdentityService } from '../src/auth/identity.ts';
import { SecretBox } from '../src/db/secret-box.ts';
import { acceptedFrom, writeBatch } from '../src/ingest/writer.ts';
import { type RunningCloud, startCloud } from '../src/main.ts';
import { EventFactory } from './ingest-builders.ts';

const T0 = Date.UTC(2025, 2, 4, 8, 0); // 09:00 in Europe/Berlin
const MIN = 60_000;
const BURST = 30;

describe('reports API (API keys, tenant isolation, rate limit)', () => {
  let hub: TestHub;
  let drop: () => Promise<void>;
  let cloud: RunningCloud;
  let database: Database;
  const tokens: Record<string, string> = {};
  const keys: Record<string, string> = {};

  const get = (path: string, token: string, headers: Record<string, string> = {}) =>
    fetch(`${cloud.url}${path}`, { headers: { authorization: `Bearer ${token}`, ...headers } });
  const json = async (path: string, token: string) => {
    const res = await get(path, token);
    expect(res.status, `${path}: ${res.status}`).toBe(200);
    return res.json();
  };
  const text = async (path: string, token: string, headers: Record<string, string> = {}) => {
    const res = await get(path, token, headers);
    expect(res.status, path).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    return res.text();
  };

  beforeAll(async () => {
    const material = await createOperatorMaterial();
    hub = await startTestHub('hub', material);
    const db = await createTestDatabase(inject('pgUrl'), 'reports_api');
    drop = db.drop;
    cloud = await startCloud(
      {
        role: 'api',
        httpHost: '127.0.0.1',
        httpPort: await freePort(),
        natsUrl: hub.url,
        database: { url: db.url },
        signingKeyPem: generateSigningKeyPair().privateKeyPem,
        nats: { ...material, cloudAccountSeed: newAccountKey().seed },
        secrets: SecretBox.generate(),
        hubLeafUrls: [hub.leafUrl],
        onlineAfterMs: 5000,
        seedDemo: false,
        // One token back every 10 s: a burst of BURST + 1 is refused its last request.
        reportsRate: { burst: BURST, perMinute: 6 },
      },
      silentLogger,
    );
    database = await openDatabase({ url: db.url });
    const identity = new IdentityService(database.db);
    for (const t of ['acme', 'globex']) {
      await identity.createTenant(t, t);
      const email = `admin@${t}.example`;
      const password = `pw-${t}-0123456789`;
      await identity.createUser(t, { email, displayName: 'Admin', role: 'tenant_admin', password });
      const login = await fetch(`${cloud.url}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email, password }),
      });
      tokens[t] = ((await login.json()) as { token: string }).token;
      for (const name of ['bi', 'burst', 'spare', 'gone']) {
        const r = await fetch(`${cloud.url}/api/v1/api-keys`, {
          method: 'POST',
          headers: { authorization: `Bearer ${tokens[t]}`, 'content-type': 'application/json' },
          body: JSON.stringify({ name, role: 'analyst' }),
        });
        expect(r.status).toBe(201);
        keys[`${t}:${name}`] = ((await r.json()) as { key: string }).key;
      }
    }
    // Events as ingest writes them: acme has two sites and two queues, globex one site.
    const hq = new EventFactory('acme', 'hq');
    const br = new EventFactory('acme', 'branch');
    const gx = new EventFactory('globex', 'gx');
    const events = [
      hq.ended(T0 + MIN, {
        queueId: 'sales',
        waitMs: 10_000,
        talkMs: 60_000,
        wrapMs: 5_000,
        inSl: true,
        agentId: 'a1',
      }),
      hq.ended(T0 + 2 * MIN, {
        queueId: 'sales',
        waitMs: 40_000,
        talkMs: 90_000,
        inSl: false,
        agentId: 'a2',
      }),
      hq.ended(T0 + 3 * MIN, { queueId: 'sales', waitMs: 3_000, abandoned: true }),
      hq.ended(T0 + 20 * MIN, { queueId: 'support', waitMs: 50_000, abandoned: true }),
      hq.ended(T0 + 70 * MIN, {
        queueId: 'support',
        waitMs: 5_000,
        talkMs: 30_000,
        inSl: true,
        agentId: 'a1',
      }),
      br.ended(T0 + 5 * MIN, { queueId: 'sales', waitMs: 2_000, talkMs: 20_000, inSl: true, agentId: 'b1' }),
      hq.agentState(T0, 'a1', S.LOGGED_OUT, S.READY),
      hq.agentState(T0 + 30 * MIN, 'a1', S.READY, S.ON_CALL),
      hq.agentState(T0 + 60 * MIN, 'a1', S.ON_CALL, S.LOGGED_OUT),
      gx.ended(T0 + MIN, { queueId: 'sales', waitMs: 1_000, talkMs: 1_000, inSl: true, agentId: 'g1' }),
    ];
    await writeBatch(
      database.db,
      events.map((e) => acceptedFrom(e, Number(e.occurredAt!.seconds) * 1000)),
      [],
      { lateAfterMs: 120_000, now: T0 + 3 * 3600_000 },
    );
  });

  afterAll(async () => {
    await cloud?.stop();
    await database?.close();
    await hub?.dispose();
    await drop?.();
  });

  const Q = 'from=2025-03-04&to=2025-03-04&tz=Europe/Berlin';

  it("answers the console's numbers with an API key, as JSON and as CSV", async () => {
    const key = keys['acme:bi']!;
    const console = tokens.acme!;
    for (const q of [`${Q}&bucket=15m`, `${Q}&bucket=hour`, `${Q}&bucket=day&site=hq`, `${Q}&queue=sales`]) {
      const api = await json(`/api/v1/reports/interval?${q}`, key);
      expect(api.rows).toEqual(await json(`/analytics/api/series?${q}`, console));
      expect(api).toMatchObject({ from: '2025-03-04', to: '2025-03-04', tz: 'Europe/Berlin' });
    }
    const hours = await json(`/api/v1/reports/interval?${Q}&bucket=hour`, key);
    expect(hours.rows.map((r: { start: string; offered: number }) => [r.start, r.offered])).toEqual([
      ['2025-03-04T08:00:00.000Z', 5],
      ['2025-03-04T09:00:00.000Z', 1],
    ]);
    for (const q of [Q, `${Q}&site=hq`, `${Q}&queue=support`]) {
      expect((await json(`/api/v1/reports/breakdown?${q}`, key)).rows).toEqual(
        await json(`/analytics/api/breakdown?${q}`, console),
      );
    }
    const breakdown = (await json(`/api/v1/reports/breakdown?${Q}`, key)).rows;
    expect(
      breakdown.map((r: { siteId: string; queueId: string; offered: number }) => [
        r.siteId,
        r.queueId,
        r.offered,
      ]),
    ).toEqual([
      ['branch', 'sales', 1],
      ['hq', 'sales', 3],
      ['hq', 'support', 2],
    ]);
    expect(breakdown[1]).toMatchObject({
      answered: 2,
      abandoned: 1,
      shortAbandoned: 1,
      serviceLevel: 50,
      asaMs: 25_000,
    });
    const agents = await json(`/api/v1/reports/agents?${Q}`, key);
    expect(agents.rows).toEqual(await json(`/analytics/api/agents?${Q}`, console));
    expect(agents.rows.find((a: { agentId: string }) => a.agentId === 'a1')).toMatchObject({
      siteId: 'hq',
      handled: 2,
      occupancy: 50,
      staffedMs: 60 * MIN,
    });
    // The console page's totals are the API's.
    const page = await (await get(`/analytics?${Q}`, console)).text();
    expect(page).toContain(
      `<b id="kpi-offered">${breakdown.reduce((a: number, r: { offered: number }) => a + r.offered, 0)}</b>`,
    );

    // CSV: the console's export byte for byte, and each report by `.csv`, format=csv or Accept.
    const exportQ = `${Q}&bucket=hour`;
    const exported = await text(`/api/v1/reports/export.csv?${exportQ}`, key);
    expect(exported).toBe(await text(`/analytics/export.csv?${exportQ}`, console));
    expect(exported.split('\r\n')[0]).toMatch(/^start,start_local,offered,answered,/);
    const interval = await text(`/api/v1/reports/interval.csv?${exportQ}`, key);
    expect(exported.startsWith(interval)).toBe(true);
    expect(interval.split('\r\n').slice(1, 3)).toEqual([
      expect.stringMatching(/^2025-03-04T08:00:00.000Z,2025-03-04 09:00,5,3,2,1,/),
      expect.stringMatching(/^2025-03-04T09:00:00.000Z,2025-03-04 10:00,1,1,0,0,/),
    ]);
    expect(await text(`/api/v1/reports/interval?${exportQ}&format=csv`, key)).toBe(interval);
    expect(await text(`/api/v1/reports/interval?${exportQ}`, key, { accept: 'text/csv' })).toBe(interval);
    const agentsCsv = await text(`/api/v1/reports/agents.csv?${Q}`, key);
    expect(agentsCsv.split('\r\n')[0]).toBe('siteId,agentId,handled,ahtMs,occupancy,staffedMs');
    expect(agentsCsv).toContain('hq,a1,2,');
    expect((await text(`/api/v1/reports/breakdown.csv?${Q}`, key)).split('\r\n')).toHaveLength(5);
  });

  it("gives another tenant's key nothing of this tenant", async () => {
    const key = keys['globex:bi']!;
    const sites = (r: { siteId: string }[]) => r.map((x) => x.siteId);
    expect(sites((await json(`/api/v1/reports/breakdown?${Q}`, key)).rows)).toEqual(['gx']);
    expect(sites((await json(`/api/v1/reports/agents?${Q}`, key)).rows)).toEqual(['gx']);
    // Its own data only: one call at gx, none of acme's six.
    expect((await json(`/api/v1/reports/interval?${Q}&bucket=day`, key)).rows).toEqual([
      expect.objectContaining({ offered: 1, answered: 1 }),
    ]);
    for (const q of [`${Q}&site=hq`, `${Q}&site=branch&queue=sales`]) {
      expect((await json(`/api/v1/reports/interval?${q}`, key)).rows).toEqual([]);
      expect((await json(`/api/v1/reports/breakdown?${q}`, key)).rows).toEqual([]);
    }
    expect((await json(`/api/v1/reports/agents?${Q}&site=hq`, key)).rows).toEqual([]);
    expect(await text(`/api/v1/reports/export.csv?${Q}&site=hq`, key)).toBe(
      `start,start_local,offered,answered,abandoned,shortAbandoned,answeredInSl,serviceLevel,abandonRate,asaMs,ahtMs,talkMs,holdMs,wrapMs,longestWaitMs,late\r\n\r\nsiteId,queueId,offered,answered,abandoned,shortAbandoned,answeredInSl,serviceLevel,abandonRate,asaMs,ahtMs,talkMs,holdMs,wrapMs,longestWaitMs,late\r\n`,
    );
    const csv = await text(`/api/v1/reports/breakdown.csv?${Q}`, key);
    expect(csv).toContain('gx,sales,1,');
    expect(csv).not.toMatch(/\bhq\b|\bbranch\b/);
    // A revoked or made-up key gets nothing at all.
    const gone = keys['globex:gone']!;
    expect((await get(`/api/v1/reports/breakdown?${Q}`, gone)).status).toBe(200);
    const revoke = await fetch(`${cloud.url}/api/v1/api-keys/${gone.split('_')[1]}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${tokens.globex}` },
    });
    expect(revoke.status).toBe(204);
    for (const bad of [gone, `hcck_000000000000_${'x'.repeat(43)}`, 'not-a-key'])
      expect((await get(`/api/v1/reports/breakdown?${Q}`, bad)).status).toBe(401);
    expect((await fetch(`${cloud.url}/api/v1/reports/breakdown?${Q}`)).status).toBe(401);
  });

  it('answers 429 with Retry-After to a burst beyond the bucket, per key', async () => {
    const key = keys['acme:burst']!;
    const res = await Promise.all(
      Array.from({ length: BURST + 5 }, () => get(`/api/v1/reports/breakdown?from=2024-01-01`, key)),
    );
    const statuses = res.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(BURST);
    expect(statuses.filter((s) => s === 429)).toHaveLength(5);
    const refused = res.find((r) => r.status === 429)!;
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(10);
    expect(await refused.json()).toMatchObject({ error: 'rate_limited' });
    expect(res.find((r) => r.status === 200)!.headers.get('x-ratelimit-remaining')).toMatch(/^\d+$/);
    // The CSV routes share the key's bucket; another key of the same tenant has its own.
    expect((await get(`/api/v1/reports/breakdown.csv?from=2024-01-01`, key)).status).toBe(429);
    expect((await get(`/api/v1/reports/breakdown?from=2024-01-01`, keys['acme:spare']!)).status).toBe(200);
  });

  it('answers 422 naming the parameter to bad input, and keeps serving', async () => {
    const key = keys['globex:spare']!;
    const cases: [string, string][] = [
      ['/api/v1/reports/interval?from=2025-02-30', 'from'],
      ['/api/v1/reports/interval?from=yesterday', 'from'],
      ['/api/v1/reports/interval?from=2025-03-04&to=2025-03-01', 'to'],
      ['/api/v1/reports/interval?from=2020-01-01&to=2025-01-01', 'to'],
      ['/api/v1/reports/interval?tz=Mars/Base', 'tz'],
      ['/api/v1/reports/interval?bucket=week', 'bucket'],
      ['/api/v1/reports/interval?format=xml', 'format'],
      ['/api/v1/reports/breakdown?site_id=hq', 'site_id'],
      ['/api/v1/reports/breakdown?bucket=hour', 'bucket'],
      ['/api/v1/reports/agents?queue=sales', 'queue'],
      ['/api/v1/reports/agents.csv?format=json', 'format'],
    ];
    for (const [path, field] of cases) {
      const res = await get(path, key);
      expect(res.status, path).toBe(422);
      const body = (await res.json()) as { error: string; problems: { field: string; problem: string }[] };
      expect(body.error, path).toBe('validation');
      expect(
        body.problems.map((p) => p.field),
        path,
      ).toEqual([field]);
      expect(body.problems[0]!.problem).not.toBe('');
    }
    expect((await get(`/api/v1/reports/agents?${Q}`, key)).status).toBe(200);
  });

  it('is described in the OpenAPI document', async () => {
    const doc = (await (await fetch(`${cloud.url}/api/v1/openapi.json`)).json()) as {
      // biome-ignore lint/suspicious/noExplicitAny: the document is inspected freely
      paths: Record<string, any>;
      components: { schemas: Record<string, unknown> };
    };
    const interval = doc.paths['/api/v1/reports/interval'].get;
    expect(interval.parameters.map((p: { name: string }) => p.name)).toEqual([
      'from',
      'to',
      'tz',
      'site',
      'queue',
      'bucket',
      'format',
    ]);
    expect(Object.keys(interval.responses['200'].content)).toEqual(['application/json', 'text/csv']);
    expect(interval.responses['429'].headers['Retry-After']).toBeDefined();
    expect(Object.keys(doc.paths['/api/v1/reports/agents.csv'].get.responses['200'].content)).toEqual([
      'text/csv',
    ]);
    expect(doc.paths['/api/v1/reports/export.csv'].get).toBeDefined();
    expect(doc.components.schemas.ReportAgentRow).toMatchObject({ properties: { occupancy: {} } });
  });
});
