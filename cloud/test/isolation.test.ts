import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { apiRoutes } from '../src/api/index.ts';
import { demoHqBundle } from '../src/demo/bundles.ts';
import { type Client, type CloudHarness, client, startCloudHarness } from './harness.ts';

const TENANT_TABLES = [
  'tenants',
  'users',
  'sessions',
  'api_keys',
  'sites',
  'site_nats',
  'site_status',
  'draft_entities',
  'config_versions',
  'deployments',
  'enrollment_tokens',
];

// Tenant isolation, both through every API route (another tenant's ids are simply not found) and
// through SQL as the application role (row-level security returns zero rows without a tenant).
describe('multi-tenant isolation', () => {
  let h: CloudHarness;
  let acme: Client;
  let globex: Client;
  let acmeKeyId: string;

  beforeAll(async () => {
    h = await startCloudHarness(inject('pgUrl'));
    ({ api: acme } = await h.tenant('acme'));
    ({ api: globex } = await h.tenant('globex'));
    await h.site(acme, demoHqBundle());
    const other = demoHqBundle();
    other.siteId = 'gx-main';
    other.tenantId = 'globex';
    await h.site(globex, other);
    expect((await acme('POST', '/api/v1/sites/hq/enroll')).status).toBe(200);
    expect((await acme('POST', '/api/v1/publish', { siteIds: ['hq'] })).status).toBe(200);
    acmeKeyId = (await acme('POST', '/api/v1/api-keys', { name: 'ci', role: 'ops' })).json.id;
  });
  afterAll(async () => {
    await h?.stop();
  });

  it("answers 404 on every route given another tenant's ids", async () => {
    const routes = apiRoutes(h.cp.api).filter((r) => /\{\w+\}/.test(r.path));
    expect(routes.length).toBeGreaterThan(40);
    const ids: Record<string, string> = { siteId: 'hq', keyId: acmeKeyId, version: '1' };
    for (const r of routes) {
      const kind = r.path.split('/')[5];
      const entityId =
        {
          flows: 'main',
          queues: 'sales',
          agents: 'a-1001',
          dids: 'did-main',
          trunks: 'demo-carrier',
          prompts: 'welcome',
          skills: 'sales',
          hours: 'office',
        }[kind ?? ''] ?? 'x';
      const path = r.path.replace(/\{(\w+)\}/g, (_, name: string) =>
        name === 'id' ? entityId : (ids[name] ?? 'x'),
      );
      const body =
        r.method === 'put' && r.path.endsWith('/policies')
          ? {}
          : r.method === 'put'
            ? { id: entityId }
            : r.path.endsWith('/rollback')
              ? { version: 1 }
              : undefined;
      const res = await globex(
        r.method.toUpperCase(),
        r.path.endsWith('/diff') ? `${path}?from=1&to=1` : path,
        body,
      );
      expect({ route: `${r.method} ${r.path}`, status: res.status }).toEqual({
        route: `${r.method} ${r.path}`,
        status: 404,
      });
    }
    for (const [method, path, body] of [
      ['POST', '/api/v1/rollouts', { targets: [{ siteId: 'hq' }] }],
      ['POST', '/api/v1/publish', { siteIds: ['hq'] }],
    ] as const) {
      expect((await globex(method, path, body)).status).toBe(404);
    }
    // Lists show only the caller's tenant.
    expect((await globex('GET', '/api/v1/sites')).json.sites.map((s: { id: string }) => s.id)).toEqual([
      'gx-main',
    ]);
    expect((await globex('GET', '/api/v1/users')).json.users.map((u: { email: string }) => u.email)).toEqual([
      'admin@globex.example',
    ]);
    expect((await globex('GET', '/api/v1/api-keys')).json.apiKeys).toEqual([]);
    // And acme still sees its own.
    expect((await acme('GET', '/api/v1/sites/hq/flows/main')).status).toBe(200);
  });

  it('returns zero rows through SQL as the application role without a tenant, and only the tenant with one', async () => {
    const db = h.cp.api.db;
    await db
      .transaction(async (tx) => {
        await tx.execute(sql`set local role hcc_app`);
        for (const t of TENANT_TABLES) {
          const r = await tx.execute(sql.raw(`select count(*)::int as n from ${t}`));
          expect({ t, n: (r as unknown as { rows: { n: number }[] }).rows[0]!.n }).toEqual({ t, n: 0 });
        }
        await tx.execute(sql`select set_config('app.tenant_id', 'globex', true)`);
        for (const t of TENANT_TABLES) {
          const col = t === 'tenants' ? 'id' : 'tenant_id';
          const r = await tx.execute(
            sql.raw(
              `select count(*)::int as n, count(*) filter (where ${col} <> 'globex')::int as other from ${t}`,
            ),
          );
          expect((r as unknown as { rows: { other: number }[] }).rows[0]!.other).toBe(0);
        }
        const sites = await tx.execute(sql`select id from sites`);
        expect((sites as unknown as { rows: { id: string }[] }).rows.map((x) => x.id)).toEqual(['gx-main']);
        await expect(
          tx.execute(
            sql`insert into draft_entities (tenant_id, site_id, kind, id, body, updated_by) values ('acme', 'hq', 'skills', 'x', '{}', 'test')`,
          ),
        ).rejects.toThrow();
      })
      .catch((err: unknown) => {
        // The failed insert aborts the transaction; everything before it was asserted.
        if (
          !(err instanceof Error) ||
          !/row-level security|aborted/.test(`${err.message} ${String(err.cause)}`)
        )
          throw err;
      });
    const owners = await db.execute(
      sql`select c.relname, pg_get_userbyid(c.relowner) as owner, c.relrowsecurity, c.relforcerowsecurity from pg_class c where c.relname in (${sql.join(
        TENANT_TABLES.map((t) => sql`${t}`),
        sql`, `,
      )})`,
    );
    const rows = (
      owners as unknown as {
        rows: { relname: string; owner: string; relrowsecurity: boolean; relforcerowsecurity: boolean }[];
      }
    ).rows;
    expect(rows).toHaveLength(TENANT_TABLES.length);
    for (const r of rows)
      expect(r).toMatchObject({
        relrowsecurity: true,
        relforcerowsecurity: true,
        owner: expect.not.stringMatching(/^hcc_/),
      });
  });

  it('scopes API keys to their tenant, lets them be revoked, and enforces roles', async () => {
    const key = (await acme('POST', '/api/v1/api-keys', { name: 'analyst', role: 'analyst' })).json;
    expect(key.key).toMatch(/^hcck_[0-9a-f]{12}_/);
    const withKey = client(h.url, key.key);
    expect((await withKey('GET', '/api/v1/sites')).json.sites.map((s: { id: string }) => s.id)).toEqual([
      'hq',
    ]);
    expect((await withKey('POST', '/api/v1/publish', { siteIds: ['hq'] })).status).toBe(403);
    expect((await withKey('GET', '/api/v1/sites/gx-main')).status).toBe(404);
    expect((await acme('DELETE', `/api/v1/api-keys/${key.id}`)).status).toBe(204);
    expect((await withKey('GET', '/api/v1/sites')).status).toBe(401);
    expect((await globex('DELETE', `/api/v1/api-keys/${acmeKeyId}`)).status).toBe(404);
  });

  it('serves an OpenAPI document of the whole API and names fields in validation errors', async () => {
    const doc = (await client(h.url)('GET', '/api/v1/openapi.json')).json;
    expect(doc.openapi).toBe('3.1.0');
    for (const r of apiRoutes(h.cp.api))
      expect(doc.paths[r.path]?.[r.method], `${r.method} ${r.path}`).toBeDefined();
    expect(doc.components.schemas['hcc.config.v1.Flow'].properties.nodes.type).toBe('array');
    const siteView = { $ref: '#/components/schemas/SiteView' };
    expect(
      doc.paths['/api/v1/sites/{siteId}'].get.responses['200'].content['application/json'].schema,
    ).toEqual(siteView);
    expect(doc.paths['/api/v1/sites'].get.responses['200'].content['application/json'].schema).toMatchObject({
      properties: { sites: { items: siteView } },
    });
    expect(doc.components.schemas.SiteView.properties.events.required).toEqual([
      'outboxBacklog',
      'ingestedSeq',
      'ingestedAt',
      'parked',
    ]);
    const bad = await acme('POST', '/api/v1/sites', { id: 'Bad Id', name: '', timeZone: 'Mars/Base' });
    expect(bad.status).toBe(422);
    expect(bad.json.problems.map((p: { field: string }) => p.field).sort()).toEqual([
      'id',
      'name',
      'timeZone',
    ]);
    const badFlow = await acme('PUT', '/api/v1/sites/hq/flows/main', {
      entryNodeId: 1,
      nodes: [{ id: 'a', play: { promptId: 'x' }, menu: {} }],
    });
    expect(badFlow.json.problems).toEqual([
      { field: 'entryNodeId', problem: 'expected a string' },
      { field: 'nodes[0].menu', problem: 'only one of play and menu may be set' },
    ]);
  });
});
