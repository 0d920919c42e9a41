/**
 * The customer directory API over real HTTP (the edge's own app.ts composition) on PostgreSQL and
 * on the embedded PGlite: site API keys (none, unknown, revoked -> 401; last use recorded), CRUD and
 * search, clear 4xx answers to bad input, the 10,000-row import with 3 bad rows (9,997 stored, the 3
 * reported by line), and an export that imports back to the same directory.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Database, FakeClock, openDatabase, serveHttp, silentLogger } from '@hcc/shared';
import { createTestDatabase, freePort } from '@hcc/shared/testing';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { CustomerDirectory, CustomerStore, importCsv, siteNumberRules } from '../../src/customers/index.ts';
import { EDGE_MIGRATIONS } from '../../src/db/migrations.ts';
import { ApiKeyStore } from '../../src/http/api-keys.ts';
import { edgeApp } from '../../src/http/app.ts';
import { customersApi } from '../../src/http/customers-api.ts';
import { customersCsv, lineOfRow, parseCsvText } from './fixtures.ts';

interface Opened {
  database: Database;
  dispose(): Promise<void>;
}

const backends: Array<[string, () => Promise<Opened>]> = [
  [
    'postgres',
    async () => {
      const d = await createTestDatabase(inject('pgUrl'), 'edge_directory');
      const database = await openDatabase({ url: d.url });
      return {
        database,
        dispose: async () => {
          await database.close();
          await d.drop();
        },
      };
    },
  ],
  [
    'pglite',
    async () => {
      const dir = await mkdtemp(join(tmpdir(), 'hcc-directory-'));
      const database = await openDatabase({ dataDir: dir });
      return {
        database,
        dispose: async () => {
          await database.close();
          await rm(dir, { recursive: true, force: true });
        },
      };
    },
  ],
];

describe.each(backends)('customer directory API on %s', (_name, open) => {
  let o: Opened;
  let server: Server;
  let base: string;
  let keys: ApiKeyStore;
  let key: string;
  let directory: CustomerDirectory;
  const clock = new FakeClock(Date.parse('2026-12-01T10:00:00Z'));

  const call = (path: string, init: RequestInit & { key?: string | null } = {}) => {
    const headers = new Headers(init.headers);
    const k = init.key === undefined ? key : init.key;
    if (k !== null) headers.set('authorization', `Bearer ${k}`);
    return fetch(`${base}/api/v1${path}`, { ...init, headers });
  };
  const put = (phone: string, body: unknown) =>
    call(`/customers/${encodeURIComponent(phone)}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  const count = async () => directory.count();

  beforeAll(async () => {
    o = await open();
    await o.database.migrate(EDGE_MIGRATIONS);
    keys = new ApiKeyStore(o.database.db, clock);
    // National numbers are read with the rules of the site's trunks (here: +44, national prefix 0).
    directory = new CustomerDirectory(o.database.db, () =>
      siteNumberRules([
        { normalization: { countryCode: '44', nationalPrefix: '0', internationalPrefix: '00' } },
      ]),
    );
    const app = edgeApp({
      site: 'hq',
      readiness: () => [],
      status: () => ({}),
      directoryApi: customersApi({ directory, keys, log: silentLogger }),
    });
    const port = await freePort();
    const s = serveHttp({ fetch: app.fetch, hostname: '127.0.0.1', port, tls: undefined });
    server = s.server as Server;
    base = s.url;
    key = (await keys.create('crm-sync')).key;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server?.close(() => resolve()));
    await o?.dispose();
  });

  it('answers 401 without a key, with an unknown or malformed key, and with a revoked key', async () => {
    for (const k of [null, 'nonsense', `hcck_0123456789abcdef_${'A'.repeat(43)}`, key.slice(0, -1)]) {
      const r = await call('/customers', { key: k });
      expect(r.status, String(k)).toBe(401);
      expect(r.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect((await r.json()).error).toBe('unauthorized');
    }
    const other = await keys.create('script');
    expect((await call('/customers', { key: other.key })).status).toBe(200);
    expect(await keys.revoke(other.id)).toBe(true);
    const r = await call('/customers', { key: other.key });
    expect(r.status).toBe(401);
    expect((await r.json()).message).toMatch(/revoked/);
    expect(await keys.revoke(other.id)).toBe(false);
    const listed = await keys.list();
    expect(listed.find((k) => k.id === other.id)?.revokedAt).toBeInstanceOf(Date);
    expect(listed.find((k) => k.id === other.id)?.lastUsedAt?.getTime()).toBe(clock.now());
    // Only the SHA-256 of the secret is stored, never the key.
    const rows = (await o.database.db.execute(sql`select * from api_keys`)) as unknown as {
      rows: Array<Record<string, unknown>>;
    };
    expect(JSON.stringify(rows.rows)).not.toContain(other.key.split('_').pop());
  });

  it('upserts, gets, searches and deletes by number and e-mail', async () => {
    const created = await put('+442071234567', {
      name: 'Ada Lovelace',
      email: 'Ada@Example.org',
      account: 'ACME-1',
      attributes: { vip_tier: 'gold', language: 'en-GB' },
    });
    expect(created.status).toBe(201);
    expect(await created.json()).toMatchObject({ phone: '+442071234567', email: 'ada@example.org' });
    // The same customer by its national form: replaced, not added.
    const replaced = await put('020 7123 4567', { name: 'Ada King', email: 'ada@example.org' });
    expect(replaced.status).toBe(200);
    expect((await replaced.json()).attributes).toEqual({});
    expect((await put('+442071234568', { name: 'Adam Smith' })).status).toBe(201);
    expect((await put('+442071234569', { name: 'Bob Jones', email: 'bob@example.org' })).status).toBe(201);

    const one = await call(`/customers/${encodeURIComponent('+442071234567')}`);
    expect(await one.json()).toMatchObject({
      name: 'Ada King',
      email: 'ada@example.org',
      updated_at: expect.any(String),
    });
    const byEmail = await (await call('/customers?email=BOB@example.org')).json();
    expect(byEmail.customers.map((c: { phone: string }) => c.phone)).toEqual(['+442071234569']);
    const byNumber = await (await call('/customers?phone=02071234568')).json();
    expect(byNumber.customers.map((c: { name: string }) => c.name)).toEqual(['Adam Smith']);
    // Name prefix, case-insensitive, paginated in phone order.
    const p1 = await (await call('/customers?name=ad&limit=1')).json();
    expect(p1.customers.map((c: { name: string }) => c.name)).toEqual(['Ada King']);
    expect(p1.next).toBe('+442071234567');
    const p2 = await (await call(`/customers?name=ad&limit=1&after=${encodeURIComponent(p1.next)}`)).json();
    expect(p2.customers.map((c: { name: string }) => c.name)).toEqual(['Adam Smith']);
    expect(p2.next).toBeUndefined();
    // A LIKE wildcard in the prefix is a literal.
    expect((await (await call('/customers?name=%25')).json()).customers).toEqual([]);

    // The IVR and screen pop read the same rows.
    const ivr = await new CustomerStore(o.database.db).attributes('+442071234569', {
      signal: new AbortController().signal,
    });
    expect(ivr).toEqual({ account: '', known: 'true' });

    expect((await call('/customers/%2B442071234568', { method: 'DELETE' })).status).toBe(204);
    expect((await call('/customers/%2B442071234568')).status).toBe(404);
    expect((await call('/customers/%2B442071234568', { method: 'DELETE' })).status).toBe(404);
  });

  it('answers bad input with a clear 4xx naming the field, and keeps serving', async () => {
    expect((await put('+442071230001', { name: 'Carol', email: 'carol@example.org' })).status).toBe(201);
    const cases: Array<[Promise<Response>, number, string, string?]> = [
      [put('+442071230000', { name: 'X', email: 'not-an-address' }), 400, 'invalid', 'email'],
      [put('+442071230000', { email: 'x@example.org' }), 400, 'invalid', 'name'],
      [
        put('+442071230000', { name: 'X', attributes: { 'bad key': 'v' } }),
        400,
        'invalid',
        'attributes.bad key',
      ],
      [put('+442071230000', { name: 'X', attributes: { tier: 5 } }), 400, 'invalid', 'attributes.tier'],
      [put('+442071230000', { name: 'X', phone: '+442079999999' }), 400, 'invalid', 'phone'],
      [put('+442071230000', '{"name": '), 400, 'invalid_json'],
      [put('+442071230000', '[1,2]'), 400, 'invalid_json'],
      [put('+442071230000', { name: 'X'.repeat(70_000) }), 413, 'too_large'],
      [put('hello', { name: 'X' }), 400, 'invalid', 'phone'],
      [put('+442071230000', { name: 'Thief', email: 'Carol@example.org' }), 409, 'conflict', 'email'],
      [call('/customers?limit=0'), 400, 'invalid', 'limit'],
      [call('/customers?nme=Ada'), 400, 'invalid', 'nme'],
      [call('/customers?phone=abc'), 400, 'invalid', 'phone'],
      [call('/customers/import', { method: 'POST', body: 'number,name\n1,x\n' }), 400, 'invalid_csv'],
      [call('/customers/import', { method: 'POST', body: '' }), 400, 'invalid_csv'],
    ];
    for (const [res, status, error, field] of cases) {
      const r = await res;
      const body = await r.json();
      expect([r.status, body.error, body.field], JSON.stringify(body)).toEqual([status, error, field]);
      expect(body.message).toEqual(expect.any(String));
    }
    expect((await call('/customers/%2B442071230000')).status).toBe(404);
  });

  it('imports 10,000 customers with 3 bad rows: 9,997 stored, the 3 reported by line', async () => {
    await o.database.db.execute(sql`delete from customers`);
    const bad = new Map<number, string>([
      [1201, 'phone'], // not a number
      [5002, 'email'], // not an address
      [9999, 'name'], // empty name
    ]);
    const csv = customersCsv(10_000, bad);
    // Streamed in small pieces, as a client's upload arrives.
    const bytes = new TextEncoder().encode(csv);
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        for (let i = 0; i < bytes.length; i += 16 * 1024) c.enqueue(bytes.slice(i, i + 16 * 1024));
        c.close();
      },
    });
    const r = await call('/customers/import', {
      method: 'POST',
      headers: { 'content-type': 'text/csv' },
      body,
      duplex: 'half',
    } as RequestInit);
    expect(r.status).toBe(200);
    const report = await r.json();
    expect(report.stored).toBe(9_997);
    expect(report.failed).toBe(3);
    // Every 10th row's notes span two lines: the lines reported are where each bad record starts.
    expect(report.errors.map((e: { line: number; field: string }) => [e.line, e.field])).toEqual([
      [1322, 'phone'],
      [5503, 'email'],
      [10_999, 'name'],
    ]);
    expect([...bad.keys()].map(lineOfRow)).toEqual([1322, 5503, 10_999]);
    expect(JSON.stringify(report)).not.toContain('@'); // no value echoed
    expect(await count()).toBe(9_997);
    const ivr = await new CustomerStore(o.database.db).attributes('+15550000042', {
      signal: new AbortController().signal,
    });
    expect(ivr).toMatchObject({ known: 'true', vip_tier: 'silver', account: 'ACC-42' });
  });

  it('exports CSV that imports back to the same directory', async () => {
    await o.database.db.execute(sql`delete from customers`);
    const seeded = await importCsv(directory, [customersCsv(2_500)]);
    expect(seeded).toEqual({ stored: 2_500, failed: 0, errors: [] });
    const all: unknown[] = [];
    for await (const c of directory.all()) all.push(c);
    const r = await call('/customers/export');
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^text\/csv/);
    const text = await r.text();
    const rows = parseCsvText(text);
    expect(rows[0]).toEqual(['phone', 'email', 'name', 'account', 'notes', 'attr.language', 'attr.vip_tier']);
    expect(rows.length - 1).toBe(all.length);

    await o.database.db.execute(sql`delete from customers`);
    const back = await call('/customers/import', { method: 'POST', body: text });
    expect(await back.json()).toEqual({ stored: all.length, failed: 0, errors: [] });
    const after: unknown[] = [];
    for await (const c of directory.all()) after.push(c);
    const strip = (xs: unknown[]) => xs.map((x) => ({ ...(x as object), updatedAt: 0 }));
    expect(strip(after)).toEqual(strip(all));
  });
});
